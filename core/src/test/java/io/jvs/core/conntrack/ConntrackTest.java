package io.jvs.core.conntrack;

import static io.jvs.core.conntrack.TestPackets.addr;
import static io.jvs.core.packet.Ipv4Header.PROTO_ICMP;
import static io.jvs.core.packet.Ipv4Header.PROTO_TCP;
import static io.jvs.core.packet.Ipv4Header.PROTO_UDP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import io.jvs.core.packet.IcmpHeader;
import io.jvs.core.packet.TcpHeader;
import org.junit.jupiter.api.Test;

class ConntrackTest {
    private static final long S = 1_000_000_000L;
    private static final int A = addr("10.0.0.5");
    private static final int B = addr("198.51.100.7");
    private static final int G = addr("203.0.113.1");

    private final Conntrack ct = new Conntrack(8, CtTimeouts.DEFAULTS);

    private static PacketTuple tuple(int proto, int src, int dst, int sport, int dport, int tcpFlags) {
        final PacketTuple t = new PacketTuple();
        t.proto = proto;
        t.src = src;
        t.dst = dst;
        t.srcPort = sport;
        t.dstPort = dport;
        t.tcpFlags = tcpFlags;
        t.icmpType = proto == PROTO_ICMP ? IcmpHeader.TYPE_ECHO_REQUEST : -1;
        return t;
    }

    @Test
    void shouldFindTheSameConnectionFromBothDirections() {
        final int ref = ct.lookupOrCreate(1, tuple(PROTO_UDP, A, B, 5000, 53, 0), 0);
        assertTrue(ref >= 0);
        assertEquals(Conntrack.ORIGINAL, Conntrack.direction(ref));
        assertEquals(ref, ct.lookup(1, PROTO_UDP, A, B, 5000, 53));
        final int reply = ct.lookup(1, PROTO_UDP, B, A, 53, 5000);
        assertEquals(Conntrack.connection(ref), Conntrack.connection(reply));
        assertEquals(Conntrack.REPLY, Conntrack.direction(reply));
        assertEquals(reply, ct.lookupConcurrent(1, PROTO_UDP, B, A, 53, 5000));
        assertEquals(Conntrack.MISS, ct.lookup(1, PROTO_UDP, B, A, 53, 5001));
        assertEquals(Conntrack.MISS, ct.lookup(1, PROTO_TCP, B, A, 53, 5000), "protocol is part of the key");
    }

    @Test
    void shouldKeepZonesApart() {
        final int r1 = ct.lookupOrCreate(1, tuple(PROTO_UDP, A, B, 5000, 53, 0), 0);
        final int r2 = ct.lookupOrCreate(2, tuple(PROTO_UDP, A, B, 5000, 53, 0), 0);
        assertTrue(r1 >= 0 && r2 >= 0 && r1 != r2);
        assertEquals(2, ct.size());
        assertEquals(1, ct.flush(1));
        assertEquals(Conntrack.MISS, ct.lookup(1, PROTO_UDP, A, B, 5000, 53));
        assertEquals(r2, ct.lookup(2, PROTO_UDP, A, B, 5000, 53));
    }

    @Test
    void shouldKeyTheReplyByTheTranslatedTuple() {
        final PacketTuple t = tuple(PROTO_TCP, A, B, 40000, 443, TcpHeader.SYN);
        final int ref = ct.create(1, t, G, B, 1025, 443, 0);
        assertTrue(ref >= 0);
        assertTrue(ct.isNatted(ref));
        assertEquals(G, ct.outSrc(ref));
        assertEquals(1025, ct.outSrcPort(ref));
        final int reply = ct.lookup(1, PROTO_TCP, B, G, 443, 1025);
        assertEquals(Conntrack.REPLY, Conntrack.direction(reply));
        assertEquals(B, ct.outSrc(reply));
        assertEquals(A, ct.outDst(reply));
        assertEquals(443, ct.outSrcPort(reply));
        assertEquals(40000, ct.outDstPort(reply));
        assertEquals(Conntrack.MISS, ct.lookup(1, PROTO_TCP, B, A, 443, 40000), "the untranslated reply is no key");
        assertTrue(ct.contains(1, PROTO_TCP, B, G, 443, 1025));
        // Another inside host wanting the same translated tuple collides.
        final PacketTuple other = tuple(PROTO_TCP, addr("10.0.0.6"), B, 40000, 443, TcpHeader.SYN);
        assertEquals(Conntrack.EXISTS, ct.create(1, other, G, B, 1025, 443, 0));
    }

    @Test
    void shouldRefuseAndCountWhenFull() {
        for (int i = 0; i < 8; i++) {
            assertTrue(ct.lookupOrCreate(1, tuple(PROTO_UDP, A, B, 1000 + i, 53, 0), 0) >= 0);
        }
        assertEquals(Conntrack.FULL, ct.lookupOrCreate(1, tuple(PROTO_UDP, A, B, 2000, 53, 0), 0));
        assertEquals(Conntrack.FULL, ct.lookupOrCreate(1, tuple(PROTO_UDP, A, B, 2001, 53, 0), 0));
        assertEquals(2, ct.tableFullDrops());
        assertTrue(ct.lookupOrCreate(1, tuple(PROTO_UDP, A, B, 1003, 53, 0), 0) >= 0, "existing ones still found");
        ct.remove(ct.lookup(1, PROTO_UDP, A, B, 1003, 53));
        assertTrue(ct.lookupOrCreate(1, tuple(PROTO_UDP, A, B, 2000, 53, 0), 0) >= 0, "a freed slot is reused");
    }

