package io.jvs.tunnel;

import io.jvs.core.packet.Checksum;
import io.jvs.core.packet.EthernetHeader;
import io.jvs.core.packet.Ipv4Header;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * GRE encapsulation of Ethernet frames (protocol type {@link GreHeader#PROTO_TEB}) for one tunnel over IPv4.
 *
 * <p>The outer IPv4 and GRE headers are built once, at construction, into a template. Per packet the template is
 * copied in front of the inner frame and only the IPv4 total length, identification and header checksum, the GRE
 * sequence number (when enabled) and the GRE checksum (when enabled) are patched. Nothing is allocated per packet.
 *
 * <p>The result starts at the outer IPv4 header, with no outer Ethernet header: it is meant for a raw IP socket
 * with {@code IP_HDRINCL}, which sends from the IP header and lets the kernel route and resolve the next hop.
 *
 * <p>Single-writer: the IPv4 id and GRE sequence counters belong to the thread that sends on this tunnel.
 */
public final class GreEncap {
    /** Constructor value for a tunnel without a GRE key. */
    public static final long NO_KEY = -1L;
    /** Returned by {@link #encapsulate} when the frame cannot be encapsulated (see there). */
    public static final int REJECTED = -1;

    private static final int MAX_OVERHEAD = Ipv4Header.MIN_LENGTH + GreHeader.MAX_LENGTH;
    private static final int MAX_IP_LENGTH = 0xffff;

    private final UnsafeBuffer template;
    private final int overhead;
    private final int greFlags;
    private final long ipTemplateSum;
    private int nextId;
    private int nextSequence;

    /**
     * @param localAddress outer source, four bytes in wire order (first byte most significant).
     * @param remoteAddress outer destination, likewise.
     * @param key the GRE key, 0 to 0xffffffff, or {@link #NO_KEY} to send none.
     * @param checksum whether to send the GRE checksum: it protects the inner frame end to end at the cost of a
     *     pass over it per packet; Ethernet inner frames usually carry their own L4 checksums, so off is the norm.
     * @param sequence whether to send RFC 2890 sequence numbers, starting at 0.
     * @param ttl outer TTL, 1 to 255.
     * @param dscp outer DSCP, 0 to 63.
     */
    public GreEncap(
        final int localAddress, final int remoteAddress, final long key, final boolean checksum,
        final boolean sequence, final int ttl, final int dscp) {
        OuterIpv4.validate(ttl, dscp);
        if (key != NO_KEY && (key < 0 || key > 0xffff_ffffL)) {
            throw new IllegalArgumentException("key=" + key + " outside 0..4294967295");
        }
        greFlags = (checksum ? GreHeader.FLAG_C : 0) | (key != NO_KEY ? GreHeader.FLAG_K : 0)
            | (sequence ? GreHeader.FLAG_S : 0);
        overhead = Ipv4Header.MIN_LENGTH + GreHeader.headerLength(greFlags);
        template = new UnsafeBuffer(new byte[overhead]);
        ipTemplateSum = OuterIpv4.writeTemplate(
            template, 0, localAddress, remoteAddress, GreHeader.IP_PROTO_GRE, ttl, dscp);
        final int greOff = Ipv4Header.MIN_LENGTH;
        GreHeader.setFlags(template, greOff, greFlags);
        GreHeader.setProtocol(template, greOff, GreHeader.PROTO_TEB);
        if (key != NO_KEY) {
            GreHeader.setKey(template, greOff, greFlags, key);
        }
    }

    /** The most headroom any GRE tunnel needs in front of the inner frame: IPv4 (20) + GRE with C, K and S (16). */
    public static int maxOverhead() {
        return MAX_OVERHEAD;
    }

    /** The headroom this tunnel needs: IPv4 plus its GRE header. */
    public int overhead() {
        return overhead;
    }

    /** The GRE flags/version word this tunnel sends. */
    public int greFlags() {
        return greFlags;
    }

    /**
     * Writes the outer IPv4 and GRE headers in the {@link #overhead()} bytes before {@code innerOff}.
     *
     * @return the offset of the outer IPv4 header ({@code innerOff - overhead()}); the packet to send runs from
     *     there for {@code overhead() + innerLen} bytes. {@link #REJECTED} when there is not enough headroom, the
     *     inner frame is shorter than an Ethernet header, or the result would exceed 65535 bytes; nothing is written
     *     then and no counter advances.
     */
    public int encapsulate(final MutableDirectBuffer buf, final int innerOff, final int innerLen) {
        final int ipOff = innerOff - overhead;
        final int totalLength = overhead + innerLen;
        if (ipOff < 0 || innerLen < EthernetHeader.LENGTH || totalLength > MAX_IP_LENGTH) {
            return REJECTED;
        }
        buf.putBytes(ipOff, template, 0, overhead);
        OuterIpv4.patch(buf, ipOff, ipTemplateSum, totalLength, nextId++);
        final int greOff = ipOff + Ipv4Header.MIN_LENGTH;
        if ((greFlags & GreHeader.FLAG_S) != 0) {
            GreHeader.setSequence(buf, greOff, greFlags, nextSequence++ & 0xffff_ffffL);
        }
        if ((greFlags & GreHeader.FLAG_C) != 0) {
            // The template holds zero in the checksum field, so summing the whole GRE packet gives the right value.
            final int greLen = totalLength - Ipv4Header.MIN_LENGTH;
            GreHeader.setChecksum(buf, greOff, Checksum.finish(Checksum.sum(buf, greOff, greLen)));
        }
        return ipOff;
    }
}
