package io.jvs.datapath.tunnel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.jvs.core.bridge.Forwarder;
import io.jvs.core.bridge.PortCounters;
import io.jvs.core.packet.VirtioNetHeader;
import io.jvs.datapath.Log;
import io.jvs.datapath.linux.Inet4;
import io.jvs.datapath.linux.UnderlaySocket;
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
 * The host side of every tunnel of one kind and local address: one kernel socket (raw IP protocol 47 for GRE, UDP
 * on the destination port for VXLAN; see {@link UnderlaySocket} for why the kernel does the outer IP), read on one
 * reactor thread and written by any.
 *
 * <p>Receive: a burst of datagrams lands in the reactor thread's slots; the {@link TunnelDecoder} turns each into
 * an inner frame of one {@link TunnelPort}, which goes to the Forwarder as if that port had received it.
 *
 * <p>Transmit: each forwarding thread owns a batch; the {@link TunnelEncoder} builds each datagram in the thread's
 * own memory, and the batch leaves in one sendmmsg at the end of the burst. Nothing is allocated per packet.
 */
public final class TunnelEndpoint implements EpollIoHandle {
    /** Datagrams are read this far into a slot, so that the inner frame has the Forwarder's headroom before it. */
    private static final int SKIP = 16;
    private static final int RX_CAPACITY = PacketPool.SLOT_CAPACITY - SKIP;
    private static final int TX_SLOT = (TunnelEncoder.MAX_DATAGRAM + 63) & ~63;
    private static final int TX_BURST = PacketPool.MAX_BURST;
    private static final int DEFAULT_TTL = 64;
    private static final Log.RateLimit ERROR_LOG = new Log.RateLimit(20);

    private final TunnelKind kind;
    private final int local;
    private final int udpPort; // VXLAN destination port; 0 for GRE
    private final ReactorThread reactor;
    private final int threads;
    private volatile TunnelLookup lookup = TunnelLookup.EMPTY;
    private volatile UnderlaySocket socket;
    private volatile IoRegistration registration;
    private volatile FileDescriptor fd;
    private volatile TxState[] tx = new TxState[0];
    private volatile String downReason = "not started";

    // Receive-thread state.
    private final TunnelDecoder decoder;
    private final int[] sources = new int[PacketPool.MAX_BURST];
    private volatile long receiveErrors;
    private volatile long loopErrors;

    TunnelEndpoint(TunnelKind kind, int local, int udpPort, ReactorThread reactor, int threads) {
        this.kind = kind;
        this.local = local;
        this.udpPort = udpPort;
        this.reactor = reactor;
        this.threads = threads;
        this.decoder = new TunnelDecoder(kind);
    }

    public TunnelKind kind() {
        return kind;
    }

    public int local() {
        return local;
    }

    public int udpPort() {
        return udpPort;
    }

    public boolean isOpen() {
        return socket != null;
    }

    public String downReason() {
        return downReason;
    }

    public int reactorIndex() {
        return reactor.index();
    }

    public long unknownTunnel() {
        return decoder.unknownTunnel();
    }

    public long malformedFromStrangers() {
        return decoder.malformedFromStrangers();
    }

    public long receiveErrors() {
        return receiveErrors;
    }

    public long loopErrors() {
        return loopErrors;
    }

    List<TunnelPort> ports() {
        return lookup.ports();
    }

    TunnelPort conflict(int remote, long key) {
        return lookup.conflict(remote, key);
    }

    void attach(TunnelPort p) {
        lookup = lookup.with(p);
    }

    void detach(TunnelPort p) {
        lookup = lookup.without(p);
    }

    public int portCount() {
        return lookup.ports().size();
    }

    boolean hasPorts() {
        return !lookup.isEmpty();
    }

    /** Opens the socket and starts receiving (control thread); a no-op when open. */
    void open() throws IOException {
        if (socket != null) {
            return;
        }
        UnderlaySocket s = kind == TunnelKind.GRE
                ? UnderlaySocket.openGre(local, DEFAULT_TTL, PacketPool.MAX_BURST)
                : UnderlaySocket.openUdp(local, udpPort, DEFAULT_TTL, PacketPool.MAX_BURST);
        TxState[] states = new TxState[threads];
        for (int i = 0; i < threads; i++) {
            states[i] = new TxState(s.newTxBatch(TX_BURST));
        }
        tx = states;
        fd = new FileDescriptor(s.fd());
        socket = s;
        try {
            IoRegistration reg = reactor.loop().register(this).get(5, TimeUnit.SECONDS);
            reactor.loop().submit(() -> reg.submit(EpollIoOps.EPOLLIN)).get(5, TimeUnit.SECONDS);
            registration = reg;
        } catch (Exception e) {
            socket = null;
            s.close();
            throw new IOException("cannot register " + this + " with the reactor: " + e, e);
        }
        downReason = "";
    }

    /** Stops receiving and closes the socket (control thread, after the datapath quiesced senders). */
    void close(String reason) {
        downReason = reason;
        UnderlaySocket s = socket;
        socket = null;
        try {
            reactor.loop().submit(() -> {
                IoRegistration reg = registration;
                registration = null;
                if (reg != null && reg.isValid()) {
                    reg.cancel();
                }
            }).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            Log.warn("tunnel", this + ": cancelling the registration failed: " + e);
        }
        if (s != null) {
            s.close();
        }
    }

