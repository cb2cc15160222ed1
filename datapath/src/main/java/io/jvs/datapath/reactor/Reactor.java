package io.jvs.datapath.reactor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.channel.IoEventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;

/**
 * The reactor: N Netty epoll event loops, one per thread (one per core by default). Ports register their fds on a
 * loop chosen round-robin; each loop thread then runs the receive side of its ports and everything a received frame
 * causes (forwarding, patch hops, transmission), so a frame never changes threads.
 */
public final class Reactor implements AutoCloseable {
    private final MultiThreadIoEventLoopGroup group;
    private final List<ReactorThread> threads = new ArrayList<>();
    private final AtomicInteger nextPort = new AtomicInteger();
    private final AtomicInteger nextBridge = new AtomicInteger();

    /**
     * Microseconds a reactor thread keeps polling after its last event before it sleeps (see AdaptivePollStrategy).
     * Off by default: measured on the 2-vCPU lab VM, where the endpoints share the cores with the switch, spinning
     * took CPU from them: 64-byte rate unchanged within noise, TCP unchanged, UDP round-trip p99 worse (0 us: ~130
     * us, 50 us: ~170-200 us, 200 us: ~340-400 us). It pays on hosts with cores to spare.
     */
    public static final int DEFAULT_BUSY_POLL_US = 0;

    public Reactor(int threadCount) {
        this(threadCount, DEFAULT_BUSY_POLL_US);
    }

    public Reactor(int threadCount, int busyPollUs) {
        if (threadCount < 1 || threadCount > 64) {
            throw new IllegalArgumentException("threads=" + threadCount + " out of range 1..64");
        }
        if (busyPollUs < 0 || busyPollUs > 10_000) {
            throw new IllegalArgumentException("busy-poll-us=" + busyPollUs + " out of range 0..10000");
        }
        DefaultThreadFactory factory = new DefaultThreadFactory("jvs-reactor", true) {
            @Override
            protected Thread newThread(Runnable r, String name) {
                return new ReactorOsThread(threadGroup, r, name);
            }
        };
        long spinNs = busyPollUs * 1000L;
        group = new MultiThreadIoEventLoopGroup(threadCount, factory,
                EpollIoHandler.newFactory(0, () -> new AdaptivePollStrategy(spinNs)));
        int i = 0;
        for (EventExecutor e : group) {
            threads.add(new ReactorThread(i++, (IoEventLoop) e));
        }
    }

    public int threadCount() {
        return threads.size();
    }

    public List<ReactorThread> threads() {
        return threads;
    }

    /** The thread the next port's receive side goes to. */
    public ReactorThread nextForPort() {
        return threads.get(Math.floorMod(nextPort.getAndIncrement(), threads.size()));
    }

    /** The thread the next bridge's MAC table is owned by. */
    public ReactorThread nextForBridge() {
        return threads.get(Math.floorMod(nextBridge.getAndIncrement(), threads.size()));
    }

    /**
     * Waits until every reactor thread has finished the burst it was in (control thread only). A port taken out of
     * service (marked down, removed from its bridge) can still be the output of a burst that read the old state;
     * after this returns no thread can touch it any more, so its fd can be closed without racing a send on a reused
     * fd number.
     */
    public void quiesce() {
        for (ReactorThread t : threads) {
            try {
                t.loop().submit(() -> { }).get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("reactor thread " + t.index() + " did not answer: " + e, e);
            }
        }
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
