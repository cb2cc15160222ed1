package io.jvs.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code jvs capture}: what the datapath receives and sends on a system port and on a patch port (which tcpdump
 * cannot see), read back with tshark, matches what was sent; to stdout for a pipe too.
 */
class CaptureTest {
    @RegisterExtension
    final Lab lab = new Lab();

    @BeforeEach
    void root() {
        Lab.assumeRoot();
        Capture.assumeTshark();
    }

    private Process capture(JvsDaemon jvs, Path out, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of(JvsDaemon.launcher().toString(), "--rundir",
                jvs.rundir().toString(), "capture"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(false)
                .redirectOutput(out.toFile()).redirectError(out.resolveSibling(out.getFileName() + ".err").toFile());
        pb.environment().put("JVS_NO_BUILD", "1");
        try {
            return lab.background(pb.start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void await(Process p, String what, Path log, JvsDaemon jvs) throws Exception {
        boolean ended = p.waitFor(30, TimeUnit.SECONDS);
        String err = java.nio.file.Files.readString(log.resolveSibling(log.getFileName() + ".err"));
        assertTrue(ended, what + " did not end; its stderr: " + err + "\n" + jvs.ok("dump-ports", "br0").out());
        assertEquals(0, p.exitValue(), what + " failed: " + err);
    }

    private static List<String[]> icmp(Path pcap) {
        return Sh.run(Duration.ofSeconds(60), Map.of(), List.of("tshark", "-r", pcap.toString(), "-Y", "icmp",
                "-T", "fields", "-E", "separator=|", "-e", "ip.src", "-e", "icmp.type", "-e", "icmp.seq",
                "-e", "vlan.id", "-e", "data.data")).check().out().lines().filter(l -> !l.isBlank())
                .map(l -> l.split("\\|", -1)).toList();
    }

    @Test
    void capturesSystemAndPatchPortsAsTheyCarryTheFrames() throws Exception {
        JvsDaemon jvs = lab.daemon();
        Lab.Host a = lab.vethHost("10.0.0.1/24");
        Lab.Host b = lab.vethHost("10.0.0.2/24");
        jvs.ok("add-br", "br0");
        jvs.ok("add-br", "br1");
        jvs.ok("add-port", "br0", a.port());
        jvs.ok("add-port", "br0", "p0", "type=patch", "options:peer=p1", "trunks=7");
        jvs.ok("add-port", "br1", "p1", "type=patch", "options:peer=p0", "trunks=7");
        jvs.ok("add-port", "br1", b.port(), "tag=7");
        jvs.ok("set", "port", a.port(), "tag=7");
        Traffic.staticNeighbour(a, b);
        Traffic.staticNeighbour(b, a);
        Traffic.ping(a, b); // learned: the pings below are unicast, cached, and captured with the cache bypassed

        Path dir = lab.tempDir();
        Path onA = dir.resolve("a.pcap");
        Path onPatch = dir.resolve("p0.pcap");
        Path aIn = dir.resolve("a-in.pcap");
        Process pa = capture(jvs, dir.resolve("a.log"), a.port(), "-w", onA.toString(), "-c", "10");
        Process pp = capture(jvs, dir.resolve("p.log"), "p0", "-w", onPatch.toString(), "-c", "10");
        // Ping until the captures have their frames: the CLIs (JVMs) take a moment to start capturing.
        Process ping = lab.background(new ProcessBuilder("ip", "netns", "exec", a.ns(), "ping", "-n", "-c", "300",
                "-i", "0.2", "-p", "c0ffee", b.ip()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("ping.log").toFile()).start());
        await(pa, "capture on " + a.port(), dir.resolve("a.log"), jvs);
        await(pp, "capture on p0", dir.resolve("p.log"), jvs);
        Process pin = capture(jvs, dir.resolve("ain.log"), a.port(), "-w", aIn.toString(), "-c", "3", "--in");
        await(pin, "--in capture", dir.resolve("ain.log"), jvs);
        ping.destroy();

        for (Path pcap : List.of(onA, onPatch)) {
            List<String[]> r = icmp(pcap);
            assertEquals(10, r.size(), pcap.getFileName() + ": 10 frames");
            int first = r.get(0)[1].equals("8") ? 0 : 1; // the capture may have begun between a request and its reply
            for (int i = first; i + 1 < r.size(); i += 2) {
                String[] req = r.get(i);
                String[] rep = r.get(i + 1);
                assertEquals(List.of(a.ip(), "8"), List.of(req[0], req[1]), pcap.getFileName() + " frame " + i);
                assertEquals(List.of(b.ip(), "0", req[2]), List.of(rep[0], rep[1], rep[2]),
                        pcap.getFileName() + ": the reply follows its request");
                assertTrue(req[4].contains("c0ffee"), "the ping's payload pattern: " + req[4]);
            }
            for (String[] f : r) {
                // An access port's frames are untagged on its wire; the trunk patch port carries them in VLAN 7.
                assertEquals(pcap == onA ? "" : "7", f[3], pcap.getFileName() + " VLAN");
            }
        }
        List<String[]> rin = icmp(aIn);
        assertEquals(3, rin.size());
        for (String[] f : rin) {
            assertEquals("8", f[1], "--in: only what the port received");
        }

        // To stdout, for a pipe into tshark.
        Sh.Result piped = Sh.run(Duration.ofSeconds(60), Map.of("JVS_NO_BUILD", "1"), List.of("bash", "-c",
                "ip netns exec " + a.ns() + " ping -n -c 300 -i 0.2 " + b.ip() + " >/dev/null & P=$!; '"
                        + JvsDaemon.launcher() + "' --rundir '" + jvs.rundir() + "' capture " + a.port()
                        + " -c 4 | tshark -r - -Y icmp -T fields -e icmp.type; kill $P"));
        List<String> types = piped.check().out().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(4, types.size(), piped.toString());
        assertTrue(types.contains("8") && types.contains("0") && types.stream().allMatch(t -> t.matches("[08]")),
                piped.toString());

        Sh.Result bad = jvs.cli("capture", "no-such-port", "-c", "1");
        assertEquals(1, bad.exit());
        assertEquals("jvs: no port named no-such-port", bad.err().strip());
    }
}
