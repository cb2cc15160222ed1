package io.jvs.core.packet;

import static java.nio.ByteOrder.BIG_ENDIAN;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * IPv4 header (RFC 791).
 *
 * <pre>
 *  0       4       8               16      19                      32
 * +-------+-------+---------------+-------------------------------+
 * |Version|  IHL  |   DSCP/ECN    |         Total Length          |  0
 * +-------+-------+---------------+-----+-------------------------+
 * |        Identification         |Flags|    Fragment Offset      |  4
 * +---------------+---------------+-----+-------------------------+
 * |      TTL      |   Protocol    |        Header Checksum        |  8
 * +---------------+---------------+-------------------------------+
 * |                        Source Address                         | 12
 * +---------------------------------------------------------------+
 * |                     Destination Address                       | 16
 * +---------------------------------------------------------------+
 * |                    Options (IHL > 5) ...                      | 20
 * +---------------------------------------------------------------+
 * </pre>
 *
 * <p>Addresses are returned as an {@code int} holding the four bytes in wire order (first byte most significant).
 */
public final class Ipv4Header {
    public static final int VERSION_IHL_OFFSET = 0;
    public static final int TOS_OFFSET = 1;
    public static final int TOTAL_LENGTH_OFFSET = 2;
    public static final int ID_OFFSET = 4;
    public static final int FLAGS_FRAGMENT_OFFSET = 6;
    public static final int TTL_OFFSET = 8;
    public static final int PROTOCOL_OFFSET = 9;
    public static final int CHECKSUM_OFFSET = 10;
    public static final int SRC_OFFSET = 12;
    public static final int DST_OFFSET = 16;
    /** Header length without options (IHL = 5). */
    public static final int MIN_LENGTH = 20;
    /** Header length with the most options IHL can express (IHL = 15). */
    public static final int MAX_LENGTH = 60;
    public static final int VERSION = 4;

    /** Don't Fragment, in the 16-bit flags/fragment-offset word. */
    public static final int FLAG_DF = 0x4000;
    /** More Fragments, in the 16-bit flags/fragment-offset word. */
    public static final int FLAG_MF = 0x2000;
    /** Fragment offset, in units of 8 bytes, in the 16-bit flags/fragment-offset word. */
    public static final int FRAGMENT_OFFSET_MASK = 0x1fff;

    public static final int PROTO_ICMP = 1;
    public static final int PROTO_TCP = 6;
    public static final int PROTO_UDP = 17;

    private Ipv4Header() {
    }

    public static int version(final DirectBuffer buf, final int off) {
        return (buf.getByte(off + VERSION_IHL_OFFSET) >>> 4) & 0xf;
    }

    /** Header length in bytes (IHL * 4), options included. */
    public static int headerLength(final DirectBuffer buf, final int off) {
        return (buf.getByte(off + VERSION_IHL_OFFSET) & 0xf) << 2;
    }

    /** Writes version 4 and the IHL for a header of {@code headerLength} bytes (a multiple of 4, 20 to 60). */
    public static void setVersionAndHeaderLength(final MutableDirectBuffer buf, final int off, final int headerLength) {
        buf.putByte(off + VERSION_IHL_OFFSET, (byte) ((VERSION << 4) | ((headerLength >>> 2) & 0xf)));
    }

    public static int tos(final DirectBuffer buf, final int off) {
        return buf.getByte(off + TOS_OFFSET) & 0xff;
    }

    public static void setTos(final MutableDirectBuffer buf, final int off, final int tos) {
        buf.putByte(off + TOS_OFFSET, (byte) tos);
    }

    public static int totalLength(final DirectBuffer buf, final int off) {
        return buf.getShort(off + TOTAL_LENGTH_OFFSET, BIG_ENDIAN) & 0xffff;
    }

    public static void setTotalLength(final MutableDirectBuffer buf, final int off, final int totalLength) {
        buf.putShort(off + TOTAL_LENGTH_OFFSET, (short) totalLength, BIG_ENDIAN);
    }

    public static int id(final DirectBuffer buf, final int off) {
        return buf.getShort(off + ID_OFFSET, BIG_ENDIAN) & 0xffff;
    }

    public static void setId(final MutableDirectBuffer buf, final int off, final int id) {
        buf.putShort(off + ID_OFFSET, (short) id, BIG_ENDIAN);
    }

    /** The raw 16-bit flags/fragment-offset word; test it with {@link #FLAG_DF}, {@link #FLAG_MF}. */
    public static int flagsFragment(final DirectBuffer buf, final int off) {
        return buf.getShort(off + FLAGS_FRAGMENT_OFFSET, BIG_ENDIAN) & 0xffff;
    }

    public static void setFlagsFragment(final MutableDirectBuffer buf, final int off, final int flagsFragment) {
        buf.putShort(off + FLAGS_FRAGMENT_OFFSET, (short) flagsFragment, BIG_ENDIAN);
    }

