package io.jvs.tunnel;

import static java.nio.ByteOrder.BIG_ENDIAN;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * VXLAN header (RFC 7348), carried in UDP (destination port {@link #DEFAULT_PORT}) in front of an Ethernet frame.
 *
 * <pre>
 *  0               8                                               32
 * +-+-+-+-+-+-+-+-+-----------------------------------------------+
 * |R|R|R|R|I|R|R|R|                   Reserved                    |  0
 * +-+-+-+-+-+-+-+-+-------------------------------+---------------+
 * |         VXLAN Network Identifier (VNI)        |   Reserved    |  4
 * +-----------------------------------------------+---------------+
 * </pre>
 *
 * <p>I must be 1 (the VNI is valid); the reserved bits are sent as zero and ignored on receipt.
 */
public final class VxlanHeader {
    public static final int FLAGS_OFFSET = 0;
    public static final int VNI_OFFSET = 4;
    public static final int LENGTH = 8;
    /** The I flag: the VNI is valid. */
    public static final int FLAG_I = 0x08;
    public static final int MAX_VNI = 0xff_ffff;
    /** IANA-assigned UDP destination port. */
    public static final int DEFAULT_PORT = 4789;

    private VxlanHeader() {
    }

    public static int flags(final DirectBuffer buf, final int off) {
        return buf.getByte(off + FLAGS_OFFSET) & 0xff;
    }

    public static void setFlags(final MutableDirectBuffer buf, final int off, final int flags) {
        buf.putByte(off + FLAGS_OFFSET, (byte) flags);
    }

    /** The 24-bit VNI. */
    public static int vni(final DirectBuffer buf, final int off) {
        return buf.getInt(off + VNI_OFFSET, BIG_ENDIAN) >>> 8;
    }

    /** Writes the 24-bit VNI and zeroes the reserved byte after it. */
    public static void setVni(final MutableDirectBuffer buf, final int off, final int vni) {
        buf.putInt(off + VNI_OFFSET, vni << 8, BIG_ENDIAN);
    }
}
