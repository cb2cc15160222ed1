package io.jvs.core.conntrack;

import io.jvs.core.packet.Checksum;
import io.jvs.core.packet.EthernetHeader;
import io.jvs.core.packet.IcmpHeader;
import io.jvs.core.packet.Ipv4Header;
import io.jvs.core.packet.TcpHeader;
import io.jvs.core.packet.UdpHeader;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/** Builds Ethernet + IPv4 test frames with valid checksums, and verifies checksums of frames under test. */
public final class TestPackets {
    public static final int IP = EthernetHeader.LENGTH;

    private TestPackets() {
    }

    public static UnsafeBuffer buffer() {
        return new UnsafeBuffer(new byte[4096]);
    }

    public static int addr(String dotted) {
        return Ipv4Header.parseAddress(dotted);
    }

    private static int ipv4(MutableDirectBuffer b, int off, long dstMac, long srcMac, int src, int dst, int proto,
            int l4Len, int ttl) {
        EthernetHeader.setDst(b, off, dstMac);
        EthernetHeader.setSrc(b, off, srcMac);
        EthernetHeader.setEtherType(b, off, EthernetHeader.ETH_P_IPV4);
        final int ip = off + IP;
        Ipv4Header.setVersionAndHeaderLength(b, ip, Ipv4Header.MIN_LENGTH);
        Ipv4Header.setTos(b, ip, 0);
        Ipv4Header.setTotalLength(b, ip, Ipv4Header.MIN_LENGTH + l4Len);
        Ipv4Header.setId(b, ip, 0x1234);
        Ipv4Header.setFlagsFragment(b, ip, Ipv4Header.FLAG_DF);
        Ipv4Header.setTtl(b, ip, ttl);
        Ipv4Header.setProtocol(b, ip, proto);
        Ipv4Header.setSrc(b, ip, src);
        Ipv4Header.setDst(b, ip, dst);
        Checksum.writeIpv4HeaderChecksum(b, ip);
        return ip + Ipv4Header.MIN_LENGTH;
    }

    /** A TCP frame with {@code payload} bytes of pattern data; returns the frame length. */
    public static int tcp(MutableDirectBuffer b, int off, long dstMac, long srcMac, int src, int dst, int sport,
            int dport, int flags, int payload, int ttl) {
        final int l4Len = TcpHeader.MIN_LENGTH + payload;
        final int l4 = ipv4(b, off, dstMac, srcMac, src, dst, Ipv4Header.PROTO_TCP, l4Len, ttl);
        TcpHeader.setSrcPort(b, l4, sport);
        TcpHeader.setDstPort(b, l4, dport);
        TcpHeader.setSeq(b, l4, 1000);
        TcpHeader.setAck(b, l4, (flags & TcpHeader.ACK) != 0 ? 2000 : 0);
        TcpHeader.setHeaderLength(b, l4, TcpHeader.MIN_LENGTH);
        TcpHeader.setFlags(b, l4, flags);
        TcpHeader.setWindow(b, l4, 65535);
        TcpHeader.setChecksum(b, l4, 0);
        TcpHeader.setUrgentPointer(b, l4, 0);
        fill(b, l4 + TcpHeader.MIN_LENGTH, payload);
        TcpHeader.setChecksum(b, l4, Checksum.finish(Checksum.pseudoIpv4(b, off + IP, Ipv4Header.PROTO_TCP, l4Len)
                + Checksum.sum(b, l4, l4Len)));
        return IP + Ipv4Header.MIN_LENGTH + l4Len;
    }

    public static int udp(MutableDirectBuffer b, int off, long dstMac, long srcMac, int src, int dst, int sport,
            int dport, int payload, int ttl) {
        final int l4Len = UdpHeader.LENGTH + payload;
        final int l4 = ipv4(b, off, dstMac, srcMac, src, dst, Ipv4Header.PROTO_UDP, l4Len, ttl);
        UdpHeader.setSrcPort(b, l4, sport);
        UdpHeader.setDstPort(b, l4, dport);
        UdpHeader.setDatagramLength(b, l4, l4Len);
        UdpHeader.setChecksum(b, l4, 0);
        fill(b, l4 + UdpHeader.LENGTH, payload);
        UdpHeader.setChecksum(b, l4, Checksum.udpChecksum(Checksum.finish(
                Checksum.pseudoIpv4(b, off + IP, Ipv4Header.PROTO_UDP, l4Len) + Checksum.sum(b, l4, l4Len))));
        return IP + Ipv4Header.MIN_LENGTH + l4Len;
    }

