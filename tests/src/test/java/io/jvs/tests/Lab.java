package io.jvs.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Everything one system test creates, and its removal: namespaces, veth pairs, TAP netdevs, daemons, background
 * processes and temporary directories. Register it per test with {@code @RegisterExtension final Lab lab = new Lab();}.
 *
 * <p>Every name starts with "jt" plus random hex that is fixed for the test, so tests running at the same time on
 * this machine (other worktrees) never collide, and a leftover is recognisable. Interface names stay at or below 15
 * bytes (IFNAMSIZ - 1).
 *
 * <p>After each test, whether it passed or failed: background processes are killed, daemons stopped, then TAPs
 * created by internal ports are deleted wherever they are (they are persistent and would otherwise outlive the daemon
 * in the root namespace), then veth ends in the root namespace, then the namespaces. When the test failed, the log of
 * every daemon it started is printed first.
 */
public final class Lab implements AfterTestExecutionCallback, AfterEachCallback {
    public static final boolean ROOT = Sh.run("id", "-u").out().strip().equals("0");

    private final String prefix = "jt" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 5);
    private int counter;
    private final List<String> namespaces = new ArrayList<>();
    private final List<String> rootDevices = new ArrayList<>();
    private final List<String> taps = new ArrayList<>();
    private final List<JvsDaemon> daemons = new ArrayList<>();
    private final Deque<Process> background = new ArrayDeque<>();
    private final List<Path> tempDirs = new ArrayList<>();

    /** A host: network namespace {@code ns} with interface {@code dev} holding {@code ip}, reached via switch port {@code port}. */
    public record Host(String ns, String dev, String ip, String port) {
        public String mac() {
            return Sh.ok("ip", "-n", ns, "-br", "link", "show", "dev", dev).out().strip().split("\\s+")[2];
        }
    }

    /** Skips the test unless we are root. */
    public static void assumeRoot() {
        Assumptions.assumeTrue(ROOT, "needs root: creates namespaces, veth and TAP devices");
    }

    /** A fresh name with this test's prefix, e.g. {@code jt1a2b3h4}; at most 12 bytes for suffixes of 2. */
    public String name(String suffix) {
        return prefix + suffix + (++counter);
    }

    /** Starts a daemon with its own fresh run directory and database (and no metrics endpoint). */
    public JvsDaemon daemon() {
        return daemon(JvsDaemon.DEFAULT_OPTIONS.toArray(String[]::new));
    }

    /** Starts a daemon with these {@code jvs daemon} options instead of {@link JvsDaemon#DEFAULT_OPTIONS}. */
    public JvsDaemon daemon(String... options) {
        JvsDaemon d = new JvsDaemon(tempDir(), List.of(options));
        daemons.add(d);
        return d.start();
    }

    /** Starts a daemon inside namespace {@code ns} (one "host" of a multi-host test), with its own run directory. */
    public JvsDaemon daemonIn(String ns) {
        JvsDaemon d = new JvsDaemon(tempDir(), ns, JvsDaemon.DEFAULT_OPTIONS);
        daemons.add(d);
        return d.start();
    }

    /** A fresh, short temporary directory (unix socket paths are limited to 107 bytes), removed after the test. */
    public Path tempDir() {
        try {
            Path dir = Files.createTempDirectory(Path.of("/tmp"), prefix + "-");
            tempDirs.add(dir);
            return dir;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Creates a network namespace with loopback up and IPv6 off. IPv6 is off so that router solicitations, DAD and
     * MLD reports do not add frames the tests do not send (the VLAN tests compare tx counters).
     */
    public String netns() {
        String ns = name("n");
        Sh.ok("ip", "netns", "add", ns);
        namespaces.add(ns);
        Sh.ok("ip", "-n", ns, "link", "set", "lo", "up");
        Sh.ok("ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1",
                "net.ipv6.conf.default.disable_ipv6=1");
        return ns;
    }

    /**
     * A new namespace joined to the root namespace by a veth pair: {@code eth0} inside with address {@code cidr},
     * up; the root end (the port name for {@code add-port ... type=system}) is left down, because attaching it
     * must bring it up. IPv6 is off on the root end too, for the same reason as in {@link #netns()}.
     */
    public Host vethHost(String cidr) {
        String ns = netns();
        String rootEnd = name("v");
        Sh.ok("ip", "link", "add", rootEnd, "type", "veth", "peer", "name", "eth0", "netns", ns);
        rootDevices.add(rootEnd);
        Sh.ok("sysctl", "-q", "-w", "net.ipv6.conf." + rootEnd + ".disable_ipv6=1");
        Sh.ok("ip", "-n", ns, "addr", "add", cidr, "dev", "eth0");
        Sh.ok("ip", "-n", ns, "link", "set", "eth0", "up");
        return new Host(ns, "eth0", ip(cidr), rootEnd);
    }

    /**
     * A veth pair with both ends in the root namespace, for frames the test JVM writes itself ({@link RawFrames}):
     * returns {port end (left down, for add-port), sender end (up)}. IPv6 is off on both so the kernel adds nothing.
     */
    public String[] rootVethPair() {
        String port = name("v");
        String sender = name("w");
        Sh.ok("ip", "link", "add", port, "type", "veth", "peer", "name", sender);
        rootDevices.add(port);
        rootDevices.add(sender);
        Sh.ok("sysctl", "-q", "-w", "net.ipv6.conf." + port + ".disable_ipv6=1",
                "net.ipv6.conf." + sender + ".disable_ipv6=1");
        Sh.ok("ip", "link", "set", sender, "up");
        return new String[] {port, sender};
    }

    /**
     * A new namespace for an internal port: returns the host with the TAP name the test passes to
     * {@code add-port BR NAME type=internal netns=NS}. The address is configured by {@link #addAddress(Host, String)}
     * once the daemon has moved the TAP into the namespace.
     */
    public Host internalHost(String cidr) {
        String ns = netns();
        String tap = name("t");
        taps.add(tap);
        return new Host(ns, tap, ip(cidr), tap);
    }

    /**
     * A TAP name for {@code add-port BR NAME type=internal netns=NS} into a namespace the test already has, for
     * several ports in one namespace (a router's qr- and qg- ports); {@code role} (2 letters) goes into the name.
     * Registered for cleanup like {@link #internalHost}'s TAPs.
     */
    public String internalPort(String role) {
        String tap = name(role);
        taps.add(tap);
        return tap;
    }

    /** Configures the host's address inside its namespace ({@code ip netns exec NS ip addr add}). */
    public void addAddress(Host h, String cidr) {
        Sh.inNs(h.ns(), "ip", "addr", "add", cidr, "dev", h.dev()).check();
    }

    /** Registers a process to kill (by PID) after the test, e.g. an iperf3 server. */
    public Process background(Process p) {
        background.push(p);
        return p;
    }

    /**
     * Starts {@code command} inside namespace {@code ns} in the background ({@code ip netns exec} execs it, so the
     * process is the command itself), stdout and stderr to {@code log}; killed by PID after the test, and waited for.
     * Servers must stay in the foreground (dnsmasq {@code --no-daemon}, never {@code iperf3 -D}).
     */
    public Process backgroundInNs(String ns, Path log, String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(command));
        try {
            return background(new ProcessBuilder(full)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + full, e);
        }
    }

    /** Registers a netdev name in the root namespace to delete after the test. */
    public void ownRootDevice(String dev) {
        rootDevices.add(dev);
    }

    static String ip(String cidr) {
        return cidr.substring(0, cidr.indexOf('/'));
    }

    @Override
    public void afterTestExecution(ExtensionContext context) {
        if (context.getExecutionException().isPresent()) {
            for (JvsDaemon d : daemons) {
                System.err.println("==== log of jvs daemon in " + d.rundir() + " (" + context.getDisplayName() + ") ====");
                System.err.println(d.log());
                System.err.println("==== end of daemon log ====");
            }
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        while (!background.isEmpty()) {
            Process p = background.pop();
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        daemons.forEach(JvsDaemon::kill);
        for (String ns : namespaces) {
            // Anything still running in the namespace would keep it (and its devices) alive.
            for (String pid : Sh.run("ip", "netns", "pids", ns).out().split("\\s+")) {
                if (!pid.isBlank()) {
                    Sh.run("kill", "-9", pid);
                }
            }
        }
        for (String tap : taps) {
            for (String ns : namespaces) {
                quietly("ip", "-n", ns, "link", "del", tap);
            }
            quietly("ip", "link", "del", tap);
        }
        rootDevices.forEach(dev -> quietly("ip", "link", "del", dev));
        namespaces.forEach(ns -> quietly("ip", "netns", "del", ns));
        tempDirs.forEach(Lab::deleteTree);
        // Namespaces die asynchronously, and a device inside one may be handed back to the root namespace rather
        // than deleted: sweep anything with our prefix for a moment before calling it a leak.
        List<String> left = leftovers();
        for (int i = 0; i < 10 && !left.isEmpty(); i++) {
            left.forEach(n -> quietly("ip", "link", "del", n));
            left.forEach(n -> quietly("ip", "netns", "del", n));
            JvsDaemon.sleep(200);
            left = leftovers();
        }
        assertTrue(left.isEmpty(), "cleanup left devices or namespaces behind: " + left);
    }

    /** Netdevs or namespaces with this test's prefix still present after cleanup. */
    private List<String> leftovers() {
        List<String> left = new ArrayList<>();
        Sh.run("ip", "-br", "link").out().lines().map(l -> l.split("[\\s@]+")[0])
                .filter(n -> n.startsWith(prefix)).forEach(left::add);
        Sh.run("ip", "netns", "list").out().lines().map(l -> l.split("\\s+")[0])
                .filter(n -> n.startsWith(prefix)).forEach(left::add);
        return left;
    }

    private static void quietly(String... cmd) {
        Sh.run(cmd); // Most of these find nothing to delete; that is the expected case.
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // A leftover directory under /tmp is harmless.
        }
    }
}
