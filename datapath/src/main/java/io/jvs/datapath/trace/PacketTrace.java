package io.jvs.datapath.trace;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.jvs.core.acl.PortFilter;
import io.jvs.core.bridge.Bridge;
import io.jvs.core.bridge.BridgePort;
import io.jvs.core.bridge.DropReason;
import io.jvs.core.bridge.Forwarder;
import io.jvs.core.bridge.PatchPort;
import io.jvs.core.bridge.VlanKeyMap;
import io.jvs.core.packet.EthernetHeader;
import io.jvs.core.packet.Ipv4Header;
import io.jvs.core.packet.MacAddress;
import io.jvs.core.packet.VirtioNetHeader;
import io.jvs.datapath.Datapath;
import io.jvs.datapath.linux.Inet4;
import io.jvs.datapath.port.DevicePort;
import io.jvs.datapath.reactor.ReactorThread;
import io.jvs.datapath.router.RouterLegPort;
import io.jvs.datapath.tunnel.TunnelPort;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * {@code jvs trace BR in_port=PORT [fields] [tun_id=KEY] | --packet HEX [--execute]}: runs one frame through the real pipeline
 * ({@link Forwarder#forTrace}: the same code the reactor threads run, minus the flow cache, learning and sending)
 * and prints every decision in order, like Open vSwitch's ofproto/trace: VLAN admission, MAC learning and lookup,
 * floods, patch hops into other bridges, drops with their counter names, tunnel encapsulation with the key, what a
 * router does with a frame handed to one of its legs ({@link RouterTrace}), and the final outputs with their headers. {@code --execute} then really injects the frame on the input port's thread.
 * Runs on the control thread; its counts go to a counter row nobody reads.
 */
public final class PacketTrace implements Forwarder.Observer {
    private final StringBuilder out = new StringBuilder();
    private final List<String> outputs = new ArrayList<>();
    private Bridge current;

    private PacketTrace() {
    }

    /** Runs the command; IllegalArgumentException with a one-line reason for a bad one. */
    public static String run(Datapath datapath, List<String> args) {
        if (args.isEmpty()) {
            throw new IllegalArgumentException("usage: jvs trace BR in_port=PORT [dl_src=MAC] [dl_dst=MAC] [vlan=N] "
                    + "[nw_src=IP] [nw_dst=IP] [nw_proto=N] [tp_src=N] [tp_dst=N] [tun_id=KEY] | --packet HEX [--execute]");
        }
        Bridge bridge = datapath.bridge(args.get(0));
        if (bridge == null) {
            throw new IllegalArgumentException("no bridge named " + args.get(0));
        }
        Map<String, String> fields = new LinkedHashMap<>();
        String hex = null;
        boolean execute = false;
        for (int i = 1; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--execute")) {
                execute = true;
            } else if (a.equals("--packet") && i + 1 < args.size()) {
                hex = args.get(++i);
            } else {
                int eq = a.indexOf('=');
                String key = eq > 0 ? a.substring(0, eq) : a;
                if (eq <= 0 || !List.of("in_port", "dl_src", "dl_dst", "vlan", "nw_src", "nw_dst", "nw_proto",
                        "tp_src", "tp_dst", "tun_id").contains(key)) {
                    throw new IllegalArgumentException("unknown trace argument '" + a + "'");
                }
                fields.put(key, a.substring(eq + 1));
            }
        }
        String inName = fields.remove("in_port");
        if (inName == null) {
            throw new IllegalArgumentException("trace needs in_port=PORT");
        }
        BridgePort in = datapath.port(inName);
        if (in == null || in.bridge() != bridge) {
            throw new IllegalArgumentException("no port " + inName + " on bridge " + bridge.name());
        }
        if (hex != null && !fields.isEmpty()) {
            throw new IllegalArgumentException("give either --packet or header fields, not both");
        }
        String tunId = fields.remove("tun_id");
        if (tunId != null && !(in instanceof TunnelPort)) {
            throw new IllegalArgumentException("tun_id applies to tunnel in_ports only");
        }
        byte[] frame = hex != null ? TracePacket.fromHex(hex) : TracePacket.fromFields(fields);

        PacketTrace t = new PacketTrace();
        t.out.append("Packet on ").append(in.name()).append(" (").append(frame.length).append(" bytes): ")
                .append(describe(new UnsafeBuffer(frame), 0, frame.length)).append('\n');
        int auxTci = -1;
        if (in instanceof TunnelPort tp && tp.isFlow()) {
            // What the tunnel decoder does before the pipeline: the key names the local VLAN.
            long key;
            try {
                key = tunId == null ? -1 : Long.parseLong(tunId);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("tun_id=" + tunId + " is not a number");
            }
            int vlan = key < 0 ? -1 : bridge.vlanKeyMap().vlan(key);
            t.out.append("tunnel ").append(tp.name()).append(": key ").append(key < 0 ? "none (give tun_id=KEY)"
                    : Long.toString(key)).append(vlan < 0 ? " is not in the VLAN map: dropped as key_unmapped"
                            : " -> local VLAN " + vlan + " via the VLAN map").append('\n');
            if (vlan < 0) {
                t.out.append("Final: no output (dropped)\n");
                return t.out.toString();
            }
            auxTci = vlan;
        }
        UnsafeBuffer buf = slot(frame);
        Forwarder.forTrace(datapath.threads(), t).receive(in, buf, Forwarder.HEADROOM, frame.length
                + VirtioNetHeader.LENGTH, auxTci, System.nanoTime());
        t.out.append("Final: ").append(t.outputs.isEmpty() ? "no output (dropped)" : t.outputs.size() + " output"
                + (t.outputs.size() == 1 ? "" : "s")).append('\n');
        t.outputs.forEach(o -> t.out.append("    ").append(o).append('\n'));
        t.out.append("(traced on the slow path: the flow cache, when it holds this flow, replays the same decision)\n");
        if (execute) {
            inject(datapath, in, frame, auxTci);
            t.out.append("Executed: the frame was handed to ").append(in.name()).append("'s thread as if received.\n");
        }
        return t.out.toString();
    }

    private static UnsafeBuffer slot(byte[] frame) {
        UnsafeBuffer buf = new UnsafeBuffer(ByteBuffer.allocateDirect(Forwarder.HEADROOM + VirtioNetHeader.LENGTH
                + frame.length + 64));
        buf.putBytes(Forwarder.HEADROOM + VirtioNetHeader.LENGTH, frame);
        return buf;
    }

    /** --execute: the real thing, on the thread that reads the input port (or owns its bridge). */
    private static void inject(Datapath datapath, BridgePort in, byte[] frame, int auxTci) {
        int index = in instanceof DevicePort dp ? dp.reactorIndex() : in.bridge().ownerThread();
        ReactorThread t = datapath.reactorThreads().get(index);
        try {
            t.loop().submit(() -> {
                Forwarder f = t.forwarder();
                try {
                    f.receive(in, slot(frame), Forwarder.HEADROOM, frame.length + VirtioNetHeader.LENGTH, auxTci,
                            System.nanoTime());
                } finally {
                    f.flush();
                }
            }).get(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("--execute failed: " + e);
        }
    }

    private void bridgeOf(BridgePort p) {
        if (p.bridge() != current) {
            current = p.bridge();
            out.append("bridge ").append(current.name()).append('\n');
        }
    }

    @Override
    public void admitted(BridgePort in, int wireVid, int vlan) {
        bridgeOf(in);
        out.append("    in_port ").append(in.name()).append(" (").append(in.vlan()).append("): ")
                .append(wireVid < 0 ? "untagged" : "VID " + wireVid).append(" on the wire -> VLAN ").append(vlan)
                .append('\n');
    }

    @Override
    public void dropped(BridgePort port, DropReason reason) {
        if (port.bridge() != null) {
            bridgeOf(port);
        }
        out.append("    drop on ").append(port.name()).append(": ").append(reason.counterName()).append('\n');
    }

    @Override
    public void filtered(BridgePort port, boolean ingress, DropReason verdict, PortFilter.Scratch how) {
        out.append("    security ").append(ingress ? "ingress to " : "egress from ").append(port.name()).append(": ");
        if (verdict != null) {
            boolean noRule = verdict == DropReason.SG_INGRESS || verdict == DropReason.SG_EGRESS;
            out.append("denied").append(noRule ? " (no rule allows it)" : " (port security)").append('\n');
            return;
        }
        out.append("allowed");
        if (how.basis != null) {
            out.append(", ").append(how.basis);
        }
        if (how.rule != null) {
            out.append(", by rule ").append(how.rule);
        }
        out.append('\n');
    }

    @Override
    public void learned(Bridge bridge, int vlan, long mac, BridgePort port) {
        int now = bridge.macTable().lookup(io.jvs.core.bridge.MacTable.key(vlan, mac));
        BridgePort there = now >= 0 ? bridge.port(now) : null;
        out.append("    learn ").append(MacAddress.format(mac)).append(" in VLAN ").append(vlan).append(" on ")
                .append(port == null ? "?" : port.name()).append(there == null ? " (new)"
                        : there == port ? " (known there: age refreshed)" : " (moves from " + there.name() + ")")
                .append('\n');
    }

    @Override
    public void lookedUp(Bridge bridge, int vlan, long dst, BridgePort port) {
        out.append("    lookup ").append(MacAddress.format(dst)).append(" in VLAN ").append(vlan).append(": ");
        if (port != null) {
            out.append("learned on ").append(port.name()).append('\n');
        } else {
            out.append(MacAddress.isMulticast(dst) ? (dst == 0xffff_ffff_ffffL ? "broadcast" : "multicast")
                    : "unknown").append(" -> flood to the VLAN's other ports").append('\n');
        }
    }

    @Override
    public void crossed(PatchPort from, PatchPort to, int wireVid) {
        out.append("    patch ").append(from.name()).append(" -> ").append(to.name()).append(" (bridge ")
                .append(to.bridge().name()).append("), ").append(wireVid < 0 ? "untagged" : "VID " + wireVid)
                .append('\n');
    }

    @Override
    public void output(BridgePort port, UnsafeBuffer buf, int off, int len, int wireVid) {
        bridgeOf(port);
        StringBuilder o = new StringBuilder(port.name()).append(": ").append(len).append(" bytes ")
                .append(describe(buf, off, len));
        if (port instanceof TunnelPort tp) {
            o.append(" | ").append(tunnel(tp, wireVid, len));
        }
        if (port instanceof RouterLegPort leg) {
            o.append(" | ").append(RouterTrace.describe(leg, buf, off, len));
        }
        out.append("    output ").append(o).append('\n');
        outputs.add(o.toString());
    }

    private static String tunnel(TunnelPort tp, int wireVid, int len) {
        String to = tp.type() + " to " + Inet4.format(tp.remote());
        if (!tp.isFlow()) {
            return "encapsulated: " + to + (tp.key() == TunnelPort.NO_KEY ? ", no key" : ", key " + tp.key());
        }
        long key = wireVid <= 0 || tp.bridge() == null ? VlanKeyMap.NONE : tp.bridge().vlanKeyMap().key(wireVid);
        return key == VlanKeyMap.NONE ? "VLAN " + wireVid + " has no key in the VLAN map: dropped as vlan_unmapped"
                : "encapsulated: " + to + ", key " + key + " (VLAN " + wireVid + " via the VLAN map), inner frame "
                        + "untagged, " + (len - 4) + " bytes";
    }

    /** One line of headers: MACs, the tag, the ethertype, and IPv4 addresses and protocol when present. */
    static String describe(DirectBuffer b, int off, int len) {
        StringBuilder s = new StringBuilder();
        s.append(MacAddress.format(MacAddress.read(b, off + 6))).append(" > ")
                .append(MacAddress.format(MacAddress.read(b, off)));
        int type = b.getShort(off + 12, ByteOrder.BIG_ENDIAN) & 0xffff;
        int l3 = off + 14;
        if (type == EthernetHeader.ETH_P_8021Q && len >= 18) {
            int tci = b.getShort(off + 14, ByteOrder.BIG_ENDIAN) & 0xffff;
            s.append(", 802.1Q vid ").append(tci & 0xfff).append(tci >>> 13 != 0 ? " pcp " + (tci >>> 13) : "");
            type = b.getShort(off + 16, ByteOrder.BIG_ENDIAN) & 0xffff;
            l3 += 4;
        }
        s.append(String.format(", type 0x%04x", type));
        if (type == EthernetHeader.ETH_P_IPV4 && l3 + 20 <= off + len) {
            int proto = Ipv4Header.protocol(b, l3);
            s.append(", IPv4 ").append(Inet4.format(Ipv4Header.src(b, l3))).append(" > ")
                    .append(Inet4.format(Ipv4Header.dst(b, l3))).append(" ttl ").append(Ipv4Header.ttl(b, l3))
                    .append(switch (proto) {
                        case 1 -> " ICMP";
                        case 6 -> " TCP";
                        case 17 -> " UDP";
                        default -> " proto " + proto;
                    });
            int l4 = l3 + Ipv4Header.headerLength(b, l3);
            if ((proto == 6 || proto == 17) && l4 + 4 <= off + len) {
                s.append(' ').append(b.getShort(l4, ByteOrder.BIG_ENDIAN) & 0xffff).append(" > ")
                        .append(b.getShort(l4 + 2, ByteOrder.BIG_ENDIAN) & 0xffff);
            }
        }
        return s.toString();
    }
}
