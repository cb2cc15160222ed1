package io.jvs.core.conntrack;

import static io.jvs.core.conntrack.TestPackets.IP;
import static io.jvs.core.conntrack.TestPackets.addr;
import static io.jvs.core.conntrack.TestPackets.checksumsValid;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.core.packet.IcmpHeader;
import io.jvs.core.packet.Ipv4Header;
import io.jvs.core.packet.TcpHeader;
import io.jvs.core.packet.UdpHeader;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class NatRewriterTest {
    private static final int A = addr("10.0.0.5");
    private static final int I = addr("10.0.0.9");
    private static final int B = addr("198.51.100.7");
    private static final int G = addr("203.0.113.1");
    private static final int F = addr("203.0.113.50");
    private static final int R = addr("198.51.100.1");
    private static final int ZONE = 3;

    private final Conntrack ct = new Conntrack(16, CtTimeouts.DEFAULTS);
    private final PacketTuple t = new PacketTuple();
    private final PacketTuple inner = new PacketTuple();
    private final UnsafeBuffer buf = TestPackets.buffer();

    private int parse(UnsafeBuffer b, int len) {
        return t.parse(b, IP, len - IP);
    }

    @Test
    void shouldSnatTcpAndKeepChecksumsValid() {
        final int len = TestPackets.tcp(buf, 0, 1, 2, A, B, 40000, 443, TcpHeader.SYN, 100, 64);
        assertEquals(PacketTuple.OK, parse(buf, len));
        final int ref = ct.create(ZONE, t, G, B, 1025, 443, 0);
        NatRewriter.apply(ct, ref, buf, IP, t);
        assertEquals(G, Ipv4Header.src(buf, IP));
        assertEquals(1025, TcpHeader.srcPort(buf, IP + 20));
        assertEquals(443, TcpHeader.dstPort(buf, IP + 20));
        assertTrue(checksumsValid(buf, IP));

        // The reply comes back to G:1025 and leaves to A:40000.
        final int rlen = TestPackets.tcp(buf, 0, 1, 2, B, G, 443, 1025, TcpHeader.SYN | TcpHeader.ACK, 0, 60);
        parse(buf, rlen);
        final int reply = ct.lookup(ZONE, t);
        assertEquals(Conntrack.REPLY, Conntrack.direction(reply));
        NatRewriter.apply(ct, reply, buf, IP, t);
        assertEquals(A, Ipv4Header.dst(buf, IP));
        assertEquals(40000, TcpHeader.dstPort(buf, IP + 20));
        assertTrue(checksumsValid(buf, IP));
    }

    @Test
    void shouldLeaveAnAbsentUdpChecksumAbsent() {
        final int len = TestPackets.udp(buf, 0, 1, 2, A, B, 5353, 53, 20, 64);
        UdpHeader.setChecksum(buf, IP + 20, 0);
        parse(buf, len);
        NatRewriter.rewrite(buf, IP, t, G, B, 2000, 53);
        assertEquals(0, UdpHeader.checksum(buf, IP + 20));
        assertEquals(2000, UdpHeader.srcPort(buf, IP + 20));
        assertTrue(checksumsValid(buf, IP));
    }

    @Test
    void shouldTranslateTheEchoIdentifier() {
        final int len = TestPackets.icmpEcho(buf, 0, 1, 2, A, B, IcmpHeader.TYPE_ECHO_REQUEST, 77, 1, 56, 64);
        parse(buf, len);
        final int ref = ct.create(ZONE, t, G, B, 3000, 3000, 0);
        NatRewriter.apply(ct, ref, buf, IP, t);
        assertEquals(3000, IcmpHeader.id(buf, IP + 20));
        assertTrue(checksumsValid(buf, IP));
        final int rlen = TestPackets.icmpEcho(buf, 0, 1, 2, B, G, IcmpHeader.TYPE_ECHO_REPLY, 3000, 1, 56, 60);
        parse(buf, rlen);
        final int reply = ct.lookup(ZONE, t);
        assertTrue(reply >= 0);
        NatRewriter.apply(ct, reply, buf, IP, t);
        assertEquals(77, IcmpHeader.id(buf, IP + 20));
        assertEquals(A, Ipv4Header.dst(buf, IP));
        assertTrue(checksumsValid(buf, IP));
    }

    @Test
    void shouldTranslateATimeExceededAboutASnattedDatagramBackToTheInsideHost() {
        // A:5353 -> B:53 leaves as G:1030 -> B:53; router R on the way answers G with time exceeded.
        final UnsafeBuffer original = TestPackets.buffer();
        final int len = TestPackets.udp(original, 0, 1, 2, A, B, 5353, 53, 40, 1);
        final byte[] before = new byte[28];
        original.getBytes(IP, before);
        parse(original, len);
        final int ref = ct.create(ZONE, t, G, B, 1030, 53, 0);
        NatRewriter.apply(ct, ref, original, IP, t);

        final int elen = TestPackets.icmpError(buf, 0, 1, 2, R, IcmpHeader.TYPE_TIME_EXCEEDED, 0, original, IP);
        assertEquals(PacketTuple.ICMP_ERROR, parse(buf, elen));
        final int related = NatRewriter.translateIcmpError(ct, ZONE, buf, IP, elen - IP, t, inner);
        assertEquals(ref | Conntrack.REPLY, related);
        assertEquals(R, Ipv4Header.src(buf, IP), "the complaining router keeps its address");
        assertEquals(A, Ipv4Header.dst(buf, IP));
        final byte[] embedded = new byte[28];
        buf.getBytes(IP + 28, embedded);
        assertArrayEquals(before, embedded, "the embedded datagram is what A sent, checksums included");
        assertTrue(checksumsValid(buf, IP));
    }

    @Test
    void shouldTranslatePortUnreachableFromAFloatingIpOwner() {
        // X -> F:80 is sent to I:80; I answers port unreachable, which must come from F and quote X -> F.
        final int x = addr("192.0.2.99");
        final UnsafeBuffer original = TestPackets.buffer();
        final int len = TestPackets.tcp(original, 0, 1, 2, x, F, 33000, 80, TcpHeader.SYN, 0, 50);
        final byte[] before = new byte[28];
        original.getBytes(IP, before);
        parse(original, len);
        final int ref = ct.create(ZONE, t, x, I, 33000, 80, 0);
        NatRewriter.apply(ct, ref, original, IP, t);
        assertEquals(I, Ipv4Header.dst(original, IP));

        final int elen = TestPackets.icmpError(buf, 0, 1, 2, I, IcmpHeader.TYPE_DEST_UNREACHABLE,
                IcmpHeader.CODE_PORT_UNREACHABLE, original, IP);
        assertEquals(PacketTuple.ICMP_ERROR, parse(buf, elen));
        assertEquals(ref | Conntrack.REPLY, NatRewriter.translateIcmpError(ct, ZONE, buf, IP, elen - IP, t, inner));
        assertEquals(F, Ipv4Header.src(buf, IP));
        assertEquals(x, Ipv4Header.dst(buf, IP));
        final byte[] embedded = new byte[28];
        buf.getBytes(IP + 28, embedded);
        assertArrayEquals(before, embedded);
        assertTrue(checksumsValid(buf, IP));
    }

    @Test
    void shouldLeaveAnUnrelatedErrorUntouched() {
        final UnsafeBuffer original = TestPackets.buffer();
        TestPackets.udp(original, 0, 1, 2, G, B, 999, 53, 0, 1);
        final int elen = TestPackets.icmpError(buf, 0, 1, 2, R, IcmpHeader.TYPE_TIME_EXCEEDED, 0, original, IP);
        final byte[] before = new byte[elen];
        buf.getBytes(0, before);
        parse(buf, elen);
        assertEquals(Conntrack.MISS, NatRewriter.translateIcmpError(ct, ZONE, buf, IP, elen - IP, t, inner));
        final byte[] after = new byte[elen];
        buf.getBytes(0, after);
        assertArrayEquals(before, after);
    }
}
