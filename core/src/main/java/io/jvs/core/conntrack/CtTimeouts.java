package io.jvs.core.conntrack;

import java.util.concurrent.TimeUnit;

/**
 * Idle timeouts per state, in nanoseconds: a connection idle for longer than its state's timeout is removed by the
 * next {@link Conntrack#expire} sweep. Long timeouts keep quiet long-lived connections (SSH) alive; short ones free
 * the table (and NAT ports) sooner. The closing states are short on purpose: their connection is over.
 *
 * @param tcpSynSentNs waiting for the answer to a SYN (default 30 s).
 * @param tcpSynRecvNs waiting for the ACK that completes the handshake (default 30 s).
 * @param tcpEstablishedNs an open TCP connection (default 24 h, as Open vSwitch; Linux uses 5 days).
 * @param tcpFinWaitNs one side closed (default 60 s).
 * @param tcpClosingNs both sides closed, last ACK pending (default 30 s).
 * @param tcpTimeWaitNs after the last ACK (default 30 s; Linux keeps 120 s).
 * @param tcpClosedNs after a RST (default 10 s).
 * @param udpUnrepliedNs UDP seen one way only (default 30 s).
 * @param udpRepliedNs UDP seen both ways (default 120 s).
 * @param icmpNs an ICMP echo exchange (default 30 s).
 */
public record CtTimeouts(
        long tcpSynSentNs,
        long tcpSynRecvNs,
        long tcpEstablishedNs,
        long tcpFinWaitNs,
        long tcpClosingNs,
        long tcpTimeWaitNs,
        long tcpClosedNs,
        long udpUnrepliedNs,
        long udpRepliedNs,
        long icmpNs) {
    public static final CtTimeouts DEFAULTS = new CtTimeouts(
            s(30), s(30), s(86_400), s(60), s(30), s(30), s(10), s(30), s(120), s(30));

    public CtTimeouts {
        for (long t : new long[] {tcpSynSentNs, tcpSynRecvNs, tcpEstablishedNs, tcpFinWaitNs, tcpClosingNs,
            tcpTimeWaitNs, tcpClosedNs, udpUnrepliedNs, udpRepliedNs, icmpNs}) {
            if (t <= 0) {
                throw new IllegalArgumentException("conntrack timeout " + t + " ns <= 0");
            }
        }
    }

    private static long s(long seconds) {
        return TimeUnit.SECONDS.toNanos(seconds);
    }

    /** The timeout of a state. */
    public long of(int state) {
        return switch (state) {
            case CtState.TCP_SYN_SENT -> tcpSynSentNs;
            case CtState.TCP_SYN_RECV -> tcpSynRecvNs;
            case CtState.TCP_ESTABLISHED -> tcpEstablishedNs;
            case CtState.TCP_FIN_WAIT -> tcpFinWaitNs;
            case CtState.TCP_CLOSING -> tcpClosingNs;
            case CtState.TCP_TIME_WAIT -> tcpTimeWaitNs;
            case CtState.TCP_CLOSED -> tcpClosedNs;
            case CtState.UDP_UNREPLIED -> udpUnrepliedNs;
            case CtState.UDP_REPLIED -> udpRepliedNs;
            default -> icmpNs;
        };
    }
}
