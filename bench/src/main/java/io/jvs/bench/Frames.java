package io.jvs.bench;

import static java.nio.ByteOrder.BIG_ENDIAN;

import java.nio.ByteBuffer;

import io.jvs.core.bridge.Forwarder;
import io.jvs.core.packet.Checksum;
import io.jvs.core.packet.EthernetHeader;
import io.jvs.core.packet.Ipv4Header;
import io.jvs.core.packet.MacAddress;
import io.jvs.core.packet.TcpHeader;
import io.jvs.core.packet.VirtioNetHeader;
import io.jvs.core.packet.VlanHeader;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Receive buffers laid out as the datapath hands them to {@link Forwarder#receive}: {@link #SLOTS} slots of
 * {@link #SLOT_BYTES} in one direct buffer, each holding {@link Forwarder#HEADROOM} free bytes, a 10-byte virtio-net
 * header and a TCP/IPv4 frame, optionally 802.1Q-tagged.
 *
 * <pre>
 *  slot i: i * SLOT_BYTES   + HEADROOM (vnetOff)     + 10 (frame)
 *          +----------------+------------------------+--------------------------------------------+
 *          | headroom (64)  | virtio-net header (10) | Ethernet [802.1Q] IPv4 TCP payload          |
 *          +----------------+------------------------+--------------------------------------------+
 * </pre>
 *
 * <p>The forwarder edits a frame in place (it strips and pushes VLAN tags by moving the MACs, and writes a fresh
 * virtio header in front of what it sends), but only inside the virtio header, the MACs and the tag. So
 * {@link #restore} puts back the first {@link #RESTORE_BYTES} bytes from the slot's vnet offset with four 8-byte
 * stores instead of copying the frame; ReloadBench measures what that costs.
 */
final class Frames {
    static final int SLOTS = 32;
    static final int SLOT_BYTES = 2048;
    static final int VNET = VirtioNetHeader.LENGTH;
    /** Virtio header (10) + MACs and tag (16) + some: every byte the forwarder may have changed. */
    static final int RESTORE_BYTES = 32;
    /** 64-byte untagged frames, the smallest Ethernet frames (FCS not counted, as the kernel shows them). */
    static final int FRAME_BYTES = 64;

    final UnsafeBuffer buf = new UnsafeBuffer(ByteBuffer.allocateDirect(SLOTS * SLOT_BYTES));
    private final long[] saved = new long[SLOTS * (RESTORE_BYTES / 8)];
    final int[] length = new int[SLOTS]; // virtio header + frame, as receive() takes it

    static int vnetOff(int slot) {
        return slot * SLOT_BYTES + Forwarder.HEADROOM;
    }

    static int frameOff(int slot) {
        return vnetOff(slot) + VNET;
    }

    /**
     * Writes a TCP/IPv4 frame of {@code frameBytes} (untagged size; a tag adds 4) into {@code slot} with a zeroed
     * virtio header, and remembers its first bytes for {@link #restore}. {@code vid} < 0: untagged.
     */
    void put(int slot, long dst, long src, int vid, int frameBytes) {
        int vnet = vnetOff(slot);
        int off = vnet + VNET;
        buf.setMemory(vnet, SLOT_BYTES - Forwarder.HEADROOM, (byte) 0);
        int len = writeTcpIpv4(buf, off, dst, src, vid, frameBytes, slot);
        length[slot] = VNET + len;
        for (int k = 0; k < RESTORE_BYTES / 8; k++) {
            saved[slot * (RESTORE_BYTES / 8) + k] = buf.getLong(vnet + 8 * k);
        }
    }

    /** Puts back what the forwarder may have changed in {@code slot}. */
    void restore(int slot) {
        int vnet = vnetOff(slot);
        int s = slot * (RESTORE_BYTES / 8);
        buf.putLong(vnet, saved[s]);
        buf.putLong(vnet + 8, saved[s + 1]);
        buf.putLong(vnet + 16, saved[s + 2]);
        buf.putLong(vnet + 24, saved[s + 3]);
    }

    /**
     * Writes Ethernet [+ 802.1Q] + IPv4 (20) + TCP (20, ACK|PSH) + zero payload, with valid IPv4 and TCP checksums.
     * {@code frameBytes} is the untagged frame length; returns the length written (4 more when tagged).
     */
    static int writeTcpIpv4(UnsafeBuffer b, int off, long dst, long src, int vid, int frameBytes, int seed) {
        EthernetHeader.setDst(b, off, dst);
        EthernetHeader.setSrc(b, off, src);
        int l3 = off + EthernetHeader.LENGTH;
        if (vid >= 0) {
            b.putShort(off + EthernetHeader.ETHERTYPE_OFFSET, (short) EthernetHeader.ETH_P_8021Q, BIG_ENDIAN);
            b.putShort(off + EthernetHeader.ETHERTYPE_OFFSET + VlanHeader.TCI_OFFSET, (short) VlanHeader.tci(0, vid),
                    BIG_ENDIAN);
            l3 += VlanHeader.LENGTH;
        }
        b.putShort(l3 - 2, (short) EthernetHeader.ETH_P_IPV4, BIG_ENDIAN);
        int ipLen = frameBytes - EthernetHeader.LENGTH;
        Ipv4Header.setVersionAndHeaderLength(b, l3, Ipv4Header.MIN_LENGTH);
        Ipv4Header.setTotalLength(b, l3, ipLen);
        Ipv4Header.setId(b, l3, seed);
        Ipv4Header.setFlagsFragment(b, l3, Ipv4Header.FLAG_DF);
        Ipv4Header.setTtl(b, l3, 64);
        Ipv4Header.setProtocol(b, l3, Ipv4Header.PROTO_TCP);
        Ipv4Header.setSrc(b, l3, 0x0a00_0001 + seed);
        Ipv4Header.setDst(b, l3, 0x0a00_0101 + seed);
        Checksum.writeIpv4HeaderChecksum(b, l3);
        int l4 = l3 + Ipv4Header.MIN_LENGTH;
        int l4Len = ipLen - Ipv4Header.MIN_LENGTH;
        TcpHeader.setSrcPort(b, l4, 40000 + seed);
        TcpHeader.setDstPort(b, l4, 5201);
        TcpHeader.setSeq(b, l4, 0x1000_0000 + seed);
        TcpHeader.setAck(b, l4, 0x2000_0000);
        TcpHeader.setHeaderLength(b, l4, TcpHeader.MIN_LENGTH);
        TcpHeader.setFlags(b, l4, TcpHeader.ACK | TcpHeader.PSH);
        TcpHeader.setWindow(b, l4, 512);
        TcpHeader.setChecksum(b, l4, 0);
        long pseudo = Checksum.pseudoIpv4(b, l3, Ipv4Header.PROTO_TCP, l4Len);
        TcpHeader.setChecksum(b, l4, Checksum.finish(pseudo + Checksum.sum(b, l4, l4Len)));
        return frameBytes + (vid >= 0 ? VlanHeader.LENGTH : 0);
    }

    /** A locally administered unicast MAC, 02:00:00:00:hh:ll style, distinct per {@code n}. */
    static long mac(int n) {
        long m = 0x02_00_00_00_00_00L | (n & 0xffff_ffffL) * 2654435761L & 0xffff_ffffL;
        if (MacAddress.isMulticast(m)) {
            throw new IllegalStateException("multicast MAC from " + n);
        }
        return m;
    }
}
