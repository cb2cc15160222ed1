package io.jvs.core.packet;

import static java.nio.ByteOrder.BIG_ENDIAN;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * IPv6 fixed header (RFC 8200). Extension headers are not parsed here.
 *
 * <pre>
 *  0       4               12                                      32
 * +-------+---------------+---------------------------------------+
 * |Version| Traffic Class |              Flow Label               |  0
 * +-------+---------------+-------+---------------+---------------+
 * |        Payload Length         |  Next Header  |   Hop Limit   |  4
 * +-------------------------------+---------------+---------------+
 * |                  Source Address (128 bits)                    |  8
 * +---------------------------------------------------------------+
 * |                Destination Address (128 bits)                 | 24
 * +---------------------------------------------------------------+
 * </pre>
 *
 * <p>An address is handled as two longs, high (wire bytes 0..7) and low (wire bytes 8..15), each big-endian, so
 * it can be compared and hashed without an array.
 */
public final class Ipv6Header {
    public static final int VERSION_CLASS_FLOW_OFFSET = 0;
    public static final int PAYLOAD_LENGTH_OFFSET = 4;
    public static final int NEXT_HEADER_OFFSET = 6;
    public static final int HOP_LIMIT_OFFSET = 7;
    public static final int SRC_OFFSET = 8;
    public static final int DST_OFFSET = 24;
    public static final int LENGTH = 40;
    public static final int ADDRESS_LENGTH = 16;
    public static final int VERSION = 6;

    /** Next-header value of ICMPv6; TCP and UDP use the IPv4 protocol numbers in {@link Ipv4Header}. */
    public static final int PROTO_ICMPV6 = 58;

    private Ipv6Header() {
    }

    public static int version(final DirectBuffer buf, final int off) {
        return (buf.getByte(off + VERSION_CLASS_FLOW_OFFSET) >>> 4) & 0xf;
    }

    public static int trafficClass(final DirectBuffer buf, final int off) {
        return (buf.getInt(off + VERSION_CLASS_FLOW_OFFSET, BIG_ENDIAN) >>> 20) & 0xff;
    }

    public static int flowLabel(final DirectBuffer buf, final int off) {
        return buf.getInt(off + VERSION_CLASS_FLOW_OFFSET, BIG_ENDIAN) & 0xf_ffff;
    }

    /** Writes version 6 with the given traffic class (8 bits) and flow label (20 bits). */
    public static void setVersionClassFlow(
        final MutableDirectBuffer buf, final int off, final int trafficClass, final int flowLabel) {
        final int word = (VERSION << 28) | ((trafficClass & 0xff) << 20) | (flowLabel & 0xf_ffff);
        buf.putInt(off + VERSION_CLASS_FLOW_OFFSET, word, BIG_ENDIAN);
    }

    public static int payloadLength(final DirectBuffer buf, final int off) {
        return buf.getShort(off + PAYLOAD_LENGTH_OFFSET, BIG_ENDIAN) & 0xffff;
    }

    public static void setPayloadLength(final MutableDirectBuffer buf, final int off, final int payloadLength) {
        buf.putShort(off + PAYLOAD_LENGTH_OFFSET, (short) payloadLength, BIG_ENDIAN);
    }

    public static int nextHeader(final DirectBuffer buf, final int off) {
        return buf.getByte(off + NEXT_HEADER_OFFSET) & 0xff;
    }

    public static void setNextHeader(final MutableDirectBuffer buf, final int off, final int nextHeader) {
        buf.putByte(off + NEXT_HEADER_OFFSET, (byte) nextHeader);
    }

    public static int hopLimit(final DirectBuffer buf, final int off) {
        return buf.getByte(off + HOP_LIMIT_OFFSET) & 0xff;
    }

    public static void setHopLimit(final MutableDirectBuffer buf, final int off, final int hopLimit) {
        buf.putByte(off + HOP_LIMIT_OFFSET, (byte) hopLimit);
    }

    public static long srcHigh(final DirectBuffer buf, final int off) {
        return addressHigh(buf, off + SRC_OFFSET);
    }

    public static long srcLow(final DirectBuffer buf, final int off) {
        return addressLow(buf, off + SRC_OFFSET);
    }

    public static void setSrc(final MutableDirectBuffer buf, final int off, final long high, final long low) {
        setAddress(buf, off + SRC_OFFSET, high, low);
    }

    public static long dstHigh(final DirectBuffer buf, final int off) {
        return addressHigh(buf, off + DST_OFFSET);
    }

    public static long dstLow(final DirectBuffer buf, final int off) {
        return addressLow(buf, off + DST_OFFSET);
    }

    public static void setDst(final MutableDirectBuffer buf, final int off, final long high, final long low) {
        setAddress(buf, off + DST_OFFSET, high, low);
    }

    /**
     * Wire bytes 0..7 of the address at {@code addressOff}: an address anywhere (this header's, or one an ICMPv6
     * message carries, like a neighbour discovery target).
     */
    public static long addressHigh(final DirectBuffer buf, final int addressOff) {
        return buf.getLong(addressOff, BIG_ENDIAN);
    }

    /** Wire bytes 8..15 of the address at {@code addressOff}. */
    public static long addressLow(final DirectBuffer buf, final int addressOff) {
        return buf.getLong(addressOff + 8, BIG_ENDIAN);
    }

    public static void setAddress(
        final MutableDirectBuffer buf, final int addressOff, final long high, final long low) {
        buf.putLong(addressOff, high, BIG_ENDIAN);
        buf.putLong(addressOff + 8, low, BIG_ENDIAN);
    }
}
