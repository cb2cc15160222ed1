package io.jvs.datapath.reactor;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The ports paused on one {@link Backlog}: a lock-free stack of their {@link ReadPause}s. Any thread adds; only the
 * backlog's owner takes, all at once, and resumes each port on its own thread.
 */
public final class PausedReads {
    private final AtomicReference<ReadPause> head = new AtomicReference<>();

    /**
     * Any thread: lists {@code pause}. A pause still listed (from an earlier pause whose resume has not been taken
     * yet) stays listed once; that resume is still to come and ends this pause too.
     */
    public void add(ReadPause pause) {
        if (!pause.listed.compareAndSet(false, true)) {
            return;
        }
        ReadPause h;
        do {
            h = head.get();
            pause.next = h;
        } while (!head.compareAndSet(h, pause));
    }

    /** Whether no port is listed (a volatile read). */
    public boolean isEmpty() {
        return head.get() == null;
    }

    /** Owner thread: ends every listed pause, each on its port's thread. */
    public void resumeAll() {
        ReadPause p = head.getAndSet(null);
        while (p != null) {
            ReadPause next = p.next; // before the resume: once resumed, the port may pause and list itself again
            p.next = null;
            p.listed.set(false);
            p.thread.loop().execute(p.resume);
            p = next;
        }
    }
}
