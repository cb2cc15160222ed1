package io.jvs.datapath.tunnel;

import java.nio.ByteOrder;

import io.jvs.core.bridge.Bridge;
import io.jvs.core.bridge.DropReason;
import io.jvs.core.bridge.VlanKeyMap;
import io.jvs.core.packet.Checksum;
import io.jvs.core.packet.EthernetHeader;
import io.jvs.core.packet.VirtioNetHeader;
import io.jvs.core.packet.VlanHeader;
import io.jvs.tunnel.GreHeader;
import io.jvs.tunnel.VxlanHeader;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * The transmit half of a tunnel endpoint without the socket: builds the datagram for one frame leaving on a
 * {@link TunnelPort}: the GRE or VXLAN header (the kernel adds the outer IP and UDP headers), then the inner frame,
 * without its tag for a {@code key=flow} port, whose key is the bridge's image of that tag's VLAN. Stateless apart
 * from the port's GRE sequence counter; no allocation.
 */
public final class TunnelEncoder {
    /** The most bytes {@link #encode} writes: the largest GRE header and a 64 KiB frame. */
    public static final int MAX_DATAGRAM = GreHeader.MAX_LENGTH + 65535;

    private TunnelEncoder() {
    }

    /**
     * Writes into {@code dst} at {@code dstOff} the datagram carrying the frame at {@code vnetOff} (virtio header,
     * then the frame; {@code length} counts both). Returns the datagram's length, or 0 when the frame's VLAN has no
     * key (counted as {@code vlan_unmapped} on the port).
     */
    public static int encode(TunnelPort port, UnsafeBuffer src, int vnetOff, int length, UnsafeBuffer dst,
            int dstOff, int thread) {
        int frameOff = vnetOff + VirtioNetHeader.LENGTH;
        int frameLen = length - VirtioNetHeader.LENGTH;
        long key = port.key();
        boolean strip = false;
        if (key == TunnelPort.FLOW) {
            Bridge b = port.bridge();
            int vid = frameLen >= EthernetHeader.LENGTH + VlanHeader.LENGTH
                    && EthernetHeader.etherType(src, frameOff) == EthernetHeader.ETH_P_8021Q
                    ? src.getShort(frameOff + 14, ByteOrder.BIG_ENDIAN) & 0x0fff : 0;
            key = vid == 0 || b == null ? VlanKeyMap.NONE : b.vlanKeyMap().key(vid);
            if (key == VlanKeyMap.NONE || (port.kind() == TunnelKind.VXLAN && key > VxlanHeader.MAX_VNI)) {
                port.counters().drop(thread, DropReason.VLAN_UNMAPPED);
                return 0;
            }
            strip = true;
        }
        int header = writeHeader(port, key, dst, dstOff);
        int innerLen;
        if (strip) {
            dst.putBytes(dstOff + header, src, frameOff, 12); // the MACs, then everything after the tag
            dst.putBytes(dstOff + header + 12, src, frameOff + 16, frameLen - 16);
            innerLen = frameLen - VlanHeader.LENGTH;
        } else {
            dst.putBytes(dstOff + header, src, frameOff, frameLen);
            innerLen = frameLen;
        }
        if (port.kind() == TunnelKind.GRE && port.checksum()) {
            GreHeader.setChecksum(dst, dstOff, Checksum.finish(Checksum.sum(dst, dstOff, header + innerLen)));
        }
        return header + innerLen;
    }

    /**
     * Writes the port's header. Its layout is fixed per port (the flags word, precomputed at configuration), so per
     * packet only the key (for key=flow), the sequence number and the checksum (after the copy) change; the outer
     * IPv4 (and UDP) header is the kernel's.
     */
    private static int writeHeader(TunnelPort port, long key, UnsafeBuffer m, int off) {
        if (port.kind() == TunnelKind.VXLAN) {
            m.putInt(off, VxlanHeader.FLAG_I << 24, java.nio.ByteOrder.BIG_ENDIAN);
            m.putInt(off + VxlanHeader.VNI_OFFSET, (key == TunnelPort.NO_KEY ? 0 : (int) key) << 8,
                    java.nio.ByteOrder.BIG_ENDIAN);
            return VxlanHeader.LENGTH;
        }
        int flags = port.greFlags();
        m.putInt(off, flags << 16 | GreHeader.PROTO_TEB, java.nio.ByteOrder.BIG_ENDIAN);
        if ((flags & GreHeader.FLAG_C) != 0) {
            m.putInt(off + GreHeader.CHECKSUM_OFFSET, 0); // checksum and reserved1, summed as zero
        }
        if ((flags & GreHeader.FLAG_K) != 0) {
            GreHeader.setKey(m, off, flags, key);
        }
        if ((flags & GreHeader.FLAG_S) != 0) {
            GreHeader.setSequence(m, off, flags, port.nextSequence());
        }
        return GreHeader.headerLength(flags);
    }

    /** The length of the tunnel header at the start of a datagram {@link #encode} built. */
    static int headerLength(TunnelKind kind, UnsafeBuffer datagram, int off) {
        return kind == TunnelKind.VXLAN ? VxlanHeader.LENGTH : GreHeader.headerLength(GreHeader.flags(datagram, off));
    }
}
