package io.jvs.tests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * A private Open vSwitch (ovsdb-server + ovs-vswitchd, userspace datapath) running inside one of the test's
 * namespaces: a peer nobody here wrote, for interop tests.
 *
 * <p>Everything it touches is the test's own: the database, sockets, pidfiles and logs live in a {@link Lab#tempDir()}
 * and every ovs-* command gets {@code OVS_RUNDIR/OVS_LOGDIR/OVS_DBDIR/OVS_SYSCONFDIR} pointing there (without them a
 * vswitchd tries {@code /var/run/openvswitch/BRIDGE.mgmt}). Both daemons run in the foreground (no {@code --detach}),
 * are registered with {@link Lab#background(Process)} (killed by PID after the test, passed or failed), and run inside
 * the namespace, so the TAPs the netdev datapath creates there with {@code persist on} ({@code ovs-netdev}, one per
 * bridge) die with the namespace. {@link #stop()} ends them gracefully first.
 *
 * <p>Only {@code datapath_type=netdev} works here: this kernel has no openvswitch module ({@code Generic Netlink
 * family 'ovs_datapath' does not exist} in the log is expected). When OVS is not installed or does not start, the
 * test is skipped with the reason.
 */
public final class OvsPeer {
    static final Path SCHEMA = Path.of("/usr/share/openvswitch/vswitch.ovsschema");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);

    private final String ns;
    private final Path dir;
    private final Map<String, String> env;
    private Process dbServer;
    private Process vswitchd;

    private OvsPeer(String ns, Path dir) {
        this.ns = ns;
        this.dir = dir;
        String d = dir.toString();
        this.env = Map.of("OVS_RUNDIR", d, "OVS_LOGDIR", d, "OVS_DBDIR", d, "OVS_SYSCONFDIR", d);
    }

    /** Skips the test unless the OVS binaries and schema are installed (scripts/install-deps.sh installs them). */
    public static void assumeInstalled() {
        boolean present = Files.isExecutable(Path.of("/usr/sbin/ovs-vswitchd"))
                && Files.isExecutable(Path.of("/usr/sbin/ovsdb-server")) && Files.isReadable(SCHEMA)
                && Sh.run("sh", "-c", "command -v ovs-vsctl && command -v ovs-appctl && command -v ovsdb-tool").ok();
        Assumptions.assumeTrue(present,
                "Open vSwitch is not installed (package openvswitch-switch; scripts/install-deps.sh installs it)");
    }

    /**
     * Creates the database and starts ovsdb-server and ovs-vswitchd inside {@code ns}; ready when ovs-vswitchd
     * answers {@code version} on its control socket. Skips the test (with the log) when OVS cannot start.
     */
    public static OvsPeer startIn(Lab lab, String ns) {
        assumeInstalled();
        OvsPeer ovs = new OvsPeer(ns, lab.tempDir());
        ovs.start(lab);
        return ovs;
    }

    private void start(Lab lab) {
        String d = dir.toString();
        Sh.Result created = run(List.of("ovsdb-tool", "create", d + "/conf.db", SCHEMA.toString()));
        Assumptions.assumeTrue(created.ok(), () -> "OVS cannot start: ovsdb-tool create failed\n" + created);
        dbServer = lab.background(spawn("ovsdb-server", List.of("ovsdb-server", d + "/conf.db",
                "--remote=punix:" + d + "/db.sock", "--pidfile=" + d + "/ovsdb-server.pid",
                "--unixctl=" + d + "/ovsdb-server.ctl", "--log-file=" + d + "/ovsdb-server.log", "--no-chdir")));
        awaitOrSkip("ovsdb-server", dbServer,
                () -> run(List.of("ovs-vsctl", "--db=unix:" + d + "/db.sock", "--timeout=2", "--no-wait", "init")));
        vswitchd = lab.background(spawn("ovs-vswitchd", List.of("ovs-vswitchd", "unix:" + d + "/db.sock",
                "--pidfile=" + d + "/ovs-vswitchd.pid", "--unixctl=" + d + "/ovs-vswitchd.ctl",
                "--log-file=" + d + "/ovs-vswitchd.log", "--no-chdir")));
        awaitOrSkip("ovs-vswitchd", vswitchd, () -> run(List.of("ovs-appctl", "-t", d + "/ovs-vswitchd.ctl",
                "--timeout=2", "version")));
    }

    private Process spawn(String name, List<String> command) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns)); // execs the daemon: same PID
        cmd.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".stderr").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.environment().putAll(env);
        try {
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    private void awaitOrSkip(String name, Process p, java.util.function.Supplier<Sh.Result> probe) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        Sh.Result last = null;
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                break;
            }
            last = probe.get();
            if (last.ok()) {
                return;
            }
            JvsDaemon.sleep(100);
        }
        String why = name + (p.isAlive() ? " did not answer within " + START_TIMEOUT.toSeconds() + " s"
                : " exited with status " + p.exitValue());
        Sh.Result lastProbe = last;
        Assumptions.abort("OVS cannot start in namespace " + ns + ": " + why
                + (lastProbe == null ? "" : "\nlast probe:\n" + lastProbe) + "\n" + logs());
    }

    /** The private directory: database, sockets, pidfiles, logs. */
    public Path dir() {
        return dir;
    }

    /** The namespace the daemons run in (the OVS "host"). */
    public String ns() {
        return ns;
    }

    /** {@code ovs-vsctl --db=unix:DIR/db.sock ARGS...}; fails the test unless it exits 0; returns stdout. */
    public String vsctl(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ovs-vsctl", "--db=unix:" + dir + "/db.sock", "--timeout=10"));
        cmd.addAll(List.of(args));
        return run(cmd).check().out();
    }

    /** {@code ovs-appctl -t DIR/ovs-vswitchd.ctl ARGS...}; never throws on a non-zero exit. */
    public Sh.Result appctl(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ovs-appctl", "-t", dir + "/ovs-vswitchd.ctl", "--timeout=10"));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    private Sh.Result run(List<String> cmd) {
        return Sh.run(Sh.DEFAULT_TIMEOUT, env, cmd);
    }

    /** ovs-vswitchd's log file. */
    public String vswitchdLog() {
        return read(dir.resolve("ovs-vswitchd.log"));
    }

    /** Both logs, their stderr, and (if vswitchd answers) the configuration and datapath state: for failures. */
    public String logs() {
        StringBuilder sb = new StringBuilder();
        for (String f : List.of("ovsdb-server.stderr", "ovsdb-server.log", "ovs-vswitchd.stderr", "ovs-vswitchd.log")) {
            sb.append("==== OVS ").append(f).append(" ====\n").append(read(dir.resolve(f)));
        }
        if (vswitchd != null && vswitchd.isAlive()) {
            sb.append("==== ovs-vsctl show ====\n").append(run(List.of("ovs-vsctl", "--db=unix:" + dir + "/db.sock",
                    "--timeout=5", "show")).out());
            for (String[] c : new String[][] {{"dpif/show"}, {"dpctl/dump-flows", "-m"}, {"ovs/route/show"},
                    {"tnl/neigh/show"}, {"tnl/ports/show", "-v"}}) {
                Sh.Result r = appctl(c);
                sb.append("==== ovs-appctl ").append(String.join(" ", c)).append(" ====\n").append(r.out())
                        .append(r.err());
            }
        }
        return sb.toString();
    }

    /** Ends ovs-vswitchd, then ovsdb-server (SIGTERM, 10 s each, then SIGKILL). Safe to call twice. */
    public void stop() {
        for (Process p : new Process[] {vswitchd, dbServer}) {
            if (p == null || !p.isAlive()) {
                continue;
            }
            p.destroy();
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "(missing)\n";
        } catch (IOException e) {
            return "(cannot read " + p + ": " + e + ")\n";
        }
    }
}
