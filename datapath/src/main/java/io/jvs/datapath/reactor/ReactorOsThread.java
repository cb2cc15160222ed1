package io.jvs.datapath.reactor;

import io.netty.util.concurrent.FastThreadLocalThread;

/**
 * The OS thread under a reactor event loop. It remembers when its last I/O event came, so the loop's
 * {@link AdaptivePollStrategy} can keep polling for a short while after traffic instead of going to sleep at once.
 */
public final class ReactorOsThread extends FastThreadLocalThread {
    long lastActivityNs;

    ReactorOsThread(ThreadGroup group, Runnable target, String name) {
        super(group, target, name);
    }

    /** Called on every I/O wake-up of a reactor thread (a no-op on any other thread). */
    public static void markActive(long nowNs) {
        if (Thread.currentThread() instanceof ReactorOsThread t) {
            t.lastActivityNs = nowNs;
        }
    }
}
