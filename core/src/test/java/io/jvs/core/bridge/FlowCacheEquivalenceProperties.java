package io.jvs.core.bridge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.agrona.concurrent.UnsafeBuffer;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

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
        World cached = new World(topologySeed, FlowCache.DEFAULT_ENTRIES);
        World uncached = new World(topologySeed, 0);
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

    /** One topology with its forwarder; the same seed and operations build and drive identical worlds. */
    static final class World {
        final FlowGeneration generation = new FlowGeneration();
        final List<Bridge> bridges = new ArrayList<>();
        final List<BridgePort> ports = new ArrayList<>();
        final List<MemoryPort> hosts = new ArrayList<>();
        final Forwarder forwarder;
        final UnsafeBuffer buf = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
        long now = 1;

        World(long seed, int cacheEntries) {
            forwarder = new Forwarder(0, cacheEntries);
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

        void apply(int[] op) {
            int kind = op[0] % 20;
            if (kind < 14) {
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
