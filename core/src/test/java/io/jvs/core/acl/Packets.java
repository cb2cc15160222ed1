package io.jvs.core.acl;

import java.nio.ByteBuffer;

/** Frames for filter tests: checksums are not filled in (the filter does not read them). */
final class Packets {
    static final int TCP = 6, UDP = 17, ICMP = 1, ICMPV6 = 58;
    static final int SYN = 0x02, ACK = 0x10, FIN = 0x01, RST = 0x04;

    private Packets() {
    }

    private static ByteBuffer eth(int length, long dst, long src, int type) {
        ByteBuffer b = ByteBuffer.allocate(length);
        b.putShort((short) (dst >>> 32)).putInt((int) dst);
        b.putShort((short) (src >>> 32)).putInt((int) src);
        b.putShort((short) type);
        return b;
    }

    private static void ipv4(ByteBuffer b, int proto, int src, int dst, int l4Length) {
        b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + l4Length)).putShort((short) 1).putShort((short) 0x4000)
                .put((byte) 64).put((byte) proto).putShort((short) 0).putInt(src).putInt(dst);
    }

    static byte[] tcp(long dstMac, long srcMac, int src, int dst, int srcPort, int dstPort, int flags) {
        ByteBuffer b = eth(14 + 20 + 20, dstMac, srcMac, 0x0800);
        ipv4(b, TCP, src, dst, 20);
        b.putShort((short) srcPort).putShort((short) dstPort).putInt(1).putInt(0).put((byte) 0x50).put((byte) flags)
                .putShort((short) 65535).putShort((short) 0).putShort((short) 0);
        return b.array();
    }

    static byte[] udp(long dstMac, long srcMac, int src, int dst, int srcPort, int dstPort) {
        ByteBuffer b = eth(14 + 20 + 8 + 4, dstMac, srcMac, 0x0800);
        ipv4(b, UDP, src, dst, 12);
        b.putShort((short) srcPort).putShort((short) dstPort).putShort((short) 12).putShort((short) 0).putInt(7);
        return b.array();
    }

    static byte[] icmp(long dstMac, long srcMac, int src, int dst, int type, int id) {
        ByteBuffer b = eth(14 + 20 + 8, dstMac, srcMac, 0x0800);
        ipv4(b, ICMP, src, dst, 8);
        b.put((byte) type).put((byte) 0).putShort((short) 0).putShort((short) id).putShort((short) 1);
        return b.array();
    }

    /** An IPv4 packet of another protocol (GRE, 47, say) with 8 bytes of payload. */
    static byte[] ipProto(long dstMac, long srcMac, int src, int dst, int proto) {
        ByteBuffer b = eth(14 + 20 + 8, dstMac, srcMac, 0x0800);
        ipv4(b, proto, src, dst, 8);
        return b.array();
    }

    static byte[] arp(long dstMac, long srcMac, int op, long sha, int spa, long tha, int tpa) {
        ByteBuffer b = eth(14 + 28, dstMac, srcMac, 0x0806);
        b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) op);
        b.putShort((short) (sha >>> 32)).putInt((int) sha).putInt(spa);
        b.putShort((short) (tha >>> 32)).putInt((int) tha).putInt(tpa);
        return b.array();
    }

    /** IPv6 with a TCP/UDP header (ports) or an ICMPv6 header (type; srcPort is the echo identifier). */
    static byte[] ipv6(long dstMac, long srcMac, long srcHi, long srcLo, long dstHi, long dstLo, int proto,
            int srcPort, int dstPort, int icmpType) {
        return ipv6(dstMac, srcMac, srcHi, srcLo, dstHi, dstLo, proto, srcPort, dstPort, icmpType, SYN);
    }

    static byte[] ipv6(long dstMac, long srcMac, long srcHi, long srcLo, long dstHi, long dstLo, int proto,
            int srcPort, int dstPort, int icmpType, int tcpFlags) {
        int l4 = proto == TCP ? 20 : 8;
        ByteBuffer b = eth(14 + 40 + l4, dstMac, srcMac, 0x86dd);
        b.putInt(0x6000_0000).putShort((short) l4).put((byte) proto).put((byte) 64);
        b.putLong(srcHi).putLong(srcLo).putLong(dstHi).putLong(dstLo);
        if (proto == ICMPV6) {
            b.put((byte) icmpType).put((byte) 0).putShort((short) 0).putShort((short) srcPort).putShort((short) 1);
        } else if (proto == TCP) {
            b.putShort((short) srcPort).putShort((short) dstPort).putInt(1).putInt(0).put((byte) 0x50)
                    .put((byte) tcpFlags).putShort((short) 65535).putInt(0);
        } else {
            b.putShort((short) srcPort).putShort((short) dstPort).putShort((short) 8).putShort((short) 0);
        }
        return b.array();
    }

    /** An ICMPv6 neighbour solicitation (135) or advertisement (136) for target, with a link-layer option. */
    static byte[] nd(long dstMac, long srcMac, long srcHi, long srcLo, int type, long targetHi, long targetLo,
            long optionMac) {
        ByteBuffer b = eth(14 + 40 + 32, dstMac, srcMac, 0x86dd);
        b.putInt(0x6000_0000).putShort((short) 32).put((byte) ICMPV6).put((byte) 255);
        b.putLong(srcHi).putLong(srcLo).putLong(0xff02_0000_0000_0000L).putLong(1);
        b.put((byte) type).put((byte) 0).putShort((short) 0).putInt(type == 136 ? 0x6000_0000 : 0);
        b.putLong(targetHi).putLong(targetLo);
        b.put((byte) (type == 136 ? 2 : 1)).put((byte) 1);
        b.putShort((short) (optionMac >>> 32)).putInt((int) optionMac);
        return b.array();
    }

    /** An ICMP error (type 3, 11 or 12) from src to dst quoting the IPv4 packet of {@code frame}. */
    static byte[] icmpError(long dstMac, long srcMac, int src, int dst, int type, byte[] frame) {
        int quoted = frame.length - 14;
        ByteBuffer b = eth(14 + 20 + 8 + quoted, dstMac, srcMac, 0x0800);
        ipv4(b, ICMP, src, dst, 8 + quoted);
        b.put((byte) type).put((byte) 0).putShort((short) 0).putInt(0);
        b.put(frame, 14, quoted);
        return b.array();
    }

    /** An ICMPv6 error (type 1 to 4) from src to dst quoting the IPv6 packet of {@code frame}. */
    static byte[] icmpv6Error(long dstMac, long srcMac, long srcHi, long srcLo, long dstHi, long dstLo, int type,
            byte[] frame) {
        int quoted = frame.length - 14;
        ByteBuffer b = eth(14 + 40 + 8 + quoted, dstMac, srcMac, 0x86dd);
        b.putInt(0x6000_0000).putShort((short) (8 + quoted)).put((byte) ICMPV6).put((byte) 64);
        b.putLong(srcHi).putLong(srcLo).putLong(dstHi).putLong(dstLo);
        b.put((byte) type).put((byte) 0).putShort((short) 0).putInt(0);
        b.put(frame, 14, quoted);
        return b.array();
    }

    static int ip(int a, int b, int c, int d) {
        return a << 24 | b << 16 | c << 8 | d;
    }
}
