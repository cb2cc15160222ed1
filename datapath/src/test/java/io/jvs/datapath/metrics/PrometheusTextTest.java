package io.jvs.datapath.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.datapath.Datapath;

import org.junit.jupiter.api.Test;

class PrometheusTextTest {
    @Test
    void shouldWriteHelpTypeAndEscapedLabels() {
        PrometheusText t = new PrometheusText();
        t.family("jvs_x_total", "counter", "a \\ help\nline");
        t.sample("jvs_x_total", 3, "port", "a\"b\\c\nd");
        t.sample("jvs_x_total", 0.5);
        assertEquals("""
                # HELP jvs_x_total a \\\\ help\\nline
                # TYPE jvs_x_total counter
                jvs_x_total{port="a\\"b\\\\c\\nd"} 3
                jvs_x_total 0.5
                """, t.toString());
    }

    @Test
    void shouldRefuseACounterWithoutTotal() {
        assertThrows(IllegalArgumentException.class, () -> new PrometheusText().family("jvs_x", "counter", "x"));
    }

    @Test
    void shouldFormatNumbersAsPrometheusParsesThem() {
        assertEquals("0.000001", PrometheusText.number(1e-6));
        assertEquals("+Inf", PrometheusText.number(Double.POSITIVE_INFINITY));
        assertEquals("NaN", PrometheusText.number(Double.NaN));
        assertEquals("12", PrometheusText.number(12.0));
    }

    @Test
    void shouldRenderAnEmptySwitchWithEverySampleInADeclaredFamily() {
        try (Datapath dp = new Datapath(1)) {
            String text = MetricsServer.render(dp);
            String family = null;
            for (String line : text.lines().toList()) {
                if (line.startsWith("# TYPE ")) {
                    family = line.split(" ")[2];
                } else if (!line.startsWith("# HELP ")) {
                    String name = line.split("[{ ]")[0];
                    assertTrue(family != null && (name.equals(family) || name.equals(family + "_bucket")
                            || name.equals(family + "_sum") || name.equals(family + "_count")), line);
                    Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1).replace("+Inf", "Infinity"));
                }
            }
            assertTrue(text.contains("jvs_jvm_memory_used_bytes{area=\"heap\"} "), text);
            assertTrue(text.contains("jvs_jvm_buffer_pool_used_bytes{pool=\"direct\"} "), text);
            assertTrue(text.contains("jvs_reactor_burst_seconds_count{thread=\"0\"} 0"), text);
        }
    }
}
