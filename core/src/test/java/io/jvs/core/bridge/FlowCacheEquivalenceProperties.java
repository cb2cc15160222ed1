package io.jvs.core.bridge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import io.jvs.core.acl.AclRule;
import io.jvs.core.acl.PortAddresses;
import io.jvs.core.acl.PortFilter;

import org.agrona.concurrent.UnsafeBuffer;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * The flow cache must be invisible: random topologies (bridges, access and trunk ports, patch pairs, sometimes a
 * patch loop), random frames, and random changes (VLAN modes, ports up and down, FDB flushes, aging) go through two
 * identical worlds, one forwarding with the cache and one without, and every port must send the same frames in the
 * same order, and every counter must agree.
 */
class FlowCacheEquivalenceProperties {
    static final int MACS = 6;

    @Property(tries = 300)
    void cacheNeverChangesWhatLeavesThePorts(@ForAll long topologySeed, @ForAll("operations") List<int[]> ops) {
        compare(new World(topologySeed, FlowCache.DEFAULT_ENTRIES, false), new World(topologySeed, 0, false), ops);
    }

    /**
     * The same with security groups: some host ports filter (security on, random rules and allowed addresses, on
     * and off), IPv4 TCP/UDP/ICMP packets and their answers go through as well as the L2 frames, rules are added
     * and deleted, and frames are also received by a second forwarding thread (not the filters' owner, whose
     * conntrack writes then travel through the owner's queue). The cache must still be invisible: same frames, same
     * counters, same rule hits, same connections.
     */
    @Property(tries = 300)
    void cacheNeverChangesWhatFilteredPortsSend(@ForAll long topologySeed,
                                                @ForAll("longOperations") List<int[]> ops) {
        World cached = new World(topologySeed, FlowCache.DEFAULT_ENTRIES, true);
        World uncached = new World(topologySeed, 0, true);
        compare(cached, uncached, ops);
        long hits = 0;
        long connections = 0;
        long refused = 0;
        for (int h = 0; h < cached.hosts.size(); h++) {
            for (AclRule r : cached.rules.get(h)) {
                hits += r.hits();
            }
            PortCounters c = cached.hosts.get(h).counters();
            refused += c.drops(DropReason.SG_INGRESS) + c.drops(DropReason.SG_EGRESS) + c.drops(DropReason.SPOOFED_MAC)
                    + c.drops(DropReason.SPOOFED_IP);
            PortFilter f = cached.hosts.get(h).filter();
            connections += f == null ? 0 : f.conntrack().size();
        }
        // The worlds must really filter: rules allow, connections stay open, frames are refused, in most tries.
        Statistics.label("rule hits").collect(hits > 0);
        Statistics.label("rule hits").coverage(c -> c.check(true).percentage(p -> p >= 30));
        Statistics.label("open connections").collect(connections > 0);
        Statistics.label("open connections").coverage(c -> c.check(true).percentage(p -> p >= 20));
        Statistics.label("refused frames").collect(refused > 0);
        Statistics.label("refused frames").coverage(c -> c.check(true).percentage(p -> p >= 30));
        for (int h = 0; h < cached.hosts.size(); h++) {
            for (int r = 0; r < cached.rules.get(h).size(); r++) {
                assertEquals(uncached.rules.get(h).get(r).hits(), cached.rules.get(h).get(r).hits(),
                        "hits of rule " + r + " on " + cached.hosts.get(h).name());
            }
            PortFilter a = cached.hosts.get(h).filter();
            PortFilter b = uncached.hosts.get(h).filter();
            assertEquals(b == null, a == null);
            if (a != null) {
                assertEquals(b.conntrack().size(), a.conntrack().size(), "connections of " + cached.hosts.get(h).name());
            }
        }
    }

