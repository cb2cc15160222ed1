package io.jvs.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * MAC flooding: trafgen in namespace F sends frames with random unicast source MACs (02:rr:rr:rr:rr:rr, 2^40 of
 * them) to an unknown unicast destination through a system port. The MAC table must stay at its bound (8192) and
 * count {@code learn_full}; hosts A and B, learned before the flood, keep their entries and keep forwarding during
 * and after it; the daemon's RSS and its heap after a full GC stay flat between a warm-up flood and the main flood.
 *
 * <p>trafgen is rate-limited ({@code -b}): unlimited it fills the AF_PACKET ring in 0.3 s and the kernel drops
 * 95% of the frames before the switch sees them ({@code kernel_drops}); the test wants the switch to process
 * hundreds of thousands of distinct MACs.
 */
class MacFloodTest {
    static final int CAPACITY = 8192;
    static final int WARMUP_FRAMES = 60_000;
    static final int FLOOD_FRAMES = 200_000;
    static final String RATE = "50000pps";
    static final long RSS_GROWTH_KB = 64 * 1024;
    static final long HEAP_GROWTH_KB = 16 * 1024;

    @RegisterExtension
    final Lab lab = new Lab();

    @BeforeEach
    void root() {
        Lab.assumeRoot();
    }

    @Test
    void tableStaysBoundedMemoryFlatKnownMacsKeepForwarding() throws Exception {
        JvsDaemon jvs = lab.daemon();
        Lab.Host a = lab.vethHost("10.0.0.1/24");
        Lab.Host b = lab.vethHost("10.0.0.2/24");
        Lab.Host f = lab.vethHost("10.0.0.3/24");
        jvs.ok("add-br", "br0");
        for (Lab.Host h : List.of(a, b, f)) {
            jvs.ok("add-port", "br0", h.port());
        }
        Traffic.ping(a, b);
        Traffic.ping(b, a);
        long pid = jvs.pid();
        long rss0 = DaemonHealth.rssKb(pid);
        long heap0 = DaemonHealth.heapAfterGcKb(pid);
        Path cfg = lab.tempDir().resolve("flood.cfg");
        Files.writeString(cfg, """
                {
                  0x02, 0x00, 0x5e, 0x00, 0xfe, 0x01,
                  0x02, drnd(), drnd(), drnd(), drnd(), drnd(),
                  c16(0x88b5),
                  fill(0x00, 46)
                }
                """);

        long t0 = System.nanoTime();
        Sh.Result warm = Sh.run(Duration.ofSeconds(60), Map.of(), trafgen(f, cfg, WARMUP_FRAMES));
        assertEquals(0, warm.exit(), "trafgen warm-up flood failed:\n" + warm);
        JvsDaemon.sleep(500);
        long rss1 = DaemonHealth.rssKb(pid);
        long heap1 = DaemonHealth.heapAfterGcKb(pid);
        CliOutput.PortStats fWarm = CliOutput.dumpPorts(jvs.ok("dump-ports", "br0").out()).get(f.port());

        Process flood = lab.background(new ProcessBuilder(trafgen(f, cfg, FLOOD_FRAMES))
                .redirectErrorStream(true).redirectOutput(lab.tempDir().resolve("trafgen.log").toFile()).start());
        JvsDaemon.sleep(1000);
        assertTrue(flood.isAlive(), "trafgen should still be flooding while the hosts ping");
        Traffic.ping(a, b); // during the flood
        Traffic.ping(b, a);
        boolean stillFlooding = flood.isAlive();
        assertTrue(flood.waitFor(60, TimeUnit.SECONDS), "trafgen did not finish");
        assertEquals(0, flood.exitValue(), "trafgen main flood failed");
        JvsDaemon.sleep(500);

        String dump = jvs.ok("dump-ports", "br0").out();
        CliOutput.BridgeStats br = CliOutput.bridgeStats(dump);
        CliOutput.PortStats fs = CliOutput.dumpPorts(dump).get(f.port());
        List<CliOutput.FdbEntry> fdb = CliOutput.fdb(jvs.ok("fdb/show", "br0").out());
        Traffic.ping(a, b); // after the flood
        long rss2 = DaemonHealth.rssKb(pid);
        long heap2 = DaemonHealth.heapAfterGcKb(pid);
        double secs = (System.nanoTime() - t0) / 1e9;

        System.out.printf("[jvs-tests] MAC flood: %d + %d frames offered at %s; switch rx on flood port %d"
                        + " (kernel_drops %d); mac entries %d/%d, learn_full=%d, fdb/show lines %d; ping during"
                        + " flood ok (flood still running after pings: %s); %.1f s%n",
                WARMUP_FRAMES, FLOOD_FRAMES, RATE, fs.rxPackets(), kernelDrops(dump, f.port()), br.macEntries(),
                br.macCapacity(), br.learnFull(), fdb.size(), stillFlooding, secs);
        System.out.printf("[jvs-tests] MAC flood memory: RSS %d -> %d (warm-up) -> %d KiB; heap after GC %d -> %d"
                + " (warm-up) -> %d KiB; fds %d, threads %d%n", rss0, rss1, rss2, heap0, heap1, heap2,
                DaemonHealth.fds(pid), DaemonHealth.status(pid, "Threads"));

        assertEquals(CAPACITY, br.macCapacity(), "MAC table capacity: " + br);
        assertTrue(br.macEntries() <= CAPACITY, "MAC table above its bound: " + br);
        assertTrue(fdb.size() <= CAPACITY, "fdb/show lists more than the bound: " + fdb.size());
        assertTrue(br.learnFull() > 0, "a full table must count learn_full: " + br);
        assertTrue(fs.rxPackets() - fWarm.rxPackets() >= 50_000,
                "the switch should have processed >= 50000 flood frames in the main flood: " + fWarm + " -> " + fs);
        for (Lab.Host h : List.of(a, b)) {
            assertTrue(fdb.stream().anyMatch(e -> e.port().equals(h.port()) && e.mac().equals(h.mac())),
                    "the known MAC " + h.mac() + " must stay learned on " + h.port() + " through the flood");
        }
        assertTrue(rss2 - rss1 <= RSS_GROWTH_KB, "RSS grew by " + (rss2 - rss1) + " KiB after warm-up");
        assertTrue(heap2 - heap1 <= HEAP_GROWTH_KB, "heap after GC grew by " + (heap2 - heap1) + " KiB after warm-up");
    }

    private static List<String> trafgen(Lab.Host from, Path cfg, int frames) {
        // -P/--cpus 1 and -Q: one process, leave IRQ affinities alone (baseline pitfall 7)
        return List.of("ip", "netns", "exec", from.ns(), "trafgen", "--dev", from.dev(), "--conf", cfg.toString(),
                "--num", Integer.toString(frames), "--cpus", "1", "--no-cpu-stats", "-Q", "-b", RATE);
    }

    private static long kernelDrops(String dump, String port) {
        boolean in = false;
        for (String l : dump.lines().toList()) {
            if (l.strip().startsWith("port ")) {
                in = l.contains(port);
            } else if (in && l.strip().startsWith("rx")) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("kernel_drops=(\\d+)").matcher(l);
                return m.find() ? Long.parseLong(m.group(1)) : -1;
            }
        }
        return -1;
    }
}
