package io.jvs.core.packet;

import static java.nio.ByteOrder.BIG_ENDIAN;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The Internet checksum (RFC 1071): the ones-complement of the ones-complement sum of 16-bit big-endian words.
 *
 * <p>Work is split in three steps so that partial sums can be combined (pseudo-header + header + payload) before
 * the single fold at the end: {@link #sum} returns an unfolded {@code long} accumulator, sums are combined with
 * plain {@code +}, {@link #fold} reduces to 16 bits with end-around carry, {@link #finish} complements.
 *
 * <p>An unfolded accumulator may be added to up to about 2^30 others of the same size before a {@code long}
 * could overflow; no packet comes close.
 */
public final class Checksum {
    private Checksum() {
    }

    /**
     * Unfolded sum of {@code len} bytes starting at {@code off}, taken as 16-bit big-endian words with {@code off}
     * as the first word's high byte; an odd last byte is padded with a zero low byte.
     *
     * <p>Eight bytes are read at a time as one big-endian long and its two 32-bit halves added to a 64-bit
     * accumulator. Summing 32-bit words is equivalent to summing their 16-bit halves because folding commutes with
     * addition in ones-complement arithmetic (RFC 1071 section 2(B)), and the 64-bit accumulator keeps every carry
     * until {@link #fold}.
     */
    public static long sum(final DirectBuffer buf, final int off, final int len) {
        long acc = 0;
        int i = off;
        final int end = off + len;
        final int end8 = end - 7;
        while (i < end8) {
            final long word = buf.getLong(i, BIG_ENDIAN);
            acc += (word >>> 32) + (word & 0xffff_ffffL);
            i += 8;
        }
        if (end - i >= 4) {
            acc += buf.getInt(i, BIG_ENDIAN) & 0xffff_ffffL;
            i += 4;
        }
        if (end - i >= 2) {
            acc += buf.getShort(i, BIG_ENDIAN) & 0xffffL;
            i += 2;
        }
        if (i < end) {
            acc += (buf.getByte(i) & 0xffL) << 8;
        }
        return acc;
    }

    /** Folds an accumulator to 16 bits with end-around carry; the result is in 0..0xffff. */
    public static int fold(final long sum) {
        long s = (sum & 0xffff_ffffL) + (sum >>> 32);
        s = (s & 0xffff) + (s >>> 16);
        s = (s & 0xffff) + (s >>> 16);
        s = (s & 0xffff) + (s >>> 16);
        return (int) s;
    }

    /** The checksum to put on the wire: the ones-complement of the folded sum. */
    public static int finish(final long sum) {
        return ~fold(sum) & 0xffff;
    }

    /**
     * Unfolded sum of the IPv4 pseudo-header (RFC 793/768): source, destination, zero + protocol, L4 length.
     *
     * @param ipOff offset of the IPv4 header, whose addresses are read.
     */
    public static long pseudoIpv4(final DirectBuffer buf, final int ipOff, final int proto, final int l4Length) {
        return sum(buf, ipOff + Ipv4Header.SRC_OFFSET, 8) + (proto & 0xff) + (l4Length & 0xffff);
    }

    /**
     * Unfolded sum of the IPv6 pseudo-header (RFC 8200 section 8.1): source, destination, 32-bit upper-layer length,
     * 24 zero bits and the next header.
     *
     * @param ipOff offset of the IPv6 header, whose addresses are read.
     */
    public static long pseudoIpv6(final DirectBuffer buf, final int ipOff, final int proto, final int l4Length) {
        return sum(buf, ipOff + Ipv6Header.SRC_OFFSET, 2 * Ipv6Header.ADDRESS_LENGTH)
            + (proto & 0xff) + (l4Length >>> 16) + (l4Length & 0xffff);
    }

    /**
     * Computes the IPv4 header checksum over {@link Ipv4Header#headerLength} bytes as if the checksum field were
     * zero, without writing it. The header length is trusted: callers check it against the buffer first.
     */
    public static int ipv4HeaderChecksum(final DirectBuffer buf, final int ipOff) {
        final int headerLength = Ipv4Header.headerLength(buf, ipOff);
        // Sum around the checksum field instead of zeroing it, so this works on read-only buffers.
        final long s = sum(buf, ipOff, Ipv4Header.CHECKSUM_OFFSET)
            + sum(buf, ipOff + Ipv4Header.SRC_OFFSET, headerLength - Ipv4Header.SRC_OFFSET);
        return finish(s);
    }

    /** Computes the IPv4 header checksum and writes it into the header. */
    public static void writeIpv4HeaderChecksum(final MutableDirectBuffer buf, final int ipOff) {
        Ipv4Header.setChecksum(buf, ipOff, ipv4HeaderChecksum(buf, ipOff));
    }

    /** True when the IPv4 header's checksum field is consistent with the rest of the header. */
    public static boolean isIpv4HeaderChecksumValid(final DirectBuffer buf, final int ipOff) {
        return fold(sum(buf, ipOff, Ipv4Header.headerLength(buf, ipOff))) == 0xffff;
    }

    /** Substitutes 0xffff for a computed 0, as UDP requires (0 means "no checksum" over IPv4, RFC 768). */
    public static int udpChecksum(final int finished) {
        return finished == 0 ? 0xffff : finished;
    }

    /**
     * Incremental update of a stored checksum when one 16-bit word it covers changes from {@code oldWord} to
     * {@code newWord}: RFC 1624 equation 3, HC' = ~(~HC + ~m + m'). Unlike equation 2 it never turns a correct
     * checksum into 0xffff's twin 0x0000 wrongly, which is why the RFC replaced RFC 1141's formula.
     */
    public static int adjust(final int checksum, final int oldWord, final int newWord) {
        int s = (~checksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
        s = (s & 0xffff) + (s >>> 16);
        s = (s & 0xffff) + (s >>> 16);
        return ~s & 0xffff;
    }

    /** {@link #adjust} for a 32-bit field (an IPv4 address) taken as two 16-bit words. */
    public static int adjust32(final int checksum, final int oldValue, final int newValue) {
        int s = (~checksum & 0xffff) + (~oldValue >>> 16 & 0xffff) + (~oldValue & 0xffff)
            + (newValue >>> 16 & 0xffff) + (newValue & 0xffff);
        s = (s & 0xffff) + (s >>> 16);
        s = (s & 0xffff) + (s >>> 16);
        return ~s & 0xffff;
    }

    /**
     * {@link #adjust} for a UDP checksum over IPv4: 0 means "none" and stays 0, and a result of 0 goes on the wire
     * as 0xffff (RFC 768).
     */
    public static int adjustUdp(final int checksum, final int oldWord, final int newWord) {
        return checksum == 0 ? 0 : udpChecksum(adjust(checksum, oldWord, newWord));
    }

    /** {@link #adjust32} with the UDP rules of {@link #adjustUdp}. */
    public static int adjustUdp32(final int checksum, final int oldValue, final int newValue) {
        return checksum == 0 ? 0 : udpChecksum(adjust32(checksum, oldValue, newValue));
    }
}
