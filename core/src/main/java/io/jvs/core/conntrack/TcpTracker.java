package io.jvs.core.conntrack;

import static io.jvs.core.packet.TcpHeader.ACK;
import static io.jvs.core.packet.TcpHeader.FIN;
import static io.jvs.core.packet.TcpHeader.RST;
import static io.jvs.core.packet.TcpHeader.SYN;

/**
 * The TCP state machine of a tracked connection, driven by the flags of each packet and its direction.
 *
 * <p>Deliberately loose: it follows flags only, not sequence windows, which is enough to know when a connection has
 * ended (RST, or FIN both ways and the last ACK) and to free its entry and NAT port early. Packets it cannot place
 * (data before the handshake completed, a SYN inside an open connection) are reported invalid so the caller can
 * drop and count them.
 *
 * <p>The state word packs the {@link CtState} in bits 0..7 and the close progress above it: bit 8 = FIN seen from
 * the original direction, bit 9 = FIN seen from the reply direction, bit 10 = the direction of the second FIN.
 */
public final class TcpTracker {
    /** What {@link #next} returns for a packet that does not fit the connection. */
    public static final int INVALID = -1;

    static final int FIN_ORIGINAL = 1 << 8;
    static final int FIN_REPLY = 1 << 9;
    static final int SECOND_FIN_REPLY = 1 << 10;

    private TcpTracker() {
    }

    /** True for the flags that may open a connection: SYN without ACK, RST or FIN. */
    public static boolean canOpen(int flags) {
        return (flags & (SYN | ACK | RST | FIN)) == SYN;
    }

    public static int state(int word) {
        return word & 0xff;
    }

    /**
     * The state word after a packet with {@code flags} in direction {@code dir} ({@link Conntrack#ORIGINAL} or
     * {@link Conntrack#REPLY}), or {@link #INVALID} (the word is then unchanged).
     */
    public static int next(int word, int dir, int flags) {
        final int state = word & 0xff;
        if ((flags & RST) != 0) {
            return word & ~0xff | CtState.TCP_CLOSED;
        }
        final boolean syn = (flags & SYN) != 0;
        final boolean ack = (flags & ACK) != 0;
        switch (state) {
            case CtState.TCP_SYN_SENT:
                if (dir == Conntrack.ORIGINAL) {
                    return syn && !ack ? word : INVALID;
                }
                // SYN+ACK, or a bare SYN in a simultaneous open.
                return syn ? CtState.TCP_SYN_RECV : INVALID;
            case CtState.TCP_SYN_RECV:
                if (syn) {
                    return word; // a retransmitted SYN or SYN+ACK
                }
                if (dir == Conntrack.ORIGINAL && ack) {
                    return closeProgress(CtState.TCP_ESTABLISHED, dir, flags);
                }
                return ack ? word : INVALID;
            case CtState.TCP_ESTABLISHED:
            case CtState.TCP_FIN_WAIT:
            case CtState.TCP_CLOSING:
                if (syn) {
                    return INVALID;
                }
                return closeProgress(word, dir, flags);
            case CtState.TCP_TIME_WAIT:
            case CtState.TCP_CLOSED:
                if (dir == Conntrack.ORIGINAL && canOpen(flags)) {
                    return CtState.TCP_SYN_SENT; // the tuple is reused by a new connection
                }
                return word;
            default:
                return INVALID;
        }
    }

    private static int closeProgress(int word, int dir, int flags) {
        final int state = word & 0xff;
        if ((flags & FIN) != 0) {
            final int fins = word | (dir == Conntrack.ORIGINAL ? FIN_ORIGINAL : FIN_REPLY);
            if ((fins & (FIN_ORIGINAL | FIN_REPLY)) == (FIN_ORIGINAL | FIN_REPLY)) {
                if (state == CtState.TCP_CLOSING) {
                    return word; // a retransmitted FIN
                }
                final int second = dir == Conntrack.REPLY ? SECOND_FIN_REPLY : 0;
                return fins & ~0xff & ~SECOND_FIN_REPLY | second | CtState.TCP_CLOSING;
            }
            return fins & ~0xff | CtState.TCP_FIN_WAIT;
        }
        if (state == CtState.TCP_CLOSING && (flags & ACK) != 0) {
            // The last ACK comes from the side that received the second FIN.
            final int secondFinDir = (word & SECOND_FIN_REPLY) != 0 ? Conntrack.REPLY : Conntrack.ORIGINAL;
            if (dir != secondFinDir) {
                return word & ~0xff | CtState.TCP_TIME_WAIT;
            }
        }
        return word;
    }
}