    @Override
    public FileDescriptor fd() {
        return fd;
    }

    @Override
    public void handle(IoRegistration reg, IoEvent event) {
        // Nothing may escape into the event loop: it would stop every port on this thread.
        try {
            long now = System.nanoTime();
            ReactorOsThread.markActive(now);
            receiveBurst(now);
        } catch (Throwable t) {
            loopErrors++;
            long suppressed = ERROR_LOG.admit(System.nanoTime());
            if (suppressed >= 0) {
                Log.error("tunnel", this + ": receive failed" + (suppressed > 0 ? " (" + suppressed
                        + " similar suppressed)" : ""), t);
            }
        }
    }

    private void receiveBurst(long nowNs) {
        UnderlaySocket s = socket;
        if (s == null) {
            return;
        }
        ReactorThread t = reactor;
        PacketPool pool = t.pool();
        int n = s.receiveBurst(pool.slotAddresses(), SKIP, RX_CAPACITY, PacketPool.MAX_BURST, t.lengths, sources);
        if (n < 0) {
            receiveErrors++;
            return;
        }
        Forwarder f = t.forwarder();
        UnsafeBuffer buf = pool.buffer();
        TunnelLookup l = lookup;
        TunnelDecoder d = decoder;
        int thread = t.index();
        try {
            for (int i = 0; i < n; i++) {
                if (d.decode(l, buf, pool.slotOffset(i) + SKIP, t.lengths[i], sources[i], thread)) {
                    f.receive(d.port(), buf, d.vnetOffset(), d.length(), d.vlanTci(), nowNs);
                }
            }
        } finally {
            f.flush();
        }
    }

    // --- transmit -------------------------------------------------------------------------------------------

    /** One forwarding thread's outgoing batch and the memory its datagrams are built in. */
    private static final class TxState {
        final UnderlaySocket.TxBatch batch;
        final UnsafeBuffer memory;
        final long address;
        final TunnelPort[] owners = new TunnelPort[TX_BURST];
        final int[] frameLengths = new int[TX_BURST];
        int count;

        TxState(UnderlaySocket.TxBatch batch) {
            this.batch = batch;
            ByteBuffer bb = ByteBuffer.allocateDirect(TX_SLOT * TX_BURST);
            memory = new UnsafeBuffer(bb);
            address = memory.addressOffset();
        }
    }

    boolean hasQueued(int thread) {
        TxState[] states = tx;
        return thread < states.length && states[thread].count > 0;
    }

    /**
     * Builds the datagram for the frame at {@code vnetOff} (virtio header, then the frame) leaving on {@code port},
     * in this thread's batch. Returns false when it could not be queued (the endpoint is closed); a frame whose VLAN
     * has no key is counted as dropped by the encoder and reported as handled.
     */
    boolean enqueue(TunnelPort port, UnsafeBuffer buf, int vnetOff, int length, int thread) {
        TxState[] states = tx;
        if (socket == null || thread >= states.length) {
            return false;
        }
        TxState s = states[thread];
        if (s.count == TX_BURST) {
            flush(thread);
        }
        int i = s.count;
        int slot = i * TX_SLOT;
        int datagram = TunnelEncoder.encode(port, buf, vnetOff, length, s.memory, slot, thread);
        if (datagram == 0) {
            return true;
        }
        s.batch.add(s.address + slot, datagram, port.remote(), kind == TunnelKind.VXLAN ? udpPort : 0);
        s.owners[i] = port;
        s.frameLengths[i] = datagram - TunnelEncoder.headerLength(kind, s.memory, slot);
        s.count = i + 1;
        return true;
    }

    /**
     * Sends this thread's batch and counts each datagram on its port: sent, dropped (socket buffer full) or an
     * error (refused by the kernel, e.g. no route to the remote); one refused datagram does not stop the others.
     */
    void flush(int thread) {
        TxState[] states = tx;
        if (thread >= states.length) {
            return;
        }
        TxState s = states[thread];
        int n = s.count;
        if (n == 0) {
            return;
        }
        s.count = 0;
        int i = 0;
        while (i < n) {
            int r = socket == null ? -1 : s.batch.send(i, n - i);
            if (r > 0) {
                for (int j = i; j < i + r; j++) {
                    s.owners[j].counters().sent(thread, s.frameLengths[j]);
                }
                i += r;
            } else if (r == 0) {
                for (int j = i; j < n; j++) {
                    s.owners[j].counters().add(thread, PortCounters.TX_DROPPED, 1);
                }
                i = n;
            } else {
                s.owners[i].counters().add(thread, PortCounters.TX_ERRORS, 1);
                i++;
            }
        }
        for (int j = 0; j < n; j++) {
            s.owners[j] = null;
        }
        s.batch.clear();
    }

    /** Sends one frame at once (a caller that cannot wait for the end of the burst); counted like a flush. */
    int sendNow(TunnelPort port, UnsafeBuffer buf, int vnetOff, int length, int thread) {
        if (!enqueue(port, buf, vnetOff, length, thread)) {
            return -1;
        }
        flush(thread);
        return length - VirtioNetHeader.LENGTH;
    }

    @Override
    public void close() {
        // Netty calls this when the loop shuts down; the socket is closed by close(String).
    }

    @Override
    public String toString() {
        return kind.type() + " endpoint " + Inet4.format(local) + (kind == TunnelKind.VXLAN ? ":" + udpPort : "");
    }
}
