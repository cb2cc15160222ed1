package io.jvs.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.jvs.core.acl.AclRule;
import io.jvs.core.acl.PortAddresses;
import io.jvs.core.acl.PortFilter;
import io.jvs.core.bridge.Bridge;
import io.jvs.core.bridge.BridgePort;
import io.jvs.core.bridge.DropReason;
import io.jvs.core.bridge.FlowCache;
import io.jvs.core.bridge.FlowGeneration;
import io.jvs.core.bridge.Forwarder;
import io.jvs.core.bridge.MemoryPort;
import io.jvs.core.bridge.PatchPort;
import io.jvs.core.bridge.PortCounters;
import io.jvs.core.bridge.VlanConfig;

import org.agrona.concurrent.UnsafeBuffer;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Differential test: random topologies and random operations (frames, VLAN changes, ports up and down, FDB flushes,
 * aging) go through the real {@link Forwarder}, with its flow cache, and through the {@link ReferenceSwitch}; every
 * host port must send the same frames in the same order after every operation, and every counter and MAC table must
 * agree at the end. Operations and topologies are structured values, so a failure shrinks to a short list of them.
 */
class ForwardingModelProperties {

    // ---- the generated values ------------------------------------------------------------------------------------

    /** Host ports of one bridge; some stand for tunnels to other hosts (split horizon between them). */
    record BridgeSpec(List<Integer> hostModes, List<Integer> hostMtus, List<Boolean> hostTunnels, int capacity) {
    }

    record PatchSpec(int bridgeA, int bridgeB, int modeA, int modeB, boolean dangling) {
    }

    record Topology(List<BridgeSpec> bridges, List<PatchSpec> patches) {
    }

    sealed interface Op permits Send, SetVlan, Toggle, Flush, Advance, SendIp, Reply, SendOwnArp, Security, Allowed,
            AclAdd, AclDel {
    }

    record Send(int port, FrameSpec frame) implements Op {
    }

    record SetVlan(int port, int mode) implements Op {
    }

    record Toggle(int port) implements Op {
    }

    record Flush(int bridge) implements Op {
    }

    record Advance(int ns) implements Op {
    }

    sealed interface FrameSpec permits Valid, Cut, Garbage, Ip, Arp {
        byte[] bytes();
    }

    /** A well-formed frame: MACs from a small pool, an optional 802.1Q tag, an ethertype and a payload. */
    record Valid(int dst, int src, int vid, int pcp, int etherType, int payloadLength) implements FrameSpec {
        public byte[] bytes() {
            ByteBuffer b = ByteBuffer.allocate(14 + (vid >= 0 ? 4 : 0) + payloadLength);
            long d = mac(dst);
            long s = mac(src);
            b.putShort((short) (d >>> 32)).putInt((int) d).putShort((short) (s >>> 32)).putInt((int) s);
            if (vid >= 0) {
                b.putShort((short) 0x8100).putShort((short) (pcp << 13 | vid));
            }
            b.putShort((short) etherType);
            for (int i = 0; b.hasRemaining(); i++) {
                b.put((byte) (i * 7 + 3));
            }
            return b.array();
        }
    }

    /** A valid frame cut short. */
    record Cut(Valid frame, int at) implements FrameSpec {
        public byte[] bytes() {
            byte[] f = frame.bytes();
            return java.util.Arrays.copyOf(f, at % (f.length + 1));
        }
    }

    record Garbage(byte[] raw) implements FrameSpec {
        public byte[] bytes() {
            return raw.clone();
        }

        @Override
        public String toString() {
            return "Garbage[" + ReferenceSwitch.hex(raw) + "]";
        }
    }

    // ---- security groups: IPv4 packets, ARP, replies, ICMP errors and configuration changes ----

    /**
     * An IPv4 packet from a VM; {@code own}: from a port with security on (when there is one), and from its allowed
     * addresses when it has some.
     */
    record SendIp(int port, Ip ip, boolean own) implements Op {
    }

    /**
     * About one of the last four IP packets sent ({@code k}), from port {@code port}: {@code kind} 0 its answer
     * (addresses and ports swapped: an echo reply, a SYN-ACK or ACK, the UDP reply), 1 an ICMP error of
     * {@code errorType} (3 or 11) quoting it, 2 the same packet again.
     */
    record Reply(int port, int k, int kind, int errorType) implements Op {
    }

    /**
     * ARP from a port with security on (when there is one), from its allowed MAC when it has one (source and sender
     * MAC); the sender IP is the generated one, so allowed or not.
     */
    record SendOwnArp(int port, Arp arp) implements Op {
    }

    record Security(int port, boolean on) implements Op {
    }

    /** Port security: {@code mac} < 0 for none enforced, else MAC {@code mac} with IPv4 address {@code ip}. */
    record Allowed(int port, int mac, int ip) implements Op {
    }

