package io.jvs.datapath.port;

import java.io.IOException;

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

    public InternalPort(String name, String netns, long mac, ReactorThread reactor, int threads) {
        super(name, reactor, threads);
        this.netns = netns;
        this.mac = mac;
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

    @Override
    public boolean acceptsOffloads() {
        return true;
    }

    @Override
    public String type() {
        return "internal";
    }
}
