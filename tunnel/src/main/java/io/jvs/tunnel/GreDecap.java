package io.jvs.tunnel;

import io.jvs.core.packet.Checksum;
import io.jvs.core.packet.EthernetHeader;
import org.agrona.DirectBuffer;

/**
 * Validates a GRE packet carrying transparent Ethernet bridging and locates the inner frame.
 *
 * <p>Accepts the C, K and S flags (RFC 2784, RFC 2890) and verifies the checksum when C is set. Everything else is
 * dropped with a {@link TunnelDropReason}: version not 0, the routing bit, RFC 2784's discard bits 4 and 5, a
 * protocol type other than {@link GreHeader#PROTO_TEB}, a wrong checksum, or a packet shorter than its header plus
 * an Ethernet header. Reserved bits 6 to 12 are ignored, as RFC 2784 asks.
 *
 * <p>The results of the last successful call are kept in fields ({@link #innerLength()}, {@link #key()}, ...) so
 * that nothing is allocated per packet. One instance per thread: it is single-writer state.
 */
public final class GreDecap {
    /** Key value reported when the packet carried none. */
    public static final long NO_KEY = -1L;
    /** Sequence value reported when the packet carried none. */
    public static final long NO_SEQUENCE = -1L;

    private int innerLength;
    private long key = NO_KEY;
    private long sequence = NO_SEQUENCE;

    /**
     * Decapsulates the GRE packet at {@code greOff}.
     *
     * @param greLen bytes from the GRE header to the end of the packet (the outer IP payload length).
     * @return the offset of the inner Ethernet frame, whose length is then {@link #innerLength()}; or a negative
     *     {@link TunnelDropReason#code()}, in which case the result fields are unspecified.
     */
    public int decapsulate(final DirectBuffer buf, final int greOff, final int greLen) {
        if (greLen < GreHeader.MIN_LENGTH) {
            return TunnelDropReason.TRUNCATED.code();
        }
        final int flags = GreHeader.flags(buf, greOff);
        if ((flags & GreHeader.VERSION_MASK) != 0) {
            return TunnelDropReason.VERSION.code();
        }
        if ((flags & GreHeader.FLAG_R) != 0) {
            return TunnelDropReason.ROUTING.code();
        }
        if ((flags & GreHeader.RESERVED_DISCARD_MASK) != 0) {
            return TunnelDropReason.RESERVED.code();
        }
        if (GreHeader.protocol(buf, greOff) != GreHeader.PROTO_TEB) {
            return TunnelDropReason.PROTOCOL.code();
        }
        final int headerLength = GreHeader.headerLength(flags);
        if (greLen < headerLength + EthernetHeader.LENGTH) {
            return TunnelDropReason.TRUNCATED.code();
        }
        // The checksum covers header and payload with the field as transmitted, so a correct packet sums to 0xffff.
        if ((flags & GreHeader.FLAG_C) != 0 && Checksum.fold(Checksum.sum(buf, greOff, greLen)) != 0xffff) {
            return TunnelDropReason.CHECKSUM.code();
        }
        key = (flags & GreHeader.FLAG_K) != 0 ? GreHeader.key(buf, greOff, flags) : NO_KEY;
        sequence = (flags & GreHeader.FLAG_S) != 0 ? GreHeader.sequence(buf, greOff, flags) : NO_SEQUENCE;
        innerLength = greLen - headerLength;
        return greOff + headerLength;
    }

    /** Length of the inner Ethernet frame found by the last successful call. */
    public int innerLength() {
        return innerLength;
    }

    /** The key (unsigned 32 bits) of the last successful call, or {@link #NO_KEY}. */
    public long key() {
        return key;
    }

    /** The sequence number (unsigned 32 bits) of the last successful call, or {@link #NO_SEQUENCE}. */
    public long sequence() {
        return sequence;
    }
}
