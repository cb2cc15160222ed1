package io.jvs.core.acl;

import io.jvs.core.packet.Ipv6Header;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The source and destination addresses of one IPv6 packet, as the {@link PortFilter} keeps them beside each IPv6
 * connection (its conntrack keys hold only 32-bit folds of them). Mutable and reused, like
 * {@link io.jvs.core.conntrack.PacketTuple}: one per thread and use, so the filter allocates nothing per packet.
 */
final class Ipv6AddressPair {
    /** Longs per connection in {@link #store}'s table: original source high, low, destination high, low. */
    static final int LONGS = 4;
    /** Bytes {@link #writeMessage} puts in a message. */
    static final int BYTES = 8 * LONGS;

    long srcHigh;
    long srcLow;
    long dstHigh;
    long dstLow;

    /** Takes the addresses of the IPv6 header at {@code ipOff}. */
    void readHeader(DirectBuffer buf, int ipOff) {
        srcHigh = Ipv6Header.srcHigh(buf, ipOff);
        srcLow = Ipv6Header.srcLow(buf, ipOff);
        dstHigh = Ipv6Header.dstHigh(buf, ipOff);
        dstLow = Ipv6Header.dstLow(buf, ipOff);
    }

    /** Stores the addresses as connection {@code connection}'s original direction. */
    void store(long[] table, int connection) {
        int b = LONGS * connection;
        table[b] = srcHigh;
        table[b + 1] = srcLow;
        table[b + 2] = dstHigh;
        table[b + 3] = dstLow;
    }

    /**
     * Whether these are connection {@code connection}'s addresses, seen in its original direction or, when
     * {@code original} is false, in the reply direction (source and destination swapped).
     */
    boolean matches(long[] table, int connection, boolean original) {
        int b = LONGS * connection;
        return original
                ? table[b] == srcHigh && table[b + 1] == srcLow && table[b + 2] == dstHigh && table[b + 3] == dstLow
                : table[b] == dstHigh && table[b + 1] == dstLow && table[b + 2] == srcHigh && table[b + 3] == srcLow;
    }

    /** Writes the addresses into a message, {@link #BYTES} at {@code off} (native order: it stays in the process). */
    void writeMessage(MutableDirectBuffer buf, int off) {
        buf.putLong(off, srcHigh);
        buf.putLong(off + 8, srcLow);
        buf.putLong(off + 16, dstHigh);
        buf.putLong(off + 24, dstLow);
    }

    /** Reads what {@link #writeMessage} wrote. */
    void readMessage(DirectBuffer buf, int off) {
        srcHigh = buf.getLong(off);
        srcLow = buf.getLong(off + 8);
        dstHigh = buf.getLong(off + 16);
        dstLow = buf.getLong(off + 24);
    }
}