    public static int icmpEcho(MutableDirectBuffer b, int off, long dstMac, long srcMac, int src, int dst, int type,
            int id, int seq, int payload, int ttl) {
        final int l4Len = IcmpHeader.LENGTH + payload;
        final int l4 = ipv4(b, off, dstMac, srcMac, src, dst, Ipv4Header.PROTO_ICMP, l4Len, ttl);
        IcmpHeader.setType(b, l4, type);
        IcmpHeader.setCode(b, l4, 0);
        IcmpHeader.setChecksum(b, l4, 0);
        IcmpHeader.setId(b, l4, id);
        IcmpHeader.setSequence(b, l4, seq);
        fill(b, l4 + IcmpHeader.LENGTH, payload);
        IcmpHeader.setChecksum(b, l4, Checksum.finish(Checksum.sum(b, l4, l4Len)));
        return IP + Ipv4Header.MIN_LENGTH + l4Len;
    }

    /** An ICMP error from {@code src} about the datagram at {@code origIpOff} of {@code orig} (header + 8 bytes). */
    public static int icmpError(MutableDirectBuffer b, int off, long dstMac, long srcMac, int src, int type,
            int code, DirectBuffer orig, int origIpOff) {
        final int quoted = Ipv4Header.headerLength(orig, origIpOff) + 8;
        final int l4Len = IcmpHeader.LENGTH + quoted;
        final int l4 = ipv4(b, off, dstMac, srcMac, src, Ipv4Header.src(orig, origIpOff), Ipv4Header.PROTO_ICMP,
                l4Len, 64);
        IcmpHeader.setType(b, l4, type);
        IcmpHeader.setCode(b, l4, code);
        IcmpHeader.setChecksum(b, l4, 0);
        IcmpHeader.setRest(b, l4, 0);
        b.putBytes(l4 + IcmpHeader.LENGTH, orig, origIpOff, quoted);
        IcmpHeader.setChecksum(b, l4, Checksum.finish(Checksum.sum(b, l4, l4Len)));
        return IP + Ipv4Header.MIN_LENGTH + l4Len;
    }

    private static void fill(MutableDirectBuffer b, int at, int n) {
        for (int i = 0; i < n; i++) {
            b.putByte(at + i, (byte) (i * 7 + 3));
        }
    }

    /**
     * True when the IPv4 header checksum and the L4 checksum (TCP, UDP unless 0, ICMP over the message) of the
     * packet at {@code ipOff} verify; for an ICMP error also the embedded header's checksum.
     */
    public static boolean checksumsValid(DirectBuffer b, int ipOff) {
        if (!Checksum.isIpv4HeaderChecksumValid(b, ipOff)) {
            return false;
        }
        final int ihl = Ipv4Header.headerLength(b, ipOff);
        final int l4 = ipOff + ihl;
        final int l4Len = Ipv4Header.totalLength(b, ipOff) - ihl;
        final int proto = Ipv4Header.protocol(b, ipOff);
        switch (proto) {
            case Ipv4Header.PROTO_TCP:
                return Checksum.fold(Checksum.pseudoIpv4(b, ipOff, proto, l4Len) + Checksum.sum(b, l4, l4Len)) == 0xffff;
            case Ipv4Header.PROTO_UDP:
                return UdpHeader.checksum(b, l4) == 0
                        || Checksum.fold(Checksum.pseudoIpv4(b, ipOff, proto, l4Len) + Checksum.sum(b, l4, l4Len))
                        == 0xffff;
            case Ipv4Header.PROTO_ICMP:
                if (Checksum.fold(Checksum.sum(b, l4, l4Len)) != 0xffff) {
                    return false;
                }
                if (IcmpHeader.isError(IcmpHeader.type(b, l4))) {
                    return Checksum.isIpv4HeaderChecksumValid(b, l4 + IcmpHeader.LENGTH);
                }
                return true;
            default:
                return true;
        }
    }
}
