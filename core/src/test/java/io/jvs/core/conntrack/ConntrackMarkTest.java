package io.jvs.core.conntrack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.core.packet.Ipv4Header;

import org.junit.jupiter.api.Test;

/** The additions for security groups: a mark per connection, flushMark, expiresNs. */
class ConntrackMarkTest {
    @Test
    void flushMarkRemovesExactlyTheMarkedConnectionsOfTheZone() {
        Conntrack ct = new Conntrack(16, CtTimeouts.DEFAULTS);
        int a = ct.create(0, Ipv4Header.PROTO_UDP, 1, 2, 10, 20, 1, 2, 10, 20, CtState.UDP_UNREPLIED, 0);
        int b = ct.create(0, Ipv4Header.PROTO_UDP, 1, 2, 11, 20, 1, 2, 11, 20, CtState.UDP_UNREPLIED, 0);
        int c = ct.create(6, Ipv4Header.PROTO_UDP, 1, 2, 10, 20, 1, 2, 10, 20, CtState.UDP_UNREPLIED, 0);
        assertEquals(0, ct.mark(a), "a new connection has mark 0");
        ct.setMark(a, 7);
        ct.setMark(b, 8);
        ct.setMark(c, 7);
        assertEquals(1, ct.flushMark(0, 7));
        assertEquals(Conntrack.MISS, ct.lookup(0, Ipv4Header.PROTO_UDP, 1, 2, 10, 20));
        assertEquals(Conntrack.MISS, ct.lookup(0, Ipv4Header.PROTO_UDP, 2, 1, 20, 10), "the reply key too");
        assertTrue(ct.lookup(0, Ipv4Header.PROTO_UDP, 1, 2, 11, 20) >= 0);
        assertTrue(ct.lookup(6, Ipv4Header.PROTO_UDP, 1, 2, 10, 20) >= 0, "other zones keep theirs");
        assertEquals(CtTimeouts.DEFAULTS.of(CtState.UDP_UNREPLIED), ct.expiresNs(b));
        int d = ct.create(0, Ipv4Header.PROTO_UDP, 1, 2, 12, 20, 1, 2, 12, 20, CtState.UDP_UNREPLIED, 0);
        assertEquals(0, ct.mark(d), "a recycled slot starts unmarked");
    }
}
