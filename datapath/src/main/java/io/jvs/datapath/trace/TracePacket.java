package io.jvs.datapath.trace;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Map;

import io.jvs.core.packet.Checksum;
import io.jvs.core.packet.EthernetHeader;
import io.jvs.core.packet.Ipv4Header;
import io.jvs.core.packet.MacAddress;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * The frame {@code jvs trace} sends through the pipeline: given as {@code --packet HEX}, or built from Open vSwitch
 * style fields ({@code dl_src dl_dst vlan nw_src nw_dst nw_proto tp_src tp_dst}): Ethernet, an 802.1Q tag when
 * {@code vlan} is given, and an IPv4 packet (ICMP echo request by default, TCP or UDP by {@code nw_proto}) with valid
 * checksums. Absent fields take fixed defaults, printed with the trace.
 */
final class TracePacket {
    private TracePacket() {
    }

    static byte[] fromHex(String hex) {
        try {
            byte[] f = HexFormat.of().parseHex(hex.replace(":", "").replace(" ", ""));
            if (f.length < EthernetHeader.LENGTH || f.length > 65535) {
                throw new IllegalArgumentException("--packet must hold 14 to 65535 bytes, not " + f.length);
            }
            return f;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage().startsWith("--packet") ? e.getMessage()
                    : "--packet is not hex: " + e.getMessage());
        }
    }

    static byte[] fromFields(Map<String, String> f) {
        long src = mac(f, "dl_src", "02:00:00:00:00:01");
        long dst = mac(f, "dl_dst", "02:00:00:00:00:02");
        int vlan = f.containsKey("vlan") ? number(f, "vlan", 0, 4095) : -1;
        int nwSrc = ip(f, "nw_src", "10.0.0.1");
        int nwDst = ip(f, "nw_dst", "10.0.0.2");
        int proto = f.containsKey("nw_proto") ? number(f, "nw_proto", 0, 255) : Ipv4Header.PROTO_ICMP;
        int tpSrc = f.containsKey("tp_src") ? number(f, "tp_src", 0, 65535) : 40000;
        int tpDst = f.containsKey("tp_dst") ? number(f, "tp_dst", 0, 65535) : 80;
        int l4 = proto == Ipv4Header.PROTO_TCP ? 20 : 8;
        int tag = vlan >= 0 ? 4 : 0;
        UnsafeBuffer b = new UnsafeBuffer(ByteBuffer.allocate(14 + tag + 20 + l4 + 16));
        EthernetHeader.setDst(b, 0, dst);
        EthernetHeader.setSrc(b, 0, src);
        int ip = 14 + tag;
        if (vlan >= 0) {
            b.putShort(12, (short) EthernetHeader.ETH_P_8021Q, java.nio.ByteOrder.BIG_ENDIAN);
            b.putShort(14, (short) vlan, java.nio.ByteOrder.BIG_ENDIAN);
        }
        b.putShort(ip - 2, (short) EthernetHeader.ETH_P_IPV4, java.nio.ByteOrder.BIG_ENDIAN);
        int ipLen = 20 + l4 + 16;
        Ipv4Header.setVersionAndHeaderLength(b, ip, 20);
        Ipv4Header.setTotalLength(b, ip, ipLen);
        Ipv4Header.setFlagsFragment(b, ip, Ipv4Header.FLAG_DF);
        Ipv4Header.setTtl(b, ip, 64);
        Ipv4Header.setProtocol(b, ip, proto);
        Ipv4Header.setSrc(b, ip, nwSrc);
        Ipv4Header.setDst(b, ip, nwDst);
        Checksum.writeIpv4HeaderChecksum(b, ip);
        int t = ip + 20;
        if (proto == Ipv4Header.PROTO_ICMP) {
            b.putByte(t, (byte) 8); // echo request
        } else if (proto == Ipv4Header.PROTO_TCP || proto == Ipv4Header.PROTO_UDP) {
            b.putShort(t, (short) tpSrc, java.nio.ByteOrder.BIG_ENDIAN);
            b.putShort(t + 2, (short) tpDst, java.nio.ByteOrder.BIG_ENDIAN);
            if (proto == Ipv4Header.PROTO_TCP) {
                b.putByte(t + 12, (byte) 0x50);
                b.putByte(t + 13, (byte) 0x02); // SYN: the first packet of a connection
            } else {
                b.putShort(t + 4, (short) (l4 + 16), java.nio.ByteOrder.BIG_ENDIAN);
            }
        }
        long sum = proto == Ipv4Header.PROTO_ICMP ? Checksum.sum(b, t, l4 + 16)
                : Checksum.pseudoIpv4(b, ip, proto, l4 + 16) + Checksum.sum(b, t, l4 + 16);
        int csum = Checksum.finish(sum);
        int at = proto == Ipv4Header.PROTO_ICMP ? t + 2 : proto == Ipv4Header.PROTO_TCP ? t + 16
                : proto == Ipv4Header.PROTO_UDP ? t + 6 : -1;
        if (at >= 0) {
            b.putShort(at, (short) (proto == Ipv4Header.PROTO_UDP && csum == 0 ? 0xffff : csum),
                    java.nio.ByteOrder.BIG_ENDIAN);
        }
        return b.byteArray();
    }

    private static long mac(Map<String, String> f, String key, String dflt) {
        String v = f.getOrDefault(key, dflt);
        try {
            return MacAddress.parse(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + "=" + v + " is not a MAC address");
        }
    }

    private static int ip(Map<String, String> f, String key, String dflt) {
        String v = f.getOrDefault(key, dflt);
        try {
            return io.jvs.datapath.linux.Inet4.parse(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + "=" + v + " is not an IPv4 address");
        }
    }

    private static int number(Map<String, String> f, String key, int min, int max) {
        String v = f.get(key);
        try {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException(key + "=" + v + " is not a number in " + min + ".." + max);
    }
}
