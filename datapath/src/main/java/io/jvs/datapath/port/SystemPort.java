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

    public SystemPort(String name, ReactorThread reactor, int threads) {
        super(name, reactor, threads);
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
    public boolean acceptsOffloads() {
        return true;
    }

    @Override
    public String type() {
        return "system";
    }
}
