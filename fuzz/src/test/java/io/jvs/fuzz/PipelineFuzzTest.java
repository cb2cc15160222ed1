package io.jvs.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongConsumer;

import io.jvs.core.bridge.Bridge;
import io.jvs.core.bridge.BridgePort;
import io.jvs.core.bridge.FlowGeneration;
import io.jvs.core.bridge.Forwarder;
import io.jvs.core.bridge.MemoryPort;
import io.jvs.core.bridge.PatchPort;
import io.jvs.core.bridge.PortCounters;
import io.jvs.core.bridge.VlanConfig;
import io.jvs.core.packet.EthernetHeader;
import io.jvs.core.packet.VirtioNetHeader;
import io.jvs.datapath.replay.FuzzDb;

import org.agrona.concurrent.UnsafeBuffer;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The whole forwarding pipeline. A small switch (two bridges joined by a patch pair, access, trunk and all-VLAN
 * ports, all MemoryPorts; or the switch a db describes when JVS_FUZZ_DB names one, built as {@code jvs replay} builds
 * it) runs a program read from the input: frames (with or without a virtio header or a stripped-tag TCI) on a port
 * the input chooses, and configuration changes (VLAN mode, up/down, MTU, offloads, MAC flush, time).
 *
 * <p>Invariants: no exception escapes Forwarder.receive; the input port's rx counters count every frame; a frame the
 * bridge could deliver is sent or dropped with a counted reason; no output exceeds MTU + 18 unless it carries
 * offload metadata (and then only to an untagged output that takes offloads); nothing leaves on a port that is down
 * or whose VLAN config does not carry the frame's VLAN (the output's tag is decoded and checked against every VLAN
 * the frame can be in on that bridge, following the patch ports).
 *
 * <p>Program: a sequence of ops, each a byte (mod 10) and its arguments: 0-4 frame (port, flags, u16 length, then
 * [10-byte virtio header if flags&2], [u16 TCI if flags&4], the frame bytes); 5 VLAN mode (port, mode, vid); 6 toggle
 * up/down (port); 7 flush a bridge's MAC table and toggle a port's offloads (bridge, port); 8 advance the clock
 * (u16 × 10 ms); 9 MTU (port, choice of 576/1500/9000).
 */
class PipelineFuzzTest {
    private static final int[] VIDS = {1, 10, 20, 30, 4094};
    private static final int[] MTUS = {576, 1500, 9000};
    private static final int MAX_OPS = 64;
    private static final UnsafeBuffer BUF = new UnsafeBuffer(ByteBuffer.allocateDirect(Forwarder.HEADROOM + 10 + 70_000));

    /** The switch under test. */
    static final class Rig {
        final List<Bridge> bridges = new ArrayList<>();
        final List<BridgePort> ports = new ArrayList<>();
        final List<MemoryPort> memory = new ArrayList<>();
        final Forwarder[] forwarders;
        final LongConsumer clock;
        final boolean fixed;
        long now = 1_000_000_000L;

        Rig(List<Bridge> bridges, List<BridgePort> ports, Forwarder[] forwarders, LongConsumer clock, boolean fixed) {
            this.bridges.addAll(bridges);
            this.ports.addAll(ports);
            for (BridgePort p : ports) {
                if (p instanceof MemoryPort m) {
                    memory.add(m);
                }
            }
            this.forwarders = forwarders;
            this.clock = clock;
            this.fixed = fixed;
        }
    }

    static Rig fixedRig() {
        FlowGeneration gen = new FlowGeneration();
        Bridge br0 = new Bridge("br0", gen);
        Bridge br1 = new Bridge("br1", gen);
        long[] now = {0};
        for (Bridge b : List.of(br0, br1)) {
            b.setOwner(0, Runnable::run, () -> now[0]); // thread 1 posts learn requests, applied at once
        }
        List<BridgePort> ports = new ArrayList<>();
        ports.add(add(br0, new MemoryPort("a10", 2), VlanConfig.access(10)));
        ports.add(add(br0, new MemoryPort("a20", 2), VlanConfig.access(20)));
        ports.add(add(br0, new MemoryPort("t", 2), VlanConfig.trunk(10, 20, 30)));
        ports.add(add(br0, new MemoryPort("all", 2), VlanConfig.TRUNK_ALL));
        PatchPort p0 = (PatchPort) add(br0, new PatchPort("p0", "p1", 2), VlanConfig.trunk(10, 30));
        ports.add(p0);
        ports.add(add(br1, new MemoryPort("b10", 2), VlanConfig.access(10)));
        ports.add(add(br1, new MemoryPort("b30", 2), VlanConfig.trunk(30)));
        PatchPort p1 = (PatchPort) add(br1, new PatchPort("p1", "p0", 2), VlanConfig.TRUNK_ALL);
        ports.add(p1);
        PatchPort.connect(p0, p1);
        ((MemoryPort) ports.get(0)).setAcceptsOffloads(true);
        ((MemoryPort) ports.get(3)).setAcceptsOffloads(true);
        Forwarder[] fwd = {new Forwarder(0), new Forwarder(1, 0)}; // with and without a flow cache
        Rig rig = new Rig(List.of(br0, br1), ports, fwd, null, true);
        return new Rig(rig.bridges, rig.ports, fwd, t -> {
            now[0] = t;
            br0.macTable().expire(t);
            br1.macTable().expire(t);
        }, true);
    }

