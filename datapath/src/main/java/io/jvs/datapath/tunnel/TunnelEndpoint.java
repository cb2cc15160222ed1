package io.jvs.datapath.tunnel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.jvs.core.bridge.Bridge;
import io.jvs.core.bridge.DropReason;
import io.jvs.core.bridge.Forwarder;
import io.jvs.core.bridge.PortCounters;
import io.jvs.core.bridge.VlanKeyMap;
import io.jvs.core.packet.Checksum;
import io.jvs.core.packet.EthernetHeader;
import io.jvs.core.packet.VirtioNetHeader;
import io.jvs.core.packet.VlanHeader;
import io.jvs.datapath.Log;
import io.jvs.datapath.linux.Inet4;
import io.jvs.datapath.linux.UnderlaySocket;
import io.jvs.datapath.reactor.PacketPool;
import io.jvs.datapath.reactor.ReactorOsThread;
import io.jvs.datapath.reactor.ReactorThread;
import io.jvs.tunnel.GreDecap;
import io.jvs.tunnel.GreHeader;
import io.jvs.tunnel.TunnelDropReason;
import io.jvs.tunnel.VxlanDecap;
import io.jvs.tunnel.VxlanHeader;
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
 * <p>Receive: a burst of datagrams lands in the reactor thread's slots; each is validated and decapsulated
 * (counted drop reasons otherwise), matched to its {@link TunnelPort} by outer source and key, given an empty
 * virtio header and handed to the Forwarder as if the port had received the inner frame.
 *
 * <p>Transmit: each forwarding thread owns a batch: the outer header is written into the thread's own memory and
 * the inner frame copied behind it (untagged, for {@code key=flow} ports), and the batch leaves in one sendmmsg at
 * the end of the burst. Nothing is allocated per packet.
 */
public final class TunnelEndpoint implements EpollIoHandle {
    /** Datagrams are read this far into a slot, so that the inner frame has the Forwarder's headroom before it. */
    private static final int SKIP = 16;
    private static final int RX_CAPACITY = PacketPool.SLOT_CAPACITY - SKIP;
    private static final int TX_SLOT = (GreHeader.MAX_LENGTH + 65535 + 63) & ~63;
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
    private final GreDecap greDecap = new GreDecap();
    private final VxlanDecap vxlanDecap = new VxlanDecap();
    private final int[] sources = new int[PacketPool.MAX_BURST];
    private volatile long unknownTunnel; // packets from a remote, or with a key, no port claims
    private volatile long malformedFromStrangers;
    private volatile long receiveErrors;
    private volatile long loopErrors;

    TunnelEndpoint(TunnelKind kind, int local, int udpPort, ReactorThread reactor, int threads) {
        this.kind = kind;
        this.local = local;
        this.udpPort = udpPort;
        this.reactor = reactor;
        this.threads = threads;
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
        return unknownTunnel;
    }

    public long malformedFromStrangers() {
        return malformedFromStrangers;
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
        try {
            for (int i = 0; i < n; i++) {
                deliver(f, buf, pool.slotOffset(i) + SKIP, t.lengths[i], sources[i], nowNs);
            }
        } finally {
            f.flush();
        }
    }

    /** Decapsulates one datagram at {@code off} and forwards its inner frame. */
    private void deliver(Forwarder f, UnsafeBuffer buf, int off, int len, int source, long nowNs) {
        int thread = reactor.index();
        int innerOff;
        int innerLen;
        long key;
        if (len < 0) {
            innerOff = TunnelDropReason.TRUNCATED.code();
            innerLen = 0;
            key = TunnelPort.NO_KEY;
        } else if (kind == TunnelKind.GRE) {
            // A raw socket hands us the outer IPv4 header too (the kernel checked it and reassembled fragments).
            int ihl = len >= 20 ? (buf.getByte(off) & 0x0f) * 4 : 0;
            innerOff = ihl < 20 || ihl > len ? TunnelDropReason.TRUNCATED.code()
                    : greDecap.decapsulate(buf, off + ihl, len - ihl);
            innerLen = greDecap.innerLength();
            key = greDecap.key(); // GreDecap.NO_KEY is TunnelPort.NO_KEY
        } else {
            innerOff = vxlanDecap.decapsulate(buf, off, len);
            innerLen = vxlanDecap.innerLength();
            key = vxlanDecap.vni();
        }
        TunnelLookup l = lookup;
        if (innerOff < 0) {
            TunnelPort p = l.anyFor(source);
            if (p == null) {
                malformedFromStrangers++;
            } else {
                p.counters().received(thread, Math.max(len, 0));
                p.counters().drop(thread, dropReason(TunnelDropReason.ofCode(innerOff)));
            }
            return;
        }
        TunnelPort port = l.find(source, key);
        if (port == null) {
            unknownTunnel++;
            return;
        }
        int tci = -1;
        if (port.isFlow()) {
            Bridge b = port.bridge();
            int vlan = b == null ? -1 : b.vlanKeyMap().vlan(key);
            if (vlan < 0) {
                port.counters().received(thread, innerLen);
                port.counters().drop(thread, DropReason.KEY_UNMAPPED);
                return;
            }
            tci = vlan; // as if it arrived tagged with its local VLAN (priority 0)
        }
        int vnetOff = innerOff - VirtioNetHeader.LENGTH;
        VirtioNetHeader.clear(buf, vnetOff); // a complete frame: the sender's checksums are already in it
        f.receive(port, buf, vnetOff, innerLen + VirtioNetHeader.LENGTH, tci, nowNs);
    }

