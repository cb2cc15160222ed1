package io.jvs.tunnel;

import static java.nio.ByteOrder.BIG_ENDIAN;

import io.jvs.core.packet.EthernetHeader;
import io.jvs.core.packet.Ipv4Header;
import io.jvs.core.packet.UdpHeader;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * VXLAN encapsulation (RFC 7348) of Ethernet frames for one tunnel over IPv4 and UDP.
 *
 * <p>The outer IPv4, UDP and VXLAN headers are built once into a template. Per packet the template is copied in
 * front of the inner frame and the IPv4 total length, identification and header checksum, the UDP length and the
 * UDP source port are patched. The UDP checksum is sent as zero, which RFC 7348 allows over IPv4. The source port
 * is a hash of the inner destination and source MACs in {@link #MIN_SOURCE_PORT}..65535, so that ECMP and RSS on
 * the path spread different inner flows while keeping one flow on one path (RFC 7348 section 5).
 *
 * <p>The result starts at the outer IPv4 header, for a raw IP socket with {@code IP_HDRINCL}; a sender that uses a
 * UDP socket instead can send from {@code result + 28} (the VXLAN header) and let the kernel add IP and UDP.
 *
 * <p>Single-writer: the IPv4 id counter belongs to the thread that sends on this tunnel.
 */
public final class VxlanEncap {
    /** Returned by {@link #encapsulate} when the frame cannot be encapsulated (see there). */
    public static final int REJECTED = -1;
    /** Lowest UDP source port used: the start of the dynamic range (RFC 6335). */
    public static final int MIN_SOURCE_PORT = 49152;

    private static final int OVERHEAD = Ipv4Header.MIN_LENGTH + UdpHeader.LENGTH + VxlanHeader.LENGTH;
    private static final int UDP_OFF = Ipv4Header.MIN_LENGTH;
    private static final int MAX_IP_LENGTH = 0xffff;

    private final UnsafeBuffer template = new UnsafeBuffer(new byte[OVERHEAD]);
    private final long ipTemplateSum;
    private int nextId;

    /**
     * @param localAddress outer source, four bytes in wire order (first byte most significant).
     * @param remoteAddress outer destination, likewise.
     * @param vni the VXLAN network identifier, 0 to 0xffffff.
     * @param dstPort the UDP destination port, normally {@link VxlanHeader#DEFAULT_PORT}.
     * @param ttl outer TTL, 1 to 255.
     * @param dscp outer DSCP, 0 to 63.
     */
    public VxlanEncap(
        final int localAddress, final int remoteAddress, final int vni, final int dstPort, final int ttl,
        final int dscp) {
        OuterIpv4.validate(ttl, dscp);
        if (vni < 0 || vni > VxlanHeader.MAX_VNI) {
            throw new IllegalArgumentException("vni=" + vni + " outside 0..16777215");
        }
        if (dstPort < 1 || dstPort > 0xffff) {
            throw new IllegalArgumentException("dstPort=" + dstPort + " outside 1..65535");
        }
        ipTemplateSum = OuterIpv4.writeTemplate(
            template, 0, localAddress, remoteAddress, Ipv4Header.PROTO_UDP, ttl, dscp);
        UdpHeader.setDstPort(template, UDP_OFF, dstPort);
        UdpHeader.setChecksum(template, UDP_OFF, 0);
        final int vxlanOff = UDP_OFF + UdpHeader.LENGTH;
        VxlanHeader.setFlags(template, vxlanOff, VxlanHeader.FLAG_I);
        VxlanHeader.setVni(template, vxlanOff, vni);
    }

    /** Headroom needed in front of the inner frame: IPv4 (20) + UDP (8) + VXLAN (8). */
    public static int maxOverhead() {
        return OVERHEAD;
    }

    /**
     * Writes the outer IPv4, UDP and VXLAN headers in the {@link #maxOverhead()} bytes before {@code innerOff}.
     *
     * @return the offset of the outer IPv4 header; the packet runs from there for {@code maxOverhead() + innerLen}
     *     bytes. {@link #REJECTED} when there is not enough headroom, the inner frame is shorter than an Ethernet
     *     header, or the result would exceed 65535 bytes; nothing is written then.
     */
    public int encapsulate(final MutableDirectBuffer buf, final int innerOff, final int innerLen) {
        final int ipOff = innerOff - OVERHEAD;
        final int totalLength = OVERHEAD + innerLen;
        if (ipOff < 0 || innerLen < EthernetHeader.LENGTH || totalLength > MAX_IP_LENGTH) {
            return REJECTED;
        }
        final int srcPort = sourcePort(buf, innerOff);
        buf.putBytes(ipOff, template, 0, OVERHEAD);
        OuterIpv4.patch(buf, ipOff, ipTemplateSum, totalLength, nextId++);
        final int udpOff = ipOff + UDP_OFF;
        UdpHeader.setSrcPort(buf, udpOff, srcPort);
        UdpHeader.setDatagramLength(buf, udpOff, totalLength - Ipv4Header.MIN_LENGTH);
        return ipOff;
    }

    /** The UDP source port for an inner frame: a hash of its two MACs folded into 49152..65535. */
    public static int sourcePort(final DirectBuffer buf, final int innerOff) {
        final long macs = buf.getLong(innerOff, BIG_ENDIAN);
        final long rest = buf.getInt(innerOff + 8, BIG_ENDIAN) & 0xffff_ffffL;
        // Murmur3's 64-bit finaliser: every input bit affects the high bits we keep.
        long h = macs * 0x9e37_79b9_7f4a_7c15L ^ rest;
        h ^= h >>> 33;
        h *= 0xff51_afd7_ed55_8ccdL;
        h ^= h >>> 33;
        h *= 0xc4ce_b9fe_1a85_ec53L;
        h ^= h >>> 33;
        return MIN_SOURCE_PORT | (int) (h & 0x3fff);
    }
}