    @Test
    void shouldRefuseToOpenFromPacketsThatCannotStartAConnection() {
        assertEquals(Conntrack.INVALID, ct.lookupOrCreate(1, tuple(PROTO_TCP, A, B, 1, 2, TcpHeader.ACK), 0));
        final PacketTuple echoReply = tuple(PROTO_ICMP, A, B, 7, 7, 0);
        echoReply.icmpType = IcmpHeader.TYPE_ECHO_REPLY;
        assertEquals(Conntrack.INVALID, ct.lookupOrCreate(1, echoReply, 0));
        final PacketTuple other = tuple(47, A, B, 0, 0, 0);
        assertEquals(Conntrack.INVALID, ct.lookupOrCreate(1, other, 0));
        assertEquals(3, ct.invalid());
        assertEquals(0, ct.size());
    }

    @Test
    void shouldExpireUdpByRepliedState() {
        final int ref = ct.lookupOrCreate(1, tuple(PROTO_UDP, A, B, 5000, 53, 0), 0);
        assertEquals(CtState.UDP_UNREPLIED, ct.track(ref, 0, 100, 0));
        assertEquals(0, ct.expire(29 * S));
        assertEquals(1, ct.expire(30 * S), "unreplied: 30 s");
        final int again = ct.lookupOrCreate(1, tuple(PROTO_UDP, A, B, 5000, 53, 0), 40 * S);
        ct.track(again, 0, 100, 40 * S);
        assertEquals(CtState.UDP_REPLIED, ct.track(ct.lookup(1, PROTO_UDP, B, A, 53, 5000), 0, 100, 41 * S));
        assertEquals(0, ct.expire(41 * S + 119 * S));
        assertEquals(1, ct.expire(41 * S + 120 * S), "replied: 120 s");
        assertEquals(0, ct.size());
        assertEquals(2, ct.expired());
    }

    @Test
    void shouldExpireAClosedTcpConnectionSoon() {
        final int ref = ct.lookupOrCreate(1, tuple(PROTO_TCP, A, B, 40000, 80, TcpHeader.SYN), 0);
        ct.track(ref, TcpHeader.SYN, 60, 0);
        final int reply = ct.lookup(1, PROTO_TCP, B, A, 80, 40000);
        assertEquals(CtState.TCP_SYN_RECV, ct.track(reply, TcpHeader.SYN | TcpHeader.ACK, 60, S));
        assertEquals(CtState.TCP_ESTABLISHED, ct.track(ref, TcpHeader.ACK, 60, 2 * S));
        assertEquals(0, ct.expire(3600 * S), "established lasts");
        assertEquals(CtState.TCP_CLOSED, ct.track(reply, TcpHeader.RST, 60, 3600 * S));
        assertEquals(0, ct.expire(3609 * S));
        assertEquals(1, ct.expire(3610 * S), "closed: 10 s");
    }

    @Test
    void shouldCountPacketsAndBytesPerDirectionAndListConnections() {
        final PacketTuple t = tuple(PROTO_TCP, A, B, 40000, 443, TcpHeader.SYN);
        final int ref = ct.create(7, t, G, B, 1025, 443, 0);
        ct.track(ref, TcpHeader.SYN, 60, 0);
        ct.track(ct.lookup(7, PROTO_TCP, B, G, 443, 1025), TcpHeader.SYN | TcpHeader.ACK, 70, 0);
        final List<Conntrack.Connection> all = new ArrayList<>();
        ct.forEach(all::add);
        assertEquals(1, all.size());
        final Conntrack.Connection c = all.get(0);
        assertEquals(7, c.zone());
        assertEquals(1, c.packetsOriginal());
        assertEquals(70, c.bytesReply());
        assertTrue(c.natted());
        assertEquals("zone=7 tcp syn_recv orig=10.0.0.5:40000->198.51.100.7:443 nat=203.0.113.1:1025->"
                + "198.51.100.7:443 packets=1/1 bytes=60/70", c.toString());
    }

    @Test
    void shouldSweepInSlices() {
        for (int i = 0; i < 8; i++) {
            ct.lookupOrCreate(1, tuple(PROTO_UDP, A, B, 1000 + i, 53, 0), 0);
        }
        assertEquals(3, ct.expire(100 * S, 3));
        assertEquals(3, ct.expire(100 * S, 3));
        assertEquals(2, ct.expire(100 * S, 3));
        assertEquals(0, ct.size());
    }

    @Test
    void shouldServeASelfReverseTupleWithOneKey() {
        final int ref = ct.lookupOrCreate(1, tuple(PROTO_UDP, A, A, 9, 9, 0), 0);
        assertTrue(ref >= 0);
        assertEquals(ref, ct.lookup(1, PROTO_UDP, A, A, 9, 9));
        ct.remove(ref);
        assertEquals(0, ct.size());
        assertFalse(ct.contains(1, PROTO_UDP, A, A, 9, 9));
    }
}