    record AclAdd(int port, RuleSpec rule) implements Op {
    }

    record AclDel(int port, int k) implements Op {
    }

    record RuleSpec(boolean ingress, int proto, int portMin, int portMax, int icmpType, int remote) {
    }

    static final int[] IPS = {ip(10, 0, 0, 1), ip(10, 0, 0, 2), ip(10, 0, 1, 7), ip(192, 168, 1, 1), 0,
        ip(10, 0, 0, 3)};
    static final int[] L4_PORTS = {67, 68, 22, 80, 1024, 5000};
    static final int[] PROTOS = {6, 17, 1, 47};

    static int ip(int a, int b, int c, int d) {
        return a << 24 | b << 16 | c << 8 | d;
    }

    /** Ethernet addresses and the IPv4 header's fields that matter; MACs as in {@link Valid}, IPs index IPS. */
    record Addrs(int dst, int src, int vid, int srcIp, int dstIp, int fragment) {
    }

    /**
     * L4: protocol, ports (indexes into L4_PORTS; the ICMP echo identifier is the source port), TCP flags or the
     * ICMP type, and {@code cut}: 0 for the whole header, else the L4 bytes kept (a truncated packet).
     */
    record L4(int proto, int srcPort, int dstPort, int flagsOrType, int cut) {
    }

    /** A well-formed IPv4 packet (unless cut), or, with {@code quoted} set, an ICMP error quoting that packet. */
    record Ip(Addrs a, L4 l4, Ip quoted) implements FrameSpec {
        public byte[] bytes() {
            byte[] l4bytes = quoted != null ? icmpError() : l4Bytes();
            if (l4.cut() > 0 && quoted == null) {
                l4bytes = java.util.Arrays.copyOf(l4bytes, Math.min(l4.cut(), l4bytes.length));
            }
            ByteBuffer b = ByteBuffer.allocate(14 + (a.vid() >= 0 ? 4 : 0) + 20 + l4bytes.length);
            long d = mac(a.dst());
            long s = mac(a.src());
            b.putShort((short) (d >>> 32)).putInt((int) d).putShort((short) (s >>> 32)).putInt((int) s);
            if (a.vid() >= 0) {
                b.putShort((short) 0x8100).putShort((short) a.vid());
            }
            b.putShort((short) 0x0800);
            header(b, quoted != null ? 1 : l4.proto(), 20 + l4bytes.length, a.fragment(), IPS[a.srcIp()],
                    IPS[a.dstIp()]);
            return b.put(l4bytes).array();
        }

        static void header(ByteBuffer b, int proto, int totalLength, int fragment, int src, int dst) {
            b.put((byte) 0x45).put((byte) 0).putShort((short) totalLength).putShort((short) 7)
                    .putShort((short) fragment).put((byte) 64).put((byte) proto).putShort((short) 0).putInt(src)
                    .putInt(dst);
        }

        byte[] l4Bytes() {
            int sp = L4_PORTS[l4.srcPort()];
            int dp = L4_PORTS[l4.dstPort()];
            ByteBuffer b = ByteBuffer.allocate(l4.proto() == 6 ? 20 : 8);
            switch (l4.proto()) {
                case 6 -> b.putShort((short) sp).putShort((short) dp).putInt(1).putInt(0).put((byte) 0x50)
                        .put((byte) l4.flagsOrType()).putShort((short) 1000).putInt(0);
                case 17 -> b.putShort((short) sp).putShort((short) dp).putShort((short) 8).putShort((short) 0);
                case 1 -> b.put((byte) l4.flagsOrType()).put((byte) 0).putShort((short) 0).putShort((short) sp)
                        .putShort((short) 1);
                default -> b.putLong(0x0102_0304_0506_0708L);
            }
            return b.array();
        }

        /** ICMP type flagsOrType, code 0, then the quoted packet's IP header and 8 bytes of its L4. */
        byte[] icmpError() {
            byte[] inner = quoted.l4Bytes();
            ByteBuffer b = ByteBuffer.allocate(8 + 20 + 8);
            b.put((byte) l4.flagsOrType()).put((byte) 0).putShort((short) 0).putInt(0);
            header(b, quoted.l4.proto(), 20 + inner.length, 0,
                    IPS[quoted.a.srcIp()], IPS[quoted.a.dstIp()]);
            return b.put(inner, 0, 8).array();
        }

        /** The answer: addresses and ports swapped; an echo request answered by a reply, a SYN by a SYN-ACK. */
        Ip reverse() {
            int answer = switch (l4.proto()) {
                case 6 -> (l4.flagsOrType() & 0x02) != 0 && (l4.flagsOrType() & 0x10) == 0 ? 0x12 : 0x10;
                case 1 -> l4.flagsOrType() == 8 ? 0 : l4.flagsOrType();
                default -> l4.flagsOrType();
            };
            return new Ip(new Addrs(a.src(), a.dst(), a.vid(), a.dstIp(), a.srcIp(), 0),
                    new L4(l4.proto(), l4.dstPort(), l4.srcPort(), answer, 0), null);
        }

