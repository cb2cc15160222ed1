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

    sealed interface Op permits Send, SetVlan, Toggle, Flush, Advance {
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

    sealed interface FrameSpec permits Valid, Cut, Garbage {
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
        World w = new World(topology);
        for (int step = 0; step < ops.size(); step++) {
            Op op = ops.get(step);
            List<ReferenceSwitch.Sent> expected = w.apply(op);
            w.compareOutputs("step " + step + " " + op, expected);
        }
        w.compareCounters();
        w.compareMacTables();
    }

    // ---- the two worlds ----------------------------------------------------------------------------------------------

    static final class World {
        final FlowGeneration generation = new FlowGeneration();
        final Forwarder forwarder = new Forwarder(0, FlowCache.DEFAULT_ENTRIES);
        final UnsafeBuffer buf = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
        final ReferenceSwitch model = new ReferenceSwitch();
        final List<Bridge> bridges = new ArrayList<>();
        final List<BridgePort> ports = new ArrayList<>(); // index-aligned with model.ports
        final List<Integer> hosts = new ArrayList<>(); // indices into ports
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
            }
            return List.of();
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