    static void compare(World cached, World uncached, List<int[]> ops) {
        for (int step = 0; step < ops.size(); step++) {
            int[] op = ops.get(step);
            cached.apply(op);
            uncached.apply(op);
            for (int p = 0; p < cached.ports.size(); p++) {
                if (cached.ports.get(p) instanceof MemoryPort mp) {
                    List<byte[]> a = mp.drain();
                    List<byte[]> b = ((MemoryPort) uncached.ports.get(p)).drain();
                    assertEquals(b.size(), a.size(), "step " + step + " port " + mp.name() + " frame count");
                    for (int i = 0; i < a.size(); i++) {
                        assertArrayEquals(b.get(i), a.get(i), "step " + step + " port " + mp.name() + " frame " + i);
                    }
                }
            }
        }
        for (int p = 0; p < cached.ports.size(); p++) {
            PortCounters a = cached.ports.get(p).counters();
            PortCounters b = uncached.ports.get(p).counters();
            for (int c = 0; c < 6; c++) {
                assertEquals(b.get(c), a.get(c), "port " + cached.ports.get(p).name() + " counter " + c);
            }
            for (DropReason r : DropReason.values()) {
                assertEquals(b.drops(r), a.drops(r), "port " + cached.ports.get(p).name() + " drops " + r);
            }
        }
    }

    @Provide
    Arbitrary<List<int[]>> operations() {
        Arbitrary<int[]> op = Arbitraries.integers().between(0, 1 << 20).array(int[].class).ofSize(5);
        return op.list().ofMinSize(1).ofMaxSize(200);
    }

    /** At least 40 operations: connections need a first packet, then answers. */
    @Provide
    Arbitrary<List<int[]>> longOperations() {
        Arbitrary<int[]> op = Arbitraries.integers().between(0, 1 << 20).array(int[].class).ofSize(5);
        return op.list().ofMinSize(40).ofMaxSize(200);
    }

    static final int[] IPS = {0x0a00_0001, 0x0a00_0002, 0x0a00_0107, 0xc0a8_0101, 0};
    static final int[] L4_PORTS = {67, 68, 22, 80, 5000};
    static final String[] RULES = {"ingress", "egress", "ingress proto=tcp port=22", "egress proto=udp",
        "ingress proto=icmp icmp_type=8", "egress remote=10.0.0.0/24", "ingress proto=udp port=60-90",
        "ingress remote=192.168.0.0/16", "egress proto=tcp port=80", "ingress proto=47"};

    /** One topology with its forwarder; the same seed and operations build and drive identical worlds. */
    static final class World {
        final FlowGeneration generation = new FlowGeneration();
        final List<Bridge> bridges = new ArrayList<>();
        final List<BridgePort> ports = new ArrayList<>();
        final List<MemoryPort> hosts = new ArrayList<>();
        final Forwarder forwarder;
        final Forwarder other; // a second forwarding thread: not the filters' owner
        final UnsafeBuffer buf = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
        final boolean security;
        final List<List<AclRule>> rules = new ArrayList<>(); // per host
        final List<PortAddresses> allowed = new ArrayList<>(); // per host, null: none
        final List<Runnable> ownerTasks = new ArrayList<>(); // the owner thread's event loop: run at the next op
        int ruleCount;
        long now = 1;

