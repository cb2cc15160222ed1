package io.jvs.core.bridge;

import io.jvs.core.acl.PortFilter;
import io.jvs.core.packet.ChecksumOffload;
import io.jvs.core.packet.EthernetHeader;
import io.jvs.core.packet.GsoSegmenter;
import io.jvs.core.packet.MacAddress;
import io.jvs.core.packet.SegmentSink;
import io.jvs.core.packet.VirtioNetHeader;
import io.jvs.core.packet.VlanHeader;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The path of one received frame through the switch, on one forwarding thread: offload fix-ups, 802.1Q admission,
 * MAC learning and lookup, flooding, patch hops into other bridges, then VLAN push/pop and transmission on each
 * output port. One instance per forwarding thread; it holds that thread's scratch state, so nothing here allocates
 * or locks per frame.
 *
 * <p>A received frame comes as a virtio-net header followed by the Ethernet frame, with at least {@link #HEADROOM}
 * writable bytes before the header. Inside, the frame is kept untagged (its VLAN travels beside it); on output the
 * tag is pushed by moving the two MAC addresses 4 bytes into the headroom, and a fresh virtio header is written in
 * front of whichever form goes out.
 *
 * <p>Security groups: a port with a {@link PortFilter} has it asked once per frame and direction, outside the flow
 * cache (which keeps caching the L2 decision only): {@code egress} for a frame received on it, before MAC learning,
 * and {@code ingress} for each frame about to be sent to it, before tagging or segmentation.
 */
public final class Forwarder {
    /** Bytes a receive buffer must leave before the virtio header: room for one VLAN tag and a virtio header. */
    public static final int HEADROOM = 64;
    /** Patch hops one frame may take before we call it a loop. */
    public static final int MAX_PATCH_DEPTH = 8;

    private static final int VNET = VirtioNetHeader.LENGTH;

    private final int thread;
    private final ActionList scratch = new ActionList(Bridge.MAX_PORTS); // what the slow path records
    private final ActionList permitted = new ActionList(Bridge.MAX_PORTS); // outputs their ingress filters passed
    private final PortFilter.Scratch filterScratch = new PortFilter.Scratch();
    private final FlowCache cache; // null: every frame takes the slow path
    private ActionList actions; // the decision being recorded or replayed
    private final boolean[] outPending = new boolean[Bridge.MAX_PORTS];
    private final BridgePort[] toFlush = new BridgePort[Bridge.MAX_PORTS]; // ports with frames queued this burst
    private int toFlushCount;
    // Bridges whose owner thread must be woken to apply learn requests: once per burst, not once per frame (a
    // cross-thread wake-up costs a syscall and a context switch).
    private final Bridge[] toWake = new Bridge[16];
    private int toWakeCount;
    // The frame's offload metadata from its virtio header, with offsets relative to the untagged frame.
    private int vnetFlags;
    private int gsoTypeRaw; // including the ECN bit
    private int gsoSize;
    private int hdrLen;
    private int csumStart;
    private int csumOffset;
    private int taggedVid; // which form the buffer being emitted holds: -1 untagged, else tagged with this VID
    private int pcp; // priority bits of the frame being forwarded, kept when a tag is pushed again
    private long nowNs;
    private BridgePort inPort;

    // Set only on a Forwarder made by forTrace: it reports every decision there and sends nothing.
    private Observer observer;

    private final GsoSegmenter segmenter;
    private final SegmentSink emitSegment = this::emitSegment;

    /** @param thread this forwarding thread's index (for counters and MAC-learning ownership) */
    public Forwarder(int thread) {
        this(thread, FlowCache.DEFAULT_ENTRIES);
    }

    /** @param cacheEntries flow cache size (a power of two), or 0 for no cache */
    public Forwarder(int thread, int cacheEntries) {
        this.thread = thread;
        this.segmenter = new GsoSegmenter(65535);
        this.cache = cacheEntries == 0 ? null : new FlowCache(cacheEntries);
    }

    /**
     * What {@code jvs trace} is told of each decision, in order. A traced frame takes the real pipeline's slow path
     * (no flow cache), learns nothing and sends nothing: outputs are reported instead.
     */
    public interface Observer {
        /** The input port admitted the frame with wire VID {@code wireVid} (-1: untagged) into VLAN {@code vlan}. */
        void admitted(BridgePort in, int wireVid, int vlan);

        /** The frame (or one copy of it) was dropped here. */
        void dropped(BridgePort port, DropReason reason);

        /**
         * A security filter decided: {@code ingress} (towards the port's VM) or egress (from it); {@code verdict}
         * null when it passed, with the rule and reason in {@code how}.
         */
        default void filtered(BridgePort port, boolean ingress, DropReason verdict, PortFilter.Scratch how) {
        }

        /** The source MAC would be learned (or refreshed) in {@code vlan} on {@code port}. */
        void learned(Bridge bridge, int vlan, long mac, BridgePort port);

        /** The destination was looked up: learned on {@code port} (null: unknown, multicast or unusable: flood). */
        void lookedUp(Bridge bridge, int vlan, long dst, BridgePort port);

        /** The frame crossed a patch pair, leaving {@code from} with wire VID {@code wireVid}. */
        void crossed(PatchPort from, PatchPort to, int wireVid);

        /** The frame would be sent on {@code out} as the {@code len} bytes at {@code off} (offload metadata aside). */
        void output(BridgePort out, UnsafeBuffer buf, int off, int len, int wireVid);
    }

    /**
     * A Forwarder that traces: decisions go to {@code observer}; it learns nothing, sends nothing and uses no cache.
     *
     * @param counterRow a per-thread counter row no forwarding thread uses: what the trace counts lands there
     *                   and is never shown (see {@link PortCounters})
     */
    public static Forwarder forTrace(int counterRow, Observer observer) {
        Forwarder f = new Forwarder(counterRow, 0);
        f.observer = observer;
        f.filterScratch.dryRun = true; // security filters decide as usual but record no connection and no hit
        return f;
    }

    private void countDrop(BridgePort in, DropReason reason) {
        in.counters().drop(thread, reason);
        if (observer != null) {
            observer.dropped(in, reason);
        }
    }

    /** This thread's flow cache, or null when it runs without one. */
    public FlowCache cache() {
        return cache;
    }

    /**
     * Forwards one frame received on {@code in}.
     *
     * @param buf     the receive buffer
     * @param vnetOff offset of the virtio-net header, followed by the frame
     * @param length  bytes of virtio header and frame together
     * @param auxTci  the 802.1Q TCI the kernel stripped on receive (AF_PACKET auxdata), or -1
     * @param nowNs   the clock, read once per burst
     */
    public void receive(BridgePort in, UnsafeBuffer buf, int vnetOff, int length, int auxTci, long nowNs) {
        PortCounters c = in.counters();
        int frameOff = vnetOff + VNET;
        int frameLen = length - VNET;
        if (frameLen < EthernetHeader.LENGTH) {
            c.received(thread, Math.max(frameLen, 0));
            countDrop(in, DropReason.RUNT);
            return;
        }
        c.received(thread, frameLen);
        PortHooks inHooks = in.hooks; // null unless a capture or filter is attached (see BridgePort.hooks)
        if (inHooks != null && inHooks.capture != null) {
            inHooks.capture.received(buf, frameOff, frameLen, auxTci);
        }
        if (!in.isUp()) {
            countDrop(in, DropReason.PORT_DOWN);
            return;
        }
        int flags = VirtioNetHeader.flags(buf, vnetOff);
        vnetFlags = flags;
        gsoTypeRaw = VirtioNetHeader.gsoType(buf, vnetOff);
        int gsoType = gsoTypeRaw & ~VirtioNetHeader.GSO_ECN;
        gsoSize = VirtioNetHeader.gsoSize(buf, vnetOff);
        hdrLen = VirtioNetHeader.hdrLen(buf, vnetOff);
        csumStart = VirtioNetHeader.csumStart(buf, vnetOff);
        csumOffset = VirtioNetHeader.csumOffset(buf, vnetOff);

        int wireVid = -1;
        pcp = 0;
        if (auxTci >= 0) {
            wireVid = VlanHeader.vid(auxTci);
            pcp = VlanHeader.pcp(auxTci);
        } else if (EthernetHeader.etherType(buf, frameOff) == EthernetHeader.ETH_P_8021Q) {
            if (frameLen < EthernetHeader.LENGTH + VlanHeader.LENGTH) {
                countDrop(in, DropReason.TRUNCATED_VLAN);
                return;
            }
            int tci = buf.getShort(frameOff + EthernetHeader.ETHERTYPE_OFFSET + 2, java.nio.ByteOrder.BIG_ENDIAN) & 0xffff;
            wireVid = VlanHeader.vid(tci);
            pcp = VlanHeader.pcp(tci);
            moveMacs(buf, frameOff, frameOff + VlanHeader.LENGTH); // strip the tag: the frame now starts 4 later
            frameOff += VlanHeader.LENGTH;
            frameLen -= VlanHeader.LENGTH;
            csumStart -= VlanHeader.LENGTH;
            hdrLen = Math.max(0, hdrLen - VlanHeader.LENGTH);
        }

        if ((flags & VirtioNetHeader.FLAG_NEEDS_CSUM) != 0
                && (csumStart < 0 || csumStart + csumOffset + 2 > frameLen)) {
            countDrop(in, DropReason.BAD_CSUM_OFFSET);
            return;
        }
        if (gsoType == VirtioNetHeader.GSO_NONE) {
            if (frameLen > in.mtu() + EthernetHeader.LENGTH) {
                countDrop(in, DropReason.OVERSIZE);
                return;
            }
        } else {
            // Each segment repeats the headers: headers + gso_size must fit the MTU, or every segment is too big.
            int headers = GsoSegmenter.headersLength(buf, frameOff, frameLen, gsoType);
            if (gsoSize == 0 || headers < 0 || headers - EthernetHeader.LENGTH + gsoSize > in.mtu()) {
                countDrop(in, DropReason.GSO_MALFORMED);
                return;
            }
        }

        if (inHooks != null && inHooks.filter != null) { // security groups, egress: before learning the source
            DropReason denied = inHooks.filter.egress(filterScratch, thread, buf, frameOff, frameLen, nowNs);
            if (observer != null) {
                observer.filtered(in, false, denied, filterScratch);
            }
            if (denied != null) {
                countDrop(in, denied);
                return;
            }
        }

        this.nowNs = nowNs;
        this.inPort = in;
        long dst = MacAddress.read(buf, frameOff + EthernetHeader.DST_OFFSET);
        long src = MacAddress.read(buf, frameOff + EthernetHeader.SRC_OFFSET);
        int etherType = EthernetHeader.etherType(buf, frameOff);
        FlowGeneration generation = in.bridge().generation();
        long gen = generation.get(); // before deciding: see FlowGeneration
        ActionList hit = cache == null ? null : cache.lookup(in, dst, src, wireVid, etherType, gen);
        if (hit != null) {
            actions = hit;
            replay(hit, src, frameLen);
        } else {
            actions = scratch;
            scratch.clear(); // normally empty already; not after a frame that threw half-way
            forward(in, buf, frameOff, frameLen, wireVid, 0);
            // While a capture runs nothing is cached (its start bumped the generation, so nothing cached before
            // it hits either): every frame takes this path, where patch hops are visited and captured.
            if (cache != null && !scratch.overflow && !generation.capturing()) {
                cache.install(in, dst, src, wireVid, etherType, gen, scratch);
            }
        }
        if (actions.outCount > 0) {
            emit(buf, frameOff, frameLen, gsoType);
        }
        // Do not keep deleted ports reachable from the lists this frame filled (a hit filled neither, normally).
        if (hit == null) {
            scratch.clear();
        }
        if (actions == permitted) {
            permitted.clear();
        }
    }

    /** A cache hit: does what the slow path did for this key, with this frame's source and length. */
    private void replay(ActionList a, long src, int frameLen) {
        for (int i = 0; i < a.learnCount; i++) {
            learnSource(a.learnBridge[i], a.learnVlan[i], src, a.learnPort[i]); // refreshes the age
        }
        for (int i = 0; i < a.patchCount; i++) {
            int wireLen = a.patchTagged[i] ? frameLen + VlanHeader.LENGTH : frameLen;
            PatchPort patch = a.patchOut[i];
            patch.counters().sent(thread, wireLen);
            PatchPort peer = patch.peer();
            if (peer != null) {
                peer.counters().received(thread, wireLen);
            }
        }
        for (int i = 0; i < a.dropCount; i++) {
            a.dropPort[i].counters().drop(thread, a.dropReason[i]);
        }
    }

    /** The slow path's learning: a traced frame only reports it. */
    private void learn(Bridge bridge, int vlan, long src, int portNumber) {
        if (observer != null) {
            observer.learned(bridge, vlan, src, bridge.port(portNumber));
            return;
        }
        learnSource(bridge, vlan, src, portNumber);
    }

    /** Learns or refreshes {@code src}. A hit calls it directly: a tracing Forwarder has no cache, so no hits. */
    private void learnSource(Bridge bridge, int vlan, long src, int portNumber) {
        if (bridge.learn(thread, vlan, src, portNumber, nowNs)) {
            if (toWakeCount == toWake.length) {
                bridge.wakeOwner(); // more bridges than a burst normally touches: wake at once
            } else {
                toWake[toWakeCount++] = bridge;
            }
        }
    }

    private void drop(BridgePort port, DropReason reason) {
        port.counters().drop(thread, reason);
        if (observer != null) {
            observer.dropped(port, reason);
        }
        actions.drop(port, reason);
    }

    /** The bridge stage: admit, learn, look up, then output or flood. Fills the output list. */
    private void forward(BridgePort in, MutableDirectBuffer buf, int frameOff, int frameLen, int wireVid, int depth) {
        Bridge bridge = in.bridge();
        VlanConfig inVlan = in.vlan();
        int vlan = inVlan.ingress(wireVid);
        if (vlan == VlanConfig.REJECT) {
            drop(in, inVlan.ingressDrop(wireVid));
            return;
        }
        if (observer != null) {
            observer.admitted(in, wireVid, vlan);
        }
        long src = MacAddress.read(buf, frameOff + EthernetHeader.SRC_OFFSET);
        if (MacAddress.isMulticast(src)) {
            drop(in, DropReason.MULTICAST_SRC);
            return;
        }
        learn(bridge, vlan, src, in.number);
        actions.learn(bridge, vlan, in.number);

        long dst = MacAddress.read(buf, frameOff + EthernetHeader.DST_OFFSET);
        if (observer != null && MacAddress.isMulticast(dst)) {
            observer.lookedUp(bridge, vlan, dst, null);
        }
        if (!MacAddress.isMulticast(dst)) {
            int n = bridge.macTable().lookup(MacTable.key(vlan, dst));
            BridgePort out = n >= 0 ? bridge.port(n) : null;
            if (observer != null) {
                observer.lookedUp(bridge, vlan, dst, out != null && out.isUp() && out.vlan().carries(vlan) ? out : null);
            }
            if (out != null && out.isUp() && out.vlan().carries(vlan)) {
                if (out == in) {
                    drop(in, DropReason.DST_ON_IN_PORT);
                } else if (in.isTunnel() && out.isTunnel()) {
                    drop(in, DropReason.SPLIT_HORIZON);
                } else {
                    output(out, buf, frameOff, frameLen, vlan, depth);
                }
                return;
            }
        }
        BridgePort[] ports = bridge.ports();
        boolean fromTunnel = in.isTunnel();
        for (BridgePort out : ports) {
            if (out != null && out != in && out.isUp() && out.vlan().carries(vlan)
                    && !(fromTunnel && out.isTunnel())) {
                output(out, buf, frameOff, frameLen, vlan, depth);
            }
        }
    }

    private void output(BridgePort out, MutableDirectBuffer buf, int frameOff, int frameLen, int vlan, int depth) {
        int wireVid = out.vlan().egressWireVid(vlan);
        if (out instanceof PatchPort patch) {
            PatchPort peer = patch.peer();
            if (peer == null || !peer.isUp() || peer.bridge() == null) {
                drop(patch, DropReason.PATCH_UNCONNECTED);
                return;
            }
            if (depth >= MAX_PATCH_DEPTH) {
                drop(patch, DropReason.PATCH_LOOP);
                return;
            }
            // One frame out of this end and into the peer (a GSO super-frame counts once, with all its bytes).
            int wireLen = wireVid < 0 ? frameLen : frameLen + VlanHeader.LENGTH;
            patch.counters().sent(thread, wireLen);
            peer.counters().received(thread, wireLen);
            PortHooks patchHooks = patch.hooks;
            if (patchHooks != null && patchHooks.capture != null) {
                patchHooks.capture.crossed(PortCapture.OUT, buf, frameOff, frameLen, wireVid, pcp);
            }
            PortHooks peerHooks = peer.hooks;
            if (peerHooks != null && peerHooks.capture != null) {
                peerHooks.capture.crossed(PortCapture.IN, buf, frameOff, frameLen, wireVid, pcp);
            }
            if (observer != null) {
                observer.crossed(patch, peer, wireVid);
            }
            actions.patch(patch, wireVid >= 0);
            forward(peer, buf, frameOff, frameLen, wireVid, depth + 1);
            return;
        }
        if (!actions.output(out, wireVid)) {
            drop(inPort, DropReason.TOO_MANY_OUTPUTS);
        }
    }

    /**
     * Sends the frame to every output. A frame with offload work pending (a partial checksum, a GSO super-frame)
     * goes as it is, with its virtio header, to untagged outputs that accept offloads; the kernel or the guest behind
     * them finishes the work, which is what makes TCP fast. The other outputs get the work done here: the checksum
     * completed in place, or the super-frame cut into MTU-sized segments.
     */
    private void emit(UnsafeBuffer buf, int frameOff, int frameLen, int gsoType) {
        boolean offloaded = gsoType != VirtioNetHeader.GSO_NONE
                || (vnetFlags & VirtioNetHeader.FLAG_NEEDS_CSUM) != 0;
        ActionList a = filterOutputs(buf, frameOff, frameLen);
        int pending = 0;
        boolean oneView = true; // every output sends the same bytes (same wire VLAN)
        for (int i = 0; i < a.outCount; i++) {
            // Tagged GSO frames are segmented here rather than trusting every receiver with VLAN-tagged GSO.
            outPending[i] = offloaded && !(a.outPorts[i].acceptsOffloads() && a.outWireVid[i] < 0);
            if (outPending[i]) {
                pending++;
            }
            oneView &= a.outWireVid[i] == a.outWireVid[0];
        }
        // Transmission may be deferred to the end of the burst only if the buffer will not change again: one view
        // for all outputs (a flood into one VLAN included) and no software offload work after this pass.
        boolean deferrable = oneView && pending == 0;
        taggedVid = -1;
        for (int i = 0; i < a.outCount; i++) {
            if (outPending[i]) {
                continue;
            }
            BridgePort out = a.outPorts[i];
            if (gsoType != VirtioNetHeader.GSO_NONE && gsoSize > out.mtu()) {
                countDrop(out, DropReason.OVERSIZE);
                continue;
            }
            send(i, buf, frameOff, frameLen, offloaded, deferrable);
        }
        if (pending == 0) {
            return;
        }
        if (taggedVid >= 0) {
            moveMacs(buf, frameOff - VlanHeader.LENGTH, frameOff); // back to the untagged form
            taggedVid = -1;
        }
        if (gsoType == VirtioNetHeader.GSO_NONE) {
            ChecksumOffload.complete(buf, frameOff, frameLen, csumStart, csumOffset);
            sendPending(buf, frameOff, frameLen);
            return;
        }
        int n = segmenter.segment(buf, frameOff, frameLen, gsoType, gsoSize, emitSegment);
        if (n < 0) {
            inPort.counters().drop(thread,
                    n == GsoSegmenter.UNSUPPORTED ? DropReason.GSO_UNSUPPORTED : DropReason.GSO_MALFORMED);
        }
    }

    /**
     * Security groups, ingress (to the VM): asks the filter of every output that has one, per frame (cache hit or
     * not). Returns {@link #actions}, or, when a filter refused, {@link #permitted} with the outputs that remain
     * (and makes it {@link #actions}).
     */
    private ActionList filterOutputs(UnsafeBuffer buf, int frameOff, int frameLen) {
        ActionList a = actions;
        int denied = -1;
        for (int i = 0; i < a.outCount; i++) {
            PortHooks hooks = a.outPorts[i].hooks;
            if (hooks != null && hooks.filter != null) {
                DropReason reason = hooks.filter.ingress(filterScratch, thread, buf, frameOff, frameLen, nowNs);
                if (observer != null) {
                    observer.filtered(a.outPorts[i], true, reason, filterScratch);
                }
                if (reason != null) {
                    countDrop(a.outPorts[i], reason);
                    if (denied < 0) {
                        denied = i;
                        permitted.clear();
                        for (int k = 0; k < i; k++) {
                            permitted.output(a.outPorts[k], a.outWireVid[k]);
                        }
                    }
                    continue;
                }
            }
            if (denied >= 0) {
                permitted.output(a.outPorts[i], a.outWireVid[i]);
            }
        }
        if (denied < 0) {
            return a;
        }
        actions = permitted;
        return permitted;
    }

    private void emitSegment(MutableDirectBuffer buf, int off, int len) {
        taggedVid = -1; // the segmenter hands each segment over untagged
        sendPending((UnsafeBuffer) buf, off, len);
        if (taggedVid >= 0) {
            // The segmenter writes the Ethernet header once and reuses it for every segment: undo the tag push.
            moveMacs(buf, off - VlanHeader.LENGTH, off);
            taggedVid = -1;
        }
    }

    private void sendPending(UnsafeBuffer buf, int frameOff, int frameLen) {
        for (int i = 0; i < actions.outCount; i++) {
            if (outPending[i]) {
                send(i, buf, frameOff, frameLen, false, false);
            }
        }
    }

    /**
     * Sends the untagged frame at [frameOff, frameOff+frameLen) to output i, pushing, rewriting or popping the tag
     * in place as that output needs ({@link #taggedVid} tracks which form the buffer holds), behind a virtio header
     * that carries the frame's offload metadata when {@code withOffloads}, else says "complete frame". When
     * {@code deferrable} (the buffer will not change again before the burst ends) and the port batches, the frame is
     * queued for {@link #flush} instead of sent now.
     */
    private void send(int i, UnsafeBuffer buf, int frameOff, int frameLen, boolean withOffloads, boolean deferrable) {
        BridgePort out = actions.outPorts[i];
        int vid = actions.outWireVid[i];
        int viewOff;
        int viewLen;
        if (vid < 0) {
            if (taggedVid >= 0) {
                moveMacs(buf, frameOff - VlanHeader.LENGTH, frameOff);
                taggedVid = -1;
            }
            viewOff = frameOff;
            viewLen = frameLen;
        } else {
            if (taggedVid < 0) {
                moveMacs(buf, frameOff, frameOff - VlanHeader.LENGTH);
                buf.putShort(frameOff + 8, (short) EthernetHeader.ETH_P_8021Q, java.nio.ByteOrder.BIG_ENDIAN);
            }
            if (taggedVid != vid) {
                buf.putShort(frameOff + 10, (short) VlanHeader.tci(pcp, vid), java.nio.ByteOrder.BIG_ENDIAN);
                taggedVid = vid;
            }
            viewOff = frameOff - VlanHeader.LENGTH;
            viewLen = frameLen + VlanHeader.LENGTH;
        }
        PortCounters c = out.counters();
        if (!withOffloads && viewLen > out.mtu() + EthernetHeader.LENGTH + (vid < 0 ? 0 : VlanHeader.LENGTH)) {
            countDrop(out, DropReason.OVERSIZE);
            return;
        }
        if (observer != null) {
            observer.output(out, buf, viewOff, viewLen, vid);
            return;
        }
        PortHooks hooks = out.hooks;
        if (hooks != null && hooks.capture != null) {
            hooks.capture.sent(buf, viewOff, viewLen);
        }
        int vnetOff = viewOff - VNET;
        VirtioNetHeader.clear(buf, vnetOff);
        if (withOffloads) {
            // Only untagged outputs get offloads, so the offsets need no shift for a pushed tag.
            VirtioNetHeader.setFlags(buf, vnetOff, vnetFlags & VirtioNetHeader.FLAG_NEEDS_CSUM);
            VirtioNetHeader.setGsoType(buf, vnetOff, gsoTypeRaw);
            VirtioNetHeader.setHdrLen(buf, vnetOff, hdrLen);
            VirtioNetHeader.setGsoSize(buf, vnetOff, gsoSize);
            VirtioNetHeader.setCsumStart(buf, vnetOff, csumStart);
            VirtioNetHeader.setCsumOffset(buf, vnetOff, csumOffset);
        }
        if (out.batchesTransmit()) {
            if (deferrable || out.copiesOnQueue()) {
                boolean first = !out.hasQueued(thread);
                if (!out.queue(buf, vnetOff, viewLen + VNET, thread)) {
                    c.add(thread, PortCounters.TX_DROPPED, 1);
                } else if (first) {
                    if (toFlushCount == toFlush.length) {
                        flush();
                    }
                    toFlush[toFlushCount++] = out;
                }
                return;
            }
            if (out.hasQueued(thread)) {
                out.flush(thread); // frames queued earlier must leave first
            }
        }
        int r = out.transmit(buf, vnetOff, viewLen + VNET, thread);
        if (r > 0) {
            c.sent(thread, viewLen);
        } else if (r == 0) {
            c.add(thread, PortCounters.TX_DROPPED, 1);
        } else {
            c.add(thread, PortCounters.TX_ERRORS, 1);
        }
    }

    /**
     * Sends every frame queued during the burst (one sendmmsg per output port) and wakes the owners of bridges that
     * got learn requests. The reactor calls it after each burst, before the receive slots are reused.
     */
    public void flush() {
        // Owners first: the frames about to leave may draw replies that should find their senders already learned.
        for (int i = 0; i < toWakeCount; i++) {
            toWake[i].wakeOwner();
            toWake[i] = null;
        }
        toWakeCount = 0;
        for (int i = 0; i < toFlushCount; i++) {
            toFlush[i].flush(thread);
            toFlush[i] = null;
        }
        toFlushCount = 0;
    }

    /** Moves the 12 bytes of destination and source MAC from {@code from} to {@code to} (overlap allowed). */
    private static void moveMacs(MutableDirectBuffer buf, int from, int to) {
        long a = buf.getLong(from);
        int b = buf.getInt(from + 8);
        buf.putLong(to, a);
        buf.putInt(to + 8, b);
    }
}
