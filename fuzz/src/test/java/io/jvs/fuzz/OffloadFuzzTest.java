package io.jvs.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import io.jvs.core.packet.Checksum;
import io.jvs.core.packet.ChecksumOffload;
import io.jvs.core.packet.EthernetHeader;
import io.jvs.core.packet.GsoSegmenter;
import io.jvs.core.packet.Ipv4Header;
import io.jvs.core.packet.Ipv6Header;
import io.jvs.core.packet.VirtioNetHeader;

import org.agrona.concurrent.UnsafeBuffer;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Arbitrary bytes as a 10-byte virtio-net header followed by a (super-)frame: the header's fields are read, the
 * partial checksum it asks for is completed, and the GSO super-frame it describes is segmented, as the Forwarder does
 * for an output that takes no offloads. The frame sits in a buffer that ends exactly where the frame ends.
 */
class OffloadFuzzTest {
    private static final int HEADROOM = 64;
    private static final GsoSegmenter SEGMENTER = new GsoSegmenter(9216);

    /** A plain reference for ChecksumOffload: RFC 1071 over bytes, from csumStart to the end of the frame. */
    static int referenceChecksum(byte[] frame, int start) {
        long sum = 0;
        for (int i = start; i < frame.length; i += 2) {
            int hi = frame[i] & 0xff;
            int lo = i + 1 < frame.length ? frame[i + 1] & 0xff : 0;
            sum += (hi << 8) | lo;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        int c = (int) (~sum & 0xffff);
        return c == 0 ? 0xffff : c;
    }

    @FuzzTest
    void virtioGso(byte[] data) {
        if (data.length < VirtioNetHeader.LENGTH) {
            return;
        }
        UnsafeBuffer vnet = new UnsafeBuffer(data, 0, VirtioNetHeader.LENGTH);
        int flags = VirtioNetHeader.flags(vnet, 0);
        int gsoType = VirtioNetHeader.gsoType(vnet, 0);
        int gsoSize = VirtioNetHeader.gsoSize(vnet, 0);
        int csumStart = VirtioNetHeader.csumStart(vnet, 0);
        int csumOffset = VirtioNetHeader.csumOffset(vnet, 0);
        int hdrLen = VirtioNetHeader.hdrLen(vnet, 0);
        for (int v : new int[] {flags, gsoType}) {
            assertTrue(v >= 0 && v <= 0xff);
        }
        for (int v : new int[] {gsoSize, csumStart, csumOffset, hdrLen}) {
            assertTrue(v >= 0 && v <= 0xffff, "virtio u16 field " + v);
        }
        int base = VirtioNetHeader.gsoBaseType(gsoType);
        assertTrue(base >= 0 && base <= 0xff);

        byte[] frame = Arrays.copyOfRange(data, VirtioNetHeader.LENGTH, data.length);
        int frameLen = frame.length;
        // Exactly as large as headroom + frame: a read or write past the frame is out of the buffer.
        UnsafeBuffer buf = new UnsafeBuffer(ByteBuffer.allocateDirect(HEADROOM + frameLen));
        buf.putBytes(HEADROOM, frame);

        // Checksum completion: either refuses (writing nothing) or writes exactly the reference checksum.
        boolean inside = (long) csumStart + csumOffset + 2 <= frameLen;
        boolean done = ChecksumOffload.complete(buf, HEADROOM, frameLen, csumStart, csumOffset);
        assertEquals(inside, done, "complete() must accept exactly the offsets inside the frame");
        byte[] after = new byte[frameLen];
        buf.getBytes(HEADROOM, after);
        if (done) {
            int field = csumStart + csumOffset;
            byte[] expected = frame.clone();
            expected[field] = 0;
            expected[field + 1] = 0;
            int original = ((frame[field] & 0xff) << 8) | (frame[field + 1] & 0xff);
            // The field held the pseudo-header sum: the reference sums the frame with it in place.
            int c = referenceChecksum(frame, csumStart);
            expected[field] = (byte) (c >>> 8);
            expected[field + 1] = (byte) c;
            assertArrayEquals(expected, after, "completed checksum (field held " + original + ")");
        } else {
            assertArrayEquals(frame, after, "a refused completion must write nothing");
        }
        buf.putBytes(HEADROOM, frame);

        // Segmentation: a result code or segments that fit and add up.
        int headers = GsoSegmenter.headersLength(buf, HEADROOM, frameLen, gsoType);
        int[] segments = {0};
        long[] payload = {0};
        int n = SEGMENTER.segment(buf, HEADROOM, frameLen, gsoType, gsoSize, (b, off, len) -> {
            segments[0]++;
            assertTrue(len <= SEGMENTER.maxSegmentBytes(), "segment of " + len + " bytes");
            assertTrue(headers > 0, "segments from a frame whose headers headersLength() rejects");
            assertTrue(len >= headers && len <= headers + gsoSize,
                    len + "-byte segment, headers " + headers + ", gso_size " + gsoSize);
            payload[0] += len - headers;
            int etherType = EthernetHeader.etherType(b, off);
            int ipOff = off + EthernetHeader.LENGTH;
            if (etherType == EthernetHeader.ETH_P_IPV4) {
                assertTrue(Checksum.isIpv4HeaderChecksumValid(b, ipOff), "segment IPv4 header checksum");
                assertEquals(len - EthernetHeader.LENGTH, Ipv4Header.totalLength(b, ipOff), "segment IPv4 length");
                int ihl = Ipv4Header.headerLength(b, ipOff);
                int l4Len = len - EthernetHeader.LENGTH - ihl;
                long s = Checksum.pseudoIpv4(b, ipOff, Ipv4Header.protocol(b, ipOff), l4Len)
                        + Checksum.sum(b, ipOff + ihl, l4Len);
                assertEquals(0xffff, Checksum.fold(s), "segment L4 checksum over IPv4");
            } else if (etherType == EthernetHeader.ETH_P_IPV6) {
                int l4Len = len - EthernetHeader.LENGTH - Ipv6Header.LENGTH;
                assertEquals(l4Len, Ipv6Header.payloadLength(b, ipOff), "segment IPv6 payload length");
                long s = Checksum.pseudoIpv6(b, ipOff, Ipv6Header.nextHeader(b, ipOff), l4Len)
                        + Checksum.sum(b, ipOff + Ipv6Header.LENGTH, l4Len);
                assertEquals(0xffff, Checksum.fold(s), "segment L4 checksum over IPv6");
            } else {
                fail("segment with ethertype " + Integer.toHexString(etherType));
            }
        });
        if (n > 0) {
            assertEquals(n, segments[0], "segment() returned " + n + " but delivered " + segments[0]);
            int ipOff = HEADROOM + EthernetHeader.LENGTH;
            int ipEnd = EthernetHeader.etherType(buf, HEADROOM) == EthernetHeader.ETH_P_IPV4
                    ? EthernetHeader.LENGTH + Ipv4Header.totalLength(buf, ipOff)
                    : EthernetHeader.LENGTH + Ipv6Header.LENGTH + Ipv6Header.payloadLength(buf, ipOff);
            assertEquals(ipEnd - headers, payload[0], "segments must carry the datagram's payload, all of it");
        } else {
            assertTrue(n == GsoSegmenter.UNSUPPORTED || n == GsoSegmenter.MALFORMED
                    || n == GsoSegmenter.SEGMENT_TOO_LARGE, "result " + n);
            assertEquals(0, segments[0], "segments delivered before an error");
        }
        byte[] input = new byte[frameLen];
        buf.getBytes(HEADROOM, input);
        assertArrayEquals(frame, input, "segment() must only read its input");
        assertTrue(ByteOrder.nativeOrder() != null);
    }
}
