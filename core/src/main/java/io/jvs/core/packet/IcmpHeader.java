package io.jvs.core.packet;

import static java.nio.ByteOrder.BIG_ENDIAN;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * ICMP header (RFC 792; ICMPv6, RFC 4443, shares the first four bytes).
 *
 * <pre>
 *  0               8               16                              32
 * +---------------+---------------+-------------------------------+
 * |     Type      |     Code      |           Checksum            |  0
 * +---------------+---------------+-------------------------------+
 * |          Rest of header (echo: identifier, sequence)          |  4
 * +---------------------------------------------------------------+
 * </pre>
 *
 * <p>The ICMPv4 checksum covers the ICMP message only; the ICMPv6 one also covers the IPv6 pseudo-header.
 */
public final class IcmpHeader {
    public static final int TYPE_OFFSET = 0;
    public static final int CODE_OFFSET = 1;
    public static final int CHECKSUM_OFFSET = 2;
    public static final int REST_OFFSET = 4;
    /** Type, code, checksum and the 4-byte rest of header present in every ICMP message. */
    public static final int LENGTH = 8;

    public static final int TYPE_ECHO_REPLY = 0;
    public static final int TYPE_DEST_UNREACHABLE = 3;
    public static final int TYPE_ECHO_REQUEST = 8;
    public static final int TYPE_TIME_EXCEEDED = 11;
    public static final int TYPE_SOURCE_QUENCH = 4;
    public static final int TYPE_REDIRECT = 5;
    public static final int TYPE_PARAMETER_PROBLEM = 12;

    /** Destination unreachable codes (RFC 792, RFC 1812 section 5.2.7.1). */
    public static final int CODE_NET_UNREACHABLE = 0;
    public static final int CODE_HOST_UNREACHABLE = 1;
    public static final int CODE_PROTOCOL_UNREACHABLE = 2;
    public static final int CODE_PORT_UNREACHABLE = 3;
    public static final int CODE_FRAGMENTATION_NEEDED = 4;
    /** Time exceeded code: TTL reached 0 in transit. */
    public static final int CODE_TTL_EXCEEDED = 0;

    /** Echo request/reply: identifier and sequence number in the rest of header. */
    public static final int ID_OFFSET = 4;
    public static final int SEQUENCE_OFFSET = 6;
    /** Fragmentation needed: the next-hop MTU in the low 16 bits of the rest of header (RFC 1191). */
    public static final int NEXT_HOP_MTU_OFFSET = 6;
    /** Bytes of the offending datagram's data an error carries after its IP header (RFC 792). */
    public static final int ERROR_DATA_LENGTH = 8;

    private IcmpHeader() {
    }

    public static int type(final DirectBuffer buf, final int off) {
        return buf.getByte(off + TYPE_OFFSET) & 0xff;
    }

    public static void setType(final MutableDirectBuffer buf, final int off, final int type) {
        buf.putByte(off + TYPE_OFFSET, (byte) type);
    }

    public static int code(final DirectBuffer buf, final int off) {
        return buf.getByte(off + CODE_OFFSET) & 0xff;
    }

    public static void setCode(final MutableDirectBuffer buf, final int off, final int code) {
        buf.putByte(off + CODE_OFFSET, (byte) code);
    }

    public static int checksum(final DirectBuffer buf, final int off) {
        return buf.getShort(off + CHECKSUM_OFFSET, BIG_ENDIAN) & 0xffff;
    }

    public static void setChecksum(final MutableDirectBuffer buf, final int off, final int checksum) {
        buf.putShort(off + CHECKSUM_OFFSET, (short) checksum, BIG_ENDIAN);
    }

    public static int id(final DirectBuffer buf, final int off) {
        return buf.getShort(off + ID_OFFSET, BIG_ENDIAN) & 0xffff;
    }

    public static void setId(final MutableDirectBuffer buf, final int off, final int id) {
        buf.putShort(off + ID_OFFSET, (short) id, BIG_ENDIAN);
    }

    public static int sequence(final DirectBuffer buf, final int off) {
        return buf.getShort(off + SEQUENCE_OFFSET, BIG_ENDIAN) & 0xffff;
    }

    public static void setSequence(final MutableDirectBuffer buf, final int off, final int sequence) {
        buf.putShort(off + SEQUENCE_OFFSET, (short) sequence, BIG_ENDIAN);
    }

    /** Writes the rest-of-header word whole (0 for time exceeded, the MTU for fragmentation needed). */
    public static void setRest(final MutableDirectBuffer buf, final int off, final int rest) {
        buf.putInt(off + REST_OFFSET, rest, BIG_ENDIAN);
    }

    /** True for the ICMPv4 types that carry an offending datagram's header: never answered with another error. */
    public static boolean isError(final int type) {
        return type == TYPE_DEST_UNREACHABLE || type == TYPE_TIME_EXCEEDED || type == TYPE_PARAMETER_PROBLEM
            || type == TYPE_SOURCE_QUENCH || type == TYPE_REDIRECT;
    }
}
