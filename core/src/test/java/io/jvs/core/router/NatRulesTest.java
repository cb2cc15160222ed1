package io.jvs.core.router;

import static io.jvs.core.conntrack.TestPackets.addr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.core.conntrack.Conntrack;
import io.jvs.core.conntrack.CtTimeouts;
import io.jvs.core.conntrack.PacketTuple;
import io.jvs.core.packet.IcmpHeader;
import io.jvs.core.packet.Ipv4Header;
import io.jvs.core.packet.TcpHeader;
import org.junit.jupiter.api.Test;

class NatRulesTest {
    private static final int G = addr("203.0.113.1");
    private static final int B = addr("198.51.100.7");
    private final Conntrack ct = new Conntrack(64, CtTimeouts.DEFAULTS);

    private static PacketTuple tcp(int src, int sport) {
        final PacketTuple t = new PacketTuple();
        t.proto = Ipv4Header.PROTO_TCP;
        t.src = src;
        t.dst = B;
        t.srcPort = sport;
        t.dstPort = 443;
        t.tcpFlags = TcpHeader.SYN;
        t.icmpType = -1;
        return t;
    }

    @Test
    void shouldKeepTheSourcePortWhenFreeAndMoveOnWhenTaken() {
        final NatRules rules = NatRules.builder(0).snat(G, 40000, 40003).build();
        final PacketTuple first = tcp(addr("10.0.0.5"), 40001);
        assertEquals(40001, rules.pickSnatPort(ct, 1, first));
        ct.create(1, first, G, B, 40001, 443, 0);
        // Another host with the same source port to the same server: 40001 is taken for B:443, so the next one.
        final PacketTuple second = tcp(addr("10.0.0.6"), 40001);
        assertEquals(40002, rules.pickSnatPort(ct, 1, second));
        ct.create(1, second, G, B, 40002, 443, 0);
        ct.create(1, tcp(addr("10.0.0.7"), 40003), G, B, 40003, 443, 0);
        // Wraps around the end of the range.
        assertEquals(40000, rules.pickSnatPort(ct, 1, tcp(addr("10.0.0.8"), 40003)));
        ct.create(1, tcp(addr("10.0.0.8"), 40003), G, B, 40000, 443, 0);
        assertEquals(-1, rules.pickSnatPort(ct, 1, tcp(addr("10.0.0.9"), 40001)), "range exhausted");
        assertTrue(rules.pickSnatPort(ct, 2, tcp(addr("10.0.0.9"), 40001)) >= 0, "another zone is free");
    }

    @Test
    void shouldPickInRangeForPortsOutsideIt() {
        final NatRules rules = NatRules.builder(0).snat(G, 1024, 2047).build();
        for (int p = 0; p < 100; p++) {
            final int port = rules.pickSnatPort(ct, 1, tcp(addr("10.0.0.5"), 50000 + p));
            assertTrue(port >= 1024 && port <= 2047, "port " + port);
        }
    }

    @Test
    void shouldCheckEchoIdentifiersAsBothPorts() {
        final NatRules rules = NatRules.builder(0).snat(G, 5, 6).build();
        final PacketTuple echo = new PacketTuple();
        echo.proto = Ipv4Header.PROTO_ICMP;
        echo.icmpType = IcmpHeader.TYPE_ECHO_REQUEST;
        echo.src = addr("10.0.0.5");
        echo.dst = B;
        echo.srcPort = 5;
        echo.dstPort = 5;
        assertEquals(5, rules.pickSnatPort(ct, 1, echo));
        ct.create(1, echo, G, B, 5, 5, 0);
        echo.src = addr("10.0.0.6");
        assertEquals(6, rules.pickSnatPort(ct, 1, echo));
    }

    @Test
    void shouldMapFloatingIpsBothWays() {
        final NatRules rules = NatRules.builder(0).snat(G, 1024, 65535)
                .floatingIp(addr("203.0.113.50"), addr("10.0.0.9")).build();
        assertEquals(addr("10.0.0.9"), rules.internalOf(addr("203.0.113.50")));
        assertEquals(addr("203.0.113.50"), rules.fipOf(addr("10.0.0.9")));
        assertEquals(0, rules.fipOf(addr("10.0.0.8")));
        assertEquals("nat on port 0 snat 203.0.113.1 ports 1024-65535 fip 203.0.113.50=10.0.0.9", rules.toString());
    }

    @Test
    void shouldRejectBadRules() {
        assertThrows(IllegalArgumentException.class, () -> NatRules.builder(0).snat(G, 2000, 1000));
        assertThrows(IllegalArgumentException.class, () -> NatRules.builder(0).snat(G, 0, 10));
        assertThrows(IllegalArgumentException.class, () -> NatRules.builder(0)
                .floatingIp(addr("203.0.113.50"), addr("10.0.0.9")).floatingIp(addr("203.0.113.51"), addr("10.0.0.9")));
        assertThrows(IllegalArgumentException.class, () -> NatRules.builder(-1).snat(G, 1, 2).build());
        assertTrue(!NatRules.NONE.enabled());
    }
}
