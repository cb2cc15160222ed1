package io.jvs.core.bridge;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * One end of a pair of patch ports joining two bridges with no device in between (Open vSwitch's {@code type=patch}).
 * A frame output here enters the peer's bridge as if received on the peer, on the same thread, with no copy and no
 * syscall. Each end has its own VLAN mode, applied on egress here and on ingress at the peer.
 */
public final class PatchPort extends BridgePort {
    private final String peerName;
    private volatile PatchPort peer;

    public PatchPort(String name, String peerName, int threads) {
        super(name, threads);
        this.peerName = peerName;
        setMtu(65535); // nothing on a patch link limits the frame size
    }

    public String peerName() {
        return peerName;
    }

    /** The connected peer, or null while the other end does not exist. */
    public PatchPort peer() {
        return peer;
    }

    /**
     * Joins two ends (control thread). Their bridges must share one {@link FlowGeneration}: a cached decision that
     * crosses the patch depends on both.
     */
    public static void connect(PatchPort a, PatchPort b) {
        a.peer = b;
        b.peer = a;
        a.changed();
        b.changed();
    }

    /** Detaches this end from its peer (control thread, when either end is deleted). */
    public void disconnect() {
        PatchPort p = peer;
        if (p != null && p.peer == this) {
            p.peer = null;
            p.changed();
        }
        peer = null;
        changed();
    }

    @Override
    public int transmit(UnsafeBuffer buf, int offset, int length, int thread) {
        throw new IllegalStateException("patch port " + name() + " is crossed by the Forwarder, never transmitted to");
    }

    @Override
    public String type() {
        return "patch";
    }
}
