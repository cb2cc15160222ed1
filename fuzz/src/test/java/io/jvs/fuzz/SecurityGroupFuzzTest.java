package io.jvs.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import io.jvs.core.acl.AclRule;
import io.jvs.core.acl.PortAddresses;
import io.jvs.core.acl.PortFilter;
import io.jvs.core.bridge.Bridge;
import io.jvs.core.bridge.DropReason;
import io.jvs.core.bridge.FlowGeneration;
import io.jvs.core.bridge.Forwarder;
import io.jvs.core.bridge.MemoryPort;
import io.jvs.core.bridge.PortCounters;
import io.jvs.core.bridge.VlanConfig;
import io.jvs.core.packet.Ipv4Header;
import io.jvs.core.packet.MacAddress;
import io.jvs.core.packet.VirtioNetHeader;

import org.agrona.concurrent.UnsafeBuffer;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Security groups and port security in the forwarding pipeline. Three copies of one small switch (a bridge with four
 * MemoryPorts: two access ports of VLAN 1, two trunks of every VLAN, one taking offloads, one with MTU 9000) run a program read from the input: frames (raw bytes, or IPv4/IPv6/ARP packets built from a few input bytes
 * so that the fuzzer reaches connections and their answers quickly; with or without a virtio header; received by the
 * filters' owner thread or by another one) interleaved with configuration changes: {@code acl/add} (a rule built from
 * input bytes), {@code acl/del} (which ends the rule's connections), {@code security=on|off}, {@code allowed=}, the
 * clock (conntrack and MAC aging), MAC table flushes.
 *
 * <p>The copies: <b>cached</b> (flow cache, filters), <b>uncached</b> (no flow cache, the same filters) and
 * <b>plain</b> (flow cache, never any filter: it sees the frames and flushes, not the security changes).
 *
 * <p>Invariants: no exception escapes {@code Forwarder.receive}; the input port counts every frame (rx) and every
 * frame is sent somewhere or dropped with a counted reason; cached and uncached send the same frames in the same
 * order and agree on every counter, every rule's hits and every port's connections; a frame from a port whose
 * allowed MAC it does not carry leaves nowhere and counts {@code spoofed_mac}; and while no port has security on
 * (since the MAC tables were last flushed with no filter attached), cached sends exactly what plain sends.
 *
 * <p>Program: ops, a byte each (mod 10) and its arguments: 0-4 frame (port, flags: 1 other thread, 2 virtio header,
 * 4 built packet, 8 from the port's allowed addresses; raw: u16 length then the bytes; built: kind, MACs, IPs,
 * ports, TCP flags or ICMP type, a tail); 5 acl/add (port, direction/family, protocol, ports, ICMP type, remote);
 * 6 acl/del (port, index); 7 security on/off (port); 8 allowed= (port, MAC or none, IP); 9 clock (u16 x 10 ms; odd:
 * flush the MAC tables instead).
 */
class SecurityGroupFuzzTest {
    private static final int MAX_OPS = 96;
    private static final int PORTS = 4;
    static final int[] IPS = {0x0a00_0001, 0x0a00_0002, 0x0a00_0107, 0xc0a8_0101, 0};
    static final long[] IP6_LO = {1, 2, 3, 0x0200_00ff_fe00_0011L};
    static final int[] L4_PORTS = {67, 68, 22, 80, 443, 5000, 546, 547};
    static final int[] PROTOS = {-1, 6, 17, 1, 47};
    static final String[] PREFIXES4 = {"10.0.0.0/24", "10.0.0.0/16", "10.0.1.7/32", "192.168.0.0/16", "0.0.0.0/0"};
    static final String[] PREFIXES6 = {"fd00::/16", "fd00::/64", "fd00::2/128", "::/0"};
    /**
     * The forwarders outlive an input (building them is most of an input's cost): their flow caches key on the port
     * objects, which are new for every input, so nothing cached before can hit. Cached copy: thread 0 (the filters'
     * owner) and 1; uncached: 0 and 1; plain: 0 and 1. A small cache, so that entries are also evicted.
     */
    private static final Forwarder[] FORWARDERS = {new Forwarder(0, 64), new Forwarder(1, 64), new Forwarder(0, 0),
        new Forwarder(1, 0), new Forwarder(0, 64), new Forwarder(1, 64)};
    private static final UnsafeBuffer BUF = new UnsafeBuffer(ByteBuffer.allocateDirect(Forwarder.HEADROOM + 10 + 70_000));

    /** One copy of the switch. */
    static final class World {
        final String name;
        final Bridge bridge;
        final MemoryPort[] ports = new MemoryPort[PORTS];
        final Forwarder owner;
        final Forwarder other;
        final boolean security;
        final List<List<AclRule>> rules = new ArrayList<>();
        final PortAddresses[] allowed = new PortAddresses[PORTS];
        final List<Runnable> ownerTasks = new ArrayList<>(); // the owner thread's event loop
        long now = 1_000_000_000L;

        World(String name, int copy, boolean security) {
            this.name = name;
            this.security = security;
            bridge = new Bridge("br0", new FlowGeneration(), 64, Bridge.DEFAULT_AGING_NS); // small: learn_full too
            bridge.setOwner(0, Runnable::run, () -> now);
            // every VLAN a port admits is carried by another port: a frame always has an output or a drop reason
            VlanConfig[] vlans = {VlanConfig.access(1), VlanConfig.access(1), VlanConfig.TRUNK_ALL, VlanConfig.TRUNK_ALL};
            for (int i = 0; i < PORTS; i++) {
                ports[i] = new MemoryPort("p" + i, 2);
                ports[i].setVlan(vlans[i]);
                bridge.addPort(ports[i]);
                rules.add(new ArrayList<>());
            }
            ports[2].setAcceptsOffloads(true);
            ports[3].setMtu(9000);
            owner = FORWARDERS[2 * copy];
            other = FORWARDERS[2 * copy + 1];
        }

        void runOwnerTasks() {
            for (Runnable t : List.copyOf(ownerTasks)) {
                t.run();
            }
            ownerTasks.clear();
        }

        boolean filtering() {
            for (MemoryPort p : ports) {
                if (p.filter() != null) {
                    return true;
                }
            }
            return false;
        }

        void setSecurity(int i, boolean on) {
            if (on && ports[i].filter() == null) {
                PortFilter f = new PortFilter(ports[i].name(), 2, 64);
                f.setOwner(0, ownerTasks::add, () -> now);
                f.setRules(rules.get(i));
                f.setAllowed(allowed[i]);
                ports[i].setFilter(f);
            } else if (!on) {
                ports[i].setFilter(null);
            }
        }

        long accounted() {
            long n = 0;
            for (MemoryPort p : ports) {
                PortCounters c = p.counters();
                n += c.get(PortCounters.TX_PACKETS) + c.get(PortCounters.TX_DROPPED) + c.get(PortCounters.TX_ERRORS)
                        + c.totalDrops();
            }
            return n;
        }

        /** Every counter of every port, every rule's hits, every port's connections, in a fixed order. */
        List<Long> state() {
            List<Long> s = new ArrayList<>();
            for (int i = 0; i < PORTS; i++) {
                PortCounters c = ports[i].counters();
                for (int k = 0; k < 6; k++) {
                    s.add(c.get(k));
                }
                for (DropReason r : DropReason.values()) {
                    s.add(c.drops(r));
                }
                for (AclRule r : rules.get(i)) {
                    s.add(r.hits());
                }
                PortFilter f = ports[i].filter();
                s.add(f == null ? -1L : f.conntrack().size());
            }
            return s;
        }
    }

    @FuzzTest
    void securityGroups(byte[] data) {
        run(new Bytes(data));
    }

    static void run(Bytes in) {
        World cached = new World("cached", 0, true);
        World uncached = new World("uncached", 1, true);
        World plain = new World("plain", 2, false);
        List<World> filtered = List.of(cached, uncached);
        List<World> all = List.of(cached, uncached, plain);
        boolean diverged = false; // plain's MAC table may differ from cached's since a filter refused a frame
        int ruleSerial = 0;
        for (int ops = 0; ops < MAX_OPS && in.more(); ops++) {
            for (World w : all) {
                w.runOwnerTasks();
            }
            int op = in.u8() % 10;
            switch (op) {
                case 5 -> {
                    int port = in.u8() % PORTS;
                    String text = rule(in) + " id=f" + ++ruleSerial;
                    for (World w : filtered) {
                        w.rules.get(port).add(AclRule.parse(text, 2));
                        if (w.ports[port].filter() != null) {
                            w.ports[port].filter().setRules(w.rules.get(port));
                        }
                    }
                }
                case 6 -> {
                    int port = in.u8() % PORTS;
                    int k = in.u8();
                    for (World w : filtered) {
                        List<AclRule> list = w.rules.get(port);
                        if (!list.isEmpty()) {
                            AclRule gone = list.remove(k % list.size());
                            PortFilter f = w.ports[port].filter();
                            if (f != null) {
                                f.setRules(list);
                                f.endConnections(gone);
                            }
                        }
                    }
                }
                case 7 -> {
                    int port = in.u8() % PORTS;
                    boolean on = cached.ports[port].filter() == null;
                    for (World w : filtered) {
                        w.setSecurity(port, on);
                    }
                }
                case 8 -> {
                    int port = in.u8() % PORTS;
                    int mac = in.u8();
                    int ip = in.u8();
                    PortAddresses a = mac % 4 == 0 ? null : PortAddresses.parse(MacAddress.format(mac(mac % 5))
                            + "," + Ipv4Header.formatAddress(IPS[ip % (IPS.length - 1)]) + ",fd00::" + (1 + ip % 3));
                    for (World w : filtered) {
                        w.allowed[port] = a;
                        if (w.ports[port].filter() != null) {
                            w.ports[port].filter().setAllowed(a);
                        }
                    }
                }
                case 9 -> {
                    int t = in.u16();
                    if ((t & 1) != 0) {
                        for (World w : all) {
                            w.bridge.macTable().flush();
                        }
                        diverged &= cached.filtering();
                    } else {
                        for (World w : all) {
                            w.now += t * 10_000_000L;
                            w.bridge.macTable().expire(w.now);
                            for (MemoryPort p : w.ports) {
                                if (p.filter() != null) {
                                    p.filter().poll(w.now);
                                }
                            }
                        }
                    }
                }
                default -> {
                    diverged |= cached.filtering();
                    frame(in, all, !diverged);
                }
            }
            assertEquals(uncached.state(), cached.state(), "counters, rule hits or connections after op " + ops);
        }
    }

    static long mac(int i) {
        return i >= 5 ? 0xffff_ffff_ffffL : 0x02_00_00_00_00_11L + i;
    }

    /** A rule's CLI text from input bytes: direction, family, protocol, ports, ICMP type, remote. */
    static String rule(Bytes in) {
        int a = in.u8();
        boolean v6 = (a & 2) != 0;
        StringBuilder b = new StringBuilder((a & 1) != 0 ? "ingress" : "egress").append(v6 ? " ethertype=ipv6" : "");
        int proto = PROTOS[in.u8() % PROTOS.length];
        int p1 = in.u8();
        int p2 = in.u8();
        int icmp = in.u8();
        int remote = in.u8();
        if (proto >= 0) {
            b.append(" proto=").append(proto == 6 ? "tcp" : proto == 17 ? "udp" : proto == 1 ? "icmp" : "47");
        }
        if ((proto == 6 || proto == 17) && p1 % 3 != 0) {
            int lo = L4_PORTS[p1 % L4_PORTS.length];
            int hi = Math.max(lo, L4_PORTS[p2 % L4_PORTS.length]);
            b.append(" port=").append(lo).append('-').append(hi);
        }
        if (proto == 1 && icmp % 2 == 0) {
            b.append(" icmp_type=").append(new int[] {0, 8, 3, 11, 128, 129, 135}[icmp / 2 % 7]);
        }
        if (remote % 3 != 0) {
            b.append(" remote=").append(v6 ? PREFIXES6[remote % PREFIXES6.length] : PREFIXES4[remote % PREFIXES4.length]);
        }
        return b.toString();
    }

    /** A packet built from a few input bytes: IPv4 TCP/UDP/ICMP/other, ARP, IPv6 UDP/TCP/ICMPv6; then a tail. */
    static byte[] built(Bytes in, PortAddresses own) {
        int kind = in.u8() % 8;
        int macs = in.u8();
        int ips = in.u8();
        int l4ports = in.u8();
        int flags = in.u8();
        byte[] tail = in.take(in.u8() % 24);
        long dst = mac(macs % 6);
        long src = own != null ? own.mac : mac((macs >>> 3) % 5);
        int sip = own != null && (ips & 0x80) == 0 ? IPS[0] : IPS[ips % IPS.length];
        if (own != null && (ips & 0x80) == 0) {
            for (int ip : IPS) {
                if (own.hasV4(ip)) {
                    sip = ip;
                }
            }
        }
        int dip = IPS[(ips >>> 3) % IPS.length];
        int sp = L4_PORTS[l4ports % L4_PORTS.length];
        int dp = L4_PORTS[(l4ports >>> 3) % L4_PORTS.length];
        ByteBuffer b = ByteBuffer.allocate(14 + 40 + 28 + tail.length);
        b.putShort((short) (dst >>> 32)).putInt((int) dst).putShort((short) (src >>> 32)).putInt((int) src);
        switch (kind) {
            case 5 -> { // ARP
                b.putShort((short) 0x0806).putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4)
                        .putShort((short) (1 + flags % 2)).putShort((short) (src >>> 32)).putInt((int) src).putInt(sip)
                        .putShort((short) 0).putInt(0).putInt(dip);
            }
            case 6, 7 -> { // IPv6: UDP / TCP, or ICMPv6 of the type in flags
                int next = kind == 6 ? (flags % 2 == 0 ? 17 : 6) : 58;
                int l4 = next == 6 ? 20 : 8;
                b.putShort((short) 0x86dd).putInt(0x6000_0000).putShort((short) (l4 + tail.length)).put((byte) next)
                        .put((byte) 64).putLong(0xfd00_0000_0000_0000L).putLong(IP6_LO[ips % IP6_LO.length])
                        .putLong(0xfd00_0000_0000_0000L).putLong(IP6_LO[(ips >>> 3) % IP6_LO.length]);
                l4(b, next == 58 ? 1 : next, sp, dp, next == 58 ? new int[] {128, 129, 133, 134, 135, 136, 1, 143}[flags % 8]
                        : flags);
            }
            default -> { // IPv4
                int proto = new int[] {6, 17, 1, 47, 6}[kind];
                int l4 = proto == 6 ? 20 : 8;
                b.putShort((short) 0x0800).put((byte) 0x45).put((byte) 0).putShort((short) (20 + l4 + tail.length))
                        .putShort((short) 1).putShort((short) ((flags & 0xc0) == 0xc0 ? 0x2000 : 0)).put((byte) 64)
                        .put((byte) proto).putShort((short) 0).putInt(sip).putInt(dip);
                l4(b, proto, sp, dp, proto == 1 ? new int[] {8, 0, 3, 11, 13}[flags % 5] : flags);
            }
        }
        b.put(tail);
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    private static void l4(ByteBuffer b, int proto, int sp, int dp, int flagsOrType) {
        switch (proto) {
            case 6 -> b.putShort((short) sp).putShort((short) dp).putInt(1).putInt(0).put((byte) 0x50)
                    .put((byte) flagsOrType).putShort((short) 1000).putInt(0);
            case 17 -> b.putShort((short) sp).putShort((short) dp).putShort((short) 8).putShort((short) 0);
            case 1 -> b.put((byte) flagsOrType).put((byte) 0).putShort((short) 0).putShort((short) sp).putShort((short) 1);
            default -> b.putLong(0x0102_0304_0506_0708L);
        }
    }

    static void frame(Bytes in, List<World> all, boolean comparePlain) {
        World cached = all.get(0);
        int port = in.u8() % PORTS;
        int flags = in.u8();
        byte[] vnet = (flags & 2) != 0 ? in.take(VirtioNetHeader.LENGTH) : new byte[0];
        PortAddresses own = (flags & 8) != 0 ? cached.allowed[port] : null;
        byte[] frame = (flags & 4) != 0 ? built(in, own) : in.take(in.u16() % 1600);
        String what = "frame on p" + port + " flags " + flags + " vnet " + HexFormat.of().formatHex(vnet) + ": "
                + HexFormat.of().formatHex(frame);
        PortFilter f = cached.ports[port].filter();
        boolean spoofed = f != null && f.allowed() != null && frame.length >= 12
                && ((frame[6] & 0xffL) << 40 | (frame[7] & 0xffL) << 32 | (frame[8] & 0xffL) << 24
                        | (frame[9] & 0xffL) << 16 | (frame[10] & 0xffL) << 8 | (frame[11] & 0xffL)) != f.allowed().mac;
        List<List<byte[]>> outputs = new ArrayList<>();
        for (World w : all) {
            MemoryPort p = w.ports[port];
            long rx = p.counters().get(PortCounters.RX_PACKETS);
            long before = w.accounted();
            long spoofedBefore = p.counters().drops(DropReason.SPOOFED_MAC);
            BUF.setMemory(Forwarder.HEADROOM, VirtioNetHeader.LENGTH, (byte) 0);
            BUF.putBytes(Forwarder.HEADROOM, vnet);
            BUF.putBytes(Forwarder.HEADROOM + VirtioNetHeader.LENGTH, frame);
            Forwarder fwd = (flags & 1) != 0 ? w.other : w.owner;
            try {
                fwd.receive(p, BUF, Forwarder.HEADROOM, VirtioNetHeader.LENGTH + frame.length, -1, w.now);
                fwd.flush();
            } catch (Throwable t) {
                throw new AssertionError(t + " escaped Forwarder.receive (" + w.name + "): " + what, t);
            }
            assertEquals(rx + 1, p.counters().get(PortCounters.RX_PACKETS), w.name + " rx_packets: " + what);
            assertTrue(w.accounted() > before, w.name + ": neither sent nor dropped with a reason: " + what);
            List<byte[]> out = new ArrayList<>();
            for (MemoryPort o : w.ports) {
                List<byte[]> headers = o.headers();
                List<byte[]> frames = o.drain();
                for (int i = 0; i < frames.size(); i++) {
                    // the port it left on, its virtio header, the frame
                    out.add(ByteBuffer.allocate(1 + 10 + frames.get(i).length).put((byte) o.name().charAt(1))
                            .put(headers.get(i)).put(frames.get(i)).array());
                }
            }
            if (w == cached && spoofed) {
                assertEquals(0, out.size(), "a frame with a MAC its port may not use left: " + what);
                if (java.util.Arrays.equals(vnet, new byte[vnet.length]) && frame.length >= 18 && frame.length <= 1514) {
                    // it reached the filter (no offload checks, no runt or truncated tag before it)
                    assertEquals(spoofedBefore + 1, p.counters().drops(DropReason.SPOOFED_MAC), "spoofed_mac: " + what);
                }
            }
            outputs.add(out);
        }
        for (int k = 1; k < (comparePlain ? 3 : 2); k++) {
            List<byte[]> a = outputs.get(0);
            List<byte[]> b = outputs.get(k);
            assertEquals(b.size(), a.size(), "frames out, cached vs " + all.get(k).name + ": " + what);
            for (int i = 0; i < a.size(); i++) {
                assertArrayEquals(b.get(i), a.get(i), "frame " + i + ", cached vs " + all.get(k).name + ": " + what);
            }
        }
    }
}