        Ip from(long srcMac, int srcIpIndex) {
            return new Ip(new Addrs(a.dst(), (int) srcMac, a.vid(), srcIpIndex, a.dstIp(), a.fragment()), l4, quoted);
        }
    }

    /** ARP (request or reply) with sender MAC and IP from the pools; {@code cut} > 0 keeps that many ARP bytes. */
    record Arp(int dst, int src, int vid, int op, int senderMac, int senderIp, int cut) implements FrameSpec {
        public byte[] bytes() {
            ByteBuffer b = ByteBuffer.allocate(14 + (vid >= 0 ? 4 : 0) + 28);
            long d = mac(dst);
            long s = mac(src);
            b.putShort((short) (d >>> 32)).putInt((int) d).putShort((short) (s >>> 32)).putInt((int) s);
            if (vid >= 0) {
                b.putShort((short) 0x8100).putShort((short) vid);
            }
            long sha = mac(senderMac);
            b.putShort((short) 0x0806).putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4)
                    .putShort((short) op).putShort((short) (sha >>> 32)).putInt((int) sha).putInt(IPS[senderIp])
                    .putShort((short) 0).putInt(0).putInt(IPS[0]);
            byte[] f = b.array();
            return cut > 0 ? java.util.Arrays.copyOf(f, f.length - 28 + Math.min(cut, 28)) : f;
        }
    }

    static final int MACS = 6;

    /** 0..5 unicast, 6 broadcast, 7 an IPv4 multicast group. */
    static long mac(int i) {
        if (i == MACS) {
            return 0xffff_ffff_ffffL;
        }
        if (i > MACS) {
            return 0x01_00_5e_00_00_01L;
        }
        return 0x02_00_00_00_00_10L + i;
    }

    static final int MODES = 7;

    static VlanConfig realMode(int m) {
        return switch (m) {
            case 0 -> VlanConfig.access(1);
            case 1 -> VlanConfig.access(2);
            case 2 -> VlanConfig.trunk(1, 2);
            case 3 -> VlanConfig.trunk(2, 3);
            case 4 -> VlanConfig.access(4094);
            default -> VlanConfig.TRUNK_ALL;
        };
    }

    static VlanMode modelMode(int m) {
        return switch (m) {
            case 0 -> VlanMode.access(1);
            case 1 -> VlanMode.access(2);
            case 2 -> VlanMode.trunk(1, 2);
            case 3 -> VlanMode.trunk(2, 3);
            case 4 -> VlanMode.access(4094);
            default -> VlanMode.trunkAll();
        };
    }

    static final int[] MTUS = {1500, 1500, 100, 60};

    @Provide
    Arbitrary<Topology> topologies() {
        Arbitrary<Integer> mode = Arbitraries.integers().between(0, MODES - 1);
        Arbitrary<BridgeSpec> bridge = Arbitraries.integers().between(2, 5).flatMap(n -> Combinators.combine(
                mode.list().ofSize(n),
                Arbitraries.integers().between(0, MTUS.length - 1).list().ofSize(n),
                Arbitraries.integers().between(0, 2).map(i -> i == 0).list().ofSize(n),
                Arbitraries.integers().between(1, 8)).as(BridgeSpec::new));
        Arbitrary<PatchSpec> patch = Combinators.combine(
                Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, 2), mode, mode,
                Arbitraries.integers().between(0, 9).map(i -> i == 0)).as(PatchSpec::new);
        return Combinators.combine(bridge.list().ofMinSize(1).ofMaxSize(3), patch.list().ofMaxSize(4))
                .as(Topology::new);
    }

    @Provide
    Arbitrary<List<Op>> operations() {
        return ops(false);
    }

    /** The same, plus IPv4 packets, ARP, replies and ICMP errors, and security-group changes on host ports. */
    @Provide
    Arbitrary<List<Op>> operationsWithSecurity() {
        return ops(true);
    }

    /** Topologies where frames mostly reach each other: VLAN 1 or all, MTU 1500, rarely a tunnel, a patch or none. */
    @Provide
    Arbitrary<Topology> securityTopologies() {
        Arbitrary<Integer> mode = Arbitraries.of(0, 0, 5, 6, 2);
        Arbitrary<BridgeSpec> bridge = Arbitraries.integers().between(2, 4).flatMap(n -> Combinators.combine(
                mode.list().ofSize(n), Arbitraries.just(0).list().ofSize(n),
                Arbitraries.integers().between(0, 5).map(i -> i == 0).list().ofSize(n),
                Arbitraries.integers().between(4, 8)).as(BridgeSpec::new));
        Arbitrary<PatchSpec> patch = Combinators.combine(Arbitraries.just(0), Arbitraries.just(1), mode, mode,
                Arbitraries.just(false)).as(PatchSpec::new);
        return Combinators.combine(bridge.list().ofMinSize(1).ofMaxSize(2), patch.list().ofMaxSize(1))
                .as(Topology::new);
    }

    /**
     * Security turned on for some host ports, with addresses and rules, before the operations run. It starts as a
     * cloud does, so that connections open and answers come back: port p lets everything out (Neutron's default
     * group), port q lets everything in; then random changes follow.
     */
    @Provide
    Arbitrary<List<Op>> securitySetups() {
        Arbitrary<Integer> any = Arbitraries.integers().between(0, 63);
        Arbitrary<Op> op = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(2, any.map(p -> new Security(p, true))),
                net.jqwik.api.Tuple.of(1, Combinators.combine(any, Arbitraries.integers().between(-1, MACS - 1),
                        Arbitraries.of(0, 1, 2, 3, 5)).as(Allowed::new)),
                net.jqwik.api.Tuple.of(4, Combinators.combine(any, rules()).as(AclAdd::new)));
        return Combinators.combine(any, any, op.list().ofMaxSize(14)).as((p, q, rest) -> {
            List<Op> all = new ArrayList<>(List.of(new Security(p, true),
                    new AclAdd(p, new RuleSpec(false, -1, -1, 0, -1, -1)), new Security(q, true),
                    new AclAdd(q, new RuleSpec(true, -1, -1, 0, -1, -1))));
            all.addAll(rest);
            return all;
        });
    }

    /** Rules that often match: most fields left out, remote often 0.0.0.0/0 or 10.0.0.0/16. */
    static Arbitrary<RuleSpec> rules() {
        return Combinators.combine(Arbitraries.of(true, false),
                Arbitraries.of(-1, -1, -1, 6, 17, 1, 47), Arbitraries.of(-1, -1, -1, -1, 0, 1, 2, 3, 4, 5),
                Arbitraries.integers().between(0, L4_PORTS.length - 1), Arbitraries.of(-1, -1, -1, 0, 8, 3, 11),
                Arbitraries.of(-1, -1, -1, 4, 1, 0, 2, 3)).as(RuleSpec::new);
    }

    static Arbitrary<Ip> ips() {
        Arbitrary<Integer> macIndex = Arbitraries.integers().between(0, MACS + 1);
        Arbitrary<Integer> ipIndex = Arbitraries.integers().between(0, IPS.length - 1);
        Arbitrary<Addrs> addrs = Combinators.combine(macIndex, macIndex, Arbitraries.of(-1, -1, -1, -1, 0, 1, 2),
                ipIndex, ipIndex, Arbitraries.of(0, 0, 0, 0, 0, 0, 0, 0x4000, 0x2000, 0x0010)).as(Addrs::new);
        Arbitrary<Integer> portIndex = Arbitraries.integers().between(0, L4_PORTS.length - 1);
        Arbitrary<L4> l4 = Combinators.combine(Arbitraries.of(6, 17, 1, 47), portIndex, portIndex,
                Arbitraries.of(0x02, 0x02, 0x02, 0x12, 0x10, 0x11, 0x04, 0x00, 0x03, 0, 8, 8, 8, 3, 11, 13),
                Arbitraries.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 10, 19)).as(L4::new);
        // DHCP: a client's request (68 -> 67) or a server's reply (67 -> 68); L4_PORTS[0] = 67, [1] = 68
        Arbitrary<L4> dhcp = Arbitraries.of(true, false).map(request -> new L4(17, request ? 1 : 0, request ? 0 : 1,
                0, 0));
        return Combinators.combine(addrs, Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(8, l4),
                net.jqwik.api.Tuple.of(1, dhcp))).as((a, l) -> new Ip(a, l, null));
    }

    static Arbitrary<List<Op>> ops(boolean security) {
        Arbitrary<Integer> any = Arbitraries.integers().between(0, 63);
        Arbitrary<Valid> valid = Combinators.combine(
                Arbitraries.integers().between(0, MACS + 1),
                Arbitraries.integers().between(0, MACS + 1),
                Arbitraries.of(-1, -1, -1, 0, 1, 2, 3, 5, 4094, 4095),
                Arbitraries.integers().between(0, 7),
                Arbitraries.of(0x0800, 0x0806, 0x86dd, 0x88a8, 0x8100, 0x0000, 0xffff),
                Arbitraries.frequencyOf(
                        net.jqwik.api.Tuple.of(8, Arbitraries.integers().between(0, 60)),
                        net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(1480, 1530))))
                .as(Valid::new);
        Arbitrary<FrameSpec> frame = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, valid),
                net.jqwik.api.Tuple.of(1, Combinators.combine(valid, Arbitraries.integers().between(0, 1600))
                        .as(Cut::new)),
                net.jqwik.api.Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(40)
                        .map(Garbage::new)));
        if (security) {
            Arbitrary<Integer> macIndex = Arbitraries.integers().between(0, MACS + 1);
            Arbitrary<Integer> vid = Arbitraries.of(-1, -1, -1, 1, 2);
            Arbitrary<FrameSpec> arp = Combinators.combine(macIndex, macIndex, vid, Arbitraries.of(1, 2),
                    Arbitraries.integers().between(0, MACS - 1), Arbitraries.integers().between(0, IPS.length - 1),
                    Arbitraries.of(0, 0, 0, 0, 20)).as(Arp::new);
            Arbitrary<FrameSpec> mixed = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, frame),
                    net.jqwik.api.Tuple.of(2, arp));
            Arbitrary<RuleSpec> rule = rules();
            Arbitrary<Op> op = Arbitraries.frequencyOf(
                    net.jqwik.api.Tuple.of(4, Combinators.combine(any, mixed).as(Send::new)),
                    net.jqwik.api.Tuple.of(8, Combinators.combine(any, ips(), Arbitraries.of(true, true, true, false))
                            .as(SendIp::new)),
                    net.jqwik.api.Tuple.of(8, Combinators.combine(any, any, Arbitraries.of(0, 1, 1, 2),
                            Arbitraries.of(3, 11)).as(Reply::new)),
                    net.jqwik.api.Tuple.of(2, Combinators.combine(any, arp.map(a -> (Arp) a)).as(SendOwnArp::new)),
                    net.jqwik.api.Tuple.of(1, Combinators.combine(any, Arbitraries.integers().between(0, MODES - 1))
                            .as(SetVlan::new)),
                    net.jqwik.api.Tuple.of(1, any.map(Toggle::new)),
                    net.jqwik.api.Tuple.of(1, any.map(Flush::new)),
                    net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 80).map(Advance::new)),
                    net.jqwik.api.Tuple.of(3, Combinators.combine(any, Arbitraries.of(true, true, true, false))
                            .as(Security::new)),
                    net.jqwik.api.Tuple.of(2, Combinators.combine(any, Arbitraries.integers().between(-1, MACS - 1),
                            Arbitraries.of(0, 1, 2, 3, 5)).as(Allowed::new)),
                    net.jqwik.api.Tuple.of(4, Combinators.combine(any, rule).as(AclAdd::new)),
                    net.jqwik.api.Tuple.of(3, Combinators.combine(any, any).as(AclDel::new)));
            return op.list().ofMinSize(30).ofMaxSize(80);
        }
        Arbitrary<Op> op = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(14, Combinators.combine(any, frame).as(Send::new)),
                net.jqwik.api.Tuple.of(2, Combinators.combine(any, Arbitraries.integers().between(0, MODES - 1))
                        .as(SetVlan::new)),
                net.jqwik.api.Tuple.of(2, any.map(Toggle::new)),
                net.jqwik.api.Tuple.of(1, any.map(Flush::new)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 80).map(Advance::new)));
        return op.list().ofMinSize(1).ofMaxSize(60);
    }

    // ---- the property ------------------------------------------------------------------------------------------------

    @Property(tries = 200)
    void forwarderMatchesTheReferenceModel(@ForAll("topologies") Topology topology,
                                           @ForAll("operations") List<Op> ops) {
        run(new World(topology), ops);
    }

    /** Applies the operations to both worlds, comparing what every host port sent, then counters and MAC tables. */
    static void run(World w, List<Op> ops) {
        for (int step = 0; step < ops.size(); step++) {
            Op op = ops.get(step);
            List<ReferenceSwitch.Sent> expected = w.apply(op);
            w.compareOutputs("step " + step + " " + op, expected);
        }
        w.compareCounters();
        w.compareMacTables();
    }

    /**
     * The same with security groups: host ports turn security on and off, get rules added and deleted and their
     * allowed addresses changed, while IPv4 packets (TCP with any flags, UDP, ICMP, another protocol, fragments,
     * cut headers), their replies, ICMP errors quoting them, ARP and the frames above go through; the filter's
     * verdicts, drop counters and conntrack effects must equal {@link ModelSecurity}'s plain evaluation.
     */
    @Property(tries = 200)
    void forwarderWithSecurityGroupsMatchesTheReferenceModel(@ForAll("securityTopologies") Topology topology,
                                                             @ForAll("securitySetups") List<Op> setup,
                                                             @ForAll("operationsWithSecurity") List<Op> ops) {
        World w = new World(topology);
        for (Op op : setup) {
            w.apply(op);
        }
        run(w, ops);
        w.compareConnections();
        // The generators must reach every path of the filter in a fair share of the tries, or the property proves
        // little: a path reached in fewer than 1 % of the tries fails the property (jqwik's coverage check). Each
        // path is reached in 4-80 % of them (measured), so a run of 200 tries fails by chance in well under 0.1 %.
        java.util.Map<String, Integer> paths = new java.util.HashMap<>();
        for (ModelPort p : w.model.ports) {
            p.security.paths.forEach((k, v) -> paths.merge(k, v, Integer::sum));
        }
        for (String path : SECURITY_PATHS) {
            Statistics.label(path).collect(paths.containsKey(path));
            Statistics.label(path).coverage(c -> c.check(true).percentage(pct -> pct >= 1));
        }
    }

    static final List<String> SECURITY_PATHS = List.of("established", "opened", "allowed untracked", "denied new",
            "related", "allowed stateless", "denied stateless", "truncated", "spoofed_mac", "spoofed_ip",
            "spoofed_arp", "arp checked", "dhcp_server", "dhcp passed", "connections ended");

    // ---- the two worlds ----------------------------------------------------------------------------------------------

    static final class World {
        final FlowGeneration generation = new FlowGeneration();
        final Forwarder forwarder = new Forwarder(0, FlowCache.DEFAULT_ENTRIES);
        final UnsafeBuffer buf = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
        final ReferenceSwitch model = new ReferenceSwitch();
        final List<Bridge> bridges = new ArrayList<>();
        final List<BridgePort> ports = new ArrayList<>(); // index-aligned with model.ports
        final List<Integer> hosts = new ArrayList<>(); // indices into ports
        // security groups, per index into ports (host ports only)
        final java.util.Map<Integer, List<AclRule>> rules = new java.util.HashMap<>();
        final java.util.Map<Integer, PortAddresses> allowed = new java.util.HashMap<>();
        final java.util.Map<Integer, int[]> allowedIndex = new java.util.HashMap<>(); // MAC index, IP index
        final java.util.Map<Integer, PortFilter> filters = new java.util.HashMap<>();
        final List<Ip> sentIps = new ArrayList<>();
        int ruleSerial;
        long now = 1;

        World(Topology t) {
            for (int b = 0; b < t.bridges().size(); b++) {
                BridgeSpec spec = t.bridges().get(b);
                Bridge bridge = new Bridge("br" + b, generation, spec.capacity(), 50);
                bridge.setOwner(0, Runnable::run, () -> now);
                bridges.add(bridge);
                ModelBridge mb = model.addBridge("br" + b, spec.capacity(), 50);
                for (int h = 0; h < spec.hostModes().size(); h++) {
                    String name = "b" + b + "h" + h;
                    MemoryPort p = new MemoryPort(name, 1);
                    int mtu = MTUS[spec.hostMtus().get(h)];
                    p.setMtu(mtu);
                    p.setVlan(realMode(spec.hostModes().get(h)));
                    p.setTunnel(spec.hostTunnels().get(h));
                    bridge.addPort(p);
                    ModelPort mp = model.addPort(mb, name, false, mtu);
                    mp.vlan = modelMode(spec.hostModes().get(h));
                    mp.tunnel = spec.hostTunnels().get(h);
                    hosts.add(ports.size());
                    ports.add(p);
                }
            }
            int n = bridges.size();
            for (int k = 0; k < t.patches().size(); k++) {
                PatchSpec s = t.patches().get(k);
                int a = s.bridgeA() % n;
                int b = s.bridgeB() % n;
                PatchPort x = new PatchPort("px" + k, "py" + k, 1);
                PatchPort y = new PatchPort("py" + k, "px" + k, 1);
                x.setVlan(realMode(s.modeA()));
                y.setVlan(realMode(s.modeB()));
                bridges.get(a).addPort(x);
                ModelPort mx = model.addPort(model.bridges.get(a), "px" + k, true, x.mtu());
                mx.vlan = modelMode(s.modeA());
                ports.add(x);
                if (s.dangling()) {
                    continue; // the peer was never created: patch_unconnected
                }
                bridges.get(b).addPort(y);
                ModelPort my = model.addPort(model.bridges.get(b), "py" + k, true, y.mtu());
                my.vlan = modelMode(s.modeB());
                ports.add(y);
                PatchPort.connect(x, y);
                ReferenceSwitch.connect(mx, my);
            }
        }

        List<ReferenceSwitch.Sent> apply(Op op) {
            switch (op) {
                case Send s -> {
                    int i = hosts.get(s.port() % hosts.size());
                    byte[] f = s.frame().bytes();
                    buf.setMemory(0, buf.capacity(), (byte) 0);
                    buf.putBytes(Forwarder.HEADROOM + 10, f);
                    try {
                        forwarder.receive(ports.get(i), buf, Forwarder.HEADROOM, f.length + 10, -1, now);
                    } catch (RuntimeException | Error e) {
                        fail("exception escaped Forwarder.receive for " + s, e);
                    }
                    return model.receive(model.ports.get(i), f, now);
                }
                case SetVlan v -> {
                    int i = v.port() % ports.size();
                    ports.get(i).setVlan(realMode(v.mode()));
                    model.ports.get(i).vlan = modelMode(v.mode());
                }
                case Toggle t -> {
                    int i = t.port() % ports.size();
                    BridgePort p = ports.get(i);
                    p.setUp(!p.isUp(), "test");
                    model.ports.get(i).up = p.isUp();
                }
                case Flush f -> {
                    int i = f.bridge() % bridges.size();
                    bridges.get(i).macTable().flush();
                    model.bridges.get(i).flush();
                }
                case Advance a -> {
                    now += a.ns();
                    for (int i = 0; i < bridges.size(); i++) {
                        bridges.get(i).macTable().expire(now);
                        model.bridges.get(i).expire(now);
                    }
                }
                case SendIp s -> {
                    int h = s.own() ? filteredHost(s.port()) : s.port() % hosts.size();
                    int[] own = allowedIndex.get(hosts.get(h));
                    // Not "own": from the port's home MAC (host h has MAC h % MACS), so that MACs mostly stay where
                    // they were learned and the flow cache hits.
                    Ip ip = s.own() && own != null ? s.ip().from(own[0], own[1])
                            : s.own() ? s.ip() : s.ip().from(h % MACS, s.ip().a().srcIp());
                    sentIps.add(ip);
                    return apply(new Send(h, ip));
                }
                case Reply r -> {
                    if (sentIps.isEmpty()) {
                        return List.of();
                    }
                    Ip to = sentIps.get(sentIps.size() - 1 - r.k() % Math.min(4, sentIps.size()));
                    Ip answer = switch (r.kind()) {
                        case 0 -> to.reverse();
                        case 1 -> new Ip(new Addrs(to.a().src(), to.a().dst(), to.a().vid(), to.a().dstIp(),
                                to.a().srcIp(), 0), new L4(1, 0, 0, r.errorType(), 0), to);
                        default -> to;
                    };
                    sentIps.add(answer);
                    // from the port the destination MAC was sent from, when it is a home MAC (so a cache hit)
                    int from = r.port();
                    for (int h = 0; h < hosts.size(); h++) {
                        if (h % MACS == answer.a().src() && r.port() % 2 == 0) {
                            from = h;
                        }
                    }
                    return apply(new Send(from, answer));
                }
                case SendOwnArp s -> {
                    int h = filteredHost(s.port());
                    int[] own = allowedIndex.get(hosts.get(h));
                    Arp a = s.arp();
                    return apply(new Send(h, own == null ? a
                            : new Arp(a.dst(), own[0], a.vid(), a.op(), own[0], a.senderIp(), a.cut())));
                }
                case Security s -> {
                    int i = hosts.get(s.port() % hosts.size());
                    BridgePort p = ports.get(i);
                    if (s.on() && !filters.containsKey(i)) {
                        PortFilter f = new PortFilter(p.name(), 1, 256);
                        f.setOwner(0, Runnable::run, () -> now);
                        f.setRules(rules.getOrDefault(i, List.of()));
                        f.setAllowed(allowed.get(i));
                        p.setFilter(f);
                        filters.put(i, f);
                    } else if (!s.on()) {
                        p.setFilter(null);
                        filters.remove(i);
                    }
                    model.ports.get(i).security.setOn(s.on());
                }
                case Allowed a -> {
                    int i = hosts.get(a.port() % hosts.size());
                    ModelSecurity m = model.ports.get(i).security;
                    if (a.mac() < 0) {
                        allowed.remove(i);
                        allowedIndex.remove(i);
                        m.allowedMac = -1;
                        m.allowedIps = Set.of();
                    } else {
                        long mac = mac(a.mac());
                        int ip = IPS[a.ip()];
                        allowed.put(i, PortAddresses.parse(io.jvs.core.packet.MacAddress.format(mac) + ","
                                + io.jvs.core.packet.Ipv4Header.formatAddress(ip)));
                        allowedIndex.put(i, new int[] {a.mac(), a.ip()});
                        m.allowedMac = mac;
                        m.allowedIps = Set.of(ip);
                    }
                    if (filters.containsKey(i)) {
                        filters.get(i).setAllowed(allowed.get(i));
                    }
                }
                case AclAdd a -> {
                    int i = hosts.get(a.port() % hosts.size());
                    RuleSpec r = a.rule();
                    boolean ported = r.proto() == 6 || r.proto() == 17;
                    int lo = ported && r.portMin() >= 0 ? L4_PORTS[r.portMin()] : -1;
                    int hi = ported && r.portMin() >= 0 ? L4_PORTS[r.portMax()] : -1;
                    ModelSecurity.Rule rule = new ModelSecurity.Rule(++ruleSerial, r.ingress(), r.proto(),
                            Math.min(lo, hi), Math.max(lo, hi), r.proto() == 1 ? r.icmpType() : -1, r.remote());
                    List<AclRule> list = rules.computeIfAbsent(i, x -> new ArrayList<>());
                    list.add(AclRule.parse(rule.text(), 1));
                    model.ports.get(i).security.rules.add(rule);
                    if (filters.containsKey(i)) {
                        filters.get(i).setRules(list);
                    }
                }
                case AclDel d -> {
                    int i = hosts.get(d.port() % hosts.size());
                    List<AclRule> list = rules.getOrDefault(i, new ArrayList<>());
                    if (list.isEmpty()) {
                        return List.of();
                    }
                    int k = d.k() % list.size();
                    AclRule gone = list.remove(k);
                    ModelSecurity m = model.ports.get(i).security;
                    m.delete(m.rules.get(k));
                    PortFilter f = filters.get(i);
                    if (f != null) {
                        f.setRules(list);
                        f.endConnections(gone);
                    }
                }
            }
            return List.of();
        }

        /** Host number {@code n} among the ports with security on, or among all when none has it. */
        int filteredHost(int n) {
            List<Integer> filtered = new ArrayList<>();
            for (int k = 0; k < hosts.size(); k++) {
                if (filters.containsKey(hosts.get(k))) {
                    filtered.add(k);
                }
            }
            return filtered.isEmpty() ? n % hosts.size() : filtered.get(n % filtered.size());
        }

        /** Every filtered port tracks as many connections as the model opened. */
        void compareConnections() {
            filters.forEach((i, f) -> assertEquals(model.ports.get(i).security.connections(), f.conntrack().size(),
                    "connections of " + ports.get(i).name()));
        }

        void compareOutputs(String where, List<ReferenceSwitch.Sent> expected) {
            // Invariant, from the model's annotation (valid for the real frames once they are equal, below): no frame
            // leaves on a port whose VLAN configuration does not carry the frame's VLAN.
            for (ReferenceSwitch.Sent s : expected) {
                BridgePort real = ports.get(model.ports.indexOf(s.port()));
                assertTrue(real.vlan().carries(s.vlan()), where + ": " + s + " on a port not carrying its VLAN");
            }
            for (int i : hosts) {
                MemoryPort real = (MemoryPort) ports.get(i);
                ModelPort m = model.ports.get(i);
                List<byte[]> got = real.drain();
                List<byte[]> want = m.drain();
                assertEquals(want.size(), got.size(), where + ": frames on " + real.name() + " (expected "
                        + expected + ")");
                for (int k = 0; k < got.size(); k++) {
                    assertArrayEquals(want.get(k), got.get(k), where + ": frame " + k + " on " + real.name());
                    checkCarried(where, real, got.get(k));
                }
            }
        }

        /** Model-independent invariant on what really left: a listed trunk only sends frames tagged with a listed VID. */
        static void checkCarried(String where, BridgePort port, byte[] f) {
            VlanConfig v = port.vlan();
            if (!v.isAccess() && v.trunks().length > 0) {
                assertTrue(f.length >= 18 && ReferenceSwitch.u16(f, 12) == 0x8100
                        && v.carries(ReferenceSwitch.u16(f, 14) & 0xfff), where + ": untagged or foreign frame on "
                        + port.name() + " " + v + ": " + ReferenceSwitch.hex(f));
            }
        }

        void compareCounters() {
            for (int i = 0; i < ports.size(); i++) {
                PortCounters c = ports.get(i).counters();
                ModelPort m = model.ports.get(i);
                String n = m.name;
                assertEquals(m.rxPackets, c.get(PortCounters.RX_PACKETS), n + " rx_packets");
                assertEquals(m.rxBytes, c.get(PortCounters.RX_BYTES), n + " rx_bytes");
                assertEquals(m.txPackets, c.get(PortCounters.TX_PACKETS), n + " tx_packets");
                assertEquals(m.txBytes, c.get(PortCounters.TX_BYTES), n + " tx_bytes");
                assertEquals(0, c.get(PortCounters.TX_DROPPED), n + " tx_dropped");
                assertEquals(0, c.get(PortCounters.TX_ERRORS), n + " tx_errors");
                for (DropReason r : DropReason.values()) {
                    assertEquals(m.drops(r.counterName()), c.drops(r), n + " drops " + r.counterName());
                }
            }
        }

        void compareMacTables() {
            for (int b = 0; b < bridges.size(); b++) {
                Set<String> real = new HashSet<>();
                bridges.get(b).macTable().snapshot(e -> real.add(e.vlan() + "/" + Long.toHexString(e.mac()) + "@"
                        + e.port() + "t" + e.seenNs()));
                Set<String> want = new HashSet<>();
                model.bridges.get(b).macs.forEach((k, e) -> want.add(k.vlan() + "/" + Long.toHexString(k.mac()) + "@"
                        + e.port + "t" + e.seenNs));
                assertEquals(want, real, "MAC table of br" + b);
            }
        }
    }
}
