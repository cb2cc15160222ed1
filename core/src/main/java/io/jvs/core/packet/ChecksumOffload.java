package io.jvs.core.packet;

import static java.nio.ByteOrder.BIG_ENDIAN;

import org.agrona.MutableDirectBuffer;

/**
 * Software completion of a partial checksum (Linux CHECKSUM_PARTIAL, virtio {@link VirtioNetHeader#FLAG_NEEDS_CSUM})
 * for when the output cannot take the frame with the checksum still to do: a physical NIC without offload, a
 * tunnel that encapsulates it, or a peer that did not negotiate it.
 */
public final class ChecksumOffload {
    private ChecksumOffload() {
    }

    /**
     * Completes the checksum the sender left partial.
     *
     * <p>The 16-bit field at {@code csumStart + csumOffset} already holds the folded (not complemented)
     * pseudo-header sum, so summing everything from {@code csumStart} to the end of the frame, that field included,
     * and complementing gives the final checksum, which replaces the field.
     *
     * <p>A computed 0 is written as 0xffff whatever the protocol, as Linux's {@code skb_checksum_help} does: UDP
     * requires it (0 means "no checksum"), and for TCP and ICMP 0xffff and 0 are both ones-complement zero and
     * validate identically, so there is no need to know which protocol the offsets point into.
     *
     * @param frameOff   offset of the frame (the Ethernet header) in {@code buf}.
     * @param frameLen   length of the frame in bytes.
     * @param csumStart  where checksumming starts, relative to the frame start (virtio csum_start).
     * @param csumOffset where the checksum field is, relative to {@code csumStart} (virtio csum_offset).
     * @return false, writing nothing, when the range or the field is not inside the frame and buffer.
     */
    public static boolean complete(
        final MutableDirectBuffer buf,
        final int frameOff,
        final int frameLen,
        final int csumStart,
        final int csumOffset) {
        // Offsets come from a peer and are untrusted: check them all in long arithmetic so nothing can overflow.
        if (frameOff < 0 || frameLen < 0 || csumStart < 0 || csumOffset < 0
            || (long) frameOff + frameLen > buf.capacity()
            || (long) csumStart + csumOffset + 2 > frameLen) {
            return false;
        }
        final int start = frameOff + csumStart;
        final int field = start + csumOffset;
        final int csum = Checksum.finish(Checksum.sum(buf, start, frameLen - csumStart));
        buf.putShort(field, (short) Checksum.udpChecksum(csum), BIG_ENDIAN);
        return true;
    }
}
