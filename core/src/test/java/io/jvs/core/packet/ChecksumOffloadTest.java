package io.jvs.core.packet;

import static io.jvs.core.packet.Frames.build;
import static io.jvs.core.packet.Frames.l4ChecksumValid;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.core.packet.Frames.Frame;
import org.junit.jupiter.api.Test;

class ChecksumOffloadTest {
    private static final int TCP4_CSUM_START = EthernetHeader.LENGTH + Ipv4Header.MIN_LENGTH;
    private static final int IP6_L4_START = EthernetHeader.LENGTH + Ipv6Header.LENGTH;

    /** Puts the folded, uncomplemented pseudo-header sum in the L4 checksum field, as Linux does for PARTIAL. */
    private static void seedPartialIpv4(final Frame f, final int proto, final int csumOffset) {
        final int ip = f.off() + EthernetHeader.LENGTH;
        final int l4Length = Ipv4Header.totalLength(f.buf(), ip) - Ipv4Header.headerLength(f.buf(), ip);
        final int l4 = ip + Ipv4Header.headerLength(f.buf(), ip);
        f.buf().putShort(l4 + csumOffset,
            (short) Checksum.fold(Checksum.pseudoIpv4(f.buf(), ip, proto, l4Length)), java.nio.ByteOrder.BIG_ENDIAN);
    }

    private static void seedPartialIpv6(final Frame f, final int proto, final int csumOffset) {
        final int ip = f.off() + EthernetHeader.LENGTH;
        final int l4Length = Ipv6Header.payloadLength(f.buf(), ip);
        f.buf().putShort(ip + Ipv6Header.LENGTH + csumOffset,
            (short) Checksum.fold(Checksum.pseudoIpv6(f.buf(), ip, proto, l4Length)), java.nio.ByteOrder.BIG_ENDIAN);
    }

    @Test
    void shouldCompletePartialTcpIpv4Checksum() {
        final Frame f = build(true, true, 7, 0, 12, 1001, 1, 12345, TcpHeader.ACK | TcpHeader.PSH);
        seedPartialIpv4(f, Ipv4Header.PROTO_TCP, TcpHeader.CHECKSUM_OFFSET);
        assertFalse(l4ChecksumValid(f.bytes(), Ipv4Header.PROTO_TCP));

        assertTrue(ChecksumOffload.complete(f.buf(), f.off(), f.len(), TCP4_CSUM_START, TcpHeader.CHECKSUM_OFFSET));
        assertTrue(l4ChecksumValid(f.bytes(), Ipv4Header.PROTO_TCP));
    }

    @Test
    void shouldCompletePartialUdpIpv6Checksum() {
        final Frame f = build(false, false, 2, 0, 0, 333, 0, 0, 0);
        seedPartialIpv6(f, Ipv4Header.PROTO_UDP, UdpHeader.CHECKSUM_OFFSET);

        assertTrue(ChecksumOffload.complete(f.buf(), f.off(), f.len(), IP6_L4_START, UdpHeader.CHECKSUM_OFFSET));
        assertTrue(l4ChecksumValid(f.bytes(), Ipv4Header.PROTO_UDP));
        assertTrue(UdpHeader.checksum(f.buf(), f.off() + IP6_L4_START) != 0);
    }

    @Test
    void shouldCompletePartialTcpIpv6ChecksumWithOddPayload() {
        final Frame f = build(false, true, 0, 0, 0, 1, 0, 7, TcpHeader.ACK);
        seedPartialIpv6(f, Ipv4Header.PROTO_TCP, TcpHeader.CHECKSUM_OFFSET);
        assertTrue(ChecksumOffload.complete(f.buf(), f.off(), f.len(), IP6_L4_START, TcpHeader.CHECKSUM_OFFSET));
        assertTrue(l4ChecksumValid(f.bytes(), Ipv4Header.PROTO_TCP));
    }

    @Test
    void shouldWriteAComputedZeroAsAllOnes() {
        // Choose the last two payload bytes so the completed checksum comes out as 0.
        final Frame f = build(true, false, 0, 0, 0, 64, 0, 0, 0);
        final int l4 = f.off() + TCP4_CSUM_START;
        final int last = f.off() + f.len() - 2;
        f.buf().putShort(last, (short) 0);
        seedPartialIpv4(f, Ipv4Header.PROTO_UDP, UdpHeader.CHECKSUM_OFFSET);
        final int seeded = UdpHeader.checksum(f.buf(), l4);
        final int without = Checksum.finish(Checksum.sum(f.buf(), l4, f.len() - TCP4_CSUM_START));
        f.buf().putShort(last, (short) without, java.nio.ByteOrder.BIG_ENDIAN);
        assertEquals(0, Checksum.finish(Checksum.sum(f.buf(), l4, f.len() - TCP4_CSUM_START)));
        assertEquals(seeded, UdpHeader.checksum(f.buf(), l4));

        assertTrue(ChecksumOffload.complete(f.buf(), f.off(), f.len(), TCP4_CSUM_START, UdpHeader.CHECKSUM_OFFSET));
        assertEquals(0xffff, UdpHeader.checksum(f.buf(), l4));
        assertTrue(l4ChecksumValid(f.bytes(), Ipv4Header.PROTO_UDP));
    }

    @Test
    void shouldRejectOffsetsOutsideTheFrameAndWriteNothing() {
        final Frame f = build(true, true, 4, 0, 0, 100, 1, 1, TcpHeader.ACK);
        final byte[] original = new byte[f.buf().capacity()];
        f.buf().getBytes(0, original);
        final int len = f.len();

        assertFalse(ChecksumOffload.complete(f.buf(), f.off(), len, len, 0), "start at end");
        assertFalse(ChecksumOffload.complete(f.buf(), f.off(), len, len - 1, 0), "field would straddle the end");
        assertFalse(ChecksumOffload.complete(f.buf(), f.off(), len, TCP4_CSUM_START, len), "field past the end");
        assertFalse(ChecksumOffload.complete(f.buf(), f.off(), len, -1, 16), "negative start");
        assertFalse(ChecksumOffload.complete(f.buf(), f.off(), len, 34, -2), "negative offset");
        assertFalse(ChecksumOffload.complete(f.buf(), f.off(), len, 0xffff, 0xffff), "virtio maximums");
        assertFalse(ChecksumOffload.complete(f.buf(), -1, len, 34, 16), "negative frame offset");
        assertFalse(ChecksumOffload.complete(f.buf(), f.off(), f.buf().capacity(), 34, 16), "frame past buffer");
        assertFalse(ChecksumOffload.complete(f.buf(), f.off(), len, Integer.MAX_VALUE, Integer.MAX_VALUE),
            "overflowing offsets");

        final byte[] after = new byte[f.buf().capacity()];
        f.buf().getBytes(0, after);
        assertArrayEquals(original, after);
    }

    @Test
    void shouldAcceptAFieldEndingExactlyAtTheFrameEnd() {
        final Frame f = build(true, true, 0, 0, 0, 10, 1, 1, TcpHeader.ACK);
        assertTrue(ChecksumOffload.complete(f.buf(), f.off(), f.len(), f.len() - 2, 0));
    }
}