    private static BridgePort add(Bridge b, BridgePort p, VlanConfig v) {
        p.setVlan(v);
        b.addPort(p);
        return p;
    }

    static Rig dbRig(Path db) {
        try {
            FuzzDb.Built built = FuzzDb.load(db);
            return new Rig(built.bridges(), new ArrayList<>(built.ports().values()),
                    new Forwarder[] {built.forwarder()}, built.clock(), false);
        } catch (Exception e) {
            throw new IllegalStateException("JVS_FUZZ_DB=" + db + ": " + e.getMessage(), e);
        }
    }

    static Rig rig() {
        String db = System.getenv("JVS_FUZZ_DB");
        return db == null || db.isEmpty() ? fixedRig() : dbRig(Path.of(db));
    }

    @FuzzTest
    void pipeline(byte[] data) {
        run(rig(), new Bytes(data));
    }

    static void run(Rig rig, Bytes in) {
        if (rig.memory.isEmpty()) {
            return;
        }
        rig.clock.accept(rig.now);
        for (int ops = 0; ops < MAX_OPS && in.more(); ops++) {
            int op = in.u8() % 10;
            switch (op) {
                case 5 -> {
                    BridgePort p = rig.ports.get(in.u8() % rig.ports.size());
                    int mode = in.u8() % 4;
                    int vid = VIDS[in.u8() % VIDS.length];
                    p.setVlan(switch (mode) {
                        case 0 -> VlanConfig.access(vid);
                        case 1 -> VlanConfig.trunk(vid);
                        case 2 -> VlanConfig.trunk(vid, VIDS[(vid + 1) % VIDS.length]);
                        default -> VlanConfig.TRUNK_ALL;
                    });
                }
                case 6 -> {
                    BridgePort p = rig.ports.get(in.u8() % rig.ports.size());
                    p.setUp(!p.isUp(), "fuzz");
                }
                case 7 -> {
                    rig.bridges.get(in.u8() % rig.bridges.size()).macTable().flush();
                    MemoryPort m = rig.memory.get(in.u8() % rig.memory.size());
                    m.setAcceptsOffloads(!m.acceptsOffloads());
                }
                case 8 -> {
                    rig.now += in.u16() * 10_000_000L;
                    rig.clock.accept(rig.now);
                }
                case 9 -> {
                    MemoryPort m = rig.memory.get(in.u8() % rig.memory.size());
                    m.setMtu(MTUS[in.u8() % MTUS.length]);
                }
                default -> frame(rig, in);
            }
        }
        if (rig.fixed) {
            for (BridgePort p : rig.ports) {
                if (p instanceof PatchPort patch && patch.peer() != null) {
                    assertEquals(patch.counters().get(PortCounters.TX_PACKETS),
                            patch.peer().counters().get(PortCounters.RX_PACKETS), "patch " + patch.name() + " tx vs peer rx");
                }
            }
        }
    }

    private static long accounted(Rig rig) {
        long n = 0;
        for (BridgePort p : rig.ports) {
            PortCounters c = p.counters();
            n += c.get(PortCounters.TX_PACKETS) + c.get(PortCounters.TX_DROPPED) + c.get(PortCounters.TX_ERRORS)
                    + c.totalDrops();
        }
        return n;
    }

    private static int be16(byte[] b, int off) {
        return ((b[off] & 0xff) << 8) | (b[off + 1] & 0xff);
    }

