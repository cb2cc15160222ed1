package io.jvs.core.packet;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Frame builders and deliberately naive checksum verifiers for the tests. The verifiers work on byte arrays with
 * a plain 16-bit loop so they share no code with {@link Checksum}.
 */
final class Frames {
    static final long DST_MAC = 0x02_00_00_00_00_02L;
    static final long SRC_MAC = 0x02_00_00_00_00_01L;
    static final int IPV4_SRC = 0x0a_00_00_01;
    static final int IPV4_DST = 0x0a_00_00_02;
    static final long IPV6_SRC_HIGH = 0x2001_0db8_0000_0000L;
    static final long IPV6_SRC_LOW = 0x0000_0000_0000_0001L;
    static final long IPV6_DST_HIGH = 0x2001_0db8_0000_0000L;
    static final long IPV6_DST_LOW = 0x0000_0000_0000_0002L;

    private Frames() {
    }

    /** A frame placed at {@code off} inside {@code buf}. */
    record Frame(UnsafeBuffer buf, int off, int len) {
        byte[] bytes() {
            final byte[] out = new byte[len];
            buf.getBytes(off, out);
            return out;
        }
    }

    static UnsafeBuffer directBuffer(final int capacity) {
        return new UnsafeBuffer(ByteBuffer.allocateDirect(capacity));
    }

    /** Payload byte i: a pattern with period 251 (prime), so a misplaced chunk is detected. */
    static byte payloadByte(final int i) {
        return (byte) (i % 251);
    }

    static byte[] payload(final int length) {
        final byte[] out = new byte[length];
        for (int i = 0; i < length; i++) {
            out[i] = payloadByte(i);
        }
        return out;
    }

    /**
     * An untagged Ethernet + IPv4 or IPv6 + TCP or UDP frame, with checksums left at zero.
     *
     * @param ipOptionsLength IPv4 options bytes (multiple of 4; ignored for IPv6).
     * @param tcpOptionsLength TCP options bytes (multiple of 4; ignored for UDP).
     */
    static Frame build(
        final boolean ipv4,
        final boolean tcp,
        final int frameOff,
        final int ipOptionsLength,
        final int tcpOptionsLength,
        final int payloadLength,
        final int ipId,
        final int seq,
        final int tcpFlags) {
        final int ipHeaderLength = ipv4 ? Ipv4Header.MIN_LENGTH + ipOptionsLength : Ipv6Header.LENGTH;
        final int l4HeaderLength = tcp ? TcpHeader.MIN_LENGTH + tcpOptionsLength : UdpHeader.LENGTH;
        final int frameLen = EthernetHeader.LENGTH + ipHeaderLength + l4HeaderLength + payloadLength;
        final UnsafeBuffer buf = directBuffer(frameOff + frameLen + 16);
        final int proto = tcp ? Ipv4Header.PROTO_TCP : Ipv4Header.PROTO_UDP;

        EthernetHeader.setDst(buf, frameOff, DST_MAC);
        EthernetHeader.setSrc(buf, frameOff, SRC_MAC);
        EthernetHeader.setEtherType(buf, frameOff, ipv4 ? EthernetHeader.ETH_P_IPV4 : EthernetHeader.ETH_P_IPV6);
        final int ip = frameOff + EthernetHeader.LENGTH;
        if (ipv4) {
            Ipv4Header.setVersionAndHeaderLength(buf, ip, ipHeaderLength);
            Ipv4Header.setTos(buf, ip, 0);
            Ipv4Header.setTotalLength(buf, ip, ipHeaderLength + l4HeaderLength + payloadLength);
            Ipv4Header.setId(buf, ip, ipId);
            Ipv4Header.setFlagsFragment(buf, ip, Ipv4Header.FLAG_DF);
            Ipv4Header.setTtl(buf, ip, 64);
            Ipv4Header.setProtocol(buf, ip, proto);
            Ipv4Header.setSrc(buf, ip, IPV4_SRC);
            Ipv4Header.setDst(buf, ip, IPV4_DST);
            for (int i = 0; i < ipOptionsLength; i++) {
                buf.putByte(ip + Ipv4Header.MIN_LENGTH + i, (byte) 1); // NOP options
            }
            Checksum.writeIpv4HeaderChecksum(buf, ip);
        } else {
            Ipv6Header.setVersionClassFlow(buf, ip, 0, 0x12345);
            Ipv6Header.setPayloadLength(buf, ip, l4HeaderLength + payloadLength);
            Ipv6Header.setNextHeader(buf, ip, proto);
            Ipv6Header.setHopLimit(buf, ip, 64);
            Ipv6Header.setSrc(buf, ip, IPV6_SRC_HIGH, IPV6_SRC_LOW);
            Ipv6Header.setDst(buf, ip, IPV6_DST_HIGH, IPV6_DST_LOW);
        }
        final int l4 = ip + ipHeaderLength;
        if (tcp) {
            TcpHeader.setSrcPort(buf, l4, 40000);
            TcpHeader.setDstPort(buf, l4, 5201);
            TcpHeader.setSeq(buf, l4, seq);
            TcpHeader.setAck(buf, l4, 0x01020304);
            TcpHeader.setHeaderLength(buf, l4, l4HeaderLength);
            TcpHeader.setFlags(buf, l4, tcpFlags);
            TcpHeader.setWindow(buf, l4, 502);
            for (int i = 0; i < tcpOptionsLength; i++) {
                buf.putByte(l4 + TcpHeader.MIN_LENGTH + i, (byte) 1);
            }
        } else {
            UdpHeader.setSrcPort(buf, l4, 40000);
            UdpHeader.setDstPort(buf, l4, 4789);
            UdpHeader.setDatagramLength(buf, l4, l4HeaderLength + payloadLength);
        }
        final int payloadOff = l4 + l4HeaderLength;
        for (int i = 0; i < payloadLength; i++) {
            buf.putByte(payloadOff + i, payloadByte(i));
        }
        return new Frame(buf, frameOff, frameLen);
    }

