package io.jvs.datapath.router;

import io.jvs.core.bridge.BridgePort;
import io.jvs.core.packet.Ipv4Header;
import io.jvs.core.packet.MacAddress;
import io.jvs.core.packet.VirtioNetHeader;
import io.jvs.core.router.RouterPort;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * A router's leg on a bridge ({@code add-port BR PORT type=router options:router=R options:ip=CIDR}): a bridge port
 * with no device, like a patch or tunnel port. What the bridge outputs here is copied into the router's bounded
 * many-to-one queue ({@link Router#offer}); a full queue is a counted drop ({@code tx dropped}). The Forwarder queues
 * every frame here ({@link #batchesTransmit}, {@link #copiesOnQueue}) and calls {@link #flush} once per burst, which
 * wakes the router's owner thread once, however many frames the burst queued. When the queue then has no room for
 * another burst of the largest frames that thread has queued here (or a frame did not fit), the leg tells the
 * burst's thread, and the port that read the burst stops reading until the owner has drained the queue
 * ({@link io.jvs.datapath.reactor.Backlog}).
 *
 * <p>Frames the router sends out of this leg enter the bridge as if received on this port, on the router's owner
 * thread ({@link Router}). The port has its own MAC and IPv4 address and is router port {@link #index} of its router.
 * It takes offloads ({@link #acceptsOffloads}): a VM's TSO super-frame reaches the router whole, with its virtio
 * header, and is routed whole when it can be ({@link io.jvs.core.router.RouterStage#receiveOffloaded}); the
 * Forwarder segments only for outputs that cannot take it, after the router.
 */
public final class RouterLegPort extends BridgePort {
    private static final int VNET = VirtioNetHeader.LENGTH;

    private final Router router;
    private final int index;
    private final long mac;
    private final int address;
    private final int prefixLength;
    // Per reactor thread, each element written by its thread only: frames queued since that thread's last flush, and
    // the ring bytes of the largest frame that thread ever queued here (what its next burst may bring, 32 times).
    private final boolean[] queued;
    private final int[] largestQueued;
    // With the router bound to a namespace: this leg's TAP there (null when none or it could not be opened).
    volatile io.jvs.datapath.port.InternalPort hostTap;
    volatile String hostTapError;

    RouterLegPort(String name, Router router, int index, long mac, int address, int prefixLength, int threads) {
        super(name, threads);
        this.router = router;
        this.index = index;
        this.mac = mac;
        this.address = address;
        this.prefixLength = prefixLength;
        this.queued = new boolean[threads];
        this.largestQueued = new int[threads];
    }

    public Router router() {
        return router;
    }

    /** This leg's router port index (what the router's routes and ARP cache call it). */
    public int index() {
        return index;
    }

    public long mac() {
        return mac;
    }

    public int address() {
        return address;
    }

    public int prefixLength() {
        return prefixLength;
    }

    /** The router stage's view of this leg. */
    RouterPort routerPort() {
        return new RouterPort(index, mac, address, prefixLength, mtu());
    }

    /** The TAP in the router's namespace carrying this leg's address, or null. */
    public io.jvs.datapath.port.InternalPort hostTap() {
        return hostTap;
    }

    /** Why the leg has no TAP although its router has a namespace, or null. */
    public String hostTapError() {
        return hostTapError;
    }

    public String cidr() {
        return Ipv4Header.formatAddress(address) + "/" + prefixLength;
    }

    /** Partial checksums and GSO super-frames come through with their virtio header: the router handles them. */
    @Override
    public boolean acceptsOffloads() {
        return true;
    }

    @Override
    public boolean batchesTransmit() {
        return true;
    }

    @Override
    public boolean copiesOnQueue() {
        return true;
    }

    /** Copies the frame with its virtio header into the router's queue; false when the queue is full. */
    @Override
    public boolean queue(UnsafeBuffer buf, int offset, int length, int thread) {
        int frameLen = length - VNET;
        if (!router.offer(index, buf, offset, length)) {
            router.noteFull(thread); // lose no more: the reading port pauses after this burst
            return false; // the Forwarder counts it as tx dropped
        }
        counters().sent(thread, frameLen);
        queued[thread] = true;
        largestQueued[thread] = Math.max(largestQueued[thread], Router.recordBytes(length));
        return true;
    }

    @Override
    public boolean hasQueued(int thread) {
        return queued[thread];
    }

    /**
     * End of the burst on {@code thread}: wake the router's owner (once; it drains everything queued). If a whole
     * burst of the largest frames this thread has sent here might not fit, the port that read this burst stops
     * reading: the check is made before the next read rather than by losing frames of it. This burst's own size, or
     * its largest frame, would be a worse guess: a TAP read just after a resume may find a few frames, or small ones,
     * and the next one 32 super-frames. Pausing early costs little: the queue then still holds a millisecond of the
     * owner's work.
     */
    @Override
    public void flush(int thread) {
        int need = Router.burstRoom(largestQueued[thread]);
        queued[thread] = false;
        router.wake();
        if (router.room() < need) {
            router.noteFull(thread);
        }
    }

    /** Sends one frame at once (the Forwarder always queues here instead; kept for completeness). */
    @Override
    public int transmit(UnsafeBuffer buf, int offset, int length, int thread) {
        if (!router.offer(index, buf, offset, length)) {
            return 0;
        }
        router.wake();
        return length;
    }

    @Override
    public String type() {
        return "router";
    }

    @Override
    public String toString() {
        return name() + " (leg " + index + " of router " + router.name() + ", " + MacAddress.format(mac) + " "
                + cidr() + ")";
    }
}
