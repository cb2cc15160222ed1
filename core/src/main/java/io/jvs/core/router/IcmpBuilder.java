package io.jvs.core.router;

import io.jvs.core.packet.Checksum;
import io.jvs.core.packet.EthernetHeader;
import io.jvs.core.packet.IcmpHeader;
import io.jvs.core.packet.Ipv4Header;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The ICMP messages a router originates: echo replies for its own addresses, and errors (destination unreachable,
 * time exceeded, fragmentation needed) whose body is the offending datagram's IP header and first 8 data bytes
 * (RFC 792; RFC 1812 allows more, we keep to the minimum every host understands).
 */
public final class IcmpBuilder {
    /** TTL of the packets the router originates. */
    public static final int TTL = 64;
    /** The largest error frame: Ethernet, IPv4, ICMP, a 60-byte header and 8 bytes. */
    public static final int MAX_ERROR_FRAME = EthernetHeader.LENGTH + Ipv4Header.MIN_LENGTH + IcmpHeader.LENGTH
            + Ipv4Header.MAX_LENGTH + IcmpHeader.ERROR_DATA_LENGTH;

    private IcmpBuilder() {
    }

    /**
     * Turns the echo request frame at {@code off} into its reply, in place: MACs and addresses swapped, TTL reset,
     * type 0; the payload is untouched and both checksums are patched incrementally.
     */
    public static void echoReplyInPlace(MutableDirectBuffer buf, int off, int ipOff, int l4Off, long ourMac) {
        EthernetHeader.setDst(buf, off, EthernetHeader.src(buf, off));
        EthernetHeader.setSrc(buf, off, ourMac);
        final int src = Ipv4Header.src(buf, ipOff);
        final int dst = Ipv4Header.dst(buf, ipOff);
        final int oldTtlWord = Ipv4Header.ttl(buf, ipOff) << 8 | Ipv4Header.protocol(buf, ipOff);
        Ipv4Header.setSrc(buf, ipOff, dst);
        Ipv4Header.setDst(buf, ipOff, src); // swapping two words leaves the sum, hence the checksum, as it was
        Ipv4Header.setTtl(buf, ipOff, TTL);
        Ipv4Header.setChecksum(buf, ipOff, Checksum.adjust(Ipv4Header.checksum(buf, ipOff), oldTtlWord,
                TTL << 8 | Ipv4Header.PROTO_ICMP));
        final int code = IcmpHeader.code(buf, l4Off);
        IcmpHeader.setType(buf, l4Off, IcmpHeader.TYPE_ECHO_REPLY);
        IcmpHeader.setChecksum(buf, l4Off, Checksum.adjust(IcmpHeader.checksum(buf, l4Off),
                IcmpHeader.TYPE_ECHO_REQUEST << 8 | code, IcmpHeader.TYPE_ECHO_REPLY << 8 | code));
    }

    /**
     * RFC 1812 section 4.3.2.7: no error about an ICMP error, a non-first fragment, or a datagram whose source is not
     * one unicast host (0.0.0.0, loopback, multicast, limited broadcast), nor about one sent to a multicast or
     * broadcast destination.
     */
    public static boolean mayAnswerWithError(DirectBuffer buf, int ipOff, int ipLen) {
        if ((Ipv4Header.flagsFragment(buf, ipOff) & Ipv4Header.FRAGMENT_OFFSET_MASK) != 0) {
            return false;
        }
        final int src = Ipv4Header.src(buf, ipOff);
        final int dst = Ipv4Header.dst(buf, ipOff);
        if (!isUnicastHost(src) || isMulticastOrBroadcast(dst)) {
            return false;
        }
        if (Ipv4Header.protocol(buf, ipOff) == Ipv4Header.PROTO_ICMP) {
            final int l4 = ipOff + Ipv4Header.headerLength(buf, ipOff);
            if (l4 + 1 > ipOff + ipLen || IcmpHeader.isError(IcmpHeader.type(buf, l4))) {
                return false;
            }
        }
        return true;
    }

    static boolean isUnicastHost(int address) {
        final int first = address >>> 24;
        return address != 0 && first != 127 && first < 224;
    }

    static boolean isMulticastOrBroadcast(int address) {
        return address >>> 24 >= 224;
    }

    /**
     * Writes an ICMP error frame about the datagram at {@code origIpOff} (of {@code origIpLen} bytes) into
     * {@code out} at {@code outOff}: from {@code srcMac}/{@code srcIp} to {@code dstMac} and the datagram's source.
     * {@code rest} is the rest-of-header word (the next-hop MTU for fragmentation needed, else 0). Returns the frame
     * length, at most {@link #MAX_ERROR_FRAME}. {@code out} must not overlap the datagram.
     */
    public static int writeError(MutableDirectBuffer out, int outOff, long dstMac, long srcMac, int srcIp,
            int type, int code, int rest, DirectBuffer orig, int origIpOff, int origIpLen) {
        final int quoted = Math.min(origIpLen,
                Ipv4Header.headerLength(orig, origIpOff) + IcmpHeader.ERROR_DATA_LENGTH);
        final int ipOff = outOff + EthernetHeader.LENGTH;
        final int icmpOff = ipOff + Ipv4Header.MIN_LENGTH;
        final int ipLen = Ipv4Header.MIN_LENGTH + IcmpHeader.LENGTH + quoted;
        EthernetHeader.setDst(out, outOff, dstMac);
        EthernetHeader.setSrc(out, outOff, srcMac);
        EthernetHeader.setEtherType(out, outOff, EthernetHeader.ETH_P_IPV4);
        Ipv4Header.setVersionAndHeaderLength(out, ipOff, Ipv4Header.MIN_LENGTH);
        Ipv4Header.setTos(out, ipOff, 0xc0); // internetwork control, as routers mark their own ICMP
        Ipv4Header.setTotalLength(out, ipOff, ipLen);
        Ipv4Header.setId(out, ipOff, 0);
        Ipv4Header.setFlagsFragment(out, ipOff, 0);
        Ipv4Header.setTtl(out, ipOff, TTL);
        Ipv4Header.setProtocol(out, ipOff, Ipv4Header.PROTO_ICMP);
        Ipv4Header.setSrc(out, ipOff, srcIp);
        Ipv4Header.setDst(out, ipOff, Ipv4Header.src(orig, origIpOff));
        Checksum.writeIpv4HeaderChecksum(out, ipOff);
        IcmpHeader.setType(out, icmpOff, type);
        IcmpHeader.setCode(out, icmpOff, code);
        IcmpHeader.setChecksum(out, icmpOff, 0);
        IcmpHeader.setRest(out, icmpOff, rest);
        out.putBytes(icmpOff + IcmpHeader.LENGTH, orig, origIpOff, quoted);
        IcmpHeader.setChecksum(out, icmpOff,
                Checksum.finish(Checksum.sum(out, icmpOff, IcmpHeader.LENGTH + quoted)));
        return EthernetHeader.LENGTH + ipLen;
    }
}
