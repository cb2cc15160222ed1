package io.jvs.core.packet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import io.jvs.core.packet.Frames.CollectingSink;
import io.jvs.core.packet.Frames.Frame;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Coalescing undoes segmentation: a TCP super-frame cut by {@link GsoSegmenter} and offered segment by segment
 * comes out as one super-frame whose own segmentation gives back exactly the same segments; and anything GRO would
 * not merge is not merged.
 */
class TcpCoalescerTest {
    /** What the coalescer wrote: each frame with its virtio header, and the segment and byte counts. */
    static final class Written implements TcpCoalescer.Output {
        final List<byte[]> frames = new ArrayList<>();
        final List<Integer> segments = new ArrayList<>();
        int bytes;

        @Override
        public void write(UnsafeBuffer buf, int vnetOff, int length, int segs, int frameBytes) {
            byte[] f = new byte[length];
            buf.getBytes(vnetOff, f);
            frames.add(f);
            segments.add(segs);
            bytes += frameBytes;
        }
    }

    static List<byte[]> segment(Frame f, int mss) {
        CollectingSink sink = new CollectingSink();
        new GsoSegmenter(65535).segment(f.buf(), f.off(), f.len(), VirtioNetHeader.GSO_TCPV4, mss, sink);
        return sink.segments;
    }

    static boolean offer(TcpCoalescer c, byte[] frame) {
        UnsafeBuffer b = new UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(frame.length + 8));
        b.putBytes(3, frame);
        return c.offer(b, 3, frame.length);
    }

    @Property(tries = 200)
    void segmentsCoalesceBackIntoTheirSuperFrame(@ForAll @IntRange(min = 1, max = 62_000) int payload,
            @ForAll @IntRange(min = 500, max = 9000) int mss, @ForAll @IntRange(max = 3) int optionWords,
            @ForAll int seq, @ForAll boolean push) {
        Frame f = Frames.build(true, true, 0, 0, 4 * optionWords, payload, 7, seq,
                TcpHeader.ACK | (push ? TcpHeader.PSH : 0));
        List<byte[]> segments = segment(f, mss);
        Written out = new Written();
        TcpCoalescer c = new TcpCoalescer(out);
        for (byte[] s : segments) {
            assertTrue(offer(c, s));
        }
        c.flush();
        assertFalse(c.pending());
        assertEquals(1, out.frames.size(), "one super-frame");
        assertEquals(segments.size(), out.segments.get(0));
        assertEquals(segments.stream().mapToInt(s -> s.length).sum(), out.bytes);
        byte[] merged = out.frames.get(0);
        UnsafeBuffer m = new UnsafeBuffer(merged);
        int frameLen = merged.length - VirtioNetHeader.LENGTH;
        assertEquals(14 + 20 + 20 + 4 * optionWords + payload, frameLen);
        if (segments.size() == 1) {
            assertArrayEquals(new byte[10], java.util.Arrays.copyOf(merged, 10), "a lone segment goes as it came");
            assertArrayEquals(segments.get(0), java.util.Arrays.copyOfRange(merged, 10, merged.length));
            return;
        }
        assertEquals(VirtioNetHeader.FLAG_NEEDS_CSUM, VirtioNetHeader.flags(m, 0));
        assertEquals(VirtioNetHeader.GSO_TCPV4, VirtioNetHeader.gsoType(m, 0));
        assertEquals(Math.min(mss, payload), VirtioNetHeader.gsoSize(m, 0));
        assertEquals(54 + 4 * optionWords, VirtioNetHeader.hdrLen(m, 0));
        assertEquals(34, VirtioNetHeader.csumStart(m, 0));
        assertEquals(16, VirtioNetHeader.csumOffset(m, 0));
        assertTrue(Checksum.isIpv4HeaderChecksumValid(m, 10 + 14));
        // Cutting the super-frame again, as the receiver's stack or a GSO-less output would, gives the same segments.
        List<byte[]> again = segment(new Frame(m, 10, frameLen), VirtioNetHeader.gsoSize(m, 0));
        assertEquals(segments.size(), again.size());
        for (int i = 0; i < segments.size(); i++) {
            byte[] a = segments.get(i);
            byte[] b = again.get(i);
            // IP ids restart from the first segment's in both; everything else must match byte for byte.
            assertArrayEquals(a, b, "segment " + i);
        }
    }

    static List<byte[]> stream(int payload, int mss) {
        return segment(Frames.build(true, true, 0, 0, 12, payload, 1, 1000, TcpHeader.ACK), mss);
    }

    @Test
    void aCorruptedSegmentIsNotMerged() {
        List<byte[]> s = stream(5000, 1000);
        s.get(2)[100] ^= 1;
        Written out = new Written();
        TcpCoalescer c = new TcpCoalescer(out);
        assertTrue(offer(c, s.get(0)));
        assertTrue(offer(c, s.get(1)));
        assertFalse(offer(c, s.get(2)), "bad checksum: the caller sends it as it is");
        c.flush();
        assertEquals(List.of(2), out.segments);
    }

    @Test
    void aGapOrAnotherFlowStartsANewFrame() {
        List<byte[]> s = stream(5000, 1000);
        Written out = new Written();
        TcpCoalescer c = new TcpCoalescer(out);
        offer(c, s.get(0));
        offer(c, s.get(2)); // s.get(1) was lost
        offer(c, s.get(3));
        List<byte[]> other = segment(Frames.build(true, true, 0, 0, 12, 3000, 1, 77, TcpHeader.ACK), 1000);
        offer(c, other.get(0));
        offer(c, other.get(1));
        offer(c, s.get(4));
        c.flush();
        assertEquals(List.of(1, 2, 2, 1), out.segments);
    }

    @Test
    void onlyPlainDataSegmentsCoalesce() {
        Written out = new Written();
        TcpCoalescer c = new TcpCoalescer(out);
        for (int flags : new int[] {TcpHeader.SYN, TcpHeader.ACK | TcpHeader.FIN, TcpHeader.ACK | TcpHeader.RST,
                TcpHeader.ACK | TcpHeader.CWR, TcpHeader.ACK | TcpHeader.URG}) {
            assertFalse(offer(c, segment(Frames.build(true, true, 0, 0, 0, 100, 1, 5, flags), 1000).get(0)));
        }
        assertFalse(offer(c, segment(Frames.build(true, true, 0, 0, 0, 0, 1, 5, TcpHeader.ACK), 1000).get(0)),
                "a pure ACK carries nothing to merge");
        assertFalse(offer(c, segment(Frames.build(true, true, 0, 8, 0, 100, 1, 5, TcpHeader.ACK), 1000).get(0)),
                "IPv4 options");
        assertFalse(c.pending());
        assertTrue(out.frames.isEmpty());
    }

    @Test
    void aShortOrPushedSegmentEndsTheFrame() {
        List<byte[]> s = stream(2500, 1000); // 1000, 1000, 500
        List<byte[]> next = segment(Frames.build(true, true, 0, 0, 12, 2000, 1, 1000 + 2500, TcpHeader.ACK), 1000);
        Written out = new Written();
        TcpCoalescer c = new TcpCoalescer(out);
        s.forEach(f -> offer(c, f));
        next.forEach(f -> offer(c, f));
        c.flush();
        assertEquals(List.of(3, 2), out.segments, "nothing may follow the short segment in one frame");
    }
}