    private static DropReason dropReason(TunnelDropReason r) {
        return switch (r) {
            case TRUNCATED -> DropReason.TUNNEL_TRUNCATED;
            case VERSION -> DropReason.TUNNEL_VERSION;
            case ROUTING -> DropReason.TUNNEL_ROUTING;
            case RESERVED -> DropReason.TUNNEL_RESERVED;
            case PROTOCOL -> DropReason.TUNNEL_PROTOCOL;
            case CHECKSUM -> DropReason.TUNNEL_CHECKSUM;
            case VXLAN_FLAGS -> DropReason.TUNNEL_VXLAN_FLAGS;
        };
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
     * Builds the outer packet for the frame at {@code vnetOff} (virtio header, then the frame) leaving on
     * {@code port}, in this thread's batch. Returns false when it could not be queued (the endpoint is closed); a
     * frame whose VLAN has no key is counted as dropped here and reported as handled.
     */
    boolean enqueue(TunnelPort port, UnsafeBuffer buf, int vnetOff, int length, int thread) {
        TxState[] states = tx;
        if (socket == null || thread >= states.length) {
            return false;
        }
        TxState s = states[thread];
        int frameOff = vnetOff + VirtioNetHeader.LENGTH;
        int frameLen = length - VirtioNetHeader.LENGTH;
        long key = port.key();
        boolean strip = false;
        if (key == TunnelPort.FLOW) {
            Bridge b = port.bridge();
            int vid = frameLen >= EthernetHeader.LENGTH + VlanHeader.LENGTH
                    && EthernetHeader.etherType(buf, frameOff) == EthernetHeader.ETH_P_8021Q
                    ? buf.getShort(frameOff + 14, ByteOrder.BIG_ENDIAN) & 0x0fff : 0;
            key = vid == 0 || b == null ? VlanKeyMap.NONE : b.vlanKeyMap().key(vid);
            if (key == VlanKeyMap.NONE || (kind == TunnelKind.VXLAN && key > VxlanHeader.MAX_VNI)) {
                port.counters().drop(thread, DropReason.VLAN_UNMAPPED);
                return true;
            }
            strip = true;
        }
        if (s.count == TX_BURST) {
            flush(thread);
        }
        int i = s.count;
        UnsafeBuffer m = s.memory;
        int slot = i * TX_SLOT;
        int header = writeHeader(m, slot, port, key);
        int innerLen;
        if (strip) {
            m.putBytes(slot + header, buf, frameOff, 12); // the MACs, then everything after the tag
            m.putBytes(slot + header + 12, buf, frameOff + 16, frameLen - 16);
            innerLen = frameLen - VlanHeader.LENGTH;
        } else {
            m.putBytes(slot + header, buf, frameOff, frameLen);
            innerLen = frameLen;
        }
        if (kind == TunnelKind.GRE && port.checksum()) {
            GreHeader.setChecksum(m, slot, Checksum.finish(Checksum.sum(m, slot, header + innerLen)));
        }
        s.batch.add(s.address + slot, header + innerLen, port.remote(), kind == TunnelKind.VXLAN ? udpPort : 0);
        s.owners[i] = port;
        s.frameLengths[i] = innerLen;
        s.count = i + 1;
        return true;
    }

    /** Writes the GRE or VXLAN header at {@code off}; returns its length. */
    private int writeHeader(UnsafeBuffer m, int off, TunnelPort port, long key) {
        if (kind == TunnelKind.VXLAN) {
            m.putLong(off, 0L);
            VxlanHeader.setFlags(m, off, VxlanHeader.FLAG_I);
            VxlanHeader.setVni(m, off, key == TunnelPort.NO_KEY ? 0 : (int) key);
            return VxlanHeader.LENGTH;
        }
        long seq = port.nextSequence();
        int flags = (port.checksum() ? GreHeader.FLAG_C : 0) | (key != TunnelPort.NO_KEY ? GreHeader.FLAG_K : 0)
                | (seq >= 0 ? GreHeader.FLAG_S : 0);
        GreHeader.setFlags(m, off, flags);
        GreHeader.setProtocol(m, off, GreHeader.PROTO_TEB);
        if ((flags & GreHeader.FLAG_C) != 0) {
            m.putInt(off + GreHeader.CHECKSUM_OFFSET, 0); // checksum and reserved1, summed as zero
        }
        if ((flags & GreHeader.FLAG_K) != 0) {
            GreHeader.setKey(m, off, flags, key);
        }
        if (seq >= 0) {
            GreHeader.setSequence(m, off, flags, seq);
        }
        return GreHeader.headerLength(flags);
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
