package io.jvs.datapath.port;

import java.io.IOException;

import io.jvs.core.bridge.DropReason;
import io.jvs.core.bridge.Forwarder;
import io.jvs.datapath.linux.Errno;
import io.jvs.datapath.linux.Netdev;
import io.jvs.datapath.linux.PacketSocket;
import io.jvs.datapath.linux.RxRing;
import io.jvs.datapath.reactor.PacketPool;
import io.jvs.datapath.reactor.ReactorThread;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * {@code type=system}: an existing netdev (a veth end, a NIC, a hypervisor's TAP) attached through an AF_PACKET
 * socket. One recvmmsg per wake-up reads a burst; the kernel's stripped VLAN tags come back through auxdata, and
 * with PACKET_VNET_HDR the kernel tells us about partial checksums and GSO super-frames, which the Forwarder completes
 * and segments (forwarding them as they are is what breaks TCP through naive userspace switches).
 */
public final class SystemPort extends DevicePort {
    private volatile PacketSocket socket;
    private long kernelDrops; // control thread
    private final PacketSocket.TxBatch[] batches; // one per reactor thread, each touched only by its thread
    /** Receive ring slots per port (0: read with recvmmsg only). Ring memory: RING_FRAMES x 2 KiB. */
    public static final int RING_FRAMES = 2048;
    private final int ringFrames;
    // Scratch for reading one frame that did not fit a ring slot (reader thread only).
    private final long[] oneAddress = new long[1];
    private final int[] oneLength = new int[1];
    private final int[] oneTci = new int[1];

    public SystemPort(String name, ReactorThread reactor, int threads) {
        this(name, reactor, threads, RING_FRAMES);
    }

    public SystemPort(String name, ReactorThread reactor, int threads, int ringFrames) {
        super(name, reactor, threads);
        batches = new PacketSocket.TxBatch[threads];
        this.ringFrames = ringFrames;
    }

    @Override
    protected int openDevice() throws IOException {
        Netdev.setUp(null, name());
        setMtu(Netdev.mtu(null, name()));
        PacketSocket s = PacketSocket.open(name(), PacketPool.MAX_BURST, ringFrames);
        socket = s;
        return s.fd();
    }

    @Override
    protected void closeDevice(boolean destroy) {
        PacketSocket s = socket;
        socket = null;
        if (s != null) {
            s.close();
        }
    }

    @Override
    protected void receiveBurst(ReactorThread t, long nowNs) {
        PacketSocket s = socket;
        if (s == null) {
            return;
        }
        PacketPool pool = t.pool();
        RxRing ring = s.rxRing();
        if (ring != null) {
            receiveRing(t, s, ring, pool, nowNs);
            return;
        }
        int n = s.receiveBurst(pool.slotAddresses(), PacketPool.SLOT_CAPACITY, PacketPool.MAX_BURST, t.lengths,
                t.vlanTci);
        if (n < 0) {
            if (n != -Errno.EAGAIN && n != -Errno.EINTR) {
                markDown("receive failed: " + Errno.name(-n));
            }
            return;
        }
        forwardSlots(t, n, t.vlanTci, nowNs);
    }

    @Override
    public int transmit(UnsafeBuffer buf, int offset, int length, int thread) {
        PacketSocket s = socket;
        return s == null ? 0 : s.send(buf.addressOffset() + offset, length);
    }

    @Override
    public long rxKernelDrops() {
        PacketSocket s = socket;
        if (s != null) {
            try {
                kernelDrops += s.takeKernelDrops();
            } catch (IOException e) {
                // the socket is going away; keep what we counted
            }
        }
        return kernelDrops;
    }

    /**
     * Forwards up to a burst of frames where the kernel put them in the ring, then flushes the outputs (which may
     * still point into the ring) and only then hands the slots back.
     */
    private void receiveRing(ReactorThread t, PacketSocket s, RxRing ring, PacketPool pool, long nowNs) {
        Forwarder f = t.forwarder();
        int first = ring.head();
        int n = 0;
        try {
            while (n < PacketPool.MAX_BURST && ring.ready()) {
                int status = ring.status();
                // Advance first: a frame that makes the forwarder throw is still handed back below.
                int vnetOffset = ring.vnetOffset();
                int snap = ring.snapLength();
                int wire = ring.wireLength();
                ring.advance();
                n++;
                if ((status & RxRing.TP_STATUS_COPY) != 0) {
                    receiveOne(t, s, pool, n - 1, nowNs); // too big for a slot: the whole frame waits on the socket
                } else if (snap < wire) {
                    counters().received(t.index(), wire);
                    counters().drop(t.index(), DropReason.TRUNCATED);
                } else {
                    f.receive(this, ring.buffer(), vnetOffset, snap + PacketSocket.VNET_HDR_SIZE,
                            ring.vlanTci(status, vnetOffset), nowNs);
                }
            }
        } finally {
            // Whatever happened, send what was queued (it may point into the ring) and give the slots back, or the
            // ring would stay full and the port deaf.
            f.flush();
            ring.release(first, n);
        }
        if (n == 0) {
            // Woken with an empty ring: most often an edge for frames an earlier burst already took, or a big frame
            // whose skb is queued on the socket while its slot is not marked TP_STATUS_COPY yet (the kernel queues
            // first, marks the slot, then signals again). Reading the socket here would take that frame ahead of
            // smaller ones before it in the ring, i.e. reorder a TCP stream (SACK reordering, fast retransmits),
            // and the slot's turn would then read the next big frame early. So only collect an error (the device
            // went away): SO_ERROR reads no frame.
            int err = s.takeError();
            if (err != 0) {
                markDown("receive failed: " + Errno.name(Math.abs(err)));
            }
        }
    }

    private void receiveOne(ReactorThread t, PacketSocket s, PacketPool pool, int slot, long nowNs) {
        oneAddress[0] = pool.slotAddresses()[slot];
        int r = s.receiveBurst(oneAddress, PacketPool.SLOT_CAPACITY, 1, oneLength, oneTci);
        if (r < 0) {
            if (r != -Errno.EAGAIN && r != -Errno.EINTR) {
                markDown("receive failed: " + Errno.name(-r));
            }
        } else if (r == 1) {
            if (oneLength[0] < 0) {
                counters().drop(t.index(), DropReason.TRUNCATED);
            } else {
                t.forwarder().receive(this, pool.buffer(), pool.slotOffset(slot), oneLength[0], oneTci[0], nowNs);
            }
        }
    }

    @Override
    public boolean batchesTransmit() {
        return true;
    }

    @Override
    public boolean queue(UnsafeBuffer buf, int offset, int length, int thread) {
        PacketSocket s = socket;
        if (s == null) {
            return false;
        }
        PacketSocket.TxBatch b = batches[thread];
        if (b == null || b.socket() != s) {
            b = s.newTxBatch(PacketPool.MAX_BURST); // first use on this thread, or the port was reopened
            batches[thread] = b;
        }
        if (!b.add(buf.addressOffset() + offset, length)) {
            flush(thread);
            b.add(buf.addressOffset() + offset, length);
        }
        return true;
    }

    @Override
    public boolean hasQueued(int thread) {
        PacketSocket.TxBatch b = batches[thread];
        return b != null && b.size() > 0;
    }

    @Override
    public void flush(int thread) {
        PacketSocket.TxBatch b = batches[thread];
        if (b == null) {
            return;
        }
        int n = b.size();
        if (n == 0) {
            return;
        }
        var c = counters();
        int sent = b.send();
        if (sent < 0) {
            c.add(thread, io.jvs.core.bridge.PortCounters.TX_ERRORS, n);
            return;
        }
        for (int i = 0; i < sent; i++) {
            c.sent(thread, b.length(i) - PacketSocket.VNET_HDR_SIZE);
        }
        if (sent < n) {
            c.add(thread, io.jvs.core.bridge.PortCounters.TX_DROPPED, n - sent);
        }
    }

    @Override
    public boolean acceptsOffloads() {
        return true;
    }

    @Override
    public String type() {
        return "system";
    }
}
