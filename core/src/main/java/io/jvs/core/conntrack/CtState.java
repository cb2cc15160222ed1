package io.jvs.core.conntrack;

/**
 * Connection states, one small int per connection so the table stays a set of primitive arrays. The names are part
 * of the interface: {@code jvs ct/show} prints them.
 */
public final class CtState {
    /** Slot not in use. */
    public static final int FREE = 0;
    public static final int TCP_SYN_SENT = 1;
    public static final int TCP_SYN_RECV = 2;
    public static final int TCP_ESTABLISHED = 3;
    /** One side sent FIN. */
    public static final int TCP_FIN_WAIT = 4;
    /** Both sides sent FIN; waiting for the ACK of the second. */
    public static final int TCP_CLOSING = 5;
    /** Both FINs acknowledged: kept briefly to absorb retransmissions. */
    public static final int TCP_TIME_WAIT = 6;
    /** Reset by either side: kept briefly, like TIME_WAIT. */
    public static final int TCP_CLOSED = 7;
    public static final int UDP_UNREPLIED = 8;
    public static final int UDP_REPLIED = 9;
    public static final int ICMP_UNREPLIED = 10;
    public static final int ICMP_REPLIED = 11;

    private static final String[] NAMES = {
        "free", "syn_sent", "syn_recv", "established", "fin_wait", "closing", "time_wait", "closed",
        "udp_unreplied", "udp_replied", "icmp_unreplied", "icmp_replied",
    };

    private CtState() {
    }

    public static String name(int state) {
        return state >= 0 && state < NAMES.length ? NAMES[state] : "state" + state;
    }
}
