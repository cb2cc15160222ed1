package io.jvs.datapath.tunnel;

import java.util.concurrent.atomic.AtomicLong;

import io.jvs.core.bridge.BridgePort;
import io.jvs.datapath.linux.Inet4;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * A GRE or VXLAN tunnel to one remote host ({@code type=gre|vxlan}). It has no device of its own: frames leave
 * through its {@link TunnelEndpoint} (one kernel socket shared by every tunnel with the same local address and
 * kind), and the endpoint's receive side hands this port the frames whose outer source and key match it.
 *
 * <p>With a fixed key ({@code options:key=N}, or none, which means no GRE key and VNI 0) the port is like a system
 * port whose wire is the tunnel: its VLAN mode applies to the inner frame. With {@code options:key=flow} the key is
 * the bridge's {@link io.jvs.core.bridge.VlanKeyMap} image of the frame's local VLAN: the port is a trunk, frames
 * leave with their tag removed and arrive tagged with the local VLAN of their key.
 */
public final class TunnelPort extends BridgePort {
    /** {@link #key()} of a port without a key. */
    public static final long NO_KEY = -1;
    /** {@link #key()} of a {@code key=flow} port. */
    public static final long FLOW = -2;

    private final TunnelKind kind;
    private final TunnelEndpoint endpoint; // null for a detached port (tests, fuzzing)
    private final int remote;
    private final long key;
    private final boolean checksum;
    private final AtomicLong sequence; // null: no sequence numbers
    private final int greFlags; // the GRE flags word this port sends (all but the key bit fixed per port)

    TunnelPort(String name, TunnelEndpoint endpoint, int remote, long key, boolean checksum,
            boolean sequence, int threads) {
        this(name, endpoint.kind(), endpoint, remote, key, checksum, sequence, threads);
    }

    private TunnelPort(String name, TunnelKind kind, TunnelEndpoint endpoint, int remote, long key,
            boolean checksum, boolean sequence, int threads) {
        super(name, threads);
        this.kind = kind;
        this.endpoint = endpoint;
        this.remote = remote;
        this.key = key;
        this.checksum = checksum;
        this.sequence = sequence ? new AtomicLong() : null;
        this.greFlags = (checksum ? io.jvs.tunnel.GreHeader.FLAG_C : 0)
                | (key != NO_KEY ? io.jvs.tunnel.GreHeader.FLAG_K : 0)
                | (sequence ? io.jvs.tunnel.GreHeader.FLAG_S : 0);
        setMtu(65535); // the kernel fragments the outer packet; inner frames are bounded by the other ports
    }

    /**
     * A port with no endpoint: it cannot send, but {@link TunnelEncoder} and {@link TunnelDecoder} work with it
     * (unit tests, property tests, fuzzing).
     */
    public static TunnelPort detached(String name, TunnelKind kind, int remote, long key, boolean checksum,
            boolean sequence) {
        return new TunnelPort(name, kind, null, remote, key, checksum, sequence, 1);
    }

    public TunnelKind kind() {
        return kind;
    }

    public TunnelEndpoint endpoint() {
        return endpoint;
    }

    /** The remote host's address, first octet most significant. */
    public int remote() {
        return remote;
    }

    /** The fixed key, {@link #NO_KEY} or {@link #FLOW}. */
    public long key() {
        return key;
    }

    public boolean isFlow() {
        return key == FLOW;
    }

    public boolean checksum() {
        return checksum;
    }

    /** The GRE flags word of every packet this port sends (its header layout: see {@link TunnelEncoder}). */
    int greFlags() {
        return greFlags;
    }

    /** The next GRE sequence number, or -1 when this port sends none. */
    long nextSequence() {
        return sequence == null ? -1 : sequence.getAndIncrement() & 0xffff_ffffL;
    }

    @Override
    public boolean isTunnel() {
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

    @Override
    public boolean queue(UnsafeBuffer buf, int offset, int length, int thread) {
        return endpoint.enqueue(this, buf, offset, length, thread);
    }

    @Override
    public boolean hasQueued(int thread) {
        return endpoint.hasQueued(thread);
    }

    @Override
    public void flush(int thread) {
        endpoint.flush(thread);
    }

    /** Sends at once and counts the outcome itself (the Forwarder always queues here: {@link #copiesOnQueue}). */
    @Override
    public int transmit(UnsafeBuffer buf, int offset, int length, int thread) {
        return endpoint.sendNow(this, buf, offset, length, thread);
    }

    @Override
    public String type() {
        return kind.type();
    }

    @Override
    public String toString() {
        return name() + " (" + type() + " to " + Inet4.format(remote) + ", key "
                + (key == FLOW ? "flow" : key == NO_KEY ? "none" : Long.toString(key)) + ")";
    }
}
