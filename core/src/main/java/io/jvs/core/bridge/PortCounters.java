package io.jvs.core.bridge;

/**
 * A port's counters, one private row per forwarding thread: the forwarding path does plain adds to its own row (no
 * shared atomics, no false sharing between rows), and readers sum the rows. A reader on another thread may see a
 * slightly stale total, never a torn 64-bit value (long accesses are atomic on the 64-bit JVMs we run on).
 */
public final class PortCounters {
    public static final int RX_PACKETS = 0;
    public static final int RX_BYTES = 1;
    public static final int TX_PACKETS = 2;
    public static final int TX_BYTES = 3;
    /** Transmit refused for lack of room (EAGAIN, ENOBUFS): the frame is lost, the port is fine. */
    public static final int TX_DROPPED = 4;
    /** Transmit failed with an error from the device. */
    public static final int TX_ERRORS = 5;
    private static final int DROP_BASE = 6;
    // Rows are padded to whole 64-byte cache lines plus one spare line between rows.
    private static final int STRIDE = ((DROP_BASE + DropReason.COUNT + 7) & ~7) + 8;

    private final long[] values;
    private final int threads;

    /** @param threads how many forwarding threads may count here (thread indices 0..threads-1) */
    public PortCounters(int threads) {
        this.threads = threads;
        // Row 0 is padding; rows 1..threads belong to the forwarding threads; one more row takes what a trace
        // (Forwarder.forTrace with counterRow = threads) counts, and is never summed.
        this.values = new long[(threads + 2) * STRIDE];
    }

    private int row(int thread) {
        return (thread + 1) * STRIDE; // row 0 is padding
    }

    public void add(int thread, int counter, long delta) {
        values[row(thread) + counter] += delta;
    }

    public void received(int thread, int bytes) {
        int r = row(thread);
        values[r + RX_PACKETS]++;
        values[r + RX_BYTES] += bytes;
    }

    public void sent(int thread, int bytes) {
        int r = row(thread);
        values[r + TX_PACKETS]++;
        values[r + TX_BYTES] += bytes;
    }

    public void drop(int thread, DropReason reason) {
        values[row(thread) + DROP_BASE + reason.ordinal()]++;
    }

    public long get(int counter) {
        long total = 0;
        for (int t = 0; t < threads; t++) {
            total += values[row(t) + counter];
        }
        return total;
    }

    public long drops(DropReason reason) {
        return get(DROP_BASE + reason.ordinal());
    }

    public long totalDrops() {
        long total = 0;
        for (DropReason r : DropReason.values()) {
            total += drops(r);
        }
        return total;
    }
}
