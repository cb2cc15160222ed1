package io.jvs.datapath.tunnel;

import io.jvs.core.bridge.Bridge;
import io.jvs.core.bridge.DropReason;
import io.jvs.core.packet.VirtioNetHeader;
import io.jvs.tunnel.GreDecap;
import io.jvs.tunnel.TunnelDropReason;
import io.jvs.tunnel.VxlanDecap;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * The receive half of a tunnel endpoint without the socket: validates and decapsulates one datagram, finds the
 * {@link TunnelPort} it belongs to, translates a {@code key=flow} port's key into the local VLAN, and leaves an empty
 * virtio header in front of the inner frame, ready for the Forwarder. Whatever it refuses is counted: on the port
 * when the sender is a known remote, else in this decoder. One instance per receiving thread; no allocation.
 */
public final class TunnelDecoder {
    private final TunnelKind kind;
    private final GreDecap gre = new GreDecap();
    private final VxlanDecap vxlan = new VxlanDecap();

    // The result of the last successful decode.
    private TunnelPort port;
    private int vnetOffset;
    private int length;
    private int vlanTci;

    // Written by the one receiving thread, read by the control thread.
    private volatile long unknownTunnel;
    private volatile long malformedFromStrangers;

    public TunnelDecoder(TunnelKind kind) {
        this.kind = kind;
    }

    /**
     * Decodes the datagram at {@code off}: for GRE the outer IPv4 packet as a raw socket receives it, for VXLAN the
     * UDP payload. {@code len} is -1 for a datagram the socket truncated. Returns true when a frame is ready (see
     * {@link #port()}, {@link #vnetOffset()}, {@link #length()}, {@link #vlanTci()}); false when the datagram was
     * dropped and counted. Needs {@link VirtioNetHeader#LENGTH} writable bytes before the inner frame, which every
     * datagram has (its own outer headers are at least that long).
     */
    public boolean decode(TunnelLookup lookup, UnsafeBuffer buf, int off, int len, int source, int thread) {
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
                    : gre.decapsulate(buf, off + ihl, len - ihl);
            innerLen = gre.innerLength();
            key = gre.key(); // GreDecap.NO_KEY is TunnelPort.NO_KEY
        } else {
            innerOff = vxlan.decapsulate(buf, off, len);
            innerLen = vxlan.innerLength();
            key = vxlan.vni();
        }
        if (innerOff < 0) {
            TunnelPort p = lookup.anyFor(source);
            if (p == null) {
                malformedFromStrangers++;
            } else {
                p.counters().received(thread, Math.max(len, 0));
                p.counters().drop(thread, dropReason(TunnelDropReason.ofCode(innerOff)));
            }
            return false;
        }
        TunnelPort p = lookup.find(source, key);
        if (p == null) {
            unknownTunnel++;
            return false;
        }
        int tci = -1;
        if (p.isFlow()) {
            Bridge b = p.bridge();
            int vlan = b == null ? -1 : b.vlanKeyMap().vlan(key);
            if (vlan < 0) {
                p.counters().received(thread, innerLen);
                p.counters().drop(thread, DropReason.KEY_UNMAPPED);
                return false;
            }
            tci = vlan; // as if it arrived tagged with its local VLAN (priority 0)
        }
        vnetOffset = innerOff - VirtioNetHeader.LENGTH;
        VirtioNetHeader.clear(buf, vnetOffset); // a complete frame: the sender's checksums are already in it
        port = p;
        length = innerLen + VirtioNetHeader.LENGTH;
        vlanTci = tci;
        return true;
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

    /** The port the last decoded frame arrived on. */
    public TunnelPort port() {
        return port;
    }

    /** Where the last decoded frame's virtio header starts. */
    public int vnetOffset() {
        return vnetOffset;
    }

    /** Virtio header plus inner frame, as {@code Forwarder.receive} takes it. */
    public int length() {
        return length;
    }

    /** The local VLAN for a {@code key=flow} port (as a TCI, priority 0), else -1. */
    public int vlanTci() {
        return vlanTci;
    }

    /** Datagrams whose sender and key no tunnel port claims. */
    public long unknownTunnel() {
        return unknownTunnel;
    }

    /** Malformed datagrams from addresses that are no tunnel's remote. */
    public long malformedFromStrangers() {
        return malformedFromStrangers;
    }
}