        World(long seed, int cacheEntries, boolean security) {
            forwarder = new Forwarder(0, cacheEntries);
            other = new Forwarder(1, cacheEntries);
            this.security = security;
            Random rnd = new Random(seed);
            int nBridges = 1 + rnd.nextInt(3);
            for (int b = 0; b < nBridges; b++) {
                Bridge bridge = new Bridge("br" + b, generation, 1 + rnd.nextInt(8), 50);
                bridge.setOwner(0, Runnable::run, () -> now);
                bridges.add(bridge);
                int nHosts = 2 + rnd.nextInt(4);
                for (int h = 0; h < nHosts; h++) {
                    MemoryPort p = new MemoryPort("b" + b + "h" + h, 1);
                    p.setVlan(vlanMode(rnd.nextInt(6)));
                    p.setTunnel(rnd.nextInt(3) == 0); // split horizon is part of the decision the cache replays
                    bridge.addPort(p);
                    ports.add(p);
                    hosts.add(p);
                    rules.add(new ArrayList<>());
                    allowed.add(null);
                    if (security && rnd.nextBoolean()) {
                        for (int r = rnd.nextInt(4); r > 0; r--) {
                            rules.getLast().add(AclRule.parse(RULES[rnd.nextInt(RULES.length)] + " id=x" + ++ruleCount, 2));
                        }
                        if (rnd.nextInt(3) == 0) {
                            allowed.set(hosts.size() - 1, addresses(rnd.nextInt(MACS), rnd.nextInt(IPS.length - 1)));
                        }
                        setSecurity(hosts.size() - 1, true);
                    }
                }
            }
            for (int b = 1; b < nBridges; b++) {
                int pairs = rnd.nextInt(4) == 0 ? 2 : 1; // sometimes a loop
                for (int k = 0; k < pairs; k++) {
                    PatchPort x = new PatchPort("p" + b + "x" + k, "p" + b + "y" + k, 1);
                    PatchPort y = new PatchPort("p" + b + "y" + k, "p" + b + "x" + k, 1);
                    x.setVlan(vlanMode(rnd.nextInt(6)));
                    y.setVlan(vlanMode(rnd.nextInt(6)));
                    bridges.get(b - 1).addPort(x);
                    bridges.get(b).addPort(y);
                    PatchPort.connect(x, y);
                    ports.add(x);
                    ports.add(y);
                }
            }
        }

        static VlanConfig vlanMode(int m) {
            return switch (m) {
                case 0 -> VlanConfig.access(1);
                case 1 -> VlanConfig.access(2);
                case 2 -> VlanConfig.trunk(1, 2);
                case 3 -> VlanConfig.trunk(2, 3);
                default -> VlanConfig.TRUNK_ALL;
            };
        }

        static long mac(int i) {
            return i >= MACS ? 0xffff_ffff_ffffL : 0x02_00_00_00_00_10L + i;
        }

        static PortAddresses addresses(int mac, int ip) {
            return PortAddresses.parse(io.jvs.core.packet.MacAddress.format(mac(mac)) + ","
                    + io.jvs.core.packet.Ipv4Header.formatAddress(IPS[ip]));
        }

        void setSecurity(int h, boolean on) {
            MemoryPort p = hosts.get(h);
            if (on && p.filter() == null) {
                PortFilter f = new PortFilter(p.name(), 2, 256);
                f.setOwner(0, ownerTasks::add, () -> now);
                f.setRules(rules.get(h));
                f.setAllowed(allowed.get(h));
                p.setFilter(f);
            } else if (!on) {
                p.setFilter(null);
            }
        }

        void apply(int[] op) {
            for (Runnable t : List.copyOf(ownerTasks)) { // what the owner's event loop would have run by now
                t.run();
            }
            ownerTasks.clear();
            int kind = op[0] % (security ? 26 : 20);
            if (kind >= 20) {
                securityOp(kind, op);
            } else if (security && kind < 8) {
                sendIp(op[1] % 3 == 0 ? other : forwarder, hosts.get(op[1] % hosts.size()), op);
            } else if (kind < 14) {
                send(hosts.get(op[1] % hosts.size()), mac(op[2] % (MACS + 1)), mac(op[3] % (MACS + 1)),
                        op[4] % 5 - 1, op[4] % 3 == 0 ? 0x0806 : 0x0800);
            } else if (kind < 16) {
                ports.get(op[1] % ports.size()).setVlan(vlanMode(op[2] % 6));
            } else if (kind < 18) {
                BridgePort p = ports.get(op[1] % ports.size());
                p.setUp(!p.isUp(), "test");
            } else if (kind == 18) {
                bridges.get(op[1] % bridges.size()).macTable().flush();
            } else {
                now += op[1] % 80;
                for (Bridge b : bridges) {
                    b.macTable().expire(now);
                }
            }
        }

