package io.jvs.core.conntrack;

import io.jvs.core.packet.Checksum;
import io.jvs.core.packet.IcmpHeader;
import io.jvs.core.packet.Ipv4Header;
import io.jvs.core.packet.TcpHeader;
import io.jvs.core.packet.UdpHeader;

import org.agrona.MutableDirectBuffer;

/**
 * Rewrites IPv4 packets to a connection's translated tuple, patching every checksum incrementally (RFC 1624): the IP
 * header checksum for addresses; the TCP or UDP checksum for addresses (they are in its pseudo-header) and ports; the
 * ICMP checksum for the echo identifier (ICMPv4 has no pseudo-header). Nothing is recomputed from scratch on the
 * forwarding path, so the cost does not depend on the payload size.
 *
 * <p>ICMP errors about a tracked connection ({@link #translateIcmpError}) are rewritten whole: outer addresses, the
 * embedded datagram's header and ports, its checksums, and the ICMP checksum over all of it.
 */
public final class NatRewriter {
    private NatRewriter() {
    }

    /**
     * Rewrites the packet parsed into {@code t} (an OK parse of TCP, UDP or ICMP echo) to the given tuple, and
     * updates {@code t} to match. Fields already equal are left alone.
     */
    public static void rewrite(MutableDirectBuffer buf, int ipOff, PacketTuple t,
            int src, int dst, int srcPort, int dstPort) {
        final int l4 = t.l4Off;
        switch (t.proto) {
            case Ipv4Header.PROTO_TCP -> {
                final int c = adjustForTuple(TcpHeader.checksum(buf, l4), t, src, dst, srcPort, dstPort);
                TcpHeader.setSrcPort(buf, l4, srcPort);
                TcpHeader.setDstPort(buf, l4, dstPort);
                TcpHeader.setChecksum(buf, l4, c);
            }
            case Ipv4Header.PROTO_UDP -> {
                final int old = UdpHeader.checksum(buf, l4);
                if (old != 0) {
                    UdpHeader.setChecksum(buf, l4,
                            Checksum.udpChecksum(adjustForTuple(old, t, src, dst, srcPort, dstPort)));
                }
                UdpHeader.setSrcPort(buf, l4, srcPort);
                UdpHeader.setDstPort(buf, l4, dstPort);
            }
            case Ipv4Header.PROTO_ICMP -> {
                // Echo: the identifier is both "ports"; a request carries it as the source's, which is srcPort.
                if (srcPort != t.srcPort) {
                    IcmpHeader.setChecksum(buf, l4, Checksum.adjust(IcmpHeader.checksum(buf, l4), t.srcPort, srcPort));
                    IcmpHeader.setId(buf, l4, srcPort);
                }
            }
            default -> {
            }
        }
        rewriteAddressesAndTuple(buf, ipOff, t, src, dst, srcPort, dstPort);
    }

    /**
     * {@link #rewrite} for a TCP or UDP packet whose L4 checksum is still partial (Linux CHECKSUM_PARTIAL, virtio
     * NEEDS_CSUM; a GSO super-frame's always is): the checksum field then holds the folded, not complemented,
     * pseudo-header sum, which whoever completes it (a NIC, the kernel, our segmenter) extends over the L4 header
     * and payload. So the field follows the addresses only (they are in the pseudo-header), without the complement
     * RFC 1624 works on, and new ports go in untouched by it (they are summed at completion). The IP header checksum
     * is updated as for a complete packet.
     */
    public static void rewritePartial(MutableDirectBuffer buf, int ipOff, PacketTuple t,
            int src, int dst, int srcPort, int dstPort) {
        final int l4 = t.l4Off;
        final int field = switch (t.proto) {
            case Ipv4Header.PROTO_TCP -> l4 + TcpHeader.CHECKSUM_OFFSET;
            case Ipv4Header.PROTO_UDP -> l4 + UdpHeader.CHECKSUM_OFFSET;
            default -> -1;
        };
        if (field < 0) {
            rewrite(buf, ipOff, t, src, dst, srcPort, dstPort);
            return;
        }
        final int partial = buf.getShort(field, java.nio.ByteOrder.BIG_ENDIAN) & 0xffff;
        // ~adjust(~P) = P + ~m + m' in ones' complement: the update of an uncomplemented sum.
        int c = Checksum.adjust32(~partial & 0xffff, t.src, src);
        c = Checksum.adjust32(c, t.dst, dst);
        buf.putShort(field, (short) ~c, java.nio.ByteOrder.BIG_ENDIAN);
        // Ports at the same offsets in TCP and UDP.
        TcpHeader.setSrcPort(buf, l4, srcPort);
        TcpHeader.setDstPort(buf, l4, dstPort);
        rewriteAddressesAndTuple(buf, ipOff, t, src, dst, srcPort, dstPort);
    }

    /**
     * A TCP or UDP checksum patched for the packet of {@code t} taking the given tuple: the addresses (they are in the
     * pseudo-header), then the ports.
     */
    private static int adjustForTuple(int checksum, PacketTuple t, int src, int dst, int srcPort, int dstPort) {
        int c = Checksum.adjust32(checksum, t.src, src);
        c = Checksum.adjust32(c, t.dst, dst);
        c = Checksum.adjust(c, t.srcPort, srcPort);
        return Checksum.adjust(c, t.dstPort, dstPort);
    }

