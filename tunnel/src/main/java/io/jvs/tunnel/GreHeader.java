package io.jvs.tunnel;

import static java.nio.ByteOrder.BIG_ENDIAN;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * GRE header (RFC 2784) with the key and sequence number extensions (RFC 2890).
 *
 * <pre>
 *  0 1 2 3 4 5       13    16                              32
 * +-+-+-+-+---------------+-----+-------------------------------+
 * |C|R|K|S| Reserved0     | Ver |         Protocol Type         |  0
 * +-+-+-+-+---------------+-----+-------------------------------+
 * |      Checksum (if C)          |       Reserved1 (if C)      |  4
 * +-------------------------------+-----------------------------+
 * |                         Key (if K)                          |  4 or 8
 * +-------------------------------------------------------------+
 * |                   Sequence Number (if S)                    |  4, 8 or 12
 * +-------------------------------------------------------------+
 * </pre>
 *
 * <p>The optional words appear in the order checksum, key, sequence, each only when its flag is set, so their
 * offsets depend on the flags: use {@link #keyOffset(int)} and {@link #sequenceOffset(int)}. R is the RFC 1701
 * routing bit, which RFC 2784 receivers must reject. The checksum, when present, is the Internet checksum over
 * the GRE header and payload with the checksum field taken as zero.
 */
public final class GreHeader {
    public static final int FLAGS_VERSION_OFFSET = 0;
    public static final int PROTOCOL_OFFSET = 2;
    /** Offset of the checksum field; only present when {@link #FLAG_C} is set. */
    public static final int CHECKSUM_OFFSET = 4;
    /** Offset of Reserved1; only present when {@link #FLAG_C} is set. */
    public static final int RESERVED1_OFFSET = 6;
    /** Header length with no optional field. */
    public static final int MIN_LENGTH = 4;
    /** Header length with checksum, key and sequence number. */
    public static final int MAX_LENGTH = 16;

    /** Checksum present. */
    public static final int FLAG_C = 0x8000;
    /** Routing present (RFC 1701; RFC 2784 receivers discard). */
    public static final int FLAG_R = 0x4000;
    /** Key present (RFC 2890). */
    public static final int FLAG_K = 0x2000;
    /** Sequence number present (RFC 2890). */
    public static final int FLAG_S = 0x1000;
    /** RFC 1701 strict source route and the top recursion bit: bits 4 and 5, which RFC 2784 receivers discard. */
    public static final int RESERVED_DISCARD_MASK = 0x0c00;
    public static final int VERSION_MASK = 0x0007;
    /** Transparent Ethernet bridging: the payload is an Ethernet frame without preamble or FCS. */
    public static final int PROTO_TEB = 0x6558;
    /** IP protocol number of GRE. */
    public static final int IP_PROTO_GRE = 47;

    private GreHeader() {
    }

    /** Header length in bytes for the given 16-bit flags/version word: 4 plus 4 for each of C, K and S. */
    public static int headerLength(final int flags) {
        return MIN_LENGTH
            + ((flags & FLAG_C) != 0 ? 4 : 0)
            + ((flags & FLAG_K) != 0 ? 4 : 0)
            + ((flags & FLAG_S) != 0 ? 4 : 0);
    }

    /** Offset of the key within the header, valid when {@link #FLAG_K} is set. */
    public static int keyOffset(final int flags) {
        return MIN_LENGTH + ((flags & FLAG_C) != 0 ? 4 : 0);
    }

    /** Offset of the sequence number within the header, valid when {@link #FLAG_S} is set. */
    public static int sequenceOffset(final int flags) {
        return keyOffset(flags) + ((flags & FLAG_K) != 0 ? 4 : 0);
    }

    /** The 16-bit flags/version word: test it with the FLAG_ constants and {@link #VERSION_MASK}. */
    public static int flags(final DirectBuffer buf, final int off) {
        return buf.getShort(off + FLAGS_VERSION_OFFSET, BIG_ENDIAN) & 0xffff;
    }

    public static void setFlags(final MutableDirectBuffer buf, final int off, final int flags) {
        buf.putShort(off + FLAGS_VERSION_OFFSET, (short) flags, BIG_ENDIAN);
    }

    public static int version(final DirectBuffer buf, final int off) {
        return flags(buf, off) & VERSION_MASK;
    }

    public static int protocol(final DirectBuffer buf, final int off) {
        return buf.getShort(off + PROTOCOL_OFFSET, BIG_ENDIAN) & 0xffff;
    }

    public static void setProtocol(final MutableDirectBuffer buf, final int off, final int protocol) {
        buf.putShort(off + PROTOCOL_OFFSET, (short) protocol, BIG_ENDIAN);
    }

    /** The checksum field; only meaningful when {@link #FLAG_C} is set. */
    public static int checksum(final DirectBuffer buf, final int off) {
        return buf.getShort(off + CHECKSUM_OFFSET, BIG_ENDIAN) & 0xffff;
    }

    public static void setChecksum(final MutableDirectBuffer buf, final int off, final int checksum) {
        buf.putShort(off + CHECKSUM_OFFSET, (short) checksum, BIG_ENDIAN);
    }

    /** The key as an unsigned 32-bit value; the flags say where it is and whether it is there. */
    public static long key(final DirectBuffer buf, final int off, final int flags) {
        return buf.getInt(off + keyOffset(flags), BIG_ENDIAN) & 0xffff_ffffL;
    }

    public static void setKey(final MutableDirectBuffer buf, final int off, final int flags, final long key) {
        buf.putInt(off + keyOffset(flags), (int) key, BIG_ENDIAN);
    }

    /** The sequence number as an unsigned 32-bit value; the flags say where it is and whether it is there. */
    public static long sequence(final DirectBuffer buf, final int off, final int flags) {
        return buf.getInt(off + sequenceOffset(flags), BIG_ENDIAN) & 0xffff_ffffL;
    }

    public static void setSequence(final MutableDirectBuffer buf, final int off, final int flags, final long seq) {
        buf.putInt(off + sequenceOffset(flags), (int) seq, BIG_ENDIAN);
    }
}
