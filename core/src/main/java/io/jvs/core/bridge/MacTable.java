package io.jvs.core.bridge;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.Consumer;

/**
 * A bridge's MAC learning table: (VLAN, MAC) to port number, with aging and a capacity bound.
 *
 * <p>One writer, many readers. The bridge's owner thread is the only one that inserts, moves, expires or flushes
 * entries; forwarding threads on other cores only {@link #lookup} and {@link #refresh}, and never take a lock. Readers
 * follow the optimistic-read protocol of {@code StampedLock}: read the table's version, probe with plain reads, then
 * check the version did not move (the writer makes it odd while it mutates). Writes are rare (a new MAC, a MAC that
 * moved, aging) so a reader practically never retries.
 *
 * <p>Open addressing with linear probing over power-of-two arrays at most half full; deletion shifts the following
 * entries back instead of leaving tombstones, so a probe always stops at the first empty slot. The last-seen time of an
 * entry is refreshed by any thread with a plain store: it is a hint for aging, and a lost or misplaced refresh only
 * ages an entry a little early or late.
 */
public final class MacTable {
    /** Result of {@link #learn}. */
    public static final int UNCHANGED = 0, LEARNED = 1, MOVED = 2, FULL = 3;
    public static final int MISS = -1;

    private static final VarHandle VERSION;

