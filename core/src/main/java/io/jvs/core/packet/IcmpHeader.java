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
}
