package io.jvs.core.bridge;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A number shared by all bridges of one datapath that moves whenever anything a forwarding decision depends on
 * changes: a port added, removed, reconfigured, up or down, a patch connected, a MAC learned, moved, aged out or
 * flushed. A flow-cache entry remembers the number it was computed under and is used only while it is unchanged.
 * Changers write their change first and bump after; readers read the number before deciding, so an entry can be
 * stale only in the safe direction (invalidated too early).
 */
public final class FlowGeneration {
    private final AtomicLong value = new AtomicLong(1);
    private final java.util.concurrent.atomic.AtomicInteger captures = new java.util.concurrent.atomic.AtomicInteger();

    public long get() {
        return value.get();
    }

    public void bump() {
        value.incrementAndGet();
    }

    /** Whether a capture runs on some port: the flow cache is bypassed then (see {@link PortCapture}). */
    public boolean capturing() {
        return captures.get() > 0;
    }

    /** A capture started (+1) or ended (-1). */
    public void captureCount(int delta) {
        captures.addAndGet(delta);
        bump();
    }
}
