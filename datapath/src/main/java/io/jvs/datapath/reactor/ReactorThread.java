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

    /** This thread's receive slots; call only on this thread. */
    public PacketPool pool() {
        if (pool == null) {
            pool = new PacketPool();
        }
        return pool;
    }
}
