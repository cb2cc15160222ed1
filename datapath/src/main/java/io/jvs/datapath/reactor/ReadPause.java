package io.jvs.datapath.reactor;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A port's pause in reading while a {@link Backlog} it feeds is full, and what ends it: {@code resume}, run on the
 * port's own thread. One per port, made with it: it is also the node the backlog lists it by ({@link PausedReads}),
 * so pausing allocates nothing.
 */
public final class ReadPause {
    final ReactorThread thread;
    final Runnable resume;
    // True while in a PausedReads list: adding it twice before the owner took it would corrupt the list.
    final AtomicBoolean listed = new AtomicBoolean();
    ReadPause next; // written before the CAS that lists this node; read by the owner after it took the list

    /** @param resume runs on {@code thread} (the port's reader) when the backlog has room again */
    public ReadPause(ReactorThread thread, Runnable resume) {
        this.thread = thread;
        this.resume = resume;
    }
}
