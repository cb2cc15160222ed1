package io.jvs.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Real traffic between the test's namespaces: ping and iperf3. Nothing here ever sends to an address outside the
 * namespaces a test created.
 */
public final class Traffic {
    private static final Pattern RTT = Pattern.compile("= ([\\d.]+)/([\\d.]+)/([\\d.]+)/([\\d.]+) ms");

    private Traffic() {}

    /**
     * Pings {@code to} from {@code from} until 3 replies arrived or 5 s passed (the first packets may be lost while
     * the switch learns); fails the test unless 3 replies arrived. Returns the average RTT in milliseconds.
     */
    public static double ping(Lab.Host from, Lab.Host to) {
        Sh.Result r = Sh.inNs(from.ns(), "ping", "-n", "-c", "3", "-i", "0.2", "-w", "5", to.ip()).check();
        Matcher m = RTT.matcher(r.out());
        assertTrue(m.find(), "no rtt line in ping output:\n" + r);
        return Double.parseDouble(m.group(2));
    }

    /**
     * RTT once addresses and MACs are learned: {@code count} pings 50 ms apart, all must be answered. Returns
     * ping's "min/avg/max/mdev" summary in milliseconds. Informational only: timing never decides a test.
     */
    public static String warmRtt(Lab.Host from, Lab.Host to, int count) {
        Sh.Result r = Sh.inNs(from.ns(), "ping", "-n", "-q", "-c", Integer.toString(count), "-i", "0.05", "-W", "1",
                to.ip()).check();
        Matcher m = RTT.matcher(r.out());
        assertTrue(m.find(), "no rtt line in ping output:\n" + r);
        return m.group(1) + "/" + m.group(2) + "/" + m.group(3) + "/" + m.group(4) + " ms";
    }

    /** Sends {@code count} pings 0.1 s apart and asserts that none was answered. */
    public static void pingFails(Lab.Host from, Lab.Host to, int count) {
        Sh.Result r = Sh.inNs(from.ns(), "ping", "-n", "-c", Integer.toString(count), "-i", "0.1", "-W", "1", to.ip());
        assertNotEquals(0, r.exit(), "ping " + from.ns() + " -> " + to.ip() + " must fail:\n" + r);
        assertTrue(r.out().contains(" 0 received"), "expected 0 replies:\n" + r);
    }

    /** Pins {@code to}'s MAC in {@code from}'s ARP table, so pings go out as unicast frames without ARP first. */
    public static void staticNeighbour(Lab.Host from, Lab.Host to) {
        Sh.inNs(from.ns(), "ip", "neigh", "replace", to.ip(), "lladdr", to.mac(), "dev", from.dev(), "nud", "permanent")
                .check();
    }

    /** What an iperf3 TCP run moved: bytes the receiver got, its rate, and the sender's retransmits. */
    public record Iperf(long bytes, double gbitPerSecond, long retransmits) {}

    /**
     * Runs an iperf3 TCP test of {@code seconds} from {@code client} to {@code server}: the server runs in the
     * background (killed by PID after the test, never {@code -D}), the client with {@code -J}.
     */
    public static Iperf iperfTcp(Lab lab, Lab.Host server, Lab.Host client, int seconds) {
        Path dir = lab.tempDir();
        Process srv;
        try {
            srv = lab.background(new ProcessBuilder("ip", "netns", "exec", server.ns(),
                    "iperf3", "-s", "-1", "-B", server.ip())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("iperf3-server.log").toFile())
                    .start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        awaitListening(server, 5201, srv);
        Sh.Result r = Sh.run(Duration.ofSeconds(seconds + 30), Map.of(), List.of("ip", "netns", "exec", client.ns(),
                "iperf3", "-c", server.ip(), "-t", Integer.toString(seconds), "-J", "--connect-timeout", "5000"));
        assertEquals(0, r.exit(), "iperf3 client failed:\n" + r);
        try {
            JsonNode end = new ObjectMapper().readTree(r.out()).path("end");
            JsonNode received = end.path("sum_received");
            return new Iperf(received.path("bytes").asLong(), received.path("bits_per_second").asDouble() / 1e9,
                    end.path("sum_sent").path("retransmits").asLong());
        } catch (IOException e) {
            throw new AssertionError("iperf3 -J output is not JSON:\n" + r, e);
        }
    }

    private static void awaitListening(Lab.Host server, int port, Process srv) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            if (!Sh.inNs(server.ns(), "ss", "-Hltn", "sport = :" + port).out().isBlank()) {
                return;
            }
            assertTrue(srv.isAlive(), "iperf3 server exited early with status " + (srv.isAlive() ? 0 : srv.exitValue()));
            JvsDaemon.sleep(50);
        }
        throw new AssertionError("iperf3 server not listening on " + server.ip() + ":" + port + " after 5 s");
    }
}
