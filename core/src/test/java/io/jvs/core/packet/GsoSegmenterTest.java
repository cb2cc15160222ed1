package io.jvs.core.packet;

import static io.jvs.core.packet.Frames.build;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.core.packet.Frames.CollectingSink;
import io.jvs.core.packet.Frames.Frame;
import io.jvs.core.packet.SegmentChecks.Expect;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class GsoSegmenterTest {
    private static final int MSS = 1448;
    private final GsoSegmenter segmenter = new GsoSegmenter(9216);
    private final CollectingSink sink = new CollectingSink();

    private void assertSegments(final Expect e, final int gsoSize, final int returned) {
        SegmentChecks.assertSegments(sink, e, gsoSize, returned);
    }

    @Test
    void shouldSegmentTcpIpv4SuperFrameWithOptions() {
        final int payloadLength = 65_000;
        final int flags = TcpHeader.ACK | TcpHeader.PSH | TcpHeader.FIN;
        final Frame f = build(true, true, 3, 4, 12, payloadLength, 0x1234, 0x1000_0000, flags);
        final int n = segmenter.segment(f.buf(), f.off(), f.len(), VirtioNetHeader.GSO_TCPV4, MSS, sink);
        assertEquals(45, n); // 44 * 1448 = 63712, then 1288
        assertSegments(new Expect(true, true, 24, 32, payloadLength, 0x1234, 0x1000_0000, flags), MSS, n);
    }

    @Test
    void shouldSegmentTcpIpv6SuperFrame() {
        final int payloadLength = 64_000;
        final int flags = TcpHeader.ACK | TcpHeader.PSH;
        final Frame f = build(false, true, 0, 0, 12, payloadLength, 0, 77, flags);
        final int n = segmenter.segment(f.buf(), f.off(), f.len(), VirtioNetHeader.GSO_TCPV6, MSS, sink);
        assertSegments(new Expect(false, true, 40, 32, payloadLength, 0, 77, flags), MSS, n);
    }

    @Test
    void shouldSegmentUdpL4OverIpv4() {
        final int payloadLength = 60_001;
        final Frame f = build(true, false, 1, 0, 0, payloadLength, 0xfff0, 0, 0);
        final int n = segmenter.segment(f.buf(), f.off(), f.len(), VirtioNetHeader.GSO_UDP_L4, MSS, sink);
        assertSegments(new Expect(true, false, 20, 8, payloadLength, 0xfff0, 0, 0), MSS, n);
    }

    @Test
    void shouldSegmentUdpL4OverIpv6() {
        final int payloadLength = 65_000;
        final Frame f = build(false, false, 0, 0, 0, payloadLength, 0, 0, 0);
        final int n = segmenter.segment(f.buf(), f.off(), f.len(), VirtioNetHeader.GSO_UDP_L4, MSS, sink);
        assertSegments(new Expect(false, false, 40, 8, payloadLength, 0, 0, 0), MSS, n);
    }

    @Test
    void shouldPutCwrOnFirstSegmentOnlyWhenEcnBitIsSet() {
        final int flags = TcpHeader.ACK | TcpHeader.CWR | TcpHeader.ECE | TcpHeader.PSH;
        final Frame f = build(true, true, 0, 0, 0, 5000, 1, 1, flags);
        final int n = segmenter.segment(f.buf(), f.off(), f.len(),
            VirtioNetHeader.GSO_TCPV4 | VirtioNetHeader.GSO_ECN, MSS, sink);
        assertSegments(new Expect(true, true, 20, 20, 5000, 1, 1, flags), MSS, n);
        final int l4 = EthernetHeader.LENGTH + Ipv4Header.MIN_LENGTH;
        assertEquals(TcpHeader.ACK | TcpHeader.CWR | TcpHeader.ECE,
            TcpHeader.flags(new UnsafeBuffer(sink.segments.get(0)), l4));
        assertEquals(TcpHeader.ACK | TcpHeader.ECE | TcpHeader.PSH,
            TcpHeader.flags(new UnsafeBuffer(sink.segments.get(n - 1)), l4));
    }

    @Test
    void shouldWrapIpIdAndSequenceNumbers() {
        final Frame f = build(true, true, 0, 0, 0, 4 * MSS, 0xfffe, 0xffff_f000, TcpHeader.ACK);
        final int n = segmenter.segment(f.buf(), f.off(), f.len(), VirtioNetHeader.GSO_TCPV4, MSS, sink);
        assertSegments(new Expect(true, true, 20, 20, 4 * MSS, 0xfffe, 0xffff_f000, TcpHeader.ACK), MSS, n);
        final int ip = EthernetHeader.LENGTH;
        assertEquals(0x0000, Ipv4Header.id(new UnsafeBuffer(sink.segments.get(2)), ip));
        assertEquals(0xffff_f000 + 3 * MSS, TcpHeader.seq(new UnsafeBuffer(sink.segments.get(3)), ip + 20));
    }

    @Test
    void shouldDeliverOneProperSegmentWhenPayloadFits() {
        final int flags = TcpHeader.ACK | TcpHeader.PSH | TcpHeader.FIN;
        final Frame f = build(true, true, 0, 0, 0, 100, 9, 9, flags);
        final int n = segmenter.segment(f.buf(), f.off(), f.len(), VirtioNetHeader.GSO_TCPV4, MSS, sink);
        assertEquals(1, n);
        assertSegments(new Expect(true, true, 20, 20, 100, 9, 9, flags), MSS, n);
    }

    @Test
    void shouldDeliverExactMultipleWithoutAnEmptyTail() {
        final Frame f = build(false, true, 0, 0, 0, 3 * MSS, 0, 0, TcpHeader.ACK);
        final int n = segmenter.segment(f.buf(), f.off(), f.len(), VirtioNetHeader.GSO_TCPV6, MSS, sink);
        assertEquals(3, n);
        assertSegments(new Expect(false, true, 40, 20, 3 * MSS, 0, 0, TcpHeader.ACK), MSS, n);
    }

    @Test
    void shouldDeliverOneHeaderOnlySegmentForEmptyPayload() {
        final Frame f = build(true, true, 0, 0, 0, 0, 5, 5, TcpHeader.ACK | TcpHeader.FIN);
        final int n = segmenter.segment(f.buf(), f.off(), f.len(), VirtioNetHeader.GSO_TCPV4, MSS, sink);
        assertSegments(new Expect(true, true, 20, 20, 0, 5, 5, TcpHeader.ACK | TcpHeader.FIN), MSS, n);
    }

    @Test
    void shouldIgnoreEthernetPaddingAfterTheIpDatagram() {
        final Frame f = build(true, true, 0, 0, 0, 3000, 1, 1, TcpHeader.ACK);
        final int n = segmenter.segment(f.buf(), f.off(), f.len() + 6, VirtioNetHeader.GSO_TCPV4, MSS, sink);
        assertSegments(new Expect(true, true, 20, 20, 3000, 1, 1, TcpHeader.ACK), MSS, n);
    }

    @Test
    void shouldNotModifyTheInputFrame() {
        final Frame f = build(true, true, 0, 0, 0, 10_000, 1, 1, TcpHeader.ACK | TcpHeader.FIN);
        final byte[] before = f.bytes();
        segmenter.segment(f.buf(), f.off(), f.len(), VirtioNetHeader.GSO_TCPV4, MSS, sink);
        assertArrayEquals(before, f.bytes());
    }

    @Test
    void shouldNeverExceedHeadersPlusGsoSize() {
        final int[] sizes = {1, 7, 536, 1400, 1448, 8000};
        for (final int gsoSize : sizes) {
            final Frame f = build(true, true, 0, 8, 20, 20_000, 1, 1, TcpHeader.ACK);
            sink.segments.clear();
            sink.offsets.clear();
            final int n = segmenter.segment(f.buf(), f.off(), f.len(), VirtioNetHeader.GSO_TCPV4, gsoSize, sink);
            final int limit = EthernetHeader.LENGTH + 28 + 40 + gsoSize;
            for (final byte[] seg : sink.segments) {
                assertTrue(seg.length <= limit, "gsoSize " + gsoSize + ": " + seg.length + " > " + limit);
            }
            assertSegments(new Expect(true, true, 28, 40, 20_000, 1, 1, TcpHeader.ACK), gsoSize, n);
        }
    }

    // ---- malformed and unsupported input: a negative code and nothing delivered ----

    private void assertRejected(final int expected, final int actual) {
        assertEquals(expected, actual);
        assertTrue(sink.segments.isEmpty(), "no segment may be delivered for a rejected frame");
    }

    @Test
    void shouldRejectZeroGsoSize() {
        final Frame f = build(true, true, 0, 0, 0, 3000, 1, 1, TcpHeader.ACK);
        assertRejected(GsoSegmenter.MALFORMED,
            segmenter.segment(f.buf(), f.off(), f.len(), VirtioNetHeader.GSO_TCPV4, 0, sink));
    }

    @Test
    void shouldRejectMalformedTotalLength() {
        final Frame f = build(true, true, 0, 0, 0, 3000, 1, 1, TcpHeader.ACK);
        final int ip = f.off() + EthernetHeader.LENGTH;
        Ipv4Header.setTotalLength(f.buf(), ip, Ipv4Header.totalLength(f.buf(), ip) + 1);
        assertRejected(GsoSegmenter.MALFORMED,
            segmenter.segment(f.buf(), f.off(), f.len(), VirtioNetHeader.GSO_TCPV4, MSS, sink));
        Ipv4Header.setTotalLength(f.buf(), ip, 19);
        assertRejected(GsoSegmenter.MALFORMED,
            segmenter.segment(f.buf(), f.off(), f.len(), VirtioNetHeader.GSO_TCPV4, MSS, sink));
        Ipv4Header.setTotalLength(f.buf(), ip, 20 + 19);
        assertRejected(GsoSegmenter.MALFORMED,
            segmenter.segment(f.buf(), f.off(), f.len(), VirtioNetHeader.GSO_TCPV4, MSS, sink));
    }

    @Test
    void shouldRejectMalformedIpv6PayloadLength() {
        final Frame f = build(false, true, 0, 0, 0, 3000, 1, 1, TcpHeader.ACK);
        final int ip = f.off() + EthernetHeader.LENGTH;
        Ipv6Header.setPayloadLength(f.buf(), ip, Ipv6Header.payloadLength(f.buf(), ip) + 1);
        assertRejected(GsoSegmenter.MALFORMED,
            segmenter.segment(f.buf(), f.off(), f.len(), VirtioNetHeader.GSO_TCPV6, MSS, sink));
    }

    @Test
    void shouldRejectIpv4HeaderLengthBelowMinimum() {
        final Frame f = build(true, true, 0, 0, 0, 3000, 1, 1, TcpHeader.ACK);
        Ipv4Header.setVersionAndHeaderLength(f.buf(), f.off() + EthernetHeader.LENGTH, 16);
        assertRejected(GsoSegmenter.MALFORMED,
            segmenter.segment(f.buf(), f.off(), f.len(), VirtioNetHeader.GSO_TCPV4, MSS, sink));
    }

    @Test
    void shouldRejectTcpHeaderLengthOutOfBounds() {
        final Frame f = build(true, true, 0, 0, 0, 10, 1, 1, TcpHeader.ACK);
        final int tcp = f.off() + EthernetHeader.LENGTH + Ipv4Header.MIN_LENGTH;
        TcpHeader.setHeaderLength(f.buf(), tcp, 60); // 20 + 10 bytes available
        assertRejected(GsoSegmenter.MALFORMED,
            segmenter.segment(f.buf(), f.off(), f.len(), VirtioNetHeader.GSO_TCPV4, MSS, sink));
        TcpHeader.setHeaderLength(f.buf(), tcp, 16);
        assertRejected(GsoSegmenter.MALFORMED,
            segmenter.segment(f.buf(), f.off(), f.len(), VirtioNetHeader.GSO_TCPV4, MSS, sink));
    }

    @Test
    void shouldRejectTruncatedFrames() {
        final Frame f = build(true, true, 0, 0, 0, 3000, 1, 1, TcpHeader.ACK);
        for (final int len : new int[] {0, 13, 14, 33, 40, 53}) {
            assertRejected(GsoSegmenter.MALFORMED,
                segmenter.segment(f.buf(), f.off(), len, VirtioNetHeader.GSO_TCPV4, MSS, sink));
        }
        assertRejected(GsoSegmenter.MALFORMED,
            segmenter.segment(f.buf(), f.off(), f.buf().capacity() + 1, VirtioNetHeader.GSO_TCPV4, MSS, sink));
        assertRejected(GsoSegmenter.MALFORMED,
            segmenter.segment(f.buf(), -1, f.len(), VirtioNetHeader.GSO_TCPV4, MSS, sink));
    }

    @Test
    void shouldRejectGsoTypeThatDisagreesWithTheHeaders() {
        final Frame v6 = build(false, true, 0, 0, 0, 3000, 1, 1, TcpHeader.ACK);
        assertRejected(GsoSegmenter.MALFORMED,
            segmenter.segment(v6.buf(), v6.off(), v6.len(), VirtioNetHeader.GSO_TCPV4, MSS, sink));
        final Frame v4 = build(true, true, 0, 0, 0, 3000, 1, 1, TcpHeader.ACK);
        assertRejected(GsoSegmenter.MALFORMED,
            segmenter.segment(v4.buf(), v4.off(), v4.len(), VirtioNetHeader.GSO_TCPV6, MSS, sink));
        assertRejected(GsoSegmenter.MALFORMED,
            segmenter.segment(v4.buf(), v4.off(), v4.len(), VirtioNetHeader.GSO_UDP_L4, MSS, sink));
        Ipv4Header.setVersionAndHeaderLength(v4.buf(), EthernetHeader.LENGTH, 20);
        v4.buf().putByte(EthernetHeader.LENGTH, (byte) 0x65); // version 6 under an IPv4 EtherType
        assertRejected(GsoSegmenter.MALFORMED,
            segmenter.segment(v4.buf(), v4.off(), v4.len(), VirtioNetHeader.GSO_TCPV4, MSS, sink));
    }

    @Test
    void shouldRejectIpv4Fragments() {
        final Frame f = build(true, true, 0, 0, 0, 3000, 1, 1, TcpHeader.ACK);
        Ipv4Header.setFlagsFragment(f.buf(), EthernetHeader.LENGTH, Ipv4Header.FLAG_MF);
        assertRejected(GsoSegmenter.MALFORMED,
            segmenter.segment(f.buf(), f.off(), f.len(), VirtioNetHeader.GSO_TCPV4, MSS, sink));
    }

    @Test
    void shouldReportUnsupportedGsoTypes() {
        final Frame f = build(true, true, 0, 0, 0, 3000, 1, 1, TcpHeader.ACK);
        for (final int type : new int[] {VirtioNetHeader.GSO_NONE, VirtioNetHeader.GSO_UDP, 2, 6, 0x7f}) {
            assertRejected(GsoSegmenter.UNSUPPORTED,
                segmenter.segment(f.buf(), f.off(), f.len(), type, MSS, sink));
        }
    }

    @Test
    void shouldReportIpv6ExtensionHeadersAsUnsupported() {
        final Frame f = build(false, true, 0, 0, 0, 3000, 1, 1, TcpHeader.ACK);
        Ipv6Header.setNextHeader(f.buf(), EthernetHeader.LENGTH, 0); // hop-by-hop options
        assertRejected(GsoSegmenter.UNSUPPORTED,
            segmenter.segment(f.buf(), f.off(), f.len(), VirtioNetHeader.GSO_TCPV6, MSS, sink));
    }

    @Test
    void shouldReportVlanTaggedFramesAsUnsupported() {
        final Frame f = build(true, true, 0, 0, 0, 3000, 1, 1, TcpHeader.ACK);
        EthernetHeader.setEtherType(f.buf(), f.off(), EthernetHeader.ETH_P_8021Q);
        assertRejected(GsoSegmenter.UNSUPPORTED,
            segmenter.segment(f.buf(), f.off(), f.len(), VirtioNetHeader.GSO_TCPV4, MSS, sink));
    }

    @Test
    void shouldRejectGsoSizeThatDoesNotFitTheScratchBuffer() {
        final GsoSegmenter small = new GsoSegmenter(1514);
        final Frame f = build(true, true, 0, 0, 0, 3000, 1, 1, TcpHeader.ACK);
        assertRejected(GsoSegmenter.SEGMENT_TOO_LARGE,
            small.segment(f.buf(), f.off(), f.len(), VirtioNetHeader.GSO_TCPV4, 1461, sink));
        assertEquals(3, small.segment(f.buf(), f.off(), f.len(), VirtioNetHeader.GSO_TCPV4, 1460, sink));
    }

    @Test
    void shouldRejectOutOfRangeScratchSizeWithAMessageNamingTheLimit() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new GsoSegmenter(100));
        assertTrue(e.getMessage().contains("maxSegmentBytes=100"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new GsoSegmenter(GsoSegmenter.MAX_SEGMENT_BYTES + 1));
    }
}