    /** True for any fragment, first or not: MF set or a non-zero fragment offset. */
    public static boolean isFragment(final DirectBuffer buf, final int off) {
        return (flagsFragment(buf, off) & (FLAG_MF | FRAGMENT_OFFSET_MASK)) != 0;
    }

    public static int ttl(final DirectBuffer buf, final int off) {
        return buf.getByte(off + TTL_OFFSET) & 0xff;
    }

    public static void setTtl(final MutableDirectBuffer buf, final int off, final int ttl) {
        buf.putByte(off + TTL_OFFSET, (byte) ttl);
    }

    public static int protocol(final DirectBuffer buf, final int off) {
        return buf.getByte(off + PROTOCOL_OFFSET) & 0xff;
    }

    public static void setProtocol(final MutableDirectBuffer buf, final int off, final int protocol) {
        buf.putByte(off + PROTOCOL_OFFSET, (byte) protocol);
    }

    public static int checksum(final DirectBuffer buf, final int off) {
        return buf.getShort(off + CHECKSUM_OFFSET, BIG_ENDIAN) & 0xffff;
    }

    public static void setChecksum(final MutableDirectBuffer buf, final int off, final int checksum) {
        buf.putShort(off + CHECKSUM_OFFSET, (short) checksum, BIG_ENDIAN);
    }

    public static int src(final DirectBuffer buf, final int off) {
        return buf.getInt(off + SRC_OFFSET, BIG_ENDIAN);
    }

    public static void setSrc(final MutableDirectBuffer buf, final int off, final int address) {
        buf.putInt(off + SRC_OFFSET, address, BIG_ENDIAN);
    }

    public static int dst(final DirectBuffer buf, final int off) {
        return buf.getInt(off + DST_OFFSET, BIG_ENDIAN);
    }

    public static void setDst(final MutableDirectBuffer buf, final int off, final int address) {
        buf.putInt(off + DST_OFFSET, address, BIG_ENDIAN);
    }

    /**
     * Decrements the TTL and patches the header checksum incrementally (RFC 1624; RFC 1812 section 5.3.1 asks
     * routers for exactly this). The caller checks the TTL is above 1 first: a router must not forward a packet whose
     * TTL reaches 0. Returns the new TTL.
     */
    public static int decrementTtl(final MutableDirectBuffer buf, final int off) {
        final int ttl = ttl(buf, off);
        final int proto = protocol(buf, off);
        // TTL and protocol share one 16-bit word of the checksum.
        final int oldWord = ttl << 8 | proto;
        final int newWord = ((ttl - 1) & 0xff) << 8 | proto;
        setTtl(buf, off, ttl - 1);
        setChecksum(buf, off, Checksum.adjust(checksum(buf, off), oldWord, newWord));
        return (ttl - 1) & 0xff;
    }

    /** Rewrites the source address and patches the header checksum incrementally. */
    public static void rewriteSrc(final MutableDirectBuffer buf, final int off, final int address) {
        final int old = src(buf, off);
        setSrc(buf, off, address);
        setChecksum(buf, off, Checksum.adjust32(checksum(buf, off), old, address));
    }

    /** Rewrites the destination address and patches the header checksum incrementally. */
    public static void rewriteDst(final MutableDirectBuffer buf, final int off, final int address) {
        final int old = dst(buf, off);
        setDst(buf, off, address);
        setChecksum(buf, off, Checksum.adjust32(checksum(buf, off), old, address));
    }

    /** Dotted-quad text of an address. Allocates: for configuration, logs and tests only. */
    public static String formatAddress(final int address) {
        return (address >>> 24) + "." + (address >>> 16 & 0xff) + "." + (address >>> 8 & 0xff) + "." + (address & 0xff);
    }

    /**
     * Parses a dotted quad like {@code 192.0.2.1}. Allocates nothing but is for configuration, not packets.
     *
     * @throws IllegalArgumentException naming the text and what was expected.
     */
    public static int parseAddress(final String text) {
        if (text == null) {
            throw new IllegalArgumentException("IPv4 address is null; expected a dotted quad like 192.0.2.1");
        }
        int address = 0;
        int octets = 0;
        int value = -1;
        for (int i = 0; i <= text.length(); i++) {
            final char c = i < text.length() ? text.charAt(i) : '.';
            if (c >= '0' && c <= '9') {
                value = (value < 0 ? 0 : value * 10) + (c - '0');
                if (value > 255) {
                    break;
                }
            } else if (c == '.' && value >= 0 && octets < 4) {
                address = address << 8 | value;
                octets++;
                value = -1;
            } else {
                octets = -1;
                break;
            }
        }
        if (octets != 4 || value > 255) {
            throw new IllegalArgumentException(
                "bad IPv4 address \"" + text + "\"; expected a dotted quad like 192.0.2.1");
        }
        return address;
    }
}