        void securityOp(int kind, int[] op) {
            int h = op[1] % hosts.size();
            PortFilter f = hosts.get(h).filter();
            switch (kind) {
                case 20, 21 -> {
                    rules.get(h).add(AclRule.parse(RULES[op[2] % RULES.length] + " id=x" + ++ruleCount, 2));
                    if (f != null) {
                        f.setRules(rules.get(h));
                    }
                }
                case 22 -> {
                    if (!rules.get(h).isEmpty()) {
                        AclRule gone = rules.get(h).remove(op[2] % rules.get(h).size());
                        if (f != null) {
                            f.setRules(rules.get(h));
                            f.endConnections(gone);
                        }
                    }
                }
                case 23 -> setSecurity(h, f == null);
                case 24 -> {
                    allowed.set(h, op[2] % 3 == 0 ? null : addresses(op[3] % MACS, op[4] % (IPS.length - 1)));
                    if (f != null) {
                        f.setAllowed(allowed.get(h));
                    }
                }
                default -> { // an answer from the port whose allowed addresses say who it is, to a random one
                    PortAddresses a = allowed.get(h);
                    int[] o = op.clone();
                    if (a != null) {
                        o[2] = (int) (a.mac & 0xff) - 0x10; // mac(i) = 02:00:00:00:00:1i
                    }
                    sendIp(forwarder, hosts.get(h), o);
                }
            }
        }

        /**
         * An IPv4 packet from the fields of {@code op}: MACs and addresses from the pools, TCP with various flags,
         * UDP (DHCP ports included), ICMP echo or an error, another protocol. Few values, so that connections are
         * hit again and answered.
         */
        void sendIp(Forwarder f, BridgePort in, int[] op) {
            int v = op[4];
            int proto = new int[] {6, 17, 1, 47}[v % 4];
            int sp = L4_PORTS[(v >>> 2) % L4_PORTS.length];
            int dp = L4_PORTS[(v >>> 5) % L4_PORTS.length];
            int srcIp = IPS[op[3] % IPS.length];
            int dstIp = IPS[(op[3] >>> 3) % IPS.length];
            int l4 = proto == 6 ? 20 : 8;
            ByteBuffer b = ByteBuffer.allocate(14 + 20 + l4);
            long dst = mac(op[2] % (MACS + 1));
            long src = mac((op[2] >>> 3) % MACS);
            b.putShort((short) (dst >>> 32)).putInt((int) dst).putShort((short) (src >>> 32)).putInt((int) src)
                    .putShort((short) 0x0800);
            b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + l4)).putInt(0).put((byte) 64).put((byte) proto)
                    .putShort((short) 0).putInt(srcIp).putInt(dstIp);
            int flags = new int[] {0x02, 0x12, 0x10, 0x11, 0x04}[(v >>> 8) % 5];
            switch (proto) {
                case 6 -> b.putShort((short) sp).putShort((short) dp).putInt(1).putInt(0).put((byte) 0x50)
                        .put((byte) flags).putShort((short) 1000).putInt(0);
                case 17 -> b.putShort((short) sp).putShort((short) dp).putShort((short) 8).putShort((short) 0);
                case 1 -> b.put((byte) new int[] {8, 0, 3, 13}[(v >>> 8) % 4]).put((byte) 0).putShort((short) 0)
                        .putShort((short) sp).putShort((short) 1);
                default -> b.putLong(0);
            }
            byte[] frame = b.array();
            buf.setMemory(Forwarder.HEADROOM, 10, (byte) 0);
            buf.putBytes(Forwarder.HEADROOM + 10, frame);
            f.receive(in, buf, Forwarder.HEADROOM, frame.length + 10, -1, now);
            f.flush();
        }

        void send(BridgePort in, long dst, long src, int vid, int etherType) {
            ByteBuffer f = ByteBuffer.allocate(64);
            f.putShort((short) (dst >>> 32)).putInt((int) dst).putShort((short) (src >>> 32)).putInt((int) src);
            if (vid >= 0) {
                f.putShort((short) 0x8100).putShort((short) vid);
            }
            f.putShort((short) etherType);
            while (f.hasRemaining()) {
                f.put((byte) f.position());
            }
            buf.setMemory(Forwarder.HEADROOM, 10, (byte) 0);
            buf.putBytes(Forwarder.HEADROOM + 10, f.array());
            forwarder.receive(in, buf, Forwarder.HEADROOM, 64 + 10, -1, now);
        }
    }
}
