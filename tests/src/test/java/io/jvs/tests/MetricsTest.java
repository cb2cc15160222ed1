package io.jvs.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Prometheus endpoint of a real daemon (on a port it picked itself, read from RUNDIR/metrics.addr): the
 * exposition parses strictly line by line, and after a ping through the switch the ports' receive counters, the
 * bridge's MAC table, the flow caches and the burst-time histogram all moved.
 */
class MetricsTest {
    @RegisterExtension
    final Lab lab = new Lab();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void root() {
        Lab.assumeRoot();
    }

    private HttpResponse<String> get(JvsDaemon jvs, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://" + jvs.metricsAddress() + path))
                .timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private MetricsText scrape(JvsDaemon jvs) throws Exception {
        HttpResponse<String> r = get(jvs, "/metrics");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("content-type").orElse(""));
        return MetricsText.parse(r.body());
    }

    private static double sum(MetricsText m, String name, String labelPrefix) {
        return m.samples().entrySet().stream().filter(e -> e.getKey().startsWith(name + labelPrefix))
                .mapToDouble(e -> e.getValue()).sum();
    }

    @Test
    void countersMoveAfterAPingAndTheFormatParses() throws Exception {
        JvsDaemon jvs = lab.daemon("--metrics", "127.0.0.1:0");
        assertTrue(jvs.metricsAddress().startsWith("127.0.0.1:"), jvs.metricsAddress());
        assertEquals("http://" + jvs.metricsAddress() + "/metrics\n", jvs.ok("metrics/show").out());
        Lab.Host a = lab.vethHost("10.0.0.1/24");
        Lab.Host b = lab.vethHost("10.0.0.2/24");
        jvs.ok("add-br", "br0");
        jvs.ok("add-port", "br0", a.port());
        jvs.ok("add-port", "br0", b.port());

        MetricsText before = scrape(jvs);
        assertEquals("counter", before.type("jvs_port_rx_packets_total"));
        assertEquals("histogram", before.type("jvs_reactor_burst_seconds"));
        for (String family : new String[] {"jvs_port_rx_bytes_total", "jvs_port_tx_packets_total",
            "jvs_port_tx_bytes_total", "jvs_port_tx_errors_total", "jvs_port_tx_dropped_total", "jvs_port_drops_total",
            "jvs_port_up", "jvs_bridge_mac_entries", "jvs_flow_cache_hits_total", "jvs_flow_cache_misses_total",
            "jvs_flow_cache_entries", "jvs_jvm_memory_used_bytes", "jvs_jvm_memory_committed_bytes",
            "jvs_jvm_buffer_pool_used_bytes"}) {
            assertTrue(before.families().contains(family), family + " missing: " + before.families());
        }
        assertEquals(1, before.value("jvs_port_up", "bridge", "br0", "port", a.port(), "type", "system"));
        assertEquals(0, before.value("jvs_port_drops_total", "bridge", "br0", "port", a.port(), "reason",
                "tagged_on_access"));
        assertTrue(before.value("jvs_jvm_memory_used_bytes", "area", "heap") > 0);
        assertTrue(before.value("jvs_jvm_buffer_pool_used_bytes", "pool", "direct") > 0,
                "the receive slots are direct buffers");
        double rxBefore = before.value("jvs_port_rx_packets_total", "bridge", "br0", "port", a.port());
        double burstsBefore = sum(before, "jvs_reactor_burst_seconds_count", "{");

        Traffic.ping(a, b);
        Traffic.ping(b, a);

        MetricsText after = scrape(jvs);
        double rxAfter = after.value("jvs_port_rx_packets_total", "bridge", "br0", "port", a.port());
        System.out.printf("[jvs-tests] metrics: rx packets on %s %.0f -> %.0f, %d samples%n", a.port(), rxBefore,
                rxAfter, after.samples().size());
        assertTrue(rxAfter > rxBefore, "rx packets on " + a.port() + " did not grow: " + rxBefore + " -> " + rxAfter);
        assertTrue(after.value("jvs_port_rx_bytes_total", "bridge", "br0", "port", b.port()) > 0);
        assertTrue(after.value("jvs_port_tx_packets_total", "bridge", "br0", "port", b.port()) > 0);
        assertTrue(after.value("jvs_bridge_mac_entries", "bridge", "br0") >= 2, "both MACs learned");
        assertTrue(sum(after, "jvs_flow_cache_hits_total", "{") + sum(after, "jvs_flow_cache_misses_total", "{") > 0);
        assertTrue(sum(after, "jvs_reactor_burst_seconds_count", "{") > burstsBefore, "bursts must be timed");

        assertEquals(404, get(jvs, "/nothing").statusCode());
        jvs.ok("show"); // scraping left the control socket serving
    }

    @Test
    void aBadMetricsAddressFailsTheStartWithOneLine() {
        Sh.Result r = Sh.run(Sh.DEFAULT_TIMEOUT, JvsDaemon.ENV, java.util.List.of(JvsDaemon.launcher().toString(),
                "daemon", "--rundir", lab.tempDir().toString(), "--metrics", "example.org:9477"));
        assertEquals(2, r.exit(), r.toString());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("jvs daemon: --metrics example.org:9477: "), r.err());
    }
}
