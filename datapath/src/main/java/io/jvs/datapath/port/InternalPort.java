package io.jvs.datapath.port;

import java.io.IOException;

import io.jvs.core.bridge.PortCounters;
import io.jvs.core.packet.TcpCoalescer;
import io.jvs.core.packet.VirtioNetHeader;
import io.jvs.datapath.Log;
import io.jvs.datapath.linux.Errno;
import io.jvs.datapath.linux.Netdev;
import io.jvs.datapath.linux.TapDevice;
import io.jvs.datapath.reactor.PacketPool;
import io.jvs.datapath.reactor.ReactorThread;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * {@code type=internal} (alias {@code tap}): a TAP netdev the switch creates and holds, optionally inside a network
 * namespace, like Open vSwitch's internal ports. The TAP is persistent: when the daemon stops, the netdev stays with
 * the addresses and routes configured on it, and the next daemon re-attaches to it by name from inside its namespace.
 * Only {@code del-port} (or {@code del-br}) deletes it.
 */
public final class InternalPort extends DevicePort {
    private final String netns;
    private final long mac; // -1: keep what the kernel chose
    private volatile TapDevice tap;
    // Per forwarding thread: TCP segments bound for this TAP are joined into super-frames (see TcpCoalescer).
    private final TcpCoalescer[] coalescers;

    public InternalPort(String name, String netns, long mac, ReactorThread reactor, int threads) {
        super(name, reactor, threads);
        this.netns = netns;
        this.mac = mac;
        coalescers = new TcpCoalescer[threads];
        for (int t = 0; t < threads; t++) {
            int thread = t;
            coalescers[t] = new TcpCoalescer((b, off, len, segments, bytes) -> write(b, off, len, segments, bytes,
                    thread));
        }
    }

    @Override
    public String netns() {
        return netns;
    }

    @Override
    protected int openDevice() throws IOException {
        TapDevice t = TapDevice.open(name(), netns);
        try {
            if (mac >= 0) {
                Netdev.setMac(netns, name(), mac);
            }
            // Let the namespace's stack hand us partial checksums and TSO/USO super-frames: they cross the switch
            // in one piece to outputs that take them (and are completed or segmented here for the others).
            int offloads = TapDevice.TUN_F_CSUM | TapDevice.TUN_F_TSO4 | TapDevice.TUN_F_TSO6
                    | TapDevice.TUN_F_TSO_ECN;
            if (t.setOffloads(offloads | TapDevice.TUN_F_USO4 | TapDevice.TUN_F_USO6) < 0) {
                int rc = t.setOffloads(offloads); // kernels before 6.2 have no USO
                if (rc < 0) {
                    Log.warn("port", name() + ": TUNSETOFFLOAD refused (" + Errno.name(-rc)
                            + "); the TAP runs without offloads");
                }
            }
            Netdev.setUp(netns, name());
            setMtu(Netdev.mtu(netns, name()));
        } catch (IOException e) {
            t.close();
            throw e;
        }
        tap = t;
        return t.fd();
    }

    @Override
    protected void closeDevice(boolean destroy) {
        TapDevice t = tap;
        tap = null;
        if (t == null) {
            return;
        }
        if (destroy) {
            try {
                t.destroy();
            } catch (IOException e) {
                Log.warn("port", name() + ": deleting the TAP failed: " + e.getMessage());
                t.close();
            }
        } else {
            t.close();
        }
    }

    @Override
    protected void receiveBurst(ReactorThread t, long nowNs) {
        TapDevice d = tap;
        if (d == null) {
            return;
        }
        PacketPool pool = t.pool();
        long[] addresses = pool.slotAddresses();
        int n = 0;
        while (n < PacketPool.MAX_BURST) {
            int r = d.read(addresses[n], PacketPool.SLOT_CAPACITY);
            if (r > 0) {
                t.lengths[n++] = r;
            } else {
                if (r < 0 && r != -Errno.EAGAIN && r != -Errno.EINTR) {
                    markDown("read failed: " + Errno.name(-r));
                }
                break;
            }
        }
        forwardSlots(t, n, null, nowNs);
    }

    @Override
    public int transmit(UnsafeBuffer buf, int offset, int length, int thread) {
        TapDevice d = tap;
        return d == null ? 0 : d.write(buf.addressOffset() + offset, length);
    }

    /**
     * Frames are "queued" so that consecutive TCP segments can be coalesced: one write of a 64 KiB super-frame costs
     * the stack behind the TAP about what one write of a 1.5 KiB segment does. Anything that cannot be coalesced is
     * written at once (after what is pending), from the caller's buffer.
     */
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
        if (tap == null) {
            return false;
        }
        TcpCoalescer c = coalescers[thread];
        if (VirtioNetHeader.flags(buf, offset) == 0 && VirtioNetHeader.gsoType(buf, offset) == VirtioNetHeader.GSO_NONE
                && c.offer(buf, offset + VirtioNetHeader.LENGTH, length - VirtioNetHeader.LENGTH)) {
            return true;
        }
        c.flush();
        write(buf, offset, length, 1, length - VirtioNetHeader.LENGTH, thread);
        return true;
    }

    @Override
    public boolean hasQueued(int thread) {
        return coalescers[thread].pending();
    }

    @Override
    public void flush(int thread) {
        coalescers[thread].flush();
    }

    /** Writes one frame (virtio header first) that stands for {@code segments} received ones, and counts them. */
    private void write(UnsafeBuffer buf, int offset, int length, int segments, int frameBytes, int thread) {
        TapDevice d = tap;
        int r = d == null ? 0 : d.write(buf.addressOffset() + offset, length);
        PortCounters c = counters();
        if (r > 0) {
            c.add(thread, PortCounters.TX_PACKETS, segments);
            c.add(thread, PortCounters.TX_BYTES, frameBytes);
        } else {
            c.add(thread, r == 0 ? PortCounters.TX_DROPPED : PortCounters.TX_ERRORS, segments);
        }
    }

    @Override
    public boolean acceptsOffloads() {
        return true;
    }

    @Override
    public String type() {
        return "internal";
    }
}
