package io.jvs.datapath.port;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import io.jvs.core.bridge.BridgePort;
import io.jvs.core.bridge.DropReason;
import io.jvs.core.bridge.Forwarder;
import io.jvs.datapath.Log;
import io.jvs.datapath.reactor.Backlog;
import io.jvs.datapath.reactor.PacketPool;
import io.jvs.datapath.reactor.ReactorOsThread;
import io.jvs.datapath.reactor.ReactorThread;
import io.jvs.datapath.reactor.ReadPause;
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
 *
 * <p>Backpressure. When a burst leaves a {@link Backlog} it fed (a router's queue) without room for another burst
 * of frames as big, the port stops reading: its registration drops EPOLLIN (errors still wake it, so a vanished
 * device is still noticed and marks the port down), and the backlog's owner resumes it on this thread once it has
 * room again. The frames meanwhile wait in the kernel (the TAP's queue, the socket's ring), which limits the sender
 * as a full device would, instead of being lost in the backlog. The thread's other ports keep running. Head of line:
 * the port's frames for other outputs wait too, until the backlog has room for the port's next burst (a router:
 * at most the time its owner takes to drain one burst, about a millisecond for 32 TCP super-frames); a port cannot
 * know where a frame goes before reading it, and reading on to drop what goes to the full backlog would bring back
 * the losses this avoids. Inputs that are not device ports (tunnel endpoints, a router feeding another) do not
 * pause: a full queue stays a counted drop for them.
 */
public abstract class DevicePort extends BridgePort implements EpollIoHandle {
    private static final Log.RateLimit ERROR_LOG = new Log.RateLimit(20);
    /** Interest while paused: no EPOLLIN, but a device error (always reported by epoll) still wakes the port. */
    private static final EpollIoOps PAUSED = EpollIoOps.EPOLLERR;

    protected final ReactorThread reactor;
    private volatile IoRegistration registration;
    private volatile FileDescriptor fd;
    private volatile long errors;
    private volatile BridgePort ingress = this; // the port received frames enter the bridge as
    private final ReadPause readPause;
    private volatile long pauses; // the reactor thread writes, anyone reads

    protected DevicePort(String name, ReactorThread reactor, int threads) {
        super(name, threads);
        this.reactor = reactor;
        this.readPause = new ReadPause(reactor, this::resumeReading);
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

    /**
     * Reactor thread: stops reading until {@code full} has room. Woken meanwhile (only an error can wake it), the
     * port reads as usual, so a vanished device is noticed and the port marked down.
     */
    private void pauseReading(Backlog full) {
        IoRegistration reg = registration;
        if (reg == null || !reg.isValid()) {
            return; // stopped or marked down during the burst
        }
        reg.submit(PAUSED);
        pauses++;
        full.resumeWhenRoom(readPause);
    }

    /** Reactor thread, run by the backlog's owner: reads again (a no-op if the port was stopped meanwhile). */
    private void resumeReading() {
        // A task, not the I/O handler: catch here too, since nothing may escape into the event loop.
        try {
            IoRegistration reg = registration;
            if (reg != null && reg.isValid()) {
                reg.submit(EpollIoOps.EPOLLIN);
            }
        } catch (Throwable t) {
            errors++;
            Log.error("port", name() + ": resuming the reads failed", t);
            markDown("resuming the reads failed: " + t.getMessage()); // the monitor restarts it
        }
    }

    /** Times the port stopped reading because a backlog it fed was full (see the class comment). */
    public long pauses() {
        return pauses;
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
            reactor.takeFull(); // forget what other work on this thread noted (a router's own output)
            receiveBurst(reactor, now);
            Backlog full = reactor.takeFull();
            if (full != null) {
                pauseReading(full);
            }
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
