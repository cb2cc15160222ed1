package io.jvs.core.packet;

import java.nio.ByteBuffer;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Software GSO: cuts a TCP or UDP super-frame (as received with a virtio-net header whose gso_type is not
 * {@link VirtioNetHeader#GSO_NONE}) into wire-sized frames, for an output that cannot take the super-frame.
 *
 * <p>Supported: {@link VirtioNetHeader#GSO_TCPV4} (IPv4 options allowed), {@link VirtioNetHeader#GSO_TCPV6} (no
 * extension headers), either with or without {@link VirtioNetHeader#GSO_ECN}, and {@link VirtioNetHeader#GSO_UDP_L4}
 * over IPv4 or IPv6. The frame must be untagged Ethernet: the datapath strips 802.1Q tags before this runs.
 *
 * <p>Each segment is built in one scratch buffer allocated at construction, at offset {@link #HEADROOM}, and handed
 * to the {@link SegmentSink} before the next one overwrites it:
 *
 * <pre>
 *  scratch: 0                        HEADROOM
 *           +------------------------+----------+---------+--------+----------------------+
 *           | free for VLAN tag and  | Ethernet | IPv4/v6 | TCP or | payload chunk        |
 *           | virtio-net header      |  (14)    | header  | UDP    | (gsoSize, last less) |
 *           +------------------------+----------+---------+--------+----------------------+
 * </pre>
 *
 * <p>Per segment i (payload offset p = i * gsoSize): IPv4 total length, id = original id + i (mod 2^16) and header
 * checksum; IPv6 payload length; TCP seq = original seq + p, FIN and PSH kept on the last segment only, CWR on the
 * first only, full checksum; UDP length and full checksum. Checksums are computed in full rather than left partial,
 * because an output that cannot segment is assumed not to complete checksums either.
 *
 * <p>Not thread-safe: one instance per polling thread. Nothing is allocated per call.
 */
public final class GsoSegmenter {
    /** Bytes left free in front of each segment: room for a 4-byte VLAN tag and a 10- or 12-byte virtio header. */
    public static final int HEADROOM = 64;
    /** The input is not a kind of super-frame this class segments (GSO type, VLAN tag, IPv6 extension headers). */
    public static final int UNSUPPORTED = -1;
    /** The input's lengths or headers are inconsistent (see {@link #segment}). */
    public static final int MALFORMED = -2;
    /** The headers plus gsoSize would not fit in maxSegmentBytes. */
    public static final int SEGMENT_TOO_LARGE = -3;

    /** Smallest segment limit accepted: room for the largest headers (14 + 60 + 60) and some payload. */
    public static final int MIN_SEGMENT_BYTES = 256;
    /** Largest segment limit accepted: an IPv4 total length must fit in 16 bits. */
    public static final int MAX_SEGMENT_BYTES = EthernetHeader.LENGTH + 0xffff;

    private static final int ANY_IP = -1;

    private final UnsafeBuffer scratch;
    private final int maxSegmentBytes;

    /**
     * @param maxSegmentBytes the largest segment (Ethernet header to end of payload) this instance can build, e.g.
     *                        9216 for jumbo frames. The scratch buffer is allocated once, here.
     */
    /**
     * The bytes of Ethernet, IP and TCP/UDP headers in front of the payload of an untagged GSO super-frame: what each
     * segment repeats. Returns -1 when the headers do not parse (segment() would refuse the frame as well). Lets a
     * caller check that headers + gso_size fit the MTU before accepting the super-frame.
     */
    public static int headersLength(DirectBuffer buf, int frameOff, int frameLen, int gsoType) {
        int base = VirtioNetHeader.gsoBaseType(gsoType);
        boolean tcp = base == VirtioNetHeader.GSO_TCPV4 || base == VirtioNetHeader.GSO_TCPV6;
        if (!tcp && base != VirtioNetHeader.GSO_UDP_L4) {
            return -1;
        }
        int ipOff = frameOff + EthernetHeader.LENGTH;
        int etherType = frameLen >= EthernetHeader.LENGTH ? EthernetHeader.etherType(buf, frameOff) : -1;
        int ipHeaderLength;
        if (etherType == EthernetHeader.ETH_P_IPV4 && frameLen >= EthernetHeader.LENGTH + Ipv4Header.MIN_LENGTH) {
            ipHeaderLength = Ipv4Header.headerLength(buf, ipOff);
        } else if (etherType == EthernetHeader.ETH_P_IPV6 && frameLen >= EthernetHeader.LENGTH + Ipv6Header.LENGTH) {
            ipHeaderLength = Ipv6Header.LENGTH;
        } else {
            return -1;
        }
        int l4Off = ipOff + ipHeaderLength;
        int l4HeaderLength = UdpHeader.LENGTH;
        if (tcp) {
            if (l4Off + TcpHeader.MIN_LENGTH > frameOff + frameLen) {
                return -1;
            }
            l4HeaderLength = TcpHeader.headerLength(buf, l4Off);
            if (l4HeaderLength < TcpHeader.MIN_LENGTH) {
                return -1;
            }
        }
        int total = l4Off + l4HeaderLength - frameOff;
        return ipHeaderLength < Ipv4Header.MIN_LENGTH || total > frameLen ? -1 : total;
    }

    public GsoSegmenter(final int maxSegmentBytes) {
        if (maxSegmentBytes < MIN_SEGMENT_BYTES || maxSegmentBytes > MAX_SEGMENT_BYTES) {
            throw new IllegalArgumentException("maxSegmentBytes=" + maxSegmentBytes + " outside "
                + MIN_SEGMENT_BYTES + ".." + MAX_SEGMENT_BYTES);
        }
        this.maxSegmentBytes = maxSegmentBytes;
        this.scratch = new UnsafeBuffer(ByteBuffer.allocateDirect(HEADROOM + maxSegmentBytes));
    }

    public int maxSegmentBytes() {
        return maxSegmentBytes;
    }

    /**
     * Segments one super-frame.
     *
     * <p>The real headers are parsed; virtio hdr_len is not needed. Bytes after the IP datagram (Ethernet padding)
     * are ignored. The UDP length field of a USO super-frame is not checked, because senders disagree on what to put
     * there once the datagram exceeds 64 KiB; the IP length is authoritative.
     *
     * @param buf      buffer holding the frame; only read.
     * @param frameOff offset of the Ethernet header.
     * @param frameLen length of the frame.
     * @param gsoType  virtio gso_type, {@link VirtioNetHeader#GSO_ECN} allowed on the TCP types (and ignored on UDP).
     * @param gsoSize  payload bytes per segment (virtio gso_size): TCP segment payload or UDP datagram payload.
     * @param sink     receives each segment, synchronously.
     * @return the number of segments delivered (at least 1), or {@link #UNSUPPORTED}, {@link #MALFORMED} or
     *         {@link #SEGMENT_TOO_LARGE}, in which case nothing was delivered. MALFORMED covers: gsoSize &lt; 1,
     *         frame out of the buffer, wrong IP version for the GSO type, IP length larger than the frame or smaller
     *         than the headers, IPv4 header or TCP header length out of bounds, an IPv4 fragment, or an IPv4
     *         protocol that does not match the GSO type.
     */
    public int segment(
        final DirectBuffer buf,
        final int frameOff,
        final int frameLen,
        final int gsoType,
        final int gsoSize,
        final SegmentSink sink) {
        // The GSO type fixes the L4 protocol; for TCP it also fixes the IP version, USO works over either.
        final boolean tcp;
        final int requiredEtherType;
        switch (VirtioNetHeader.gsoBaseType(gsoType)) {
            case VirtioNetHeader.GSO_TCPV4 -> {
                tcp = true;
                requiredEtherType = EthernetHeader.ETH_P_IPV4;
            }
            case VirtioNetHeader.GSO_TCPV6 -> {
                tcp = true;
                requiredEtherType = EthernetHeader.ETH_P_IPV6;
            }
            case VirtioNetHeader.GSO_UDP_L4 -> {
                tcp = false;
                requiredEtherType = ANY_IP;
            }
            default -> {
                return UNSUPPORTED;
            }
        }
        if (gsoSize < 1 || frameOff < 0 || frameLen < EthernetHeader.LENGTH
            || (long) frameOff + frameLen > buf.capacity()) {
            return MALFORMED;
        }
        final int etherType = EthernetHeader.etherType(buf, frameOff);
        if (EthernetHeader.isVlanTpid(etherType)) {
            return UNSUPPORTED;
        }
        if ((etherType != EthernetHeader.ETH_P_IPV4 && etherType != EthernetHeader.ETH_P_IPV6)
            || (requiredEtherType != ANY_IP && etherType != requiredEtherType)) {
            return MALFORMED;
        }
        final boolean isIpv4 = etherType == EthernetHeader.ETH_P_IPV4;
        final int l4Proto = tcp ? Ipv4Header.PROTO_TCP : Ipv4Header.PROTO_UDP;

        final int ipOff = frameOff + EthernetHeader.LENGTH;
        final int frameEnd = frameOff + frameLen;
        final int ipHeaderLength;
        final int ipEnd;
        if (isIpv4) {
            if (frameLen < EthernetHeader.LENGTH + Ipv4Header.MIN_LENGTH
                || Ipv4Header.version(buf, ipOff) != Ipv4Header.VERSION) {
                return MALFORMED;
            }
            ipHeaderLength = Ipv4Header.headerLength(buf, ipOff);
            final int totalLength = Ipv4Header.totalLength(buf, ipOff);
            if (ipHeaderLength < Ipv4Header.MIN_LENGTH || totalLength < ipHeaderLength
                || ipOff + totalLength > frameEnd
                || Ipv4Header.isFragment(buf, ipOff)
                || Ipv4Header.protocol(buf, ipOff) != l4Proto) {
                return MALFORMED;
            }
            ipEnd = ipOff + totalLength;
        } else {
            if (frameLen < EthernetHeader.LENGTH + Ipv6Header.LENGTH
                || Ipv6Header.version(buf, ipOff) != Ipv6Header.VERSION) {
                return MALFORMED;
            }
            if (Ipv6Header.nextHeader(buf, ipOff) != l4Proto) {
                // Extension headers (or a jumbogram's hop-by-hop option) would have to be walked and copied.
                return UNSUPPORTED;
            }
            ipHeaderLength = Ipv6Header.LENGTH;
            ipEnd = ipOff + Ipv6Header.LENGTH + Ipv6Header.payloadLength(buf, ipOff);
            if (ipEnd > frameEnd) {
                return MALFORMED;
            }
        }

        final int l4Off = ipOff + ipHeaderLength;
        final int l4HeaderLength;
        if (tcp) {
            if (l4Off + TcpHeader.MIN_LENGTH > ipEnd) {
                return MALFORMED;
            }
            l4HeaderLength = TcpHeader.headerLength(buf, l4Off);
            if (l4HeaderLength < TcpHeader.MIN_LENGTH || l4Off + l4HeaderLength > ipEnd) {
                return MALFORMED;
            }
        } else {
            l4HeaderLength = UdpHeader.LENGTH;
            if (l4Off + l4HeaderLength > ipEnd) {
                return MALFORMED;
            }
        }

        final int headersLength = l4Off + l4HeaderLength - frameOff;
        if (headersLength + gsoSize > maxSegmentBytes) {
            return SEGMENT_TOO_LARGE;
        }
        final int payloadOff = frameOff + headersLength;
        final int payloadLength = ipEnd - payloadOff;
        // An empty payload still yields one (header-only) segment, as a super-frame that fits in one segment does.
        final int segments = payloadLength == 0 ? 1 : (payloadLength + gsoSize - 1) / gsoSize;

        final UnsafeBuffer out = scratch;
        final int outIp = HEADROOM + EthernetHeader.LENGTH;
        final int outL4 = outIp + ipHeaderLength;
        final int outPayload = HEADROOM + headersLength;
        out.putBytes(HEADROOM, buf, frameOff, headersLength);

        final int firstId = isIpv4 ? Ipv4Header.id(buf, ipOff) : 0;
        final int firstSeq = tcp ? TcpHeader.seq(buf, l4Off) : 0;
        final int originalFlags = tcp ? TcpHeader.flags(buf, l4Off) : 0;

        for (int i = 0; i < segments; i++) {
            final int chunkOff = i * gsoSize;
            final int chunkLength = Math.min(gsoSize, payloadLength - chunkOff);
            final int l4Length = l4HeaderLength + chunkLength;
            out.putBytes(outPayload, buf, payloadOff + chunkOff, chunkLength);

            if (isIpv4) {
                Ipv4Header.setTotalLength(out, outIp, ipHeaderLength + l4Length);
                Ipv4Header.setId(out, outIp, (firstId + i) & 0xffff);
                Checksum.writeIpv4HeaderChecksum(out, outIp);
            } else {
                Ipv6Header.setPayloadLength(out, outIp, l4Length);
            }

            final long pseudo = isIpv4
                ? Checksum.pseudoIpv4(out, outIp, l4Proto, l4Length)
                : Checksum.pseudoIpv6(out, outIp, l4Proto, l4Length);
            if (tcp) {
                int flags = originalFlags;
                if (i != segments - 1) {
                    flags &= ~(TcpHeader.FIN | TcpHeader.PSH);
                }
                if (i != 0) {
                    flags &= ~TcpHeader.CWR;
                }
                TcpHeader.setSeq(out, outL4, firstSeq + chunkOff);
                TcpHeader.setFlags(out, outL4, flags);
                TcpHeader.setChecksum(out, outL4, 0);
                TcpHeader.setChecksum(out, outL4, Checksum.finish(pseudo + Checksum.sum(out, outL4, l4Length)));
            } else {
                UdpHeader.setDatagramLength(out, outL4, l4Length);
                UdpHeader.setChecksum(out, outL4, 0);
                UdpHeader.setChecksum(out, outL4,
                    Checksum.udpChecksum(Checksum.finish(pseudo + Checksum.sum(out, outL4, l4Length))));
            }
            sink.accept(out, HEADROOM, headersLength + chunkLength);
        }
        return segments;
    }
}
