package io.jvs.core.packet;

import static io.jvs.core.packet.HeaderLayoutTest.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class ChecksumTest {
    @Test
    void shouldMatchTheRfc1071Example() {
        // RFC 1071 section 3: the sum of 0001 f203 f4f5 f6f7 folds to ddf2.
        final UnsafeBuffer buf = new UnsafeBuffer(hex("0001f203f4f5f6f7"));
        assertEquals(0xddf2, Checksum.fold(Checksum.sum(buf, 0, 8)));
        assertEquals(0x220d, Checksum.finish(Checksum.sum(buf, 0, 8)));
    }

    @Test
    void shouldComputeAKnownIpv4HeaderChecksum() {
        // A captured header whose checksum is b861; the field is zeroed here and must be ignored anyway.
        final UnsafeBuffer buf = new UnsafeBuffer(new byte[40]);
        buf.putBytes(5, hex("450000730000400040110000c0a80001c0a800c7"));
        assertEquals(0xb861, Checksum.ipv4HeaderChecksum(buf, 5));
        Checksum.writeIpv4HeaderChecksum(buf, 5);
        assertEquals(0xb861, Ipv4Header.checksum(buf, 5));
        assertTrue(Checksum.isIpv4HeaderChecksumValid(buf, 5));
    }

    @Test
    void shouldIgnoreTheExistingChecksumFieldWhenComputing() {
        final UnsafeBuffer buf = new UnsafeBuffer(hex("45000073000040004011b861c0a80001c0a800c7"));
        assertEquals(0xb861, Checksum.ipv4HeaderChecksum(buf, 0));
        assertTrue(Checksum.isIpv4HeaderChecksumValid(buf, 0));
        Ipv4Header.setTtl(buf, 0, 63);
        assertFalse(Checksum.isIpv4HeaderChecksumValid(buf, 0));
    }

    @Test
    void shouldCoverIpv4OptionsInHeaderChecksum() {
        final UnsafeBuffer buf = new UnsafeBuffer(hex("460000780000400040110000c0a80001c0a800c7" + "01010100"));
        final int expected = ~Frames.naiveFold(buf.byteArray(), 0, 24) & 0xffff;
        assertEquals(expected, Checksum.ipv4HeaderChecksum(buf, 0));
    }

    @Test
    void shouldPadAnOddTrailingByteWithZero() {
        final UnsafeBuffer buf = new UnsafeBuffer(hex("0001f203f4f5f6f7ab"));
        // The odd byte counts as the high byte of a word ab00.
        assertEquals(Checksum.fold(0xddf2L + 0xab00L), Checksum.fold(Checksum.sum(buf, 0, 9)));
        assertEquals(0xab00, Checksum.fold(Checksum.sum(buf, 8, 1)));
    }

    @Test
    void shouldHandleEveryTailLength() {
        final byte[] data = new byte[40];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (0xf0 + i * 37);
        }
        final UnsafeBuffer buf = new UnsafeBuffer(data);
        for (int off = 0; off < 4; off++) {
            for (int len = 0; len <= data.length - off; len++) {
                assertEquals(Frames.naiveFold(data, off, len), Checksum.fold(Checksum.sum(buf, off, len)),
                    "off=" + off + " len=" + len);
            }
        }
    }

    @Test
    void shouldReturnZeroSumForEmptyRange() {
        assertEquals(0, Checksum.sum(new UnsafeBuffer(new byte[4]), 2, 0));
        assertEquals(0xffff, Checksum.finish(0));
    }

    @Test
    void shouldFoldCarriesFromLargeAccumulators() {
        assertEquals(0xffff, Checksum.fold(0xffffL));
        assertEquals(0x0001, Checksum.fold(0x10000L));
        assertEquals(0xffff, Checksum.fold(0xffff_ffffL));
        // 2^48 - 1 = 0xffff * (2^32 + 2^16 + 1): a multiple of 0xffff folds to 0xffff (negative zero).
        assertEquals(0xffff, Checksum.fold(0xffff_ffff_ffffL));
        assertEquals(0x0003, Checksum.fold(0x0001_0001_0001L));
        // The largest value an accumulator can reach before overflow still folds in range.
        final int folded = Checksum.fold(Long.MAX_VALUE);
        assertTrue(folded >= 0 && folded <= 0xffff);
    }

    @Test
    void shouldSumIpv4PseudoHeader() {
        final UnsafeBuffer buf = new UnsafeBuffer(hex("45000073000040004011b861c0a80001c0a800c7"));
        // c0a8 + 0001 + c0a8 + 00c7 + 0011 + 005f
        final long expected = 0xc0a8L + 0x0001 + 0xc0a8 + 0x00c7 + 17 + 95;
        assertEquals(Checksum.fold(expected), Checksum.fold(Checksum.pseudoIpv4(buf, 0, 17, 95)));
    }

    @Test
    void shouldSumIpv6PseudoHeaderWith32BitLength() {
        final UnsafeBuffer buf = new UnsafeBuffer(new byte[40]);
        Ipv6Header.setSrc(buf, 0, 0x0001_0002_0003_0004L, 0x0005_0006_0007_0008L);
        Ipv6Header.setDst(buf, 0, 0x0010_0000_0000_0000L, 0L);
        final long addresses = 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 0x10;
        assertEquals(Checksum.fold(addresses + 6 + 1 + 0x0002),
            Checksum.fold(Checksum.pseudoIpv6(buf, 0, 6, 0x1_0002)));
    }

    @Test
    void shouldSendComputedZeroUdpChecksumAsAllOnes() {
        assertEquals(0xffff, Checksum.udpChecksum(0));
        assertEquals(0x1234, Checksum.udpChecksum(0x1234));
    }
}
