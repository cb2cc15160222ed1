package io.jvs.core.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A reference model of what {@link io.jvs.core.bridge.Forwarder} does with a plain frame (an all-zero virtio
 * header): written for obvious correctness, not speed. Frames are byte arrays, tables are maps, there is no cache,
 * and every step of the pipeline is a separate, readable rule:
 *
 * <ol>
 *   <li>shorter than 14 bytes: counted as received (with its length) and dropped as {@code runt};</li>
 *   <li>received on a down port: {@code port_down};</li>
 *   <li>ethertype 0x8100: the tag is taken off (fewer than 18 bytes: {@code truncated_vlan}); its VID is the wire
 *       VID and its PCP is kept for re-tagging; any other ethertype (0x88a8 included) is untagged;</li>
 *   <li>longer (untagged) than the input port's MTU + 14: {@code oversize};</li>
 *   <li>per bridge: the VLAN mode admits the frame or drops it ({@code tagged_on_access} /
 *       {@code vlan_not_allowed}); a multicast source is dropped ({@code multicast_src}); the source is learned on the
 *       input port; a unicast destination learned on a port that is up and carries the VLAN goes there only (or is
 *       dropped as {@code dst_on_in_port} when that is the input port); everything else floods to every other up port
 *       carrying the VLAN, in port-number order; between two tunnel ports nothing is forwarded (split horizon: a
 *       unicast is dropped as {@code split_horizon}, a flood skips them);</li>
 *   <li>output to a patch port: its peer must exist and be up ({@code patch_unconnected}), and at most 8 patch hops
 *       are allowed ({@code patch_loop}); the frame leaves the patch port with the patch port's egress VLAN rule and
 *       enters the peer's bridge as if received there (depth first, so outputs keep the decision's order);</li>
 *   <li>output to a host port: untagged for access ports and VLAN 0, else tagged 0x8100 with the ingress PCP; a frame
 *       longer than that port's MTU + 14 (+ 4 when tagged) is dropped there as {@code oversize}.</li>
 * </ol>
 *
 * <p>Security groups ({@link ModelSecurity}): a port with security on judges every frame received on it after step 4
 * (untagged, before the bridge sees it: a refused frame is not learned) and, once the decision is made, every frame
 * the decision sends to it (untagged, in decision order, all outputs before any is sent); a refused frame is counted
 * on that port under the verdict's name.
 */
public final class ReferenceSwitch {
    public static final int MAX_PATCH_DEPTH = 8;
    /** Outputs one decision can have (the real scratch action list is sized to Bridge.MAX_PORTS). */
    public static final int MAX_OUTPUTS = 1024;

    /** One output of a decision: the port, the internal VLAN of the frame, and the VID on the wire (-1 untagged). */
    public record Output(ModelPort port, int vlan, int wireVid) {
    }

    /** What one frame produced on a host port. */
    public record Sent(ModelPort port, int vlan, byte[] frame) {
        @Override
        public String toString() {
            return port.name + " vlan " + vlan + " " + ReferenceSwitch.hex(frame);
        }
    }

    public final List<ModelBridge> bridges = new ArrayList<>();
    public final List<ModelPort> ports = new ArrayList<>();

    // State of the frame being forwarded.
    private ModelPort inPort;
    private long nowNs;
    private final List<Output> decision = new ArrayList<>();

    public ModelBridge addBridge(String name, int capacity, long agingNs) {
        ModelBridge b = new ModelBridge(name, capacity, agingNs);
        bridges.add(b);
        return b;
    }

    public ModelPort addPort(ModelBridge bridge, String name, boolean patch, int mtu) {
        ModelPort p = new ModelPort(name, patch, mtu);
        bridge.addPort(p);
        ports.add(p);
        return p;
    }

    public static void connect(ModelPort a, ModelPort b) {
        a.peer = b;
        b.peer = a;
    }

