package io.jvs.datapath.port;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import io.jvs.core.bridge.BridgePort;
import io.jvs.core.bridge.DropReason;
import io.jvs.core.bridge.Forwarder;
import io.jvs.datapath.Log;
import io.jvs.datapath.reactor.PacketPool;
import io.jvs.datapath.reactor.ReactorOsThread;
import io.jvs.datapath.reactor.ReactorThread;
import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * A port backed by a kernel fd (a TAP or an AF_PACKET socket), whose receive side runs on one reactor thread.
 *
 * <p>Life cycle, driven by the control thread: {@link #start} opens the device and registers the fd for EPOLLIN
 * (level-triggered: a port that had more than a burst waiting is simply called again on the next loop turn, after the
 * other ports had theirs); {@link #stop} cancels the registration on the loop thread and closes the fd. When the
 * device goes away under us the receive side marks the port down and cancels its own registration; the control
 * thread's monitor later calls {@link #start} again when the device is back.
 */
public abstract class DevicePort extends BridgePort implements EpollIoHandle {
    private static final Log.RateLimit ERROR_LOG = new Log.RateLimit(20);

    protected final ReactorThread reactor;
    private volatile IoRegistration registration;
    private volatile FileDescriptor fd;
    private volatile long errors;
    private volatile BridgePort ingress = this; // the port received frames enter the bridge as

    protected DevicePort(String name, ReactorThread reactor, int threads) {
        super(name, threads);
        this.reactor = reactor;
    }

    /** Opens the device (control thread); throws with a one-line reason when it cannot. */
    protected abstract int openDevice() throws IOException;

    /** Closes the device's fd; {@code destroy} also deletes a netdev the port created. */
    protected abstract void closeDevice(boolean destroy);

    /** Reads up to one burst and forwards it (reactor thread). */
    protected abstract void receiveBurst(ReactorThread thread, long nowNs);

    /**
     * Forwards the {@code n} frames a burst read into the thread's pool slots (lengths in {@code t.lengths}, -1 for
     * a frame cut short; stripped VLAN tags in {@code vlanTci}, or none when null), then flushes what the burst queued
     * for transmission, even when a frame threw: queued frames point into the slots the next burst reuses.
     */
    protected final void forwardSlots(ReactorThread t, int n, int[] vlanTci, long nowNs) {
        Forwarder f = t.forwarder();
        PacketPool pool = t.pool();
        UnsafeBuffer buf = pool.buffer();
        try {
            for (int i = 0; i < n; i++) {
                if (t.lengths[i] < 0) {
                    counters().drop(t.index(), DropReason.TRUNCATED);
                } else {
                    f.receive(ingress, buf, pool.slotOffset(i), t.lengths[i], vlanTci == null ? -1 : vlanTci[i],
                            nowNs);
                }
            }
        } finally {
            f.flush();
        }
    }

    /**
     * Makes received frames enter the bridge as if received on {@code port} (control thread, before {@link #start}):
     * a router's TAP into its namespace is on no bridge itself; what the namespace sends leaves by the router's leg.
     */
    public final void receiveAs(BridgePort port) {
        this.ingress = port;
    }

    /** The reactor thread that reads this port. */
    public int reactorIndex() {
        return reactor.index();
    }

    /** Where the device lives, for {@code show}; null for the daemon's own namespace. */
    public String netns() {
        return null;
    }

    public final void start() throws IOException {
        int n = openDevice();
        fd = new FileDescriptor(n);
        try {
            IoRegistration reg = reactor.loop().register(this).get(5, TimeUnit.SECONDS);
            reactor.loop().submit(() -> reg.submit(EpollIoOps.EPOLLIN)).get(5, TimeUnit.SECONDS);
            registration = reg;
        } catch (Exception e) {
            closeDevice(false);
            throw new IOException("cannot register " + name() + " with the reactor: " + e, e);
        }
        setUp(true, "");
    }

    /** Stops receiving and closes the fd (control thread). */
    public final void stop(boolean destroy) {
        setUp(false, "stopped");
        try {
            reactor.loop().submit(this::cancelRegistration).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            Log.warn("port", name() + ": cancelling the registration failed: " + e);
        }
        closeDevice(destroy);
    }

    private void cancelRegistration() {
        IoRegistration reg = registration;
        registration = null;
        if (reg != null && reg.isValid()) {
            reg.cancel();
        }
    }

    /** Reactor thread: the device is gone or broken; stop polling it until the monitor revives it. */
    protected final void markDown(String reason) {
        if (isUp()) {
            Log.warn("port", name() + " is down: " + reason);
        }
        setUp(false, reason);
        cancelRegistration();
    }

    @Override
    public final FileDescriptor fd() {
        return fd;
    }

    @Override
    public final void handle(IoRegistration reg, IoEvent event) {
        // Nothing may escape: an exception here would kill the event loop and every port on it.
        try {
            long now = System.nanoTime();
            ReactorOsThread.markActive(now);
            receiveBurst(reactor, now);
            reactor.burstTimer().record(System.nanoTime() - now);
        } catch (Throwable t) {
            errors++;
            long suppressed = ERROR_LOG.admit(System.nanoTime());
            if (suppressed >= 0) {
                Log.error("port", name() + ": receive failed" + (suppressed > 0 ? " (" + suppressed
                        + " similar suppressed)" : ""), t);
            }
        }
    }

    /**
     * Frames the kernel dropped before we could read them (a full socket buffer), when the device type can tell;
     * control thread only.
     */
    public long rxKernelDrops() {
        return 0;
    }

    /** Exceptions caught at the event-loop boundary (a bug if ever non-zero). */
    public long errors() {
        return errors;
    }

    @Override
    public void close() {
        // Netty calls this when the loop shuts down; the fd itself is closed by stop(), which owns it.
    }
}