    static void frame(Rig rig, Bytes in) {
        MemoryPort port = rig.memory.get(in.u8() % rig.memory.size());
        int flags = in.u8();
        int want = in.u16() % 9200;
        byte[] vnet = (flags & 2) != 0 ? in.take(VirtioNetHeader.LENGTH) : new byte[0];
        int auxTci = (flags & 4) != 0 ? in.u16() : -1;
        byte[] frame = in.take(want);
        Forwarder fwd = rig.forwarders[(flags & 1) % rig.forwarders.length];
        int len = frame.length;

        // What the bridge should do with it, from the configuration alone.
        int wireVid = -1;
        int innerEtherType = -1;
        int innerLen = len;
        boolean parsed = len >= EthernetHeader.LENGTH;
        if (parsed) {
            innerEtherType = be16(frame, 12);
            if (auxTci >= 0) {
                wireVid = auxTci & 0xfff;
            } else if (innerEtherType == EthernetHeader.ETH_P_8021Q) {
                parsed = len >= 18;
                if (parsed) {
                    wireVid = be16(frame, 14) & 0xfff;
                    innerEtherType = be16(frame, 16);
                    innerLen = len - 4;
                }
            }
        }
        int vlanIn = parsed ? port.vlan().ingress(wireVid) : VlanConfig.REJECT;
        Map<Bridge, Set<Integer>> reach = reachable(port.bridge(), vlanIn);
        boolean candidates = false;
        for (BridgePort o : port.bridge().ports()) {
            candidates |= o != null && o != port && o.isUp() && vlanIn != VlanConfig.REJECT && o.vlan().carries(vlanIn);
        }
        boolean admitted = port.isUp() && vlanIn != VlanConfig.REJECT;

        long rxBefore = port.counters().get(PortCounters.RX_PACKETS);
        long rxBytesBefore = port.counters().get(PortCounters.RX_BYTES);
        long before = accounted(rig);
        String what = "frame on " + port.name() + " (" + port.vlan() + (port.isUp() ? "" : ", down") + ") vnet "
                + HexFormat.of().formatHex(vnet) + " tci " + auxTci + ": " + HexFormat.of().formatHex(frame);
        int vnetOff = Forwarder.HEADROOM;
        BUF.setMemory(vnetOff, VirtioNetHeader.LENGTH, (byte) 0);
        BUF.putBytes(vnetOff, vnet);
        BUF.putBytes(vnetOff + VirtioNetHeader.LENGTH, frame);
        try {
            fwd.receive(port, BUF, vnetOff, VirtioNetHeader.LENGTH + len, auxTci, rig.now);
            fwd.flush();
        } catch (Throwable t) {
            throw new AssertionError(t + " escaped Forwarder.receive: " + what, t);
        }
        assertEquals(rxBefore + 1, port.counters().get(PortCounters.RX_PACKETS), "rx_packets: " + what);
        assertEquals(rxBytesBefore + len, port.counters().get(PortCounters.RX_BYTES), "rx_bytes: " + what);
        if (!(admitted && !candidates)) {
            assertTrue(accounted(rig) > before, "neither sent nor dropped with a reason: " + what);
        }

        for (MemoryPort out : rig.memory) {
            List<byte[]> headers = out.headers();
            List<byte[]> frames = out.drain();
            for (int i = 0; i < frames.size(); i++) {
                byte[] f = frames.get(i);
                boolean offloads = !java.util.Arrays.equals(new byte[10], headers.get(i));
                String where = f.length + "-byte frame out of " + out.name() + " (" + out.vlan() + ", mtu " + out.mtu()
                        + (out.acceptsOffloads() ? ", offloads" : "") + "): " + HexFormat.of().formatHex(f) + " after "
                        + what;
                assertTrue(out.isUp(), "sent on a port that is down: " + where);
                int et = f.length >= EthernetHeader.LENGTH ? be16(f, 12) : -1;
                boolean tagged = et == EthernetHeader.ETH_P_8021Q && f.length >= 18
                        && (innerEtherType != EthernetHeader.ETH_P_8021Q || f.length == innerLen + 4);
                int outVid = tagged ? be16(f, 14) & 0xfff : -1;
                if (offloads) {
                    assertTrue(out.acceptsOffloads() && !tagged, "offload metadata on " + where);
                } else {
                    assertTrue(f.length <= out.mtu() + 18, "over MTU + 18: " + where);
                }
                boolean allowed = false;
                for (int v : reach.getOrDefault(out.bridge(), Set.of())) {
                    allowed |= out.vlan().carries(v) && out.vlan().egressWireVid(v) == outVid;
                }
                assertTrue(allowed, "VLAN " + outVid + " on the wire, frame could be in " + reach.get(out.bridge())
                        + ": " + where);
            }
        }
    }

    /** The VLANs a frame admitted in {@code vlan} on {@code start} can be in, per bridge, across patch ports. */
    static Map<Bridge, Set<Integer>> reachable(Bridge start, int vlan) {
        Map<Bridge, Set<Integer>> reach = new IdentityHashMap<>();
        if (vlan == VlanConfig.REJECT) {
            return reach;
        }
        List<Object[]> work = new ArrayList<>();
        work.add(new Object[] {start, vlan});
        reach.computeIfAbsent(start, b -> new HashSet<>()).add(vlan);
        while (!work.isEmpty()) {
            Object[] w = work.removeLast();
            Bridge b = (Bridge) w[0];
            int v = (Integer) w[1];
            for (BridgePort p : b.ports()) {
                if (p instanceof PatchPort patch && patch.isUp() && patch.vlan().carries(v) && patch.peer() != null
                        && patch.peer().isUp() && patch.peer().bridge() != null) {
                    int v2 = patch.peer().vlan().ingress(patch.vlan().egressWireVid(v));
                    if (v2 != VlanConfig.REJECT && reach.computeIfAbsent(patch.peer().bridge(), x -> new HashSet<>()).add(v2)) {
                        work.add(new Object[] {patch.peer().bridge(), v2});
                    }
                }
            }
        }
        return reach;
    }

}
