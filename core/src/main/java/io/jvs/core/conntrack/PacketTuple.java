package io.jvs.core.conntrack;

import io.jvs.core.packet.IcmpHeader;
import io.jvs.core.packet.Ipv4Header;
import io.jvs.core.packet.TcpHeader;
import io.jvs.core.packet.UdpHeader;

import org.agrona.DirectBuffer;

/**
 * The connection-tracking view of one IPv4 packet: protocol, addresses, ports (the identifier for ICMP echo, as both
 * ports, so that request and reply are two directions of one connection), and where the L4 header starts.
 *
 * <p>Mutable and reused: each forwarding thread keeps one (or two, for the packet embedded in an ICMP error) and
 * parses every packet into it, so parsing allocates nothing.
 */
public final class PacketTuple {
    /** Results of {@link #parse}. */
    public static final int OK = 0;
    /** Not TCP, UDP or ICMP: not tracked (forwarded as is, or dropped where NAT needs a tuple). */
    public static final int UNTRACKED_PROTOCOL = 1;
    /** ICMP that is neither echo nor an error carrying a datagram: informational, not tracked. */
    public static final int UNTRACKED_ICMP = 2;
    /** The packet is too short for the headers it announces. */
    public static final int TRUNCATED = 3;
    /** A fragment: only the first has ports, and we do not reassemble. */
    public static final int FRAGMENT = 4;
    /** An ICMP error (destination unreachable, time exceeded...): look at the embedded datagram instead. */
    public static final int ICMP_ERROR = 5;

    public int proto;
    public int src;
    public int dst;
    public int srcPort;
    public int dstPort;
    /** Offset of the L4 header in the buffer. */
    public int l4Off;
    /** TCP flags, 0 for other protocols. */
    public int tcpFlags;
    /** ICMP type, -1 for other protocols. */
    public int icmpType;

    /**
     * Parses the IPv4 packet at {@code ipOff}, of which {@code available} bytes are in the buffer. The IP header
     * itself must already be validated (version, length, checksum) by the caller.
     */
    public int parse(DirectBuffer buf, int ipOff, int available) {
        final int ihl = Ipv4Header.headerLength(buf, ipOff);
        readIpv4(buf, ipOff, ihl);
        if (Ipv4Header.isFragment(buf, ipOff)) {
            return FRAGMENT;
        }
        return parseL4(buf, available - ihl, false);
    }

    /**
     * Parses the datagram embedded in an ICMP error at {@code ipOff}: its IP header and as much of its L4 header as
     * the error carries, at least the 8 bytes RFC 792 promises (enough for ports or the echo identifier).
     */
    public int parseEmbedded(DirectBuffer buf, int ipOff, int available) {
        if (available < Ipv4Header.MIN_LENGTH || Ipv4Header.version(buf, ipOff) != Ipv4Header.VERSION) {
            return TRUNCATED;
        }
        final int ihl = Ipv4Header.headerLength(buf, ipOff);
        if (ihl < Ipv4Header.MIN_LENGTH || available < ihl + IcmpHeader.ERROR_DATA_LENGTH) {
            return TRUNCATED;
        }
        readIpv4(buf, ipOff, ihl);
        if ((Ipv4Header.flagsFragment(buf, ipOff) & Ipv4Header.FRAGMENT_OFFSET_MASK) != 0) {
            return FRAGMENT; // a later fragment carries no ports; the first one (MF set) is fine here
        }
        return parseL4(buf, available - ihl, true);
    }

    /** Takes protocol and addresses from the IPv4 header and clears the L4 fields, which parseL4 fills. */
    private void readIpv4(DirectBuffer buf, int ipOff, int ihl) {
        proto = Ipv4Header.protocol(buf, ipOff);
        src = Ipv4Header.src(buf, ipOff);
        dst = Ipv4Header.dst(buf, ipOff);
        l4Off = ipOff + ihl;
        tcpFlags = 0;
        icmpType = -1;
        srcPort = 0;
        dstPort = 0;
    }

    private int parseL4(DirectBuffer buf, int l4Available, boolean embedded) {
        switch (proto) {
            case Ipv4Header.PROTO_TCP:
                if (l4Available < (embedded ? 8 : TcpHeader.MIN_LENGTH)) {
                    return TRUNCATED;
                }
                srcPort = TcpHeader.srcPort(buf, l4Off);
                dstPort = TcpHeader.dstPort(buf, l4Off);
                tcpFlags = l4Available > TcpHeader.FLAGS_OFFSET ? TcpHeader.flags(buf, l4Off) : 0;
                return OK;
            case Ipv4Header.PROTO_UDP:
                if (l4Available < UdpHeader.LENGTH) {
                    return TRUNCATED;
                }
                srcPort = UdpHeader.srcPort(buf, l4Off);
                dstPort = UdpHeader.dstPort(buf, l4Off);
                return OK;
            case Ipv4Header.PROTO_ICMP:
                if (l4Available < IcmpHeader.LENGTH) {
                    return TRUNCATED;
                }
                icmpType = IcmpHeader.type(buf, l4Off);
                if (icmpType == IcmpHeader.TYPE_ECHO_REQUEST || icmpType == IcmpHeader.TYPE_ECHO_REPLY) {
                    srcPort = IcmpHeader.id(buf, l4Off);
                    dstPort = srcPort;
                    return OK;
                }
                if (!embedded && (icmpType == IcmpHeader.TYPE_DEST_UNREACHABLE
                        || icmpType == IcmpHeader.TYPE_TIME_EXCEEDED || icmpType == IcmpHeader.TYPE_PARAMETER_PROBLEM)) {
                    return ICMP_ERROR;
                }
                return UNTRACKED_ICMP;
            default:
                return UNTRACKED_PROTOCOL;
        }
    }

    /** True for an ICMP echo request or reply (tracked with the identifier as port). */
    public boolean isIcmpEcho() {
        return proto == Ipv4Header.PROTO_ICMP
                && (icmpType == IcmpHeader.TYPE_ECHO_REQUEST || icmpType == IcmpHeader.TYPE_ECHO_REPLY);
    }

    @Override
    public String toString() {
        return "proto " + proto + " " + Ipv4Header.formatAddress(src) + ":" + srcPort + " -> "
                + Ipv4Header.formatAddress(dst) + ":" + dstPort;
    }
}
