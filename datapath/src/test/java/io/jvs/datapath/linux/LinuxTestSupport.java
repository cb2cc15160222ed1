package io.jvs.datapath.linux;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Assumptions;

/**
 * Test scaffolding: root check, unique names, and `ip` commands to build and tear down namespaces and devices (only
 * tests shell out; the main code never does). Everything a test makes lives in namespaces it made, so deleting them
 * removes all of it and no traffic leaves them.
 */
final class LinuxTestSupport implements AutoCloseable {
    static final boolean IS_ROOT = isRoot();

    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    static void assumeRoot() {
        Assumptions.assumeTrue(IS_ROOT, "needs root: creates namespaces and devices");
    }

    private static boolean isRoot() {
        try {
            Process p = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.waitFor() == 0 && out.equals("0");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** "jl" + 6 random hex digits + suffix: unique per test, short enough for an interface name. */
    static String uniqueName(String suffix) {
        return "jl" + String.format("%06x", ThreadLocalRandom.current().nextInt(1 << 24)) + suffix;
    }

    /** Creates a namespace with IPv6 off (no router solicitations or MLD noise), deleted in close(). */
    String namespace() throws Exception {
        String ns = uniqueName("n");
        run("ip", "netns", "add", ns);
        namespaces.add(ns);
        inNs(ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1");
        inNs(ns, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1");
        run("ip", "-n", ns, "link", "set", "lo", "up");
        return ns;
    }

    /** Forgets a namespace the test deleted itself. */
    void forgetNamespace(String ns) {
        namespaces.remove(ns);
    }

    static void inNs(String ns, String... command) throws Exception {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        argv.addAll(List.of(command));
        run(argv.toArray(String[]::new));
    }

    /** Runs a command to completion; fails with its output when it exits non-zero. */
    static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + String.join(" ", command));
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited " + p.exitValue() + ": " + out);
        }
        return out;
    }

    /**
     * Sends one UDP datagram from inside {@code ns} to {@code ip} port 9 (discard), which makes the kernel resolve
     * {@code ip} with ARP requests (it retries about once a second). Uses bash's /dev/udp, since ping is not
     * installed everywhere.
     */
    static void sendUdp(String ns, String ip) throws Exception {
        inNs(ns, "bash", "-c", "echo jvs > /dev/udp/" + ip + "/9");
    }

    /** Starts a command in the background (e.g. ping), killed in close(). */
    Process background(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        processes.add(p);
        return p;
    }

    static UnsafeBuffer directBuffer(int capacity) {
        return new UnsafeBuffer(ByteBuffer.allocateDirect(capacity));
    }

    static int uint16(UnsafeBuffer b, int offset) {
        return ((b.getByte(offset) & 0xFF) << 8) | (b.getByte(offset + 1) & 0xFF);
    }

    static long mac(UnsafeBuffer b, int offset) {
        long mac = 0;
        for (int i = 0; i < 6; i++) {
            mac = (mac << 8) | (b.getByte(offset + i) & 0xFF);
        }
        return mac;
    }

    static void putMac(UnsafeBuffer b, int offset, long mac) {
        for (int i = 0; i < 6; i++) {
            b.putByte(offset + i, (byte) (mac >>> (40 - 8 * i)));
        }
    }

    /** A random locally administered unicast MAC. */
    static long randomMac() {
        return 0x0200_0000_0000L | (ThreadLocalRandom.current().nextLong() & 0xFF_FFFF_FFFFL);
    }

    @Override
    public void close() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
        Exception first = null;
        for (String ns : namespaces) {
            try {
                run("ip", "netns", "delete", ns);
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        namespaces.clear();
        if (first != null) {
            throw first;
        }
    }
}
