package io.jvs.core.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.agrona.concurrent.UnsafeBuffer;

/** Invariants of {@link Checksum} against a naive 16-bit loop, over random data, offsets and lengths. */
class ChecksumPropertiesTest {
    @Property(tries = 2000)
    void sumShouldFoldLikeANaiveSixteenBitLoop(
        @ForAll @Size(max = 1600) final byte[] data,
        @ForAll @IntRange(max = 16) final int leading,
        @ForAll @IntRange(max = 16) final int trailing) {
        // Place the data at an arbitrary (often odd) offset with junk around it, as in a real receive buffer.
        final byte[] backing = new byte[leading + data.length + trailing];
        java.util.Arrays.fill(backing, (byte) 0x5a);
        System.arraycopy(data, 0, backing, leading, data.length);
        final UnsafeBuffer buf = new UnsafeBuffer(backing);
        assertEquals(Frames.naiveFold(data), Checksum.fold(Checksum.sum(buf, leading, data.length)));
    }

    @Property(tries = 1000)
    void sumsOfEvenSplitsShouldAddUp(
        @ForAll @Size(min = 2, max = 600) final byte[] data,
        @ForAll @IntRange(max = 300) final int splitWords) {
        final int split = Math.min(2 * splitWords, data.length & ~1);
        final UnsafeBuffer buf = new UnsafeBuffer(data);
        final long parts = Checksum.sum(buf, 0, split) + Checksum.sum(buf, split, data.length - split);
        assertEquals(Checksum.fold(Checksum.sum(buf, 0, data.length)), Checksum.fold(parts));
    }

    @Property(tries = 1000)
    void writingTheFinishedChecksumShouldMakeTheDataVerify(
        @ForAll @Size(min = 4, max = 600) final byte[] data,
        @ForAll @IntRange(max = 299) final int fieldWord) {
        final int field = Math.min(2 * fieldWord, (data.length & ~1) - 2);
        final UnsafeBuffer buf = new UnsafeBuffer(data);
        buf.putShort(field, (short) 0);
        final int csum = Checksum.finish(Checksum.sum(buf, 0, data.length));
        buf.putShort(field, (short) csum, java.nio.ByteOrder.BIG_ENDIAN);
        assertEquals(0xffff, Frames.naiveFold(data));
    }
}
