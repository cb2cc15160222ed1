package io.jvs.datapath.reactor;

import io.jvs.core.bridge.Forwarder;
import io.netty.channel.IoEventLoop;

/**
 * What one reactor thread owns: its event loop, its {@link Forwarder} (per-thread scratch state), its receive slots,
 * and the per-burst scratch arrays ports read into. Everything here is touched only from that thread.
 */
public final class ReactorThread {
    private final int index;
    private final IoEventLoop loop;
    private final Forwarder forwarder;
    private PacketPool pool; // allocated on the thread itself, so its memory is first touched there
    private final BurstTimer burstTimer = new BurstTimer();
    public final int[] lengths = new int[PacketPool.MAX_BURST];
    public final int[] vlanTci = new int[PacketPool.MAX_BURST];
    private Backlog full; // a backlog the current burst left without room for another burst like it

    ReactorThread(int index, IoEventLoop loop) {
        this.index = index;
        this.loop = loop;
        this.forwarder = new Forwarder(index);
    }

    public int index() {
        return index;
    }

    public IoEventLoop loop() {
        return loop;
    }

    public Forwarder forwarder() {
        return forwarder;
    }

    /** How long this thread's bursts take (recorded on this thread, read by the metrics scrape). */
    public BurstTimer burstTimer() {
        return burstTimer;
    }

    /**
     * Called by what a burst fed (a router leg, on this thread) when {@code backlog} has no room for another burst
     * like this one: the port that read the burst then stops reading until the backlog has room. The first one noted
     * in a burst wins; the port finds the others full when it reads again.
     */
    public void noteFull(Backlog backlog) {
        if (full == null) {
            full = backlog;
        }
    }

    /** What {@link #noteFull} noted since the last call (null: nothing), and forgets it. */
    public Backlog takeFull() {
        Backlog b = full;
        full = null;
        return b;
    }

    /** This thread's receive slots; call only on this thread. */
    public PacketPool pool() {
        if (pool == null) {
            pool = new PacketPool();
        }
        return pool;
    }
}
