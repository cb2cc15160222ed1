package io.jvs.datapath.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MetricsAddressTest {
    @Test
    void shouldDefaultToLoopbackAndNeverWidenAPortAlone() {
        assertEquals("127.0.0.1:9477", MetricsAddress.format(MetricsAddress.DEFAULT.address()));
        assertFalse(MetricsAddress.DEFAULT.explicit());
        assertEquals("127.0.0.1:9100", MetricsAddress.format(MetricsAddress.parse("9100").address()));
        assertEquals("127.0.0.1:9100", MetricsAddress.format(MetricsAddress.parse(":9100").address()));
        assertTrue(MetricsAddress.parse(":9100").loopback());
        assertTrue(MetricsAddress.parse("localhost:0").loopback());
    }

    @Test
    void shouldTakeExplicitAddressesIncludingNonLoopback() {
        MetricsAddress any = MetricsAddress.parse("0.0.0.0:9477");
        assertTrue(any.explicit());
        assertFalse(any.loopback());
        assertEquals("[0:0:0:0:0:0:0:1]:9477", MetricsAddress.format(MetricsAddress.parse("[::1]:9477").address()));
        assertTrue(MetricsAddress.parse("off").off());
    }

    @Test
    void shouldRefuseNamesBadPortsAndBareIpv6() {
        for (String bad : new String[] {"example.org:9477", "9477x", "127.0.0.1:70000", "127.0.0.1:-1", "::1:9477",
            "127.0.0.1:", ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MetricsAddress.parse(bad),
                    bad);
            assertTrue(e.getMessage().startsWith("jvs daemon: --metrics " + bad + ": "), e.getMessage());
            assertEquals(1, e.getMessage().lines().count());
        }
    }
}
