package io.jvs.core.router;

import java.nio.ByteBuffer;
import java.util.function.Consumer;

import io.jvs.core.packet.Ipv4Header;
import io.jvs.core.packet.MacAddress;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A router's neighbour table for IPv4: (router port, IP) to MAC, with the packets waiting for a resolution.
 *
 * <p>Entry life: a packet to an unknown next hop creates an INCOMPLETE entry and is queued; the caller sends the
 * first ARP request and {@link #poll} sends the retries ({@link Config#requests} in all, {@link Config#retryNs}
 * apart). A reply makes the entry REACHABLE and releases its queue to {@link Listener#resolved}; no reply in time
 * removes the entry and hands each queued packet to {@link Listener#unreachable} (the router answers them with ICMP
 * host unreachable). A REACHABLE entry not confirmed for {@link Config#reachableNs} turns STALE: it still forwards,
 * and if it is used while stale it is probed again with requests on the same schedule, and removed when they go
 * unanswered. A stale entry nobody uses is removed after {@link Config#staleNs}.
 *
 * <p>Pending packets are copied into one preallocated off-heap pool of fixed-size slots, chained per entry, with a
 * bound per entry and in total: queueing allocates nothing, and a flood towards dead next hops costs at most the
 * pool.
 *
 * <p>Threading: single owner. Every method, lookups included, runs on the router's owner thread; a display copy
 * ({@link #forEach}) is also meant to run there (as a task the control thread posts). Nothing is shared, so there
 * are no fences and no version counter here.
 */
public final class ArpCache {
    /** What {@link #lookup} returns when no usable MAC is known. */
    public static final long MISS = -1L;

    public static final int INCOMPLETE = 1;
    public static final int REACHABLE = 2;
    public static final int STALE = 3;

    /** Results of {@link #enqueue}. */
    public static final int QUEUED = 0;
    /** Queued on a new entry: the caller sends the first ARP request now; retries are {@link #poll}'s. */
    public static final int QUEUED_FIRST = 1;
    /** The entry's queue or the pool is full: the packet was not queued. */
    public static final int QUEUE_FULL = 2;
    /** No room for another entry: the packet was not queued. */
    public static final int TABLE_FULL = 3;
    /** The packet is larger than a pool slot: not queued. */
    public static final int TOO_BIG = 4;

    /**
     * Sizes and timers.
     *
     * @param maxEntries neighbours remembered (across all ports).
     * @param queuePerEntry packets kept per unresolved neighbour (Linux keeps a few too: senders retransmit).
     * @param queueTotal packets kept in all: the size of the pool.
     * @param slotBytes the largest frame a slot holds; bigger frames are dropped rather than queued.
     * @param requests ARP requests sent before giving up (the first included).
     * @param retryNs time between requests.
     * @param reachableNs how long a reply keeps an entry REACHABLE.
     * @param staleNs how long an unused STALE entry is kept.
     */
    public record Config(int maxEntries, int queuePerEntry, int queueTotal, int slotBytes, int requests,
            long retryNs, long reachableNs, long staleNs) {
        public static final Config DEFAULTS = new Config(1024, 8, 256, 2048, 3, 1_000_000_000L,
                30_000_000_000L, 600_000_000_000L);

        public Config {
            if (maxEntries < 1 || queuePerEntry < 1 || queueTotal < 1 || slotBytes < 64 || requests < 1
                    || retryNs <= 0 || reachableNs <= 0 || staleNs <= 0) {
                throw new IllegalArgumentException("bad ARP cache config " + this);
            }
        }
    }

    /** Where the cache's decisions go; implemented by the router stage. Buffers are valid during the call only. */
    public interface Listener {
        /** Send an ARP request for {@code ip} out of router port {@code port}. */
        void sendRequest(int port, int ip);

        /** A queued frame whose next hop is now known: set its MACs and send it out of {@code port}. */
        void resolved(MutableDirectBuffer buf, int off, int len, int port, long mac);

        /** A queued frame whose next hop never answered. */
        void unreachable(MutableDirectBuffer buf, int off, int len, int port);
    }

    private final Config config;

    // Index: open addressing, key = (port + 1) << 32 | ip, value = entry + 1; 0 = empty.
    private final long[] keys;
    private final int[] values;
    private final int mask;

    // Entries.
    private final long[] entryKey;
    private final long[] mac;
    private final int[] state; // 0 = free
    private final long[] deadlineNs; // INCOMPLETE/probing: next request; REACHABLE: turns stale; STALE: removal
    private final int[] requestsSent;
    private final boolean[] usedWhileStale;
    private final int[] queueHead;
    private final int[] queueTail;
    private final int[] queueCount;
    private final int[] freeEntries;
    private int freeEntryTop;

    // Pending packet pool.
    private final UnsafeBuffer pool;
    private final int[] slotNext;
    private final int[] slotLength;
    private int freeSlot; // head of the free chain, -1 when empty

    private int size;
    private long queueFullDrops;
    private long requestsTotal;

    public ArpCache(Config config) {
        this.config = config;
        final int slots = Integer.highestOneBit(config.maxEntries() * 2 - 1) << 1;
        keys = new long[Math.max(slots, 2)];
        values = new int[keys.length];
        mask = keys.length - 1;
        final int n = config.maxEntries();
        entryKey = new long[n];
        mac = new long[n];
        state = new int[n];
        deadlineNs = new long[n];
        requestsSent = new int[n];
        usedWhileStale = new boolean[n];
        queueHead = new int[n];
        queueTail = new int[n];
        queueCount = new int[n];
        freeEntries = new int[n];
        for (int i = 0; i < n; i++) {
            freeEntries[i] = n - 1 - i;
        }
        freeEntryTop = n;
        pool = new UnsafeBuffer(ByteBuffer.allocateDirect(config.queueTotal() * config.slotBytes()));
        slotNext = new int[config.queueTotal()];
        slotLength = new int[config.queueTotal()];
        for (int i = 0; i < slotNext.length; i++) {
            slotNext[i] = i + 1 < slotNext.length ? i + 1 : -1;
        }
        freeSlot = 0;
    }

    private static long key(int port, int ip) {
        return (long) (port + 1) << 32 | (ip & 0xffff_ffffL);
    }

    private int home(long key) {
        return (int) ((key * 0x9E37_79B9_7F4A_7C15L) >>> 40) & mask;
    }

    private int find(long key) {
        for (int i = home(key), n = 0; n <= mask; i = (i + 1) & mask, n++) {
            if (values[i] == 0) {
                return -1;
            }
            if (keys[i] == key) {
                return values[i] - 1;
            }
        }
        return -1;
    }

    /**
     * The MAC of {@code ip} on {@code port}, or {@link #MISS} while unresolved. A STALE entry still answers, and is
     * marked so that {@link #poll} confirms it.
     */
    public long lookup(int port, int ip) {
        final int e = find(key(port, ip));
        if (e < 0 || state[e] == INCOMPLETE) {
            return MISS;
        }
        if (state[e] == STALE) {
            usedWhileStale[e] = true;
        }
        return mac[e];
    }

    /** The state of the entry for {@code ip} on {@code port}, 0 when there is none. */
    public int state(int port, int ip) {
        final int e = find(key(port, ip));
        return e < 0 ? 0 : state[e];
    }

    /**
     * Queues a frame for {@code ip} on {@code port}, creating an INCOMPLETE entry if there is none. Returns
     * {@link #QUEUED_FIRST} (send the first request now), {@link #QUEUED}, {@link #QUEUE_FULL},
     * {@link #TABLE_FULL} or {@link #TOO_BIG}.
     */
    public int enqueue(int port, int ip, DirectBuffer buf, int off, int len, long nowNs) {
        if (len > config.slotBytes()) {
            return TOO_BIG;
        }
        final long k = key(port, ip);
        int e = find(k);
        if (freeSlot < 0 || e >= 0 && queueCount[e] >= config.queuePerEntry()) {
            queueFullDrops++;
            return QUEUE_FULL;
        }
        int result = QUEUED;
        if (e < 0) {
            if (freeEntryTop == 0) {
                return TABLE_FULL;
            }
            e = add(k, INCOMPLETE, MacAddress.ZERO);
            requestsSent[e] = 1;
            requestsTotal++;
            deadlineNs[e] = nowNs + config.retryNs();
            result = QUEUED_FIRST;
        }
        final int slot = freeSlot;
        freeSlot = slotNext[slot];
        pool.putBytes(slot * config.slotBytes(), buf, off, len);
        slotLength[slot] = len;
        slotNext[slot] = -1;
        if (queueCount[e] == 0) {
            queueHead[e] = slot;
        } else {
            slotNext[queueTail[e]] = slot;
        }
        queueTail[e] = slot;
        queueCount[e]++;
        return result;
    }

    private int add(long k, int st, long m) {
        final int e = freeEntries[--freeEntryTop];
        entryKey[e] = k;
        state[e] = st;
        mac[e] = m;
        requestsSent[e] = 0;
        usedWhileStale[e] = false;
        queueCount[e] = 0;
        int i = home(k);
        while (values[i] != 0) {
            i = (i + 1) & mask;
        }
        keys[i] = k;
        values[i] = e + 1;
        size++;
        return e;
    }

    /**
     * Records that {@code ip} on {@code port} is at {@code mac} (an ARP reply, or a request from it). Updates an
     * existing entry; creates one only when {@code create} (a reply to us, or a request for one of our addresses:
     * RFC 826 merges the sender of those). Queued frames go to {@link Listener#resolved}. Returns how many.
     */
    public int learn(int port, int ip, long mac, long nowNs, boolean create, Listener listener) {
        final long k = key(port, ip);
        int e = find(k);
        if (e < 0) {
            if (!create || freeEntryTop == 0) {
                return 0;
            }
            e = add(k, REACHABLE, mac);
        }
        this.mac[e] = mac;
        state[e] = REACHABLE;
        requestsSent[e] = 0;
        usedWhileStale[e] = false;
        deadlineNs[e] = nowNs + config.reachableNs();
        int released = 0;
        while (queueCount[e] > 0) {
            final int slot = queueHead[e];
            queueHead[e] = slotNext[slot];
            queueCount[e]--;
            listener.resolved(pool, slot * config.slotBytes(), slotLength[slot], port, mac);
            freeSlotAt(slot);
            released++;
        }
        return released;
    }

    private void freeSlotAt(int slot) {
        slotNext[slot] = freeSlot;
        freeSlot = slot;
    }

    /**
     * The timers, called by the owner thread every few hundred milliseconds with the poll cycle's clock: sends
     * retries and probes, gives up on silent neighbours (their queued frames go to {@link Listener#unreachable}),
     * ages REACHABLE to STALE and removes unused STALE entries. Scans every entry: the table is small.
     */
    public void poll(long nowNs, Listener listener) {
        final int n = config.maxEntries();
        for (int e = 0; e < n; e++) {
            final int st = state[e];
            if (st == 0 || nowNs - deadlineNs[e] < 0) {
                continue;
            }
            final int port = (int) (entryKey[e] >>> 32) - 1;
            final int ip = (int) entryKey[e];
            if (st == INCOMPLETE || st == STALE && requestsSent[e] > 0) {
                if (requestsSent[e] < config.requests()) {
                    requestsSent[e]++;
                    requestsTotal++;
                    deadlineNs[e] = nowNs + config.retryNs();
                    listener.sendRequest(port, ip);
                } else {
                    remove(e, listener);
                }
            } else if (st == REACHABLE) {
                state[e] = STALE;
                usedWhileStale[e] = false;
                deadlineNs[e] = nowNs + config.staleNs();
            } else if (usedWhileStale[e]) {
                // A stale entry that forwards gets confirmed; the deadline check above let us in early enough.
                requestsSent[e] = 1;
                requestsTotal++;
                deadlineNs[e] = nowNs + config.retryNs();
                listener.sendRequest(port, ip);
            } else {
                remove(e, null);
            }
        }
        // Stale entries used since the last poll are probed now rather than when their long stale deadline ends.
        for (int e = 0; e < n; e++) {
            if (state[e] == STALE && usedWhileStale[e] && requestsSent[e] == 0) {
                requestsSent[e] = 1;
                requestsTotal++;
                deadlineNs[e] = nowNs + config.retryNs();
                listener.sendRequest((int) (entryKey[e] >>> 32) - 1, (int) entryKey[e]);
            }
        }
    }

    /** Removes every entry learned on {@code port} (the port went down); queued frames are dropped. */
    public int flushPort(int port) {
        int removed = 0;
        for (int e = 0; e < config.maxEntries(); e++) {
            if (state[e] != 0 && (int) (entryKey[e] >>> 32) - 1 == port) {
                remove(e, null);
                removed++;
            }
        }
        return removed;
    }

    private void remove(int e, Listener listener) {
        final int port = (int) (entryKey[e] >>> 32) - 1;
        while (queueCount[e] > 0) {
            final int slot = queueHead[e];
            queueHead[e] = slotNext[slot];
            queueCount[e]--;
            if (listener != null) {
                listener.unreachable(pool, slot * config.slotBytes(), slotLength[slot], port);
            }
            freeSlotAt(slot);
        }
        deleteKey(entryKey[e]);
        state[e] = 0;
        freeEntries[freeEntryTop++] = e;
        size--;
    }

    private void deleteKey(long k) {
        int hole = -1;
        for (int i = home(k), n = 0; n <= mask; i = (i + 1) & mask, n++) {
            if (values[i] == 0) {
                return;
            }
            if (keys[i] == k) {
                hole = i;
                break;
            }
        }
        if (hole < 0) {
            return;
        }
        // Backward-shift deletion, as in the MAC table.
        int j = hole;
        for (;;) {
            j = (j + 1) & mask;
            if (values[j] == 0) {
                break;
            }
            final int h = home(keys[j]);
            final boolean movable = hole <= j ? (h <= hole || h > j) : (h <= hole && h > j);
            if (movable) {
                keys[hole] = keys[j];
                values[hole] = values[j];
                hole = j;
            }
        }
        values[hole] = 0;
    }

    /** One entry, as {@link #forEach} shows it. */
    public record Entry(int port, int ip, long mac, int state, int queued) {
        @Override
        public String toString() {
            final String st = switch (state) {
                case INCOMPLETE -> "incomplete";
                case REACHABLE -> "reachable";
                default -> "stale";
            };
            return "port " + port + " " + Ipv4Header.formatAddress(ip) + " "
                    + (state == INCOMPLETE ? "(unresolved)" : MacAddress.format(mac)) + " " + st
                    + (queued > 0 ? " queued=" + queued : "");
        }
    }

    /** Every entry, for display. Owner thread; allocates. */
    public void forEach(Consumer<Entry> out) {
        for (int e = 0; e < config.maxEntries(); e++) {
            if (state[e] != 0) {
                out.accept(new Entry((int) (entryKey[e] >>> 32) - 1, (int) entryKey[e], mac[e], state[e],
                        queueCount[e]));
            }
        }
    }

    public int size() {
        return size;
    }

    /** Frames queued in all entries. */
    public int queued() {
        int n = 0;
        for (int e = 0; e < config.maxEntries(); e++) {
            n += state[e] != 0 ? queueCount[e] : 0;
        }
        return n;
    }

    /** Frames refused because their entry's queue or the pool was full. */
    public long queueFullDrops() {
        return queueFullDrops;
    }

    /** ARP requests asked for (first ones and retries). */
    public long requestsTotal() {
        return requestsTotal;
    }

    public Config config() {
        return config;
    }
}
