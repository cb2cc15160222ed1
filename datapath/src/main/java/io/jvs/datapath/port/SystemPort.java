package io.jvs.datapath.port;

import java.io.IOException;

import io.jvs.core.bridge.DropReason;
import io.jvs.core.bridge.Forwarder;
import io.jvs.datapath.linux.Errno;
import io.jvs.datapath.linux.Netdev;
import io.jvs.datapath.linux.PacketSocket;
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

    public SystemPort(String name, ReactorThread reactor, int threads) {
        super(name, reactor, threads);
        batches = new PacketSocket.TxBatch[threads];
    }

    @Override
    protected int openDevice() throws IOException {
        Netdev.setUp(null, name());
        setMtu(Netdev.mtu(null, name()));
        PacketSocket s = PacketSocket.open(name(), PacketPool.MAX_BURST);
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
        int n = s.receiveBurst(pool.slotAddresses(), PacketPool.SLOT_CAPACITY, PacketPool.MAX_BURST, t.lengths,
                t.vlanTci);
        if (n < 0) {
            if (n != -Errno.EAGAIN && n != -Errno.EINTR) {
                markDown("receive failed: " + Errno.name(-n));
            }
            return;
        }
        Forwarder f = t.forwarder();
        UnsafeBuffer buf = pool.buffer();
        for (int i = 0; i < n; i++) {
            if (t.lengths[i] < 0) {
                counters().drop(t.index(), DropReason.TRUNCATED);
            } else {
                f.receive(this, buf, pool.slotOffset(i), t.lengths[i], t.vlanTci[i], nowNs);
            }
        }
        f.flush();
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
