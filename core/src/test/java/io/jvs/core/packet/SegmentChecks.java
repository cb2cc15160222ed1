package io.jvs.core.packet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;

import io.jvs.core.packet.Frames.CollectingSink;
import org.agrona.concurrent.UnsafeBuffer;

/** The checks every GSO result must pass, shared by the example tests and the property tests. */
final class SegmentChecks {
    private SegmentChecks() {
    }

    /** What one super-frame was built with, to check the segments against. */
    record Expect(boolean ipv4, boolean tcp, int ipHeaderLength, int l4HeaderLength, int payloadLength,
                          int firstId, int firstSeq, int flags) {
        int headersLength() {
            return EthernetHeader.LENGTH + ipHeaderLength + l4HeaderLength;
        }
    }

    /**
     * Checks every property the segmenter promises: count, lengths, ids, sequence numbers, flags, checksums,
     * untouched header fields, and that the payload chunks concatenate back to the original payload.
     */
    static void assertSegments(final CollectingSink sink, final Expect e, final int gsoSize, final int returned) {
        final int expectedCount = e.payloadLength == 0 ? 1 : (e.payloadLength + gsoSize - 1) / gsoSize;
        assertEquals(expectedCount, returned);
        assertEquals(expectedCount, sink.segments.size());
        final ByteArrayOutputStream payload = new ByteArrayOutputStream();
        final int proto = e.tcp ? Ipv4Header.PROTO_TCP : Ipv4Header.PROTO_UDP;
        for (int i = 0; i < expectedCount; i++) {
            final byte[] seg = sink.segments.get(i);
            final UnsafeBuffer b = new UnsafeBuffer(seg);
            final boolean last = i == expectedCount - 1;
            final int chunk = last ? e.payloadLength - i * gsoSize : gsoSize;
            final String at = "segment " + i;
            assertEquals(GsoSegmenter.HEADROOM, sink.offsets.get(i), at);
            assertEquals(e.headersLength() + chunk, seg.length, at);
            assertTrue(seg.length <= e.headersLength() + gsoSize, at);
            assertEquals(Frames.DST_MAC, EthernetHeader.dst(b, 0), at);
            assertEquals(Frames.SRC_MAC, EthernetHeader.src(b, 0), at);

            final int ip = EthernetHeader.LENGTH;
            final int l4 = ip + e.ipHeaderLength;
            if (e.ipv4) {
                assertEquals(EthernetHeader.ETH_P_IPV4, EthernetHeader.etherType(b, 0), at);
                assertEquals(e.ipHeaderLength, Ipv4Header.headerLength(b, ip), at);
                assertEquals(seg.length - EthernetHeader.LENGTH, Ipv4Header.totalLength(b, ip), at);
                assertEquals((e.firstId + i) & 0xffff, Ipv4Header.id(b, ip), at);
                assertEquals(Ipv4Header.FLAG_DF, Ipv4Header.flagsFragment(b, ip), at);
                assertEquals(64, Ipv4Header.ttl(b, ip), at);
                assertEquals(Frames.IPV4_DST, Ipv4Header.dst(b, ip), at);
                assertTrue(Frames.ipv4HeaderValid(seg), at + ": IPv4 header checksum");
            } else {
                assertEquals(EthernetHeader.ETH_P_IPV6, EthernetHeader.etherType(b, 0), at);
                assertEquals(seg.length - EthernetHeader.LENGTH - Ipv6Header.LENGTH,
                    Ipv6Header.payloadLength(b, ip), at);
                assertEquals(0x12345, Ipv6Header.flowLabel(b, ip), at);
                assertEquals(Frames.IPV6_DST_LOW, Ipv6Header.dstLow(b, ip), at);
            }
            if (e.tcp) {
                assertEquals(e.firstSeq + i * gsoSize, TcpHeader.seq(b, l4), at);
                assertEquals(e.l4HeaderLength, TcpHeader.headerLength(b, l4), at);
                int flags = e.flags;
                if (!last) {
                    flags &= ~(TcpHeader.FIN | TcpHeader.PSH);
                }
                if (i != 0) {
                    flags &= ~TcpHeader.CWR;
                }
                assertEquals(flags, TcpHeader.flags(b, l4), at);
                assertEquals(0x01020304, TcpHeader.ack(b, l4), at);
            } else {
                assertEquals(UdpHeader.LENGTH + chunk, UdpHeader.datagramLength(b, l4), at);
                assertTrue(UdpHeader.checksum(b, l4) != 0, at);
            }
            assertTrue(Frames.l4ChecksumValid(seg, proto), at + ": L4 checksum");
            payload.write(seg, e.headersLength(), chunk);
        }
        assertArrayEquals(Frames.payload(e.payloadLength), payload.toByteArray());
    }
}
