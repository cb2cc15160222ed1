package io.jvs.tunnel;

import io.jvs.core.packet.Checksum;
import io.jvs.core.packet.Ipv4Header;
import org.agrona.MutableDirectBuffer;

/**
 * The outer IPv4 header shared by the encapsulators: written once into a template, then per packet only the total
 * length, identification and header checksum change. The checksum is finished from a partial sum of the template
 * taken with those three fields zero, so a packet costs two additions instead of a pass over the header.
 */
final class OuterIpv4 {
    private OuterIpv4() {
    }

    /** Checks the settings shared by all tunnels, naming the value and its limit. */
    static void validate(final int ttl, final int dscp) {
        if (ttl < 1 || ttl > 255) {
            throw new IllegalArgumentException("ttl=" + ttl + " outside 1..255");
        }
        if (dscp < 0 || dscp > 63) {
            throw new IllegalArgumentException("dscp=" + dscp + " outside 0..63");
        }
    }

    /**
     * Writes a 20-byte header with total length, id and checksum zero, DF clear (so an outer packet larger than the
     * path MTU is fragmented rather than dropped), ECN not-ECT.
     *
     * @return the unfolded sum of the template, to pass to {@link #patch}.
     */
    static long writeTemplate(
        final MutableDirectBuffer buf, final int off, final int src, final int dst, final int protocol,
        final int ttl, final int dscp) {
        buf.setMemory(off, Ipv4Header.MIN_LENGTH, (byte) 0);
        Ipv4Header.setVersionAndHeaderLength(buf, off, Ipv4Header.MIN_LENGTH);
        Ipv4Header.setTos(buf, off, dscp << 2);
        Ipv4Header.setTtl(buf, off, ttl);
        Ipv4Header.setProtocol(buf, off, protocol);
        Ipv4Header.setSrc(buf, off, src);
        Ipv4Header.setDst(buf, off, dst);
        return Checksum.sum(buf, off, Ipv4Header.MIN_LENGTH);
    }

    /** Sets total length and id of a header copied from the template and writes its checksum. */
    static void patch(
        final MutableDirectBuffer buf, final int off, final long templateSum, final int totalLength, final int id) {
        Ipv4Header.setTotalLength(buf, off, totalLength);
        Ipv4Header.setId(buf, off, id);
        Ipv4Header.setChecksum(buf, off, Checksum.finish(templateSum + totalLength + (id & 0xffff)));
    }

}