    static {
        try {
            VERSION = MethodHandles.lookup().findVarHandle(MacTable.class, "version", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long[] keys; // 0 = empty slot; see key()
    private final int[] ports;
    private final long[] seenNs;
    private final int mask;
    private final int maxEntries;
    private final FlowGeneration flowGeneration; // may be null
    private final long agingNs;
    @SuppressWarnings("unused") // accessed through VERSION
    private volatile long version;
    private int size; // owner thread only

    public MacTable(int maxEntries, long agingNs) {
        this(maxEntries, agingNs, null);
    }

    /** @param flowGeneration bumped after every change, so cached forwarding decisions are dropped */
    public MacTable(int maxEntries, long agingNs, FlowGeneration flowGeneration) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries=" + maxEntries + " < 1");
        }
        int slots = Integer.highestOneBit(Math.max(2, maxEntries) * 2 - 1) << 1;
        this.keys = new long[slots];
        this.ports = new int[slots];
        this.seenNs = new long[slots];
        this.mask = slots - 1;
        this.maxEntries = maxEntries;
        this.agingNs = agingNs;
        this.flowGeneration = flowGeneration;
    }

    /**
     * The key of a (VLAN, MAC) pair: VLAN + 1 in bits 48..60 so that no real key is 0 (the empty-slot marker).
     */
    public static long key(int vlan, long mac) {
        return ((long) (vlan + 1) << 48) | (mac & 0xFFFF_FFFF_FFFFL);
    }

    public static int vlanOf(long key) {
        return (int) (key >>> 48) - 1;
    }

    public static long macOf(long key) {
        return key & 0xFFFF_FFFF_FFFFL;
    }

    private int home(long key) {
        return (int) ((key * 0x9E37_79B9_7F4A_7C15L) >>> 40) & mask;
    }

    /** The port a (VLAN, MAC) key was learned on, or {@link #MISS}. Any thread, lock-free. */
    public int lookup(long key) {
        for (;;) {
            long v = (long) VERSION.getAcquire(this);
            if ((v & 1) == 0) {
                int slot = probe(key);
                int port = slot < 0 ? MISS : ports[slot];
                VarHandle.loadLoadFence();
                if ((long) VERSION.getOpaque(this) == v) {
                    return port;
                }
            }
            Thread.onSpinWait();
        }
    }

    /**
     * Refreshes the age of {@code key} if it is already learned on {@code port}. Any thread, lock-free. Returns false
     * when the key is unknown or sits on another port: then the owner must {@link #learn} it.
     */
    public boolean refresh(long key, int port, long nowNs) {
        for (;;) {
            long v = (long) VERSION.getAcquire(this);
            if ((v & 1) == 0) {
                int slot = probe(key);
                boolean same = slot >= 0 && ports[slot] == port;
                VarHandle.loadLoadFence();
                if ((long) VERSION.getOpaque(this) == v) {
                    if (same) {
                        seenNs[slot] = nowNs;
                    }
                    return same;
                }
            }
            Thread.onSpinWait();
        }
    }

    private int probe(long key) {
        for (int i = home(key), n = 0; n <= mask; i = (i + 1) & mask, n++) {
            long k = keys[i];
            if (k == key) {
                return i;
            }
            if (k == 0) {
                return -1;
            }
        }
        return -1;
    }

    /** Owner thread: learns or moves {@code key} to {@code port}. Returns UNCHANGED, LEARNED, MOVED or FULL. */
    public int learn(long key, int port, long nowNs) {
        int i = home(key);
        while (keys[i] != 0) {
            if (keys[i] == key) {
                seenNs[i] = nowNs;
                if (ports[i] == port) {
                    return UNCHANGED;
                }
                beginWrite();
                ports[i] = port;
                endWrite();
                return MOVED;
            }
            i = (i + 1) & mask;
        }
        if (size >= maxEntries) {
            return FULL;
        }
        beginWrite();
        ports[i] = port;
        seenNs[i] = nowNs;
        keys[i] = key;
        size++;
        endWrite();
        return LEARNED;
    }

    /** Owner thread: removes entries not seen for the aging time. Returns how many were removed. */
    public int expire(long nowNs) {
        long aging = agingNs;
        return removeIf(slot -> nowNs - seenNs[slot] > aging);
    }

    /** Owner thread: removes every entry learned on {@code port}. */
    public int flushPort(int port) {
        return removeIf(slot -> ports[slot] == port);
    }

    /** Owner thread: removes every entry. */
    public int flush() {
        return removeIf(slot -> true);
    }

    private interface SlotFilter {
        boolean test(int slot);
    }

    private int removeIf(SlotFilter filter) {
        int removed = 0;
        // Start right after an empty slot so that no cluster wraps around our starting point half-visited.
        int start = 0;
        while (start <= mask && keys[start] != 0) {
            start++;
        }
        if (start > mask) {
            start = 0;
        }
        int i = (start + 1) & mask;
        for (int visited = 0; visited <= mask; ) {
            if (keys[i] != 0 && filter.test(i)) {
                beginWrite();
                deleteSlot(i);
                endWrite();
                removed++;
                continue; // the slot now holds a shifted-back entry (or is empty): examine it again
            }
            i = (i + 1) & mask;
            visited++;
        }
        return removed;
    }

    // Backward-shift deletion (Knuth 6.4, algorithm R): pull later entries of the cluster into the hole when their
    // home position allows it, so that probes never need tombstones.
    private void deleteSlot(int hole) {
        int j = hole;
        for (;;) {
            j = (j + 1) & mask;
            long k = keys[j];
            if (k == 0) {
                break;
            }
            int h = home(k);
            boolean movable = hole <= j ? (h <= hole || h > j) : (h <= hole && h > j);
            if (movable) {
                keys[hole] = k;
                ports[hole] = ports[j];
                seenNs[hole] = seenNs[j];
                hole = j;
            }
        }
        keys[hole] = 0;
        size--;
    }

    private void beginWrite() {
        VERSION.setOpaque(this, (long) VERSION.getOpaque(this) + 1);
        VarHandle.storeStoreFence();
    }

    private void endWrite() {
        VERSION.setRelease(this, (long) VERSION.getOpaque(this) + 1);
        if (flowGeneration != null) {
            flowGeneration.bump();
        }
    }

    /**
     * A number that changes whenever an entry is added, moved or removed. Caches of forwarding decisions compare it
     * to know when to forget what they decided.
     */
    public long generation() {
        return (long) VERSION.getAcquire(this) >>> 1;
    }

    /** Owner thread's count; other threads see a recent value. */
    public int size() {
        return size;
    }

    public int capacity() {
        return maxEntries;
    }

    /** One learned entry, as {@link #snapshot} reports it. */
    public record Entry(int vlan, long mac, int port, long seenNs) {
    }

    /** A consistent copy of the table for display; any thread. Allocates: not for the forwarding path. */
    public void snapshot(Consumer<Entry> out) {
        for (;;) {
            long v = (long) VERSION.getAcquire(this);
            if ((v & 1) == 0) {
                long[] k = keys.clone();
                int[] p = ports.clone();
                long[] s = seenNs.clone();
                VarHandle.loadLoadFence();
                if ((long) VERSION.getOpaque(this) == v) {
                    for (int i = 0; i < k.length; i++) {
                        if (k[i] != 0) {
                            out.accept(new Entry(vlanOf(k[i]), macOf(k[i]), p[i], s[i]));
                        }
                    }
                    return;
                }
            }
            Thread.onSpinWait();
        }
    }
}
