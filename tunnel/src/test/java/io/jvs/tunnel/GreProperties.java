package io.jvs.tunnel;

import static io.jvs.tunnel.TestFrames.LOCAL;
import static io.jvs.tunnel.TestFrames.REMOTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.core.packet.Ipv4Header;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.agrona.concurrent.UnsafeBuffer;

/** Invariants of GRE encap/decap over random frames, options, keys and buffer positions. */
class GreProperties {
    @Property(tries = 1000)
    void decapShouldInvertEncap(
        @ForAll @Size(min = 14, max = 2000) final byte[] inner,
        @ForAll final boolean csum,
        @ForAll final boolean seq,
        @ForAll final boolean keyed,
        @ForAll @LongRange(max = 0xffff_ffffL) final long key,
        @ForAll @IntRange(max = 32) final int slack,
        @ForAll @IntRange(max = 5) final int packetsBefore) {
        final GreEncap encap = new GreEncap(LOCAL, REMOTE, keyed ? key : GreEncap.NO_KEY, csum, seq, 64, 0);
        final int innerOff = GreEncap.maxOverhead() + slack;
        final UnsafeBuffer buf = new UnsafeBuffer(new byte[innerOff + inner.length]);
        for (int i = 0; i < packetsBefore; i++) {
            buf.putBytes(innerOff, inner);
            encap.encapsulate(buf, innerOff, inner.length);
        }
        buf.putBytes(innerOff, inner);
        final int ipOff = encap.encapsulate(buf, innerOff, inner.length);

        assertEquals(innerOff - encap.overhead(), ipOff);
        assertTrue(TestFrames.ipv4ChecksumValid(buf, ipOff));
        assertEquals(packetsBefore, Ipv4Header.id(buf, ipOff));
        final GreDecap decap = new GreDecap();
        final int greLen = Ipv4Header.totalLength(buf, ipOff) - Ipv4Header.MIN_LENGTH;
        assertEquals(innerOff, decap.decapsulate(buf, ipOff + Ipv4Header.MIN_LENGTH, greLen));
        assertEquals(inner.length, decap.innerLength());
        assertArrayEquals(inner, TestFrames.copy(buf, innerOff, inner.length));
        assertEquals(keyed ? key : GreDecap.NO_KEY, decap.key());
        assertEquals(seq ? packetsBefore : GreDecap.NO_SEQUENCE, decap.sequence());
    }

    /**
     * With the checksum on, flipping any one bit of the GRE packet is caught: the ones-complement sum changes by a
     * power of two, never a multiple of 0xffff. The one exception is flipping C itself, which removes the checksum.
     */
    @Property(tries = 1000)
    void anySingleBitFlipShouldBeDroppedWhenChecksummed(
        @ForAll @Size(min = 14, max = 600) final byte[] inner,
        @ForAll final boolean seq,
        @ForAll @IntRange(max = 100_000) final int bitSeed) {
        final GreEncap encap = new GreEncap(LOCAL, REMOTE, 0x1234_5678L, true, seq, 64, 0);
        final int innerOff = encap.overhead();
        final UnsafeBuffer buf = new UnsafeBuffer(new byte[innerOff + inner.length]);
        buf.putBytes(innerOff, inner);
        encap.encapsulate(buf, innerOff, inner.length);
        final int greOff = Ipv4Header.MIN_LENGTH;
        final int greLen = buf.capacity() - greOff;
        final int bit = bitSeed % (8 * greLen);
        final int at = greOff + bit / 8;
        buf.putByte(at, (byte) (buf.getByte(at) ^ (0x80 >>> (bit % 8))));

        final int result = new GreDecap().decapsulate(buf, greOff, greLen);
        if (bit == 0) {
            assertTrue(result >= 0, "clearing C leaves a packet without checksum");
        } else {
            assertTrue(result < 0, "bit " + bit + " flipped but accepted");
        }
    }
}
