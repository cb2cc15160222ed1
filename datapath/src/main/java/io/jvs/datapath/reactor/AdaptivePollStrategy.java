package io.jvs.datapath.reactor;

import io.netty.channel.SelectStrategy;
import io.netty.util.IntSupplier;

/**
 * When to block in epoll_wait and when to poll without blocking. Waking a sleeping thread costs tens of microseconds
 * on a VM (an IPI and a reschedule), more than a whole burst of forwarding; while frames keep coming, a thread that
 * polls (epoll_wait with a zero timeout) for {@code spinNs} after its last event never pays it. After that much
 * quiet it blocks again, so an idle switch burns no CPU. {@code spinNs} = 0 always blocks (Netty's default).
 */
final class AdaptivePollStrategy implements SelectStrategy {
    private final long spinNs;

    AdaptivePollStrategy(long spinNs) {
        this.spinNs = spinNs;
    }

    @Override
    public int calculateStrategy(IntSupplier selectNow, boolean hasTasks) throws Exception {
        if (hasTasks) {
            return selectNow.get();
        }
        if (spinNs > 0 && Thread.currentThread() instanceof ReactorOsThread t
                && System.nanoTime() - t.lastActivityNs < spinNs) {
            return selectNow.get();
        }
        return SelectStrategy.SELECT;
    }
}
