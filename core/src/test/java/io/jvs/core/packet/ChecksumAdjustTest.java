package io.jvs.core.packet;

import static io.jvs.core.packet.HeaderLayoutTest.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** The incremental checksum helpers (RFC 1624) and the IPv4 rewrite helpers built on them. */
class ChecksumAdjustTest {
    @Test
    void shouldMatchTheRfc1624Example() {
        // RFC 1624 section 4: HC = 0xdd2f, a word changes from 0x5555 to 0x3285; equation 3 gives 0x0000 where
        // RFC 1141's equation gave the wrong 0xffff.
        assertEquals(0x0000, Checksum.adjust(0xdd2f, 0x5555, 0x3285));
    }

    @Test
    void shouldDecrementTtlLikeAFullRecompute() {
        final UnsafeBuffer buf = new UnsafeBuffer(hex("45000073000040004011b861c0a80001c0a800c7"));
        assertEquals(0x3f, Ipv4Header.decrementTtl(buf, 0));
        assertEquals(0x3f, Ipv4Header.ttl(buf, 0));
        assertTrue(Checksum.isIpv4HeaderChecksumValid(buf, 0));
        assertEquals(Checksum.ipv4HeaderChecksum(buf, 0), Ipv4Header.checksum(buf, 0));
    }

    @Test
    void shouldKeepAnAbsentUdpChecksumAbsent() {
        assertEquals(0, Checksum.adjustUdp(0, 0x1234, 0x4321));
        assertEquals(0, Checksum.adjustUdp32(0, 0x0a000001, 0xc0a80001));
    }

    @Test
    void shouldParseAndFormatAddresses() {
        assertEquals(0xc0000201, Ipv4Header.parseAddress("192.0.2.1"));
        assertEquals("192.0.2.1", Ipv4Header.formatAddress(0xc0000201));
        assertEquals("255.255.255.255", Ipv4Header.formatAddress(-1));
        for (String bad : new String[] {"1.2.3", "1.2.3.4.", "1..2.3", "256.1.1.1", "a.b.c.d", "", "1.2.3.4.5"}) {
            assertThrows(IllegalArgumentException.class, () -> Ipv4Header.parseAddress(bad), bad);
        }
    }

    @Property(tries = 2000)
    void adjustShouldEqualARecomputeAfterChangingAWord(
            @ForAll @Size(min = 20, max = 20) final byte[] header,
            @ForAll @IntRange(max = 9) final int word,
            @ForAll @IntRange(max = 0xffff) final int newWord) {
        if (word == 5 || word == 0) {
            return; // the checksum field itself, and the version word kept non-zero below
        }
        final UnsafeBuffer buf = new UnsafeBuffer(header);
        // A real header is never all zeros (version 4); all zeros is the one input equation 3 maps to 0x0000.
        buf.putByte(0, (byte) 0x45);
        buf.putShort(10, (short) 0);
        buf.putShort(10, (short) Checksum.finish(Checksum.sum(buf, 0, 20)), java.nio.ByteOrder.BIG_ENDIAN);
        final int old = buf.getShort(2 * word, java.nio.ByteOrder.BIG_ENDIAN) & 0xffff;
        final int adjusted = Checksum.adjust(buf.getShort(10, java.nio.ByteOrder.BIG_ENDIAN) & 0xffff, old, newWord);
        buf.putShort(2 * word, (short) newWord, java.nio.ByteOrder.BIG_ENDIAN);
        buf.putShort(10, (short) adjusted, java.nio.ByteOrder.BIG_ENDIAN);
        assertEquals(0xffff, Checksum.fold(Checksum.sum(buf, 0, 20)));
    }

    @Property(tries = 2000)
    void adjust32ShouldEqualTwoAdjusts(@ForAll final int checksum16, @ForAll final int oldValue,
            @ForAll final int newValue) {
        final int c = checksum16 & 0xffff;
        final int twice = Checksum.adjust(Checksum.adjust(c, oldValue >>> 16, newValue >>> 16),
                oldValue & 0xffff, newValue & 0xffff);
        // Ones-complement has two zeros (0x0000 and 0xffff); equal modulo 0xffff is equal as a checksum.
        assertEquals(twice % 0xffff, Checksum.adjust32(c, oldValue, newValue) % 0xffff);
    }
}
