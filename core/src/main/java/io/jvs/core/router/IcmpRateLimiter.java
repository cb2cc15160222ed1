package io.jvs.core.router;

/**
 * Decides whether the router may send one more ICMP error (RFC 1812 section 4.3.2.8 asks routers to limit them,
 * so a flood of expiring or unroutable packets does not turn into a flood of errors). Called on the router's owner
 * thread for every error it would send; must not allocate.
 */
@FunctionalInterface
public interface IcmpRateLimiter {
    IcmpRateLimiter UNLIMITED = (dst, nowNs) -> true;

    /** True to send an error to {@code dst} now. */
    boolean allow(int dst, long nowNs);

    /**
     * A token bucket shared by all destinations: {@code perSecond} errors a second on average, bursts of
     * {@code burst}. Single-threaded, like its router.
     */
    static IcmpRateLimiter tokenBucket(int perSecond, int burst) {
        if (perSecond < 1 || burst < 1) {
            throw new IllegalArgumentException("ICMP rate " + perSecond + "/s burst " + burst + ": both must be >= 1");
        }
        return new IcmpRateLimiter() {
            private final long nsPerToken = 1_000_000_000L / perSecond;
            private long tokens = burst;
            private long lastNs = Long.MIN_VALUE;

            @Override
            public boolean allow(int dst, long nowNs) {
                if (lastNs == Long.MIN_VALUE) {
                    lastNs = nowNs;
                }
                final long earned = (nowNs - lastNs) / nsPerToken;
                if (earned > 0) {
                    tokens = Math.min(burst, tokens + earned);
                    lastNs += earned * nsPerToken;
                }
                if (tokens > 0) {
                    tokens--;
                    return true;
                }
                return false;
            }
        };
    }
}
