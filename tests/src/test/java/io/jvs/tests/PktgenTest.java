package io.jvs.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code jvs pktgen}, the paced generator behind the bench's loss-bounded 64-byte rate: it offers the rate it was
 * asked for (to within a burst), every frame is a valid IPv4/UDP datagram for the receiver (its kernel counts each
 * one as a UDP datagram to a closed port), and a bad command line is one line on stderr.
 */
class PktgenTest {
    @RegisterExtension
    final Lab lab = new Lab();

    @BeforeEach
    void root() {
        Lab.assumeRoot();
    }

    private static long udpNoPorts(String ns) {
        String out = Sh.ok("ip", "netns", "exec", ns, "nstat", "-az", "UdpNoPorts").out();
        return out.lines().filter(l -> l.startsWith("UdpNoPorts")).mapToLong(l -> Long.parseLong(l.split("\\s+")[1]))
                .findFirst().orElseThrow(() -> new AssertionError("no UdpNoPorts in: " + out));
    }

    @Test
    void offersTheRateAskedForAndEveryFrameArrivesAsUdp() {
        JvsDaemon jvs = lab.daemon();
        Lab.Host a = lab.vethHost("10.0.0.1/24");
        Lab.Host b = lab.vethHost("10.0.0.2/24");
        jvs.ok("add-br", "br0");
        jvs.ok("add-port", "br0", a.port());
        jvs.ok("add-port", "br0", b.port());
        long before = udpNoPorts(b.ns());
        Sh.Result r = Sh.run(Duration.ofSeconds(60), JvsDaemon.ENV, List.of("ip", "netns", "exec", a.ns(),
                JvsDaemon.launcher().toString(), "pktgen", a.dev(), "--dst-mac", b.mac(), "--src-ip", "10.0.0.1",
                "--dst-ip", "10.0.0.2", "--rate", "20000", "--seconds", "1")).check();
        String[] f = r.out().strip().split("\\s+"); // sent N refused M seconds T rate R
        assertEquals("sent", f[0], r.out());
        long sent = Long.parseLong(f[1]);
        long refused = Long.parseLong(f[3]);
        assertEquals(20_000, sent + refused, r.out()); // rate x seconds, exactly
        double seconds = Double.parseDouble(f[5]);
        // paced by a schedule, not sent at once (the upper bound only guards against a stuck machine)
        assertTrue(seconds >= 0.99 && seconds < 5, r.out());
        assertEquals(0, refused, r.out());
        long arrived = 0;
        for (int i = 0; i < 50 && arrived < sent; i++) {
            JvsDaemon.sleep(100);
            arrived = udpNoPorts(b.ns()) - before;
        }
        assertEquals(sent, arrived, "UDP datagrams to port 9 counted by the receiver\n" + jvs.ok("dump-ports", "br0").out());
    }

    @Test
    void badCommandLinesSayWhatIsWrong() {
        Sh.Result r = Sh.run(Duration.ofSeconds(30), JvsDaemon.ENV, List.of(JvsDaemon.launcher().toString(), "pktgen",
                "lo", "--dst-mac", "nonsense", "--src-ip", "10.0.0.1", "--dst-ip", "10.0.0.2", "--rate", "1"));
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().startsWith("jvs pktgen: "), r.err());
        Sh.Result noRate = Sh.run(Duration.ofSeconds(30), Map.of("JVS_NO_BUILD", "1"), List.of(
                JvsDaemon.launcher().toString(), "pktgen", "lo", "--dst-mac", "02:00:00:00:00:01", "--src-ip",
                "10.0.0.1", "--dst-ip", "10.0.0.2"));
        assertEquals(2, noRate.exit(), noRate.toString());
        assertTrue(noRate.err().contains("--rate"), noRate.err());
    }
}
