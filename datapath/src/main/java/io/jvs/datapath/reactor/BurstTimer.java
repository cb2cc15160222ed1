package io.jvs.datapath.reactor;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * How long one reactor thread spends per I/O event: one port's burst read, forwarded and transmitted, in
 * nanoseconds. The thread records into an HdrHistogram {@link SingleWriterRecorder} (wait-free, no allocation: the
 * value is clamped to the histogram's range, so it never resizes); one reader, the metrics scrape on the control
 * thread, swaps out what was recorded since its last call and adds it to a running total.
 */
public final class BurstTimer {
    /** Longer bursts (a stall: 10 s) count as this long. */
    public static final long HIGHEST_NS = 10_000_000_000L;
    private static final int SIGNIFICANT_DIGITS = 2;

    private final SingleWriterRecorder recorder = new SingleWriterRecorder(1, HIGHEST_NS, SIGNIFICANT_DIGITS);
    private final Histogram total = new Histogram(1, HIGHEST_NS, SIGNIFICANT_DIGITS);
    private Histogram interval;
    private long sumNs; // written by the reactor thread only; a reader sees a value at most one burst old

    /** Reactor thread, once per burst. */
    public void record(long durationNs) {
        long v = durationNs < 1 ? 1 : Math.min(durationNs, HIGHEST_NS);
        recorder.recordValue(v);
        sumNs += durationNs;
    }

    /** Everything recorded so far (one reader at a time; the returned histogram is only valid until the next call). */
    public synchronized Histogram total() {
        interval = recorder.getIntervalHistogram(interval);
        total.add(interval);
        return total;
    }

    /** The exact sum of all recorded durations. */
    public long sumNs() {
        return sumNs;
    }
}
