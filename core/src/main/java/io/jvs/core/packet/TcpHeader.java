package io.jvs.core.packet;

import static java.nio.ByteOrder.BIG_ENDIAN;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * TCP header (RFC 9293).
 *
 * <pre>
 *  0                               16                              32
 * +-------------------------------+-------------------------------+
 * |          Source Port          |       Destination Port        |  0
 * +-------------------------------+-------------------------------+
 * |                        Sequence Number                        |  4
 * +---------------------------------------------------------------+
 * |                    Acknowledgment Number                      |  8
 * +-------+-------+---------------+-------------------------------+
 * | Data  | Rsrvd |C E U A P R S F|            Window             | 12
 * |Offset |       |W C R C S S Y I|                               |
 * |       |       |R E G K H T N N|                               |
 * +-------+-------+---------------+-------------------------------+
 * |           Checksum            |        Urgent Pointer         | 16
 * +-------------------------------+-------------------------------+
 * |                  Options (Data Offset > 5) ...                | 20
 * +---------------------------------------------------------------+
 * </pre>
 *
 * <p>Sequence and acknowledgment numbers are returned as {@code int}: they are unsigned 32-bit values whose
 * arithmetic wraps modulo 2^32, which plain {@code int} addition already does.
 */
public final class TcpHeader {
    public static final int SRC_PORT_OFFSET = 0;
    public static final int DST_PORT_OFFSET = 2;
    public static final int SEQ_OFFSET = 4;
    public static final int ACK_OFFSET = 8;
    public static final int DATA_OFFSET_OFFSET = 12;
    public static final int FLAGS_OFFSET = 13;
    public static final int WINDOW_OFFSET = 14;
    public static final int CHECKSUM_OFFSET = 16;
    public static final int URGENT_POINTER_OFFSET = 18;
    /** Header length without options (data offset = 5). */
    public static final int MIN_LENGTH = 20;
    /** Header length with the most options the data offset can express (15). */
    public static final int MAX_LENGTH = 60;

    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;
    public static final int ECE = 0x40;
    public static final int CWR = 0x80;

    private TcpHeader() {
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

    public static int seq(final DirectBuffer buf, final int off) {
        return buf.getInt(off + SEQ_OFFSET, BIG_ENDIAN);
    }

    public static void setSeq(final MutableDirectBuffer buf, final int off, final int seq) {
        buf.putInt(off + SEQ_OFFSET, seq, BIG_ENDIAN);
    }

    public static int ack(final DirectBuffer buf, final int off) {
        return buf.getInt(off + ACK_OFFSET, BIG_ENDIAN);
    }

    public static void setAck(final MutableDirectBuffer buf, final int off, final int ack) {
        buf.putInt(off + ACK_OFFSET, ack, BIG_ENDIAN);
    }

    /** Header length in bytes (data offset * 4), options included. */
    public static int headerLength(final DirectBuffer buf, final int off) {
        return ((buf.getByte(off + DATA_OFFSET_OFFSET) >>> 4) & 0xf) << 2;
    }

    /** Writes the data offset for a header of {@code headerLength} bytes; the low (reserved) nibble is zeroed. */
    public static void setHeaderLength(final MutableDirectBuffer buf, final int off, final int headerLength) {
        buf.putByte(off + DATA_OFFSET_OFFSET, (byte) (((headerLength >>> 2) & 0xf) << 4));
    }

    /** The eight classic flag bits (CWR..FIN); combine with {@link #FIN}, {@link #SYN} and friends. */
    public static int flags(final DirectBuffer buf, final int off) {
        return buf.getByte(off + FLAGS_OFFSET) & 0xff;
    }

    public static void setFlags(final MutableDirectBuffer buf, final int off, final int flags) {
        buf.putByte(off + FLAGS_OFFSET, (byte) flags);
    }

    public static int window(final DirectBuffer buf, final int off) {
        return buf.getShort(off + WINDOW_OFFSET, BIG_ENDIAN) & 0xffff;
    }

    public static void setWindow(final MutableDirectBuffer buf, final int off, final int window) {
        buf.putShort(off + WINDOW_OFFSET, (short) window, BIG_ENDIAN);
    }

    public static int checksum(final DirectBuffer buf, final int off) {
        return buf.getShort(off + CHECKSUM_OFFSET, BIG_ENDIAN) & 0xffff;
    }

    public static void setChecksum(final MutableDirectBuffer buf, final int off, final int checksum) {
        buf.putShort(off + CHECKSUM_OFFSET, (short) checksum, BIG_ENDIAN);
    }

    public static int urgentPointer(final DirectBuffer buf, final int off) {
        return buf.getShort(off + URGENT_POINTER_OFFSET, BIG_ENDIAN) & 0xffff;
    }

    public static void setUrgentPointer(final MutableDirectBuffer buf, final int off, final int urgentPointer) {
        buf.putShort(off + URGENT_POINTER_OFFSET, (short) urgentPointer, BIG_ENDIAN);
    }
}
