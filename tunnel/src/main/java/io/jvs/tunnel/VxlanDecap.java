package io.jvs.tunnel;

import io.jvs.core.packet.EthernetHeader;
import org.agrona.DirectBuffer;

/**
 * Validates a VXLAN header and locates the inner Ethernet frame. Works on the UDP payload, which is what a UDP
 * socket bound to the VXLAN port receives: the kernel has already checked and stripped the outer IP and UDP headers.
 *
 * <p>Drops with {@link TunnelDropReason#TRUNCATED} when there is no room for the VXLAN and inner Ethernet headers,
 * and with {@link TunnelDropReason#VXLAN_FLAGS} when the I flag is clear. Reserved bits are ignored (RFC 7348).
 * Results of the last successful call are kept in fields; one instance per thread.
 */
public final class VxlanDecap {
    private int innerLength;
    private int vni;

    /**
     * @param vxlanLen bytes from the VXLAN header to the end of the datagram.
     * @return the offset of the inner Ethernet frame, whose length is then {@link #innerLength()}; or a negative
     *     {@link TunnelDropReason#code()}.
     */
    public int decapsulate(final DirectBuffer buf, final int vxlanOff, final int vxlanLen) {
        if (vxlanLen < VxlanHeader.LENGTH + EthernetHeader.LENGTH) {
            return TunnelDropReason.TRUNCATED.code();
        }
        if ((VxlanHeader.flags(buf, vxlanOff) & VxlanHeader.FLAG_I) == 0) {
            return TunnelDropReason.VXLAN_FLAGS.code();
        }
        vni = VxlanHeader.vni(buf, vxlanOff);
        innerLength = vxlanLen - VxlanHeader.LENGTH;
        return vxlanOff + VxlanHeader.LENGTH;
    }

    /** Length of the inner Ethernet frame found by the last successful call. */
    public int innerLength() {
        return innerLength;
    }

    /** The 24-bit VNI of the last successful call. */
    public int vni() {
        return vni;
    }
}