    /** How every rewrite ends, its L4 part done: the IPv4 addresses with their header checksum, and {@code t}. */
    private static void rewriteAddressesAndTuple(MutableDirectBuffer buf, int ipOff, PacketTuple t,
            int src, int dst, int srcPort, int dstPort) {
        rewriteAddresses(buf, ipOff, t.src, t.dst, src, dst);
        t.src = src;
        t.dst = dst;
        t.srcPort = srcPort;
        t.dstPort = dstPort;
    }

    private static void rewriteAddresses(MutableDirectBuffer buf, int ipOff, int oldSrc, int oldDst, int src, int dst) {
        if (oldSrc == src && oldDst == dst) {
            return;
        }
        int c = Ipv4Header.checksum(buf, ipOff);
        c = Checksum.adjust32(c, oldSrc, src);
        c = Checksum.adjust32(c, oldDst, dst);
        Ipv4Header.setSrc(buf, ipOff, src);
        Ipv4Header.setDst(buf, ipOff, dst);
        Ipv4Header.setChecksum(buf, ipOff, c);
    }

    /** Rewrites a packet of connection direction {@code ref} to where that direction leaves to. */
    public static void apply(Conntrack ct, int ref, MutableDirectBuffer buf, int ipOff, PacketTuple t) {
        rewrite(buf, ipOff, t, ct.outSrc(ref), ct.outDst(ref), ct.outSrcPort(ref), ct.outDstPort(ref));
    }

    /**
     * Finds the connection an ICMP error belongs to and translates the error with it.
     *
     * <p>The error carries a datagram of the connection as it was sent (after translation) in direction e, and
     * travels back the other way, d. Reversing the embedded tuple gives the key a packet of direction d arrives with,
     * so one lookup finds the connection and d. The embedded datagram is then rewritten to how it looked before
     * translation (reverse of d's outgoing tuple), the outer destination to d's outgoing destination, and the outer
     * source too when it is the embedded destination (the host itself complained, e.g. port unreachable from a
     * floating IP's owner).
     *
     * @param ipOff the outer IPv4 header; {@code outer} its parse, which returned {@link PacketTuple#ICMP_ERROR}.
     * @param ipLen the outer packet's length (its total length field, validated by the caller).
     * @param inner scratch tuple for the embedded datagram; left holding its translated tuple.
     * @return the ref of direction d (the caller may {@link Conntrack#track} nothing: errors do not refresh a
     *     connection), or {@link Conntrack#MISS} when no connection matches or the embedded datagram is unreadable.
     *     On a miss the packet is unchanged.
     */
    public static int translateIcmpError(Conntrack ct, int zone, MutableDirectBuffer buf, int ipOff, int ipLen,
            PacketTuple outer, PacketTuple inner) {
        final int innerIp = outer.l4Off + IcmpHeader.LENGTH;
        final int end = ipOff + ipLen;
        if (inner.parseEmbedded(buf, innerIp, end - innerIp) != PacketTuple.OK) {
            return Conntrack.MISS;
        }
        final int ref = ct.lookup(zone, inner.proto, inner.dst, inner.src, inner.dstPort, inner.srcPort);
        if (ref < 0) {
            return Conntrack.MISS;
        }
        final int newOuterSrc = outer.src == inner.dst ? ct.outSrc(ref) : outer.src;
        rewriteEmbedded(buf, innerIp, end, inner,
                ct.outDst(ref), ct.outSrc(ref), ct.outDstPort(ref), ct.outSrcPort(ref));
        rewriteAddresses(buf, ipOff, outer.src, outer.dst, newOuterSrc, ct.outDst(ref));
        outer.src = newOuterSrc;
        outer.dst = ct.outDst(ref);
        // The ICMP checksum covers the embedded bytes we just changed: recompute it, errors are small and rare.
        final int icmpLen = end - outer.l4Off;
        IcmpHeader.setChecksum(buf, outer.l4Off, 0);
        IcmpHeader.setChecksum(buf, outer.l4Off, Checksum.finish(Checksum.sum(buf, outer.l4Off, icmpLen)));
        return ref;
    }

    /**
     * Rewrites an embedded datagram (header plus at least 8 bytes, ending at {@code end}): addresses with its header
     * checksum, ports or echo identifier, and its L4 checksum when the error carried that far.
     */
    static void rewriteEmbedded(MutableDirectBuffer buf, int ipOff, int end, PacketTuple t,
            int src, int dst, int srcPort, int dstPort) {
        final int l4 = t.l4Off;
        switch (t.proto) {
            case Ipv4Header.PROTO_TCP -> {
                if (l4 + TcpHeader.CHECKSUM_OFFSET + 2 <= end) {
                    TcpHeader.setChecksum(buf, l4,
                            adjustForTuple(TcpHeader.checksum(buf, l4), t, src, dst, srcPort, dstPort));
                }
                TcpHeader.setSrcPort(buf, l4, srcPort);
                TcpHeader.setDstPort(buf, l4, dstPort);
            }
            case Ipv4Header.PROTO_UDP -> rewrite(buf, ipOff, t, src, dst, srcPort, dstPort);
            case Ipv4Header.PROTO_ICMP -> rewrite(buf, ipOff, t, src, dst, srcPort, dstPort);
            default -> {
            }
        }
        rewriteAddressesAndTuple(buf, ipOff, t, src, dst, srcPort, dstPort);
    }
}
