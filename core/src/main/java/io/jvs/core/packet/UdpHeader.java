package io.jvs.core.packet;

import static java.nio.ByteOrder.BIG_ENDIAN;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * UDP header (RFC 768).
 *
 * <pre>
 *  0                               16                              32
 * +-------------------------------+-------------------------------+
 * |          Source Port          |       Destination Port        |  0
 * +-------------------------------+-------------------------------+
 * |    Length (header + data)     |           Checksum            |  4
 * +-------------------------------+-------------------------------+
 * </pre>
 *
 * <p>Over IPv4 a checksum of 0 means "not computed", so a computed 0 is sent as 0xffff; over IPv6 the checksum is
 * mandatory and the same substitution applies.
 */
public final class UdpHeader {
    public static final int SRC_PORT_OFFSET = 0;
    public static final int DST_PORT_OFFSET = 2;
    public static final int LENGTH_OFFSET = 4;
    public static final int CHECKSUM_OFFSET = 6;
    public static final int LENGTH = 8;

    private UdpHeader() {
    }

    public static int srcPort(final DirectBuffer buf, final int off) {
        return buf.getShort(off + SRC_PORT_OFFSET, BIG_ENDIAN) & 0xffff;
    }

    public static void setSrcPort(final MutableDirectBuffer buf, final int off, final int port) {
        buf.putShort(off + SRC_PORT_OFFSET, (short) port, BIG_ENDIAN);
    }

    public static int dstPort(final DirectBuffer buf, final int off) {
        return buf.getShort(off + DST_PORT_OFFSET, BIG_ENDIAN) & 0xffff;
    }

    public static void setDstPort(final MutableDirectBuffer buf, final int off, final int port) {
        buf.putShort(off + DST_PORT_OFFSET, (short) port, BIG_ENDIAN);
    }

    /**
     * The Length field: header plus data, in bytes. Named apart from the {@link #LENGTH} constant (the header's own
     * size) so the two are not confused at call sites.
     */
    public static int datagramLength(final DirectBuffer buf, final int off) {
        return buf.getShort(off + LENGTH_OFFSET, BIG_ENDIAN) & 0xffff;
    }

    public static void setDatagramLength(final MutableDirectBuffer buf, final int off, final int datagramLength) {
        buf.putShort(off + LENGTH_OFFSET, (short) datagramLength, BIG_ENDIAN);
    }

    public static int checksum(final DirectBuffer buf, final int off) {
        return buf.getShort(off + CHECKSUM_OFFSET, BIG_ENDIAN) & 0xffff;
    }

    public static void setChecksum(final MutableDirectBuffer buf, final int off, final int checksum) {
        buf.putShort(off + CHECKSUM_OFFSET, (short) checksum, BIG_ENDIAN);
    }
}
