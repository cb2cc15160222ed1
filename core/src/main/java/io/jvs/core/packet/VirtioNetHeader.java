package io.jvs.core.packet;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * {@code struct virtio_net_hdr}, which Linux puts in front of every frame on a TAP opened with
 * {@code IFF_VNET_HDR} and on an AF_PACKET socket with {@code PACKET_VNET_HDR}. It carries the offloads the frame
 * still needs: a checksum to complete ({@link #FLAG_NEEDS_CSUM}) and/or segmentation of a super-frame (GSO).
 *
 * <pre>
 *  0        1          2                   4                   6                   8                  10
 * +--------+----------+-------------------+-------------------+-------------------+-------------------+
 * | flags  | gso_type |      hdr_len      |     gso_size      |    csum_start     |    csum_offset    |
 * |  u8    |   u8     |    u16 (LE)       |    u16 (LE)       |    u16 (LE)       |    u16 (LE)       |
 * +--------+----------+-------------------+-------------------+-------------------+-------------------+
 *                     (num_buffers u16 @10 follows only in the 12-byte virtio_net_hdr_mrg_rxbuf variant)
 * </pre>
 *
 * <p>The 16-bit fields are little-endian: legacy virtio uses the guest's byte order, which is x86's, and the kernel
 * sets TUNSETVNETLE / uses host order for TAP and AF_PACKET on the machines we run on.
 *
 * <p>Semantics, when {@link #FLAG_NEEDS_CSUM} is set: the checksum field at {@code csum_start + csum_offset}
 * (csum_start counted from the frame start) holds the folded pseudo-header sum, and the sender expects the
 * checksum of everything from csum_start to the end to be completed there (see {@link ChecksumOffload}). When
 * {@code gso_type != GSO_NONE} the frame is a super-frame to cut into segments of {@code gso_size} payload bytes
 * (see {@link GsoSegmenter}); {@code hdr_len} is only a hint of the header length.
 */
public final class VirtioNetHeader {
    public static final int FLAGS_OFFSET = 0;
    public static final int GSO_TYPE_OFFSET = 1;
    public static final int HDR_LEN_OFFSET = 2;
    public static final int GSO_SIZE_OFFSET = 4;
    public static final int CSUM_START_OFFSET = 6;
    public static final int CSUM_OFFSET_OFFSET = 8;
    /** Length of struct virtio_net_hdr. */
    public static final int LENGTH = 10;
    /** Offset of num_buffers in struct virtio_net_hdr_mrg_rxbuf. */
    public static final int NUM_BUFFERS_OFFSET = 10;
    /** Length of struct virtio_net_hdr_mrg_rxbuf (with num_buffers), used when TUNSETVNETHDRSZ is 12. */
    public static final int MRG_RXBUF_LENGTH = 12;

    public static final int FLAG_NEEDS_CSUM = 1;
    public static final int FLAG_DATA_VALID = 2;

    public static final int GSO_NONE = 0;
    public static final int GSO_TCPV4 = 1;
    /** UFO (IP fragmentation of a large UDP datagram); deprecated by Linux and not supported by the segmenter. */
    public static final int GSO_UDP = 3;
    public static final int GSO_TCPV6 = 4;
    /** USO: UDP segmentation, each segment a datagram with its own UDP header. */
    public static final int GSO_UDP_L4 = 5;
    /** Set with a TCP type when the super-frame has CWR set; the flag must appear on the first segment only. */
    public static final int GSO_ECN = 0x80;

    private VirtioNetHeader() {
    }

    public static int flags(final DirectBuffer buf, final int off) {
        return buf.getByte(off + FLAGS_OFFSET) & 0xff;
    }

    public static void setFlags(final MutableDirectBuffer buf, final int off, final int flags) {
        buf.putByte(off + FLAGS_OFFSET, (byte) flags);
    }

    public static int gsoType(final DirectBuffer buf, final int off) {
        return buf.getByte(off + GSO_TYPE_OFFSET) & 0xff;
    }

    public static void setGsoType(final MutableDirectBuffer buf, final int off, final int gsoType) {
        buf.putByte(off + GSO_TYPE_OFFSET, (byte) gsoType);
    }

    public static int hdrLen(final DirectBuffer buf, final int off) {
        return buf.getShort(off + HDR_LEN_OFFSET, LITTLE_ENDIAN) & 0xffff;
    }

    public static void setHdrLen(final MutableDirectBuffer buf, final int off, final int hdrLen) {
        buf.putShort(off + HDR_LEN_OFFSET, (short) hdrLen, LITTLE_ENDIAN);
    }

    public static int gsoSize(final DirectBuffer buf, final int off) {
        return buf.getShort(off + GSO_SIZE_OFFSET, LITTLE_ENDIAN) & 0xffff;
    }

    public static void setGsoSize(final MutableDirectBuffer buf, final int off, final int gsoSize) {
        buf.putShort(off + GSO_SIZE_OFFSET, (short) gsoSize, LITTLE_ENDIAN);
    }

    public static int csumStart(final DirectBuffer buf, final int off) {
        return buf.getShort(off + CSUM_START_OFFSET, LITTLE_ENDIAN) & 0xffff;
    }

    public static void setCsumStart(final MutableDirectBuffer buf, final int off, final int csumStart) {
        buf.putShort(off + CSUM_START_OFFSET, (short) csumStart, LITTLE_ENDIAN);
    }

    public static int csumOffset(final DirectBuffer buf, final int off) {
        return buf.getShort(off + CSUM_OFFSET_OFFSET, LITTLE_ENDIAN) & 0xffff;
    }

    public static void setCsumOffset(final MutableDirectBuffer buf, final int off, final int csumOffset) {
        buf.putShort(off + CSUM_OFFSET_OFFSET, (short) csumOffset, LITTLE_ENDIAN);
    }

    public static int numBuffers(final DirectBuffer buf, final int off) {
        return buf.getShort(off + NUM_BUFFERS_OFFSET, LITTLE_ENDIAN) & 0xffff;
    }

    public static void setNumBuffers(final MutableDirectBuffer buf, final int off, final int numBuffers) {
        buf.putShort(off + NUM_BUFFERS_OFFSET, (short) numBuffers, LITTLE_ENDIAN);
    }

    /** The GSO type without the {@link #GSO_ECN} modifier bit. */
    public static int gsoBaseType(final int gsoType) {
        return gsoType & ~GSO_ECN;
    }

    /**
     * Writes the 10 bytes of an all-zero header: no offload requested, i.e. a plain frame whose checksums are
     * complete. Two stores rather than a loop: this runs for every frame written to a TAP.
     */
    public static void clear(final MutableDirectBuffer buf, final int off) {
        buf.putLong(off, 0L);
        buf.putShort(off + 8, (short) 0);
    }
}
