package io.jvs.core.packet;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Receive-side coalescing for outputs that take GSO super-frames (a TAP): consecutive in-order TCP/IPv4 segments of
 * one connection, as a sender's segmentation produced them, are joined back into one super-frame with a virtio
 * header ({@code GSO_TCPV4}, {@code gso_size} = the segments' MSS, partial checksum), so the stack behind the TAP
 * receives one 64 KiB packet instead of forty-five 1.5 KiB ones. What Linux's GRO does on a NIC's receive path; a
 * frame arriving through a tunnel or a socket has had no GRO.
 *
 * <p>Rules (those of Linux's TCP GRO, so the receiver sees what a NIC with GRO would give it): untagged IPv4 without
 * options or fragmentation, TCP with only ACK (and PSH on the last segment) set and a payload; same Ethernet header,
 * addresses, TOS, TTL, DF, ports, ack number, window and TCP options (timestamps included) as the super-frame being
 * built; the next sequence number; a payload no longer than the first segment's (only the last may be shorter), and
 * 64 KiB at most. Each segment's TCP checksum is verified before it is merged, since the merged frame's checksum is
 * left for the receiver to compute ("partial") and would otherwise hide a corrupted segment. Anything else is not
 * coalesced: the caller sends it as it is, after {@link #flush}.
 *
 * <p>One instance per output and forwarding thread; nothing is allocated after construction.
 */
public final class TcpCoalescer {
    /** Where finished frames go: virtio header at {@code vnetOff}, {@code length} bytes with it. */
    public interface Output {
        /**
         * @param segments how many received frames this one stands for
         * @param frameBytes their total length, as they were received
         */
        void write(UnsafeBuffer buf, int vnetOff, int length, int segments, int frameBytes);
    }

    private static final int ETH = EthernetHeader.LENGTH;
    private static final int IP = ETH; // offset of the IPv4 header in a frame
    private static final int TCP = ETH + Ipv4Header.MIN_LENGTH; // offset of the TCP header (no IP options)
    private static final int MAX_IP_LENGTH = 0xffff;
    private static final int VNET = VirtioNetHeader.LENGTH;

    private final Output output;
    private final UnsafeBuffer build;
    private final int frameOff = 64 + VNET; // the super-frame being built, behind room for its virtio header

    private int segments; // 0: nothing pending
    private int length; // bytes of the frame being built
    private int headerLength; // Ethernet + IPv4 + TCP with options
    private int mss; // the first segment's payload
    private int nextSeq;
    private int frameBytes;
    private boolean closed; // the last segment was short or had PSH: nothing may follow it

    public TcpCoalescer(Output output) {
        this.output = output;
        this.build = new UnsafeBuffer(ByteBuffer.allocateDirect(64 + VNET + MAX_IP_LENGTH + ETH));
    }

    /** Whether a frame is waiting for {@link #flush}. */
    public boolean pending() {
        return segments > 0;
    }

    /**
     * Offers a complete frame (no offload work pending) at {@code off}. Returns true when it was taken (merged, or
     * kept as the start of a new super-frame, after the previous one was written); false when it cannot be
     * coalesced: then call {@link #flush} and send it as it is, so that frames keep their order.
     */
    public boolean offer(UnsafeBuffer buf, int off, int len) {
        int tcpHeader = coalescibleTcpHeader(buf, off, len);
        if (tcpHeader < 0) {
            return false;
        }
        int payload = len - TCP - tcpHeader;
        int flags = buf.getByte(off + TCP + TcpHeader.FLAGS_OFFSET) & 0xff;
        if (segments > 0 && continues(buf, off, tcpHeader, payload)) {
            build.putBytes(frameOff + length, buf, off + TCP + tcpHeader, payload);
            length += payload;
            segments++;
            frameBytes += len;
            nextSeq += payload;
            closed = payload < mss || (flags & TcpHeader.PSH) != 0;
            if ((flags & TcpHeader.PSH) != 0) {
                build.putByte(frameOff + TCP + TcpHeader.FLAGS_OFFSET, (byte) flags); // the merged frame pushes
            }
            return true;
        }
        flush();
        build.putBytes(frameOff, buf, off, len);
        segments = 1;
        length = len;
        headerLength = TCP + tcpHeader;
        mss = payload;
        nextSeq = TcpHeader.seq(buf, off + TCP) + payload;
        frameBytes = len;
        closed = (flags & TcpHeader.PSH) != 0;
        return true;
    }

    /**
     * The TCP header length when the frame may be coalesced at all (see the class comment), else -1. The checksum
     * check comes last: it is the only part that reads the payload.
     */
    private static int coalescibleTcpHeader(UnsafeBuffer buf, int off, int len) {
        if (len < TCP + TcpHeader.MIN_LENGTH + 1
                || buf.getShort(off + EthernetHeader.ETHERTYPE_OFFSET, ByteOrder.BIG_ENDIAN) != EthernetHeader.ETH_P_IPV4
                || (buf.getByte(off + IP) & 0xff) != 0x45
                || Ipv4Header.protocol(buf, off + IP) != Ipv4Header.PROTO_TCP
                || (Ipv4Header.flagsFragment(buf, off + IP) & (Ipv4Header.FLAG_MF | Ipv4Header.FRAGMENT_OFFSET_MASK)) != 0
                || Ipv4Header.totalLength(buf, off + IP) != len - ETH
                || !Checksum.isIpv4HeaderChecksumValid(buf, off + IP)) {
            return -1;
        }
        int tcpHeader = TcpHeader.headerLength(buf, off + TCP);
        int flags = buf.getByte(off + TCP + TcpHeader.FLAGS_OFFSET) & 0xff;
        if (tcpHeader < TcpHeader.MIN_LENGTH || TCP + tcpHeader >= len
                || (flags & ~TcpHeader.PSH) != TcpHeader.ACK) {
            return -1;
        }
        int l4 = len - TCP;
        long sum = Checksum.pseudoIpv4(buf, off + IP, Ipv4Header.PROTO_TCP, l4) + Checksum.sum(buf, off + TCP, l4);
        return Checksum.fold(sum) == 0xffff ? tcpHeader : -1;
    }

    /** Whether the segment at {@code off} continues the super-frame being built. */
    private boolean continues(UnsafeBuffer buf, int off, int tcpHeader, int payload) {
        if (closed || TCP + tcpHeader != headerLength || payload > mss || length + payload > MAX_IP_LENGTH + ETH
                || TcpHeader.seq(buf, off + TCP) != nextSeq) {
            return false;
        }
        UnsafeBuffer b = build;
        int f = frameOff;
        // Ethernet header; IPv4 TOS; TTL and protocol; addresses; TCP ports; ack; data offset and window (the flags
        // byte in between was checked already); options.
        return buf.getLong(off) == b.getLong(f) && buf.getInt(off + 8) == b.getInt(f + 8)
                && buf.getShort(off + 12) == b.getShort(f + 12)
                && buf.getByte(off + IP + 1) == b.getByte(f + IP + 1)
                && buf.getShort(off + IP + 6) == b.getShort(f + IP + 6)
                && buf.getShort(off + IP + 8) == b.getShort(f + IP + 8)
                && buf.getLong(off + IP + 12) == b.getLong(f + IP + 12)
                && buf.getInt(off + TCP) == b.getInt(f + TCP)
                && buf.getInt(off + TCP + 8) == b.getInt(f + TCP + 8)
                && buf.getByte(off + TCP + 12) == b.getByte(f + TCP + 12)
                && buf.getShort(off + TCP + 14) == b.getShort(f + TCP + 14)
                && sameOptions(buf, off + TCP + TcpHeader.MIN_LENGTH, f + TCP + TcpHeader.MIN_LENGTH,
                        tcpHeader - TcpHeader.MIN_LENGTH);
    }

    private boolean sameOptions(UnsafeBuffer buf, int a, int b, int n) {
        for (int i = 0; i < n; i += 4) {
            if (buf.getInt(a + i) != build.getInt(b + i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Writes the pending frame: a lone segment as it came, several as one super-frame whose IPv4 length and checksum
     * are fixed and whose TCP checksum is left partial (the pseudo header's sum) for the receiver.
     */
    public void flush() {
        int n = segments;
        if (n == 0) {
            return;
        }
        segments = 0;
        int vnetOff = frameOff - VNET;
        VirtioNetHeader.clear(build, vnetOff);
        if (n > 1) {
            int ip = frameOff + IP;
            int l4 = length - TCP;
            Ipv4Header.setTotalLength(build, ip, length - ETH);
            Checksum.writeIpv4HeaderChecksum(build, ip);
            TcpHeader.setChecksum(build, frameOff + TCP,
                    Checksum.fold(Checksum.pseudoIpv4(build, ip, Ipv4Header.PROTO_TCP, l4)));
            VirtioNetHeader.setFlags(build, vnetOff, VirtioNetHeader.FLAG_NEEDS_CSUM);
            VirtioNetHeader.setGsoType(build, vnetOff, VirtioNetHeader.GSO_TCPV4);
            VirtioNetHeader.setHdrLen(build, vnetOff, headerLength);
            VirtioNetHeader.setGsoSize(build, vnetOff, mss);
            VirtioNetHeader.setCsumStart(build, vnetOff, TCP);
            VirtioNetHeader.setCsumOffset(build, vnetOff, TcpHeader.CHECKSUM_OFFSET);
        }
        output.write(build, vnetOff, length + VNET, n, frameBytes);
    }
}
