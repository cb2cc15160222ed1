package io.jvs.core.packet;

import static io.jvs.core.packet.Frames.build;

import io.jvs.core.packet.Frames.CollectingSink;
import io.jvs.core.packet.Frames.Frame;
import io.jvs.core.packet.SegmentChecks.Expect;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Segmentation invariants over random payload sizes, segment sizes, header options and offsets. */
class GsoSegmenterPropertiesTest {
    private final GsoSegmenter segmenter = new GsoSegmenter(9216);

    @Property(tries = 300)
    void everySuperFrameShouldSegmentIntoValidFramesThatReassemble(
        @ForAll final boolean ipv4,
        @ForAll final boolean tcp,
        @ForAll @IntRange(max = 20_000) final int payloadLength,
        @ForAll @IntRange(min = 1, max = 9000) final int gsoSize,
        @ForAll @IntRange(max = 10) final int ipOptionWords,
        @ForAll @IntRange(max = 10) final int tcpOptionWords,
        @ForAll @IntRange(max = 9) final int frameOff,
        @ForAll @IntRange(max = 0xffff) final int ipId,
        @ForAll final int seq,
        @ForAll @IntRange(max = 0xff) final int tcpFlags) {
        final int ipOptions = ipv4 ? 4 * ipOptionWords : 0;
        final int tcpOptions = tcp ? 4 * tcpOptionWords : 0;
        final int flags = tcp ? tcpFlags : 0;
        final Frame f = build(ipv4, tcp, frameOff, ipOptions, tcpOptions, payloadLength, ipId, seq, flags);
        final int gsoType = tcp
            ? (ipv4 ? VirtioNetHeader.GSO_TCPV4 : VirtioNetHeader.GSO_TCPV6)
            : VirtioNetHeader.GSO_UDP_L4;
        final CollectingSink sink = new CollectingSink();
        final int n = segmenter.segment(f.buf(), f.off(), f.len(), gsoType, gsoSize, sink);
        final int ipHeaderLength = ipv4 ? Ipv4Header.MIN_LENGTH + ipOptions : Ipv6Header.LENGTH;
        final int l4HeaderLength = tcp ? TcpHeader.MIN_LENGTH + tcpOptions : UdpHeader.LENGTH;
        SegmentChecks.assertSegments(
            sink, new Expect(ipv4, tcp, ipHeaderLength, l4HeaderLength, payloadLength, ipId, seq, flags), gsoSize, n);
    }
}
