package io.jvs.core.router;

/**
 * An immutable IPv4 forwarding table: longest-prefix match in at most three array reads.
 *
 * <p>A 16-8-8 multibit trie with leaf pushing (the DIR-24-8 idea of Gupta, Lin and McKeown with a smaller first
 * level, so that a router with ten routes costs 256 KiB and not 64 MiB). Every prefix is expanded into the slots it
 * covers at the level its length ends in; a slot of a level holds either a result or a pointer to a 256-slot table
 * of the next level:
 *
 * <pre>
 *   slots[0 .. 65535]          level 1, indexed by the top 16 address bits
 *   slots[65536 + 256 k ..]    level-2 and level-3 tables, in the order the build created them
 *
 *   slot value:  0             no route
 *                n > 0         route n - 1 (an index into {@code routes})
 *                n < 0         pointer: the next table starts at slots[n & 0x7fffffff]
 * </pre>
 *
 * <p>Built by {@link RouteTable} on the control thread; after construction nothing writes it, so forwarding threads
 * read it without synchronisation once they got it from the volatile field that published it.
 */
public final class Fib {
    /** What {@link #lookup} returns when no prefix matches. */
    public static final long NO_ROUTE = -1L;

    private static final int L1_SIZE = 1 << 16;
    private static final int POINTER = 0x8000_0000;

    private final int[] slots;
    /** Per route: next hop in the high 32 bits (0 = directly connected), output port in the low 32 bits. */
    private final long[] routes;
    private final int prefixCount;

    Fib(int[] slots, long[] routes, int prefixCount) {
        this.slots = slots;
        this.routes = routes;
        this.prefixCount = prefixCount;
    }

    /**
     * The route for {@code dst}: {@link #NO_ROUTE}, or next hop and output port packed as
     * {@code nextHop << 32 | port}; split it with {@link #nextHop} and {@link #port}. One return value, so a caller
     * never mixes the halves of two routes.
     */
    public long lookup(int dst) {
        final int[] s = slots;
        int v = s[dst >>> 16];
        if (v < 0) {
            v = s[(v & ~POINTER) + (dst >>> 8 & 0xff)];
            if (v < 0) {
                v = s[(v & ~POINTER) + (dst & 0xff)];
            }
        }
        return v == 0 ? NO_ROUTE : routes[v - 1];
    }

    /** The next hop of a {@link #lookup} result: the gateway, or 0 when the destination is on the link. */
    public static int nextHop(long route) {
        return (int) (route >>> 32);
    }

    /** The output router-port index of a {@link #lookup} result. */
    public static int port(long route) {
        return (int) route;
    }

    public static long route(int nextHop, int port) {
        return (long) nextHop << 32 | (port & 0xffff_ffffL);
    }

    /** Distinct prefixes in the table. */
    public int prefixCount() {
        return prefixCount;
    }

    /** Memory taken by the slot array, in bytes (what a large table costs). */
    public long slotBytes() {
        return 4L * slots.length;
    }

    /** An empty table: every lookup misses. */
    static Fib empty() {
        return new Fib(new int[L1_SIZE], new long[0], 0);
    }

    /**
     * Builds the trie from prefixes sorted by ascending length. In that order leaf pushing is a plain overwrite: a
     * longer prefix always lands after, and on top of, the shorter ones it refines, and a table of the next level is
     * only ever created by a prefix longer than every one already written.
     */
    static Fib build(int[] addresses, int[] lengths, long[] routes, int count) {
        final Builder b = new Builder();
        for (int i = 0; i < count; i++) {
            b.insert(addresses[i], lengths[i], i + 1);
        }
        return new Fib(java.util.Arrays.copyOf(b.slots, b.used), java.util.Arrays.copyOf(routes, count), count);
    }

    private static final class Builder {
        int[] slots = new int[L1_SIZE + 256 * 64];
        int used = L1_SIZE;

        void insert(int address, int length, int value) {
            if (length <= 16) {
                final int first = length == 0 ? 0 : (address >>> 16) & (-1 << (16 - length)) & 0xffff;
                java.util.Arrays.fill(slots, first, first + (1 << (16 - length)), value);
                return;
            }
            final int t2 = child(address >>> 16);
            if (length <= 24) {
                final int first = (address >>> 8 & 0xff) & (-1 << (24 - length)) & 0xff;
                java.util.Arrays.fill(slots, t2 + first, t2 + first + (1 << (24 - length)), value);
                return;
            }
            final int t3 = child(t2 + (address >>> 8 & 0xff));
            final int first = (address & 0xff) & (-1 << (32 - length)) & 0xff;
            java.util.Arrays.fill(slots, t3 + first, t3 + first + (1 << (32 - length)), value);
        }

        /** The table behind slot {@code at}, created on first use and filled with the slot's pushed-down result. */
        private int child(int at) {
            final int v = slots[at];
            if (v < 0) {
                return v & ~POINTER;
            }
            if (used + 256 > slots.length) {
                slots = java.util.Arrays.copyOf(slots, slots.length * 2);
            }
            final int table = used;
            used += 256;
            java.util.Arrays.fill(slots, table, table + 256, v);
            slots[at] = POINTER | table;
            return table;
        }
    }
}
