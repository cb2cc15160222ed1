package io.jvs.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import io.jvs.core.packet.Checksum;
import io.jvs.core.pcap.PcapWriter;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Writes the checked-in seed inputs (valid frames, a virtio super-frame, pcaps, pipeline programs) under
 * src/test/resources. Not a test: run it by hand after changing a target's input format
 * ({@code java -cp <test classpath> io.jvs.fuzz.SeedWriter fuzz/src/test/resources}).
 */
public final class SeedWriter {
    static final byte[] MAC_A = {2, 0, 0, 0, 0, 1};
    static final byte[] MAC_B = {2, 0, 0, 0, 0, (byte) 0xfe};
    static final byte[] BCAST = {-1, -1, -1, -1, -1, -1};

    static byte[] eth(byte[] dst, byte[] src, int etherType, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(14 + payload.length);
        return b.put(dst).put(src).putShort((short) etherType).put(payload).array();
    }

    static byte[] tag(byte[] frame, int vid) {
        ByteBuffer b = ByteBuffer.allocate(frame.length + 4);
        return b.put(frame, 0, 12).putShort((short) 0x8100).putShort((short) vid).put(frame, 12, frame.length - 12).array();
    }

    static byte[] arp() {
        byte[] p = new byte[28];
        ByteBuffer.wrap(p).putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) 1)
                .put(MAC_A).putInt(0x0a000001).put(new byte[6]).putInt(0x0a0000fe);
        return eth(BCAST, MAC_A, 0x0806, p);
    }

    /** IPv4 with proto and an L4 of l4 bytes (TCP 20-byte header or UDP 8 or ICMP 8 + payload), checksums right. */
    static byte[] ipv4(int proto, int payload, int flagsFragment) {
        int l4h = proto == 6 ? 20 : 8;
        int l4Len = l4h + payload;
        byte[] f = new byte[14 + 20 + l4Len];
        ByteBuffer b = ByteBuffer.wrap(f);
        b.put(MAC_B).put(MAC_A).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + l4Len)).putShort((short) 0x1234)
                .putShort((short) flagsFragment).put((byte) 64).put((byte) proto).putShort((short) 0)
                .putInt(0x0a000001).putInt(0x0a0000fe);
        for (int i = 0; i < payload; i++) {
            f[34 + l4h + i] = (byte) i;
        }
        UnsafeBuffer u = new UnsafeBuffer(f);
        Checksum.writeIpv4HeaderChecksum(u, 14);
        int csumField;
        if (proto == 6) {
            ByteBuffer.wrap(f, 34, 20).putShort((short) 40000).putShort((short) 80).putInt(1000).putInt(0)
                    .put((byte) 0x50).put((byte) 0x18).putShort((short) 65535);
            csumField = 34 + 16;
        } else if (proto == 17) {
            ByteBuffer.wrap(f, 34, 8).putShort((short) 5000).putShort((short) 53).putShort((short) l4Len);
            csumField = 34 + 6;
        } else {
            f[34] = 8;
            csumField = 34 + 2;
        }
        long sum = Checksum.sum(u, 34, l4Len) + (proto == 1 ? 0 : Checksum.pseudoIpv4(u, 14, proto, l4Len));
        u.putShort(csumField, (short) Checksum.udpChecksum(Checksum.finish(sum)), ByteOrder.BIG_ENDIAN);
        return f;
    }

    static byte[] ipv6(int proto, int payload) {
        int l4h = proto == 6 ? 20 : 8;
        int l4Len = l4h + payload;
        byte[] f = new byte[14 + 40 + l4Len];
        ByteBuffer b = ByteBuffer.wrap(f);
        b.put(MAC_B).put(MAC_A).putShort((short) 0x86dd).putInt(0x60000000).putShort((short) l4Len).put((byte) proto)
                .put((byte) 64).putLong(0xfd00000000000000L).putLong(1).putLong(0xfd00000000000000L).putLong(2);
        if (proto == 6) {
            ByteBuffer.wrap(f, 54, 20).putShort((short) 40000).putShort((short) 80).putInt(7).putInt(0)
                    .put((byte) 0x50).put((byte) 0x10).putShort((short) 65535);
        } else {
            ByteBuffer.wrap(f, 54, 8).putShort((short) 5000).putShort((short) 53).putShort((short) l4Len);
        }
        return f;
    }

    static byte[] vnet(int flags, int gsoType, int hdrLen, int gsoSize, int csumStart, int csumOffset) {
        return ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN).put((byte) flags).put((byte) gsoType)
                .putShort((short) hdrLen).putShort((short) gsoSize).putShort((short) csumStart)
                .putShort((short) csumOffset).array();
    }

    static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    /** A pipeline frame op: port index, flags, length, [vnet], [tci], frame. */
    static byte[] op(int port, int flags, byte[] vnet, int tci, byte[] frame) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(0);
        o.write(port);
        o.write(flags | (vnet != null ? 2 : 0) | (tci >= 0 ? 4 : 0));
        o.write(frame.length >> 8);
        o.write(frame.length);
        if (vnet != null) {
            o.writeBytes(vnet);
        }
        if (tci >= 0) {
            o.write(tci >> 8);
            o.write(tci);
        }
        o.writeBytes(frame);
        return o.toByteArray();
    }

    static void write(Path root, String cls, String method, String name, byte[] data) throws IOException {
        Path dir = root.resolve("io/jvs/fuzz").resolve(cls + "Inputs").resolve(method);
        Files.createDirectories(dir);
        Files.write(dir.resolve(name), data);
    }

    static byte[] pcap(ByteOrder order, boolean nanos, byte[]... frames) throws IOException {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        PcapWriter w = new PcapWriter(o, order, nanos, 1);
        long t = 1_700_000_000_123_456_000L;
        for (byte[] f : frames) {
            w.write(t, f);
            t += 1_000_000;
        }
        w.flush();
        return o.toByteArray();
    }

    public static void main(String[] args) throws IOException {
        Path root = Path.of(args.length > 0 ? args[0] : "src/test/resources");
        byte[] tcp = ipv4(6, 100, 0x4000);
        byte[] udp = ipv4(17, 50, 0);
        byte[] icmp = ipv4(1, 56, 0);
        byte[] tcp6 = ipv6(6, 100);
        byte[] udp6 = ipv6(17, 40);
        byte[][] frames = {arp(), tcp, udp, icmp, tcp6, udp6, tag(udp, 10), tag(tag(tcp, 20), 30)};
        String[] names = {"arp", "ipv4-tcp", "ipv4-udp", "ipv4-icmp", "ipv6-tcp", "ipv6-udp", "vlan10-ipv4-udp",
            "qinq-ipv4-tcp"};
        for (int i = 0; i < frames.length; i++) {
            write(root, "HeaderFuzzTest", "frame", names[i], frames[i]);
            write(root, "HeaderFuzzTest", "ethernetVlan", names[i], frames[i]);
        }
        write(root, "HeaderFuzzTest", "ipv4", "tcp", java.util.Arrays.copyOfRange(tcp, 14, tcp.length));
        write(root, "HeaderFuzzTest", "ipv4", "udp-fragment", java.util.Arrays.copyOfRange(ipv4(17, 20, 0x2001), 14, 62));
        write(root, "HeaderFuzzTest", "ipv6", "tcp", java.util.Arrays.copyOfRange(tcp6, 14, tcp6.length));

        // Offloads: a TCPv4 super-frame (partial checksum: the field holds the pseudo-header sum), USO over IPv6,
        // and a plain UDP frame asking for checksum completion.
        byte[] superTcp = ipv4(6, 3000, 0x4000);
        UnsafeBuffer s = new UnsafeBuffer(superTcp);
        s.putShort(50, (short) Checksum.fold(Checksum.pseudoIpv4(s, 14, 6, 3020)), ByteOrder.BIG_ENDIAN);
        write(root, "OffloadFuzzTest", "virtioGso", "tcpv4-gso-1000", cat(vnet(1, 1, 54, 1000, 34, 16), superTcp));
        byte[] uso6 = ipv6(17, 2000);
        write(root, "OffloadFuzzTest", "virtioGso", "udp-l4-ipv6-gso-700", cat(vnet(1, 5, 62, 700, 54, 6), uso6));
        write(root, "OffloadFuzzTest", "virtioGso", "udp-csum-partial", cat(vnet(1, 0, 0, 0, 34, 6), udp));
        write(root, "OffloadFuzzTest", "virtioGso", "plain-tcp6", cat(vnet(0, 0, 0, 0, 0, 0), tcp6));

        write(root, "PcapFuzzTest", "pcapReader", "le-micro-3-frames", pcap(ByteOrder.LITTLE_ENDIAN, false, arp(), tcp, udp6));
        write(root, "PcapFuzzTest", "pcapReader", "be-nano-1-frame", pcap(ByteOrder.BIG_ENDIAN, true, tag(udp, 10)));
        write(root, "PcapFuzzTest", "pcapReader", "header-only", pcap(ByteOrder.LITTLE_ENDIAN, false));

        // Pipeline programs on the fixed rig; memory ports: 0 a10, 1 a20, 2 t, 3 all, 4 b10, 5 b30.
        byte[] reply = eth(MAC_A, MAC_B, 0x0806, new byte[28]);
        write(root, "PipelineFuzzTest", "pipeline", "arp-request-and-tagged-reply", cat(
                op(0, 0, null, -1, arp()), op(2, 0, null, -1, tag(reply, 10)), op(1, 1, null, -1, tag(udp, 20))));
        write(root, "PipelineFuzzTest", "pipeline", "across-the-patch-then-config", cat(
                op(2, 0, null, -1, tag(tcp, 30)), op(5, 0, null, -1, tag(udp6, 30)),
                new byte[] {5, 4, 0, 1}, new byte[] {6, 2}, op(3, 1, null, 10, tcp), new byte[] {8, 0x75, 0x30},
                new byte[] {7, 0, 3}, new byte[] {9, 0, 0}, op(0, 0, null, -1, udp)));
        write(root, "PipelineFuzzTest", "pipeline", "gso-super-frame-to-all", cat(
                op(3, 0, vnet(1, 1, 54, 1000, 34, 16), -1, superTcp), op(0, 1, vnet(1, 0, 0, 0, 34, 6), -1, udp)));
        securityGroupSeeds(root, superTcp, udp);
    }

    /** A built-packet frame op of SecurityGroupFuzzTest: port, flags (4 = built), kind, MACs, IPs, ports, flags. */
    static byte[] sg(int port, int flags, int kind, int macs, int ips, int l4ports, int tcpFlagsOrType) {
        return new byte[] {0, (byte) port, (byte) (flags | 4), (byte) kind, (byte) macs, (byte) ips, (byte) l4ports,
            (byte) tcpFlagsOrType, 0};
    }

    /** A raw frame op of SecurityGroupFuzzTest: port, flags, [vnet], u16 length, frame. */
    static byte[] sgRaw(int port, int flags, byte[] vnet, byte[] frame) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(0);
        o.write(port);
        o.write(flags | (vnet != null ? 2 : 0));
        if (vnet != null) {
            o.writeBytes(vnet);
        }
        o.write(frame.length >> 8);
        o.write(frame.length);
        o.writeBytes(frame);
        return o.toByteArray();
    }

    /**
     * Programs for SecurityGroupFuzzTest (ports p0, p1 access VLAN 1, p2 and p3 trunks; MACs mac(i) =
     * 02:00:00:00:00:11+i, IPs 10.0.0.1, 10.0.0.2, 10.0.1.7, 192.168.1.1, 0.0.0.0; L4 ports 67, 68, 22, 80, 443,
     * 5000, 546, 547). Built packets: MACs byte = dst index + 8 * src index, IPs byte = src + 8 * dst (bit 7 clear and
     * flag 8: the port's own address), ports byte = src + 8 * dst.
     */
    static void securityGroupSeeds(Path root, byte[] superTcp, byte[] udp) throws IOException {
        byte[] on0 = {7, 0};
        byte[] allowed0 = {8, 0, 1, 0}; // p0 may use mac(1), 10.0.0.1, fd00::1
        byte[] egressTcp0 = {5, 0, 0, 1, 0, 0, 1, 0}; // acl/add p0 egress proto=tcp
        byte[] ingressSsh0 = {5, 0, 1, 1, 2, 2, 1, 1}; // acl/add p0 ingress proto=tcp port=22-22 remote=10.0.0.0/16
        write(root, "SecurityGroupFuzzTest", "securityGroups", "tcp-connection-reply-then-rule-deleted", cat(
                on0, allowed0, egressTcp0, ingressSsh0,
                sg(0, 8, 0, 2, 8, 5 | 3 << 3, 0x02), // p0 -> 10.0.0.2:80 SYN, opens
                sg(1, 0, 0, 1 | 2 << 3, 1, 3 | 5 << 3, 0x12), // the SYN-ACK from p1: established
                sg(1, 0, 0, 1 | 2 << 3, 1, 5 | 2 << 3, 0x02), // p1 -> p0:22 SYN: allowed by the ssh rule
                sg(1, 0, 0, 1 | 2 << 3, 1, 5 | 4 << 3, 0x02), // p1 -> p0:443 SYN: sg_ingress
                new byte[] {6, 0, 0}, // acl/del p0 (the egress rule): its connection ends
                sg(1, 1, 0, 1 | 2 << 3, 1, 3 | 5 << 3, 0x10), // the ACK, from the other thread: refused now
                new byte[] {7, 0}, sg(1, 0, 0, 1 | 2 << 3, 1, 3 | 5 << 3, 0x10))); // security off: passes
        byte[] on1 = {7, 1};
        byte[] allowed1 = {8, 1, 2, 1}; // p1 may use mac(2), 10.0.0.2, fd00::2
        write(root, "SecurityGroupFuzzTest", "securityGroups", "spoofing-arp-dhcp-server-router-advert", cat(
                on1, allowed1,
                sg(1, 0, 5, 5 | 3 << 3, 2, 0, 1), // ARP from another MAC: spoofed_mac
                sg(1, 8, 5, 5, 2, 0, 1), // ARP from its own MAC and IP: passes
                sg(1, 8, 5, 5, 0x80, 0, 2), // ARP reply claiming 192.168.1.1 (0x80 % 5 = 3): spoofed_arp
                sg(1, 8, 1, 5, 0, 0 | 1 << 3, 0), // UDP 67 -> 68 from the VM: dhcp_server
                sg(1, 8, 1, 5, 0x81, 1 | 0 << 3, 0), // DHCP request from 0.0.0.0 (0x81 % 5 = 4): passes
                sg(1, 8, 7, 5, 1, 0, 3), // ICMPv6 router advertisement: router_advert
                sg(1, 8, 2, 0, 0x84, 0, 1), // ICMP from 10.0.1.7 (0x84 % 5 = 2): spoofed_ip
                new byte[] {8, 1, 0, 0})); // allowed removed
        byte[] on2 = {7, 2};
        byte[] ingressIcmp2 = {5, 2, 1, 3, 0, 0, 2, 0}; // acl/add p2 ingress proto=icmp icmp_type=8
        write(root, "SecurityGroupFuzzTest", "securityGroups", "icmp-echo-other-thread-clock-expiry", cat(
                on2, ingressIcmp2,
                sg(0, 1, 2, 5, 1 | 2 << 3, 1, 0), // echo request 10.0.0.2 -> 10.0.1.7 broadcast from p0, on the other thread: to p2 allowed
                sg(2, 0, 2, 0 | 3 << 3, 2 | 1 << 3, 1, 1), // echo reply from p2 (its owner thread): established
                new byte[] {9, 0x17, 0x70}, // 60 s later: connections expire
                sg(2, 0, 2, 0 | 3 << 3, 2 | 1 << 3, 1, 1), // the reply again: sg_egress (no egress rule on p2)
                new byte[] {9, 0, 1}, // flush the MAC tables
                sg(0, 0, 2, 5, 1 | 2 << 3, 1, 0)));
        byte[] on3 = {7, 3};
        byte[] egressAll3 = {5, 3, 0, 0, 0, 0, 1, 0}; // acl/add p3 egress
        write(root, "SecurityGroupFuzzTest", "securityGroups", "gso-super-frame-through-filters", cat(
                on3, egressAll3, on2, ingressIcmp2, new byte[] {5, 2, 1, 1, 0, 0, 1, 0}, // p2: ingress tcp
                sgRaw(3, 0, vnet(1, 1, 54, 1000, 34, 16), superTcp), sgRaw(0, 1, vnet(1, 0, 0, 0, 34, 6), udp),
                new byte[] {7, 3}, new byte[] {7, 2}, new byte[] {9, 0, 1}, sgRaw(3, 0, null, udp)));
    }
}