    /** Forwards one frame received on {@code in} at time {@code nowNs}; returns what it sent, in order. */
    public List<Sent> receive(ModelPort in, byte[] frame, long nowNs) {
        List<Sent> result = new ArrayList<>();
        in.rxPackets++;
        in.rxBytes += frame.length;
        if (frame.length < 14) {
            in.drop("runt");
            return result;
        }
        if (!in.up) {
            in.drop("port_down");
            return result;
        }
        int wireVid = -1;
        int pcp = 0;
        byte[] body = frame;
        if (u16(frame, 12) == 0x8100) {
            if (frame.length < 18) {
                in.drop("truncated_vlan");
                return result;
            }
            int tci = u16(frame, 14);
            wireVid = tci & 0xfff;
            pcp = tci >>> 13;
            body = untag(frame);
        }
        if (body.length > in.mtu + 14) {
            in.drop("oversize");
            return result;
        }
        if (in.security.on) {
            String refused = in.security.egress(body);
            if (refused != null) {
                in.drop(refused);
                return result;
            }
        }
        this.inPort = in;
        this.nowNs = nowNs;
        decision.clear();
        forward(in, body, wireVid, 0);
        List<Output> permitted = new ArrayList<>();
        for (Output o : decision) {
            String refused = o.port.security.on ? o.port.security.ingress(body) : null;
            if (refused != null) {
                o.port.drop(refused);
            } else {
                permitted.add(o);
            }
        }
        for (Output o : permitted) {
            byte[] wire = o.wireVid < 0 ? body.clone() : tag(body, pcp, o.wireVid);
            int limit = o.port.mtu + 14 + (o.wireVid < 0 ? 0 : 4);
            if (wire.length > limit) {
                o.port.drop("oversize");
                continue;
            }
            o.port.txPackets++;
            o.port.txBytes += wire.length;
            o.port.sent.add(wire);
            result.add(new Sent(o.port, o.vlan, wire));
        }
        return result;
    }

    private void forward(ModelPort in, byte[] body, int wireVid, int depth) {
        ModelBridge bridge = in.bridge;
        int vlan = in.vlan.ingress(wireVid);
        if (vlan == VlanMode.REJECT) {
            in.drop(in.vlan.rejectReason());
            return;
        }
        long src = mac(body, 6);
        if (isMulticast(src)) {
            in.drop("multicast_src");
            return;
        }
        bridge.learn(vlan, src, in.number, nowNs);
        long dst = mac(body, 0);
        if (!isMulticast(dst)) {
            int n = bridge.lookup(vlan, dst);
            ModelPort out = n >= 0 ? bridge.ports.get(n) : null;
            if (out != null && out.up && out.vlan.carries(vlan)) {
                if (out == in) {
                    in.drop("dst_on_in_port");
                } else if (in.tunnel && out.tunnel) {
                    in.drop("split_horizon");
                } else {
                    output(out, body, vlan, depth);
                }
                return;
            }
        }
        for (ModelPort out : List.copyOf(bridge.ports)) {
            if (out != in && out.up && out.vlan.carries(vlan) && !(in.tunnel && out.tunnel)) {
                output(out, body, vlan, depth);
            }
        }
    }

    private void output(ModelPort out, byte[] body, int vlan, int depth) {
        int wireVid = out.vlan.egressVid(vlan);
        if (out.patch) {
            ModelPort peer = out.peer;
            if (peer == null || !peer.up || peer.bridge == null) {
                out.drop("patch_unconnected");
                return;
            }
            if (depth >= MAX_PATCH_DEPTH) {
                out.drop("patch_loop");
                return;
            }
            int wireLen = body.length + (wireVid < 0 ? 0 : 4);
            out.txPackets++;
            out.txBytes += wireLen;
            peer.rxPackets++;
            peer.rxBytes += wireLen;
            forward(peer, body, wireVid, depth + 1);
            return;
        }
        if (decision.size() >= MAX_OUTPUTS) {
            inPort.drop("too_many_outputs");
            return;
        }
        decision.add(new Output(out, vlan, wireVid));
    }

    static int u16(byte[] f, int off) {
        return (f[off] & 0xff) << 8 | (f[off + 1] & 0xff);
    }

    static long mac(byte[] f, int off) {
        long m = 0;
        for (int i = 0; i < 6; i++) {
            m = m << 8 | (f[off + i] & 0xff);
        }
        return m;
    }

    /** The group bit: the lowest bit of the first byte on the wire. */
    static boolean isMulticast(long mac) {
        return (mac >>> 40 & 1) != 0;
    }

    /** The frame without its 4-byte 802.1Q tag after the MAC addresses. */
    static byte[] untag(byte[] f) {
        byte[] out = new byte[f.length - 4];
        System.arraycopy(f, 0, out, 0, 12);
        System.arraycopy(f, 16, out, 12, f.length - 16);
        return out;
    }

    /** The untagged frame with an 802.1Q tag (DEI clear) inserted after the MAC addresses. */
    static byte[] tag(byte[] f, int pcp, int vid) {
        byte[] out = new byte[f.length + 4];
        System.arraycopy(f, 0, out, 0, 12);
        int tci = (pcp & 7) << 13 | (vid & 0xfff);
        out[12] = (byte) 0x81;
        out[13] = 0;
        out[14] = (byte) (tci >>> 8);
        out[15] = (byte) tci;
        System.arraycopy(f, 12, out, 16, f.length - 12);
        return out;
    }

    static String hex(byte[] f) {
        StringBuilder sb = new StringBuilder();
        for (byte b : f) {
            sb.append(String.format("%02x", b));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "ReferenceSwitch" + Arrays.toString(ports.toArray());
    }
}