    /** Plain 16-bit loop, folded with a while loop: the reference the optimised code is compared with. */
    static int naiveFold(final byte[] data, final int off, final int len) {
        long sum = 0;
        for (int i = 0; i < len; i += 2) {
            final int hi = data[off + i] & 0xff;
            final int lo = i + 1 < len ? data[off + i + 1] & 0xff : 0;
            sum += (hi << 8) | lo;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) sum;
    }

    static int naiveFold(final byte[] data) {
        return naiveFold(data, 0, data.length);
    }

    static byte[] concat(final byte[] a, final byte[] b) {
        final byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** True when the L4 checksum of an Ethernet+IP+L4 frame (in {@code frame}) verifies over pseudo-header+L4. */
    static boolean l4ChecksumValid(final byte[] frame, final int proto) {
        final UnsafeBuffer buf = new UnsafeBuffer(frame);
        final int ip = EthernetHeader.LENGTH;
        final boolean ipv4 = EthernetHeader.etherType(buf, 0) == EthernetHeader.ETH_P_IPV4;
        final int l4Off;
        final int l4Len;
        final byte[] pseudo;
        if (ipv4) {
            l4Off = ip + Ipv4Header.headerLength(buf, ip);
            l4Len = Ipv4Header.totalLength(buf, ip) - Ipv4Header.headerLength(buf, ip);
            pseudo = new byte[12];
            System.arraycopy(frame, ip + Ipv4Header.SRC_OFFSET, pseudo, 0, 8);
            pseudo[9] = (byte) proto;
            pseudo[10] = (byte) (l4Len >>> 8);
            pseudo[11] = (byte) l4Len;
        } else {
            l4Off = ip + Ipv6Header.LENGTH;
            l4Len = Ipv6Header.payloadLength(buf, ip);
            pseudo = new byte[40];
            System.arraycopy(frame, ip + Ipv6Header.SRC_OFFSET, pseudo, 0, 32);
            pseudo[34] = (byte) (l4Len >>> 8);
            pseudo[35] = (byte) l4Len;
            pseudo[39] = (byte) proto;
        }
        final byte[] l4 = new byte[l4Len];
        System.arraycopy(frame, l4Off, l4, 0, l4Len);
        return naiveFold(concat(pseudo, l4)) == 0xffff;
    }

    static boolean ipv4HeaderValid(final byte[] frame) {
        final int ip = EthernetHeader.LENGTH;
        final int headerLength = (frame[ip] & 0xf) * 4;
        return naiveFold(frame, ip, headerLength) == 0xffff;
    }

    /** Collects copies of the segments a {@link GsoSegmenter} delivers. */
    static final class CollectingSink implements SegmentSink {
        final List<byte[]> segments = new ArrayList<>();
        final List<Integer> offsets = new ArrayList<>();

        @Override
        public void accept(final MutableDirectBuffer buf, final int off, final int len) {
            final byte[] copy = new byte[len];
            buf.getBytes(off, copy);
            segments.add(copy);
            offsets.add(off);
        }
    }

    static int u16(final DirectBuffer buf, final int off) {
        return buf.getShort(off, java.nio.ByteOrder.BIG_ENDIAN) & 0xffff;
    }
}
