package io.jvs.core.bridge;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * A port as the forwarding logic sees it: a name, a number on its bridge, a VLAN mode, an up/down state, counters, and
 * a way to send a frame. The datapath subclasses it for TAP and AF_PACKET ports; tests and the offline replay use
 * in-memory ports; {@link PatchPort} never transmits: the {@link Forwarder} continues in the peer bridge instead.
 *
 * <p>The configuration fields are written by the control thread and read by forwarding threads (volatile); the
 * counters follow {@link PortCounters}' per-thread rule.
 */
public abstract class BridgePort {
    public static final int DEFAULT_MTU = 1500;

    private static final java.util.concurrent.atomic.AtomicInteger IDS = new java.util.concurrent.atomic.AtomicInteger();

    private final String name;
    private final int id = IDS.incrementAndGet();
    private final PortCounters counters;
    private volatile VlanConfig vlan = VlanConfig.TRUNK_ALL;
    private volatile boolean up = true;
    private volatile int mtu = DEFAULT_MTU;
    private volatile String downReason = "";
    // The capture and security filter, null unless one is attached. The Forwarder reads this field itself, not
    // through a getter: C2 does not inline a method whose signature names a class not loaded yet, and PortHooks is
    // loaded only when something is first attached; a field of a not-yet-loaded class it compiles as always null.
    volatile PortHooks hooks;
    Bridge bridge; // set by Bridge.addPort, before the port is published to forwarding threads
    int number = -1;

    protected BridgePort(String name, int threads) {
        this.name = name;
        this.counters = new PortCounters(threads);
    }

    /**
     * Sends one frame. {@code buf} holds, at {@code offset}, a 10-byte virtio-net header (all zero: a plain frame
     * with a complete checksum) followed by the Ethernet frame; {@code length} counts both. Called on a forwarding
     * thread, never concurrently for the same thread. Returns the bytes sent, 0 when the device had no room (the frame
     * is lost), or a negative errno.
     */
    public abstract int transmit(UnsafeBuffer buf, int offset, int length, int thread);

    /**
     * Whether {@link #transmit} takes frames whose virtio header asks for checksum completion or GSO segmentation
     * (an AF_PACKET socket with PACKET_VNET_HDR, a TAP: the kernel or the guest finishes the work). Others get
     * complete, MTU-sized frames: the Forwarder completes checksums and segments in software for them.
     */
    public boolean acceptsOffloads() {
        return false;
    }

    /**
     * Whether this port can defer transmission: {@link #queue} frames during a burst and send them all with one
     * syscall at {@link #flush} (sendmmsg on an AF_PACKET socket). Ports that cannot (a TAP takes one frame per
     * write) transmit at once.
     */
    public boolean batchesTransmit() {
        return false;
    }

    /**
     * Whether {@link #queue} copies the frame (a tunnel port builds each outer packet in memory of its own): the
     * Forwarder may then always queue, even when it changes the buffer again before the burst ends (segmenting a
     * GSO super-frame, tagging for another output), and one syscall sends a whole super-frame's segments.
     */
    public boolean copiesOnQueue() {
        return false;
    }

    /**
     * Queues one frame (same layout as {@link #transmit}) for this thread's next {@link #flush}; the memory must stay
     * unchanged until then. Returns false when the frame cannot be queued (the port has no device right now); it is
     * then lost and the caller counts it.
     */
    public boolean queue(UnsafeBuffer buf, int offset, int length, int thread) {
        throw new UnsupportedOperationException(name + " does not batch");
    }

    /** Whether this thread has frames queued here. */
    public boolean hasQueued(int thread) {
        return false;
    }

    /** Sends what this thread queued and counts the outcome in this port's counters. */
    public void flush(int thread) {
    }

    /**
     * Whether this port is a tunnel to another host (GRE, VXLAN). Frames received from a tunnel are never sent into
     * another tunnel of the same bridge (split horizon): a full mesh of tunnels then has no loops.
     */
    public boolean isTunnel() {
        return false;
    }

    /** The kind shown by {@code show}: system, internal, patch, ... */
    public abstract String type();

    public final String name() {
        return name;
    }

    /** A number unique to this port object in the process (flow cache keys hash it). */
    public final int id() {
        return id;
    }

    public final PortCounters counters() {
        return counters;
    }

    public final Bridge bridge() {
        return bridge;
    }

    /** The port's number on its bridge (what the MAC table stores), or -1 when not on a bridge. */
    public final int number() {
        return number;
    }

    public final VlanConfig vlan() {
        return vlan;
    }

    public void setVlan(VlanConfig vlan) {
        this.vlan = vlan;
        changed();
    }

    /** Forwarding decisions involving this port may differ now: invalidate cached ones. */
    protected final void changed() {
        Bridge b = bridge;
        if (b != null) {
            b.generation().bump();
        }
    }

    public final boolean isUp() {
        return up;
    }

    public final String downReason() {
        return downReason;
    }

    public void setUp(boolean up, String reason) {
        this.downReason = up ? "" : reason;
        this.up = up;
        changed();
    }

    /** The port's security filter ({@code security=on}), or null: the Forwarder filters nothing. */
    public final io.jvs.core.acl.PortFilter filter() {
        PortHooks h = hooks;
        return h == null ? null : h.filter;
    }

    /**
     * Attaches (or, with null, removes) the port's security filter (control thread). The flow cache needs no
     * invalidation: it caches L2 decisions only, and the filter runs outside it on every frame.
     */
    public final synchronized void setFilter(io.jvs.core.acl.PortFilter filter) {
        hooks = PortHooks.of(capture(), filter); // synchronized: a capture may be attached at the same time
    }

    /** The running capture, or null (nearly always). */
    public final PortCapture capture() {
        PortHooks h = hooks;
        return h == null ? null : h.capture;
    }

    /** Attaches or (with null) detaches a capture; control thread. */
    public final synchronized void setCapture(PortCapture capture) {
        hooks = PortHooks.of(capture, filter());
    }

    public final int mtu() {
        return mtu;
    }

    public void setMtu(int mtu) {
        this.mtu = mtu;
        changed();
    }
}
