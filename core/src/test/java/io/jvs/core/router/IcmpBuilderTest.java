package io.jvs.core.router;

import static io.jvs.core.conntrack.TestPackets.IP;
import static io.jvs.core.conntrack.TestPackets.addr;
import static io.jvs.core.conntrack.TestPackets.checksumsValid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.core.conntrack.TestPackets;
import io.jvs.core.packet.Checksum;
import io.jvs.core.packet.EthernetHeader;
import io.jvs.core.packet.IcmpHeader;
import io.jvs.core.packet.Ipv4Header;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class IcmpBuilderTest {
    private static final int A = addr("10.0.0.5");
    private static final int B = addr("198.51.100.7");
    private final UnsafeBuffer buf = TestPackets.buffer();
    private final UnsafeBuffer out = TestPackets.buffer();

    @Test
    void shouldTurnAnEchoRequestIntoItsReply() {
        final int len = TestPackets.icmpEcho(buf, 0, 0x0200_0000_0001L, 0x0200_0000_0002L, A, B,
                IcmpHeader.TYPE_ECHO_REQUEST, 0x4242, 7, 100, 3);
        IcmpBuilder.echoReplyInPlace(buf, 0, IP, IP + 20, 0x0200_0000_0001L);
        assertEquals(0x0200_0000_0002L, EthernetHeader.dst(buf, 0));
        assertEquals(B, Ipv4Header.src(buf, IP));
        assertEquals(A, Ipv4Header.dst(buf, IP));
        assertEquals(IcmpBuilder.TTL, Ipv4Header.ttl(buf, IP));
        assertEquals(IcmpHeader.TYPE_ECHO_REPLY, IcmpHeader.type(buf, IP + 20));
        assertEquals(0x4242, IcmpHeader.id(buf, IP + 20));
        assertEquals(7, IcmpHeader.sequence(buf, IP + 20));
        assertEquals(len, EthernetHeader.LENGTH + Ipv4Header.totalLength(buf, IP));
        assertTrue(checksumsValid(buf, IP));
    }

    @Test
    void shouldQuoteTheHeaderAndEightBytes() {
        TestPackets.tcp(buf, 0, 1, 2, A, B, 1234, 80, 0x02, 500, 1);
        final int len = IcmpBuilder.writeError(out, 0, 2, 1, addr("10.0.0.1"), IcmpHeader.TYPE_TIME_EXCEEDED, 0, 0,
                buf, IP, 540);
        assertEquals(EthernetHeader.LENGTH + 20 + 8 + 28, len);
        assertEquals(0xc0, Ipv4Header.tos(out, IP));
        assertEquals(A, Ipv4Header.dst(out, IP));
        for (int i = 0; i < 28; i++) {
            assertEquals(buf.getByte(IP + i), out.getByte(IP + 28 + i), "quoted byte " + i);
        }
        assertTrue(checksumsValid(out, IP));
        assertTrue(len <= IcmpBuilder.MAX_ERROR_FRAME);
    }

    @Test
    void shouldQuoteLessWhenTheDatagramIsShorter() {
        TestPackets.udp(buf, 0, 1, 2, A, B, 1, 2, 0, 1);
        Ipv4Header.setTotalLength(buf, IP, 24); // a truncated datagram: header + 4 bytes
        Checksum.writeIpv4HeaderChecksum(buf, IP);
        final int len = IcmpBuilder.writeError(out, 0, 2, 1, addr("10.0.0.1"), IcmpHeader.TYPE_DEST_UNREACHABLE,
                IcmpHeader.CODE_HOST_UNREACHABLE, 0, buf, IP, 24);
        assertEquals(EthernetHeader.LENGTH + 20 + 8 + 24, len);
        assertTrue(checksumsValid(out, IP));
    }

    @Test
    void shouldNotAnswerWhatRfc1812Forbids() {
        int len = TestPackets.udp(buf, 0, 1, 2, A, B, 1, 2, 0, 1);
        assertTrue(IcmpBuilder.mayAnswerWithError(buf, IP, len - IP));
        TestPackets.udp(buf, 0, 1, 2, 0, B, 1, 2, 0, 1);
        assertFalse(IcmpBuilder.mayAnswerWithError(buf, IP, len - IP), "source 0.0.0.0");
        TestPackets.udp(buf, 0, 1, 2, addr("224.0.0.5"), B, 1, 2, 0, 1);
        assertFalse(IcmpBuilder.mayAnswerWithError(buf, IP, len - IP), "multicast source");
        TestPackets.udp(buf, 0, 1, 2, A, addr("239.1.1.1"), 1, 2, 0, 1);
        assertFalse(IcmpBuilder.mayAnswerWithError(buf, IP, len - IP), "multicast destination");
        TestPackets.udp(buf, 0, 1, 2, A, B, 1, 2, 0, 1);
        Ipv4Header.setFlagsFragment(buf, IP, 100);
        assertFalse(IcmpBuilder.mayAnswerWithError(buf, IP, len - IP), "non-first fragment");
        final UnsafeBuffer orig = TestPackets.buffer();
        TestPackets.udp(orig, 0, 1, 2, B, A, 1, 2, 0, 1);
        len = TestPackets.icmpError(buf, 0, 1, 2, A, IcmpHeader.TYPE_DEST_UNREACHABLE, 3, orig, IP);
        assertFalse(IcmpBuilder.mayAnswerWithError(buf, IP, len - IP), "an ICMP error");
        len = TestPackets.icmpEcho(buf, 0, 1, 2, A, B, IcmpHeader.TYPE_ECHO_REQUEST, 1, 1, 0, 1);
        assertTrue(IcmpBuilder.mayAnswerWithError(buf, IP, len - IP), "an echo request");
    }
}
