package io.jvs.core.conntrack;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import io.jvs.core.packet.IcmpHeader;
import io.jvs.core.packet.Ipv4Header;
import io.jvs.core.packet.TcpHeader;

/**
 * A connection-tracking table: TCP, UDP and ICMP echo connections of IPv4, each found from either direction,
 * with a state, an idle timeout, an optional NAT translation and a zone.
 *
 * <p><b>Zones.</b> Every key includes an opaque {@code zone} int (a router id, a port id for security groups), so
 * users of one table keep separate entries for the same 5-tuple. {@link #flush(int)} empties one zone.
 *
 * <p><b>Tuples.</b> A connection remembers the tuple of its first packet as it arrived (O, "original") and as it
 * left after NAT (T, "translated"; T = O without NAT). Two keys point at it: O, which later packets of the original
 * direction carry, and the reverse of T, which reply packets carry. A packet of direction d is rewritten to the
 * tuple {@link #outSrc} .. {@link #outDstPort} (T for the original direction, reverse(O) for replies).
 *
 * <p><b>References.</b> Lookups return a ref = {@code connection << 1 | direction} (allocation-free), or a negative
 * code: {@link #MISS}, {@link #FULL}, {@link #INVALID}, {@link #EXISTS}.
 *
 * <p><b>Threading.</b> One owner thread does everything that writes: create, {@link #track}, {@link #expire},
 * {@link #flush}, {@link #remove}. Other threads may call {@link #lookupConcurrent} and {@link #forEach}, lock-free:
 * the owner makes a version counter odd while it inserts or deletes and readers retry when it moved (the
 * optimistic-read protocol of {@code StampedLock}, as in the MAC table). State and timestamps change with plain
 * stores; a reader may see them a packet late.
 *
 * <p><b>Layout.</b> Connections live in preallocated parallel arrays indexed by connection number, recycled through a
 * free stack. The key index is open addressing with linear probing over arrays at most a quarter full (two keys per
 * connection, sized for 2 x capacity), with backward-shift deletion (no tombstones):
 *
 * <pre>
 *   keyAddrs[s]  = src << 32 | dst                       (unsigned)
 *   keyPorts[s]  = srcPort << 48 | dstPort << 32 | zone  (unsigned)
 *   keyMeta[s]   = proto << 24 | (ref + 1)              0 = empty slot
 * </pre>
 */
public final class Conntrack {
    public static final int ORIGINAL = 0;
    public static final int REPLY = 1;

    /** No connection has this tuple. */
    public static final int MISS = -1;
    /** The table holds {@link #capacity} connections; counted in {@link #tableFullDrops}. */
    public static final int FULL = -2;
    /** The packet cannot open a connection (TCP without a lone SYN, an echo reply); counted in {@link #invalid}. */
    public static final int INVALID = -3;
    /** A key of the new connection is already taken (a NAT tuple in use): pick another translation. */
    public static final int EXISTS = -4;

    /** The largest capacity: refs must fit in 23 bits of {@code keyMeta}. */
    public static final int MAX_CAPACITY = 1 << 22;

    private static final VarHandle VERSION;

    static {
        try {
            VERSION = MethodHandles.lookup().findVarHandle(Conntrack.class, "version", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final CtTimeouts timeouts;
    private final int capacity;

    // Key index.
    private final long[] keyAddrs;
    private final long[] keyPorts;
    private final int[] keyMeta;
    private final int mask;

    // Connections.
    private final int[] zone;
    private final int[] proto;
    private final int[] state; // CtState in bits 0..7, TcpTracker's close progress above
    private final int[] origSrc;
    private final int[] origDst;
    private final int[] origPorts; // srcPort << 16 | dstPort
    private final int[] natSrc;
    private final int[] natDst;
    private final int[] natPorts;
    private final long[] expiresNs;
    private final int[] mark; // an opaque int per connection (security groups: the rule that allowed it)
    private final long[] packets; // [2c] original, [2c + 1] reply
    private final long[] bytes;
    private final int[] freeStack;
    private int freeTop;
    private int size;
    private int sweepCursor;

    @SuppressWarnings("unused") // accessed through VERSION
    private volatile long version;

    private long created;
    private long expired;
    private long tableFullDrops;
    private long invalid;

    public Conntrack(int capacity, CtTimeouts timeouts) {
        if (capacity < 1 || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("conntrack capacity=" + capacity + " outside 1.." + MAX_CAPACITY);
        }
        this.capacity = capacity;
        this.timeouts = timeouts;
        final int slots = Integer.highestOneBit(capacity * 4 - 1) << 1;
        keyAddrs = new long[slots];
        keyPorts = new long[slots];
        keyMeta = new int[slots];
        mask = slots - 1;
        zone = new int[capacity];
        proto = new int[capacity];
        state = new int[capacity];
        origSrc = new int[capacity];
        origDst = new int[capacity];
        origPorts = new int[capacity];
        natSrc = new int[capacity];
        natDst = new int[capacity];
        natPorts = new int[capacity];
        expiresNs = new long[capacity];
        mark = new int[capacity];
        packets = new long[2 * capacity];
        bytes = new long[2 * capacity];
        freeStack = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            freeStack[i] = capacity - 1 - i; // hand out low numbers first: a small table stays cache-dense
        }
        freeTop = capacity;
    }

    public static int connection(int ref) {
        return ref >>> 1;
    }

    public static int direction(int ref) {
        return ref & 1;
    }

    private static long addrs(int src, int dst) {
        return (long) src << 32 | (dst & 0xffff_ffffL);
    }

    private static long ports(int srcPort, int dstPort, int zone) {
        return (long) (srcPort & 0xffff) << 48 | (long) (dstPort & 0xffff) << 32 | (zone & 0xffff_ffffL);
    }

    private int home(long a, long p, int pr) {
        long h = a * 0x9E37_79B9_7F4A_7C15L ^ p * 0xC2B2_AE3D_27D4_EB4FL ^ pr * 0x1656_67B1_9E37_79F9L;
        h ^= h >>> 29;
        return (int) (h ^ h >>> 32) & mask;
    }

    // ---------------------------------------------------------------- lookups

    /** Owner thread: the ref of the connection this tuple belongs to, or {@link #MISS}. Allocation-free. */
    public int lookup(int zone, int proto, int src, int dst, int srcPort, int dstPort) {
        final int slot = probe(addrs(src, dst), ports(srcPort, dstPort, zone), proto);
        return slot < 0 ? MISS : (keyMeta[slot] & 0xff_ffff) - 1;
    }

    /** Owner thread: {@link #lookup} of a parsed packet. */
    public int lookup(int zone, PacketTuple t) {
        return lookup(zone, t.proto, t.src, t.dst, t.srcPort, t.dstPort);
    }

    /**
     * Any thread, lock-free: {@link #lookup} validated against concurrent inserts and deletes. The ref is only a
     * hint once returned: the owner may remove and reuse the connection at any time, so a reader on another thread
     * uses it to learn that a connection existed, not to read its translation.
     */
    public int lookupConcurrent(int zone, int proto, int src, int dst, int srcPort, int dstPort) {
        final long a = addrs(src, dst);
        final long p = ports(srcPort, dstPort, zone);
        for (;;) {
            final long v = (long) VERSION.getAcquire(this);
            if ((v & 1) == 0) {
                final int slot = probe(a, p, proto);
                final int ref = slot < 0 ? MISS : (keyMeta[slot] & 0xff_ffff) - 1;
                VarHandle.loadLoadFence();
                if ((long) VERSION.getOpaque(this) == v) {
                    return ref;
                }
            }
            Thread.onSpinWait();
        }
    }

    /** True when a packet with this tuple would match an existing connection (used to pick free NAT ports). */
    public boolean contains(int zone, int proto, int src, int dst, int srcPort, int dstPort) {
        return probe(addrs(src, dst), ports(srcPort, dstPort, zone), proto) >= 0;
    }

    private int probe(long a, long p, int pr) {
        for (int i = home(a, p, pr), n = 0; n <= mask; i = (i + 1) & mask, n++) {
            final int meta = keyMeta[i];
            if (meta == 0) {
                return -1;
            }
            if (keyAddrs[i] == a && keyPorts[i] == p && meta >>> 24 == pr) {
                return i;
            }
        }
        return -1;
    }

    // ---------------------------------------------------------------- creation

    /**
     * Owner thread: finds the packet's connection or opens one without NAT. Returns a ref, {@link #FULL} or
     * {@link #INVALID} (the packet may not open a connection); counts both.
     */
    public int lookupOrCreate(int zone, PacketTuple t, long nowNs) {
        final int ref = lookup(zone, t);
        if (ref >= 0) {
            return ref;
        }
        return create(zone, t, t.src, t.dst, t.srcPort, t.dstPort, nowNs);
    }

    /**
     * Owner thread: opens a connection for the packet {@code t} (which has none), leaving as
     * {@code natSrc:natSrcPort -> natDst:natDstPort}; pass the packet's own tuple for no NAT. Returns the ref of the
     * original direction, {@link #FULL}, {@link #INVALID}, or {@link #EXISTS} when a packet with the translated
     * tuple's reply would already match another connection. Does not rewrite the packet.
     */
    public int create(int zone, PacketTuple t, int natSrc, int natDst, int natSrcPort, int natDstPort, long nowNs) {
        final int initial = initialState(t);
        if (initial < 0) {
            invalid++;
            return INVALID;
        }
        return create(zone, t.proto, t.src, t.dst, t.srcPort, t.dstPort, natSrc, natDst, natSrcPort, natDstPort,
                initial, nowNs);
    }

    /** The state a packet opens, or -1 when it may not open a connection. */
    private static int initialState(PacketTuple t) {
        switch (t.proto) {
            case Ipv4Header.PROTO_TCP:
                return TcpTracker.canOpen(t.tcpFlags) ? CtState.TCP_SYN_SENT : -1;
            case Ipv4Header.PROTO_UDP:
                return CtState.UDP_UNREPLIED;
            case Ipv4Header.PROTO_ICMP:
                return t.icmpType == IcmpHeader.TYPE_ECHO_REQUEST ? CtState.ICMP_UNREPLIED : -1;
            default:
                return -1;
        }
    }

    /** Owner thread: the general form of {@link #create}, for tests and tools that have no packet. */
    public int create(int zone, int proto, int src, int dst, int srcPort, int dstPort,
            int nSrc, int nDst, int nSrcPort, int nDstPort, int initialState, long nowNs) {
        final long oa = addrs(src, dst);
        final long op = ports(srcPort, dstPort, zone);
        final long ra = addrs(nDst, nSrc);
        final long rp = ports(nDstPort, nSrcPort, zone);
        if (probe(oa, op, proto) >= 0 || probe(ra, rp, proto) >= 0) {
            return EXISTS;
        }
        if (freeTop == 0) {
            tableFullDrops++;
            return FULL;
        }
        final int c = freeStack[--freeTop];
        this.zone[c] = zone;
        this.proto[c] = proto;
        state[c] = initialState;
        origSrc[c] = src;
        origDst[c] = dst;
        origPorts[c] = srcPort << 16 | dstPort & 0xffff;
        natSrc[c] = nSrc;
        natDst[c] = nDst;
        natPorts[c] = nSrcPort << 16 | nDstPort & 0xffff;
        expiresNs[c] = nowNs + timeouts.of(initialState);
        mark[c] = 0;
        packets[2 * c] = 0;
        packets[2 * c + 1] = 0;
        bytes[2 * c] = 0;
        bytes[2 * c + 1] = 0;
        beginWrite();
        insert(oa, op, proto, c << 1 | ORIGINAL);
        // Without NAT a tuple could be its own reverse (src = dst and equal ports); one key then serves both.
        if (ra != oa || rp != op) {
            insert(ra, rp, proto, c << 1 | REPLY);
        }
        endWrite();
        size++;
        created++;
        return c << 1 | ORIGINAL;
    }

    private void insert(long a, long p, int pr, int ref) {
        int i = home(a, p, pr);
        while (keyMeta[i] != 0) {
            i = (i + 1) & mask;
        }
        keyAddrs[i] = a;
        keyPorts[i] = p;
        keyMeta[i] = pr << 24 | (ref + 1);
    }

    // ---------------------------------------------------------------- per packet

    /**
     * Owner thread: accounts a packet of {@code bytes} bytes to connection direction {@code ref}, advances the state
     * and the idle timer. {@code tcpFlags} is ignored for other protocols. Returns the new {@link CtState}, or
     * {@link #INVALID} (counted; state and timer unchanged) for a TCP packet that does not fit the connection.
     */
    public int track(int ref, int tcpFlags, int packetBytes, long nowNs) {
        final int c = ref >>> 1;
        final int dir = ref & 1;
        int word = state[c];
        switch (proto[c]) {
            case Ipv4Header.PROTO_TCP:
                word = TcpTracker.next(word, dir, tcpFlags);
                if (word == TcpTracker.INVALID) {
                    invalid++;
                    return INVALID;
                }
                break;
            case Ipv4Header.PROTO_UDP:
                if (dir == REPLY) {
                    word = CtState.UDP_REPLIED;
                }
                break;
            default:
                if (dir == REPLY) {
                    word = CtState.ICMP_REPLIED;
                }
                break;
        }
        state[c] = word;
        expiresNs[c] = nowNs + timeouts.of(word & 0xff);
        packets[ref]++;
        bytes[ref] += packetBytes;
        return word & 0xff;
    }

    /**
     * Tracks the {@code segments} TCP segments of one GSO super-frame as {@link #track} would one by one, with the
     * flags a software segmentation gives them (FIN and PSH on the last only, CWR on the first only), or changes
     * nothing and returns {@link #INVALID} when any of them would be refused: the caller then hands the segments
     * over one by one, so refusals stay per segment. {@code bytes}: the IP bytes of all segments together.
     */
    public int trackSegments(int ref, int tcpFlags, int segments, long bytes, long nowNs) {
        final int c = ref >>> 1;
        final int dir = ref & 1;
        if (proto[c] != Ipv4Header.PROTO_TCP || segments < 1) {
            return INVALID;
        }
        int word = state[c];
        if (segments == 1) {
            word = TcpTracker.next(word, dir, tcpFlags);
        } else {
            word = TcpTracker.next(word, dir, tcpFlags & ~(TcpHeader.FIN | TcpHeader.PSH));
            final int middle = tcpFlags & ~(TcpHeader.FIN | TcpHeader.PSH | TcpHeader.CWR);
            // The state machine is a pure function of (word, flags): once a middle segment leaves the word as it
            // is, the others do too.
            for (int i = 1; i < segments - 1 && word != TcpTracker.INVALID; i++) {
                final int next = TcpTracker.next(word, dir, middle);
                if (next == word) {
                    break;
                }
                word = next;
            }
            if (word != TcpTracker.INVALID) {
                word = TcpTracker.next(word, dir, tcpFlags & ~TcpHeader.CWR);
            }
        }
        if (word == TcpTracker.INVALID) {
            return INVALID;
        }
        state[c] = word;
        expiresNs[c] = nowNs + timeouts.of(word & 0xff);
        packets[ref] += segments;
        this.bytes[ref] += bytes;
        return word & 0xff;
    }

    // Where a packet of direction d leaves to: T for the original direction, reverse(O) for replies.

    public int outSrc(int ref) {
        final int c = ref >>> 1;
        return (ref & 1) == ORIGINAL ? natSrc[c] : origDst[c];
    }

    public int outDst(int ref) {
        final int c = ref >>> 1;
        return (ref & 1) == ORIGINAL ? natDst[c] : origSrc[c];
    }

    public int outSrcPort(int ref) {
        final int c = ref >>> 1;
        return (ref & 1) == ORIGINAL ? natPorts[c] >>> 16 : origPorts[c] & 0xffff;
    }

    public int outDstPort(int ref) {
        final int c = ref >>> 1;
        return (ref & 1) == ORIGINAL ? natPorts[c] & 0xffff : origPorts[c] >>> 16;
    }

    /** True when the connection is translated (its packets need rewriting). */
    public boolean isNatted(int ref) {
        final int c = ref >>> 1;
        return natSrc[c] != origSrc[c] || natDst[c] != origDst[c] || natPorts[c] != origPorts[c];
    }

    /** Owner thread: tags the connection with an opaque int (0 when created), e.g. the rule that allowed it. */
    public void setMark(int ref, int value) {
        mark[ref >>> 1] = value;
    }

    public int mark(int ref) {
        return mark[ref >>> 1];
    }

    /** When the connection times out unless a packet refreshes it (any thread: a hint, a packet late). */
    public long expiresNs(int ref) {
        return expiresNs[ref >>> 1];
    }

    public int state(int ref) {
        return state[ref >>> 1] & 0xff;
    }

    public int zone(int ref) {
        return zone[ref >>> 1];
    }

    public int proto(int ref) {
        return proto[ref >>> 1];
    }

    // ---------------------------------------------------------------- removal

    /**
     * Owner thread: removes connections idle past their state's timeout, visiting at most {@code maxVisits}
     * connection slots from where the previous sweep stopped (so a big table is swept in slices, a bounded cost per
     * poll). Returns how many were removed.
     */
    public int expire(long nowNs, int maxVisits) {
        int removed = 0;
        final int visits = Math.min(maxVisits, capacity);
        for (int n = 0; n < visits; n++) {
            final int c = sweepCursor;
            sweepCursor = c + 1 == capacity ? 0 : c + 1;
            if (state[c] != CtState.FREE && nowNs - expiresNs[c] >= 0) {
                delete(c);
                removed++;
            }
        }
        expired += removed;
        return removed;
    }

    /** Owner thread: a full sweep. */
    public int expire(long nowNs) {
        return expire(nowNs, capacity);
    }

    /** Owner thread: removes every connection of {@code zone}. */
    public int flush(int zone) {
        int removed = 0;
        for (int c = 0; c < capacity; c++) {
            if (state[c] != CtState.FREE && this.zone[c] == zone) {
                delete(c);
                removed++;
            }
        }
        return removed;
    }

    /** Owner thread: removes every connection of {@code zone} whose mark is {@code value}. */
    public int flushMark(int zone, int value) {
        int removed = 0;
        for (int c = 0; c < capacity; c++) {
            if (state[c] != CtState.FREE && this.zone[c] == zone && mark[c] == value) {
                delete(c);
                removed++;
            }
        }
        return removed;
    }

    /** Owner thread: removes every connection. */
    public int flushAll() {
        int removed = 0;
        for (int c = 0; c < capacity; c++) {
            if (state[c] != CtState.FREE) {
                delete(c);
                removed++;
            }
        }
        return removed;
    }

    /** Owner thread: removes the connection of {@code ref}. */
    public void remove(int ref) {
        if (state[ref >>> 1] != CtState.FREE) {
            delete(ref >>> 1);
        }
    }

    private void delete(int c) {
        final int pr = proto[c];
        final int z = zone[c];
        beginWrite();
        deleteKey(addrs(origSrc[c], origDst[c]), ports(origPorts[c] >>> 16, origPorts[c], z), pr);
        deleteKey(addrs(natDst[c], natSrc[c]), ports(natPorts[c], natPorts[c] >>> 16, z), pr);
        state[c] = CtState.FREE;
        endWrite();
        freeStack[freeTop++] = c;
        size--;
    }

    private void deleteKey(long a, long p, int pr) {
        int hole = probe(a, p, pr);
        if (hole < 0) {
            return; // the reply key of a self-reverse tuple, already gone with the original one
        }
        // Backward-shift deletion (Knuth 6.4, algorithm R): move later members of the cluster into the hole when
        // their home allows, so lookups never need tombstones.
        int j = hole;
        for (;;) {
            j = (j + 1) & mask;
            final int meta = keyMeta[j];
            if (meta == 0) {
                break;
            }
            final int h = home(keyAddrs[j], keyPorts[j], meta >>> 24);
            final boolean movable = hole <= j ? (h <= hole || h > j) : (h <= hole && h > j);
            if (movable) {
                keyAddrs[hole] = keyAddrs[j];
                keyPorts[hole] = keyPorts[j];
                keyMeta[hole] = meta;
                hole = j;
            }
        }
        keyMeta[hole] = 0;
    }

    private void beginWrite() {
        VERSION.setOpaque(this, (long) VERSION.getOpaque(this) + 1);
        VarHandle.storeStoreFence();
    }

    private void endWrite() {
        VERSION.setRelease(this, (long) VERSION.getOpaque(this) + 1);
    }

    // ---------------------------------------------------------------- display and counters

    /** One connection as {@link #forEach} reports it; {@code nat*} equal {@code orig*} without NAT. */
    public record Connection(int zone, int proto, int state,
            int origSrc, int origDst, int origSrcPort, int origDstPort,
            int natSrc, int natDst, int natSrcPort, int natDstPort,
            long expiresNs, long packetsOriginal, long packetsReply, long bytesOriginal, long bytesReply) {
        public boolean natted() {
            return natSrc != origSrc || natDst != origDst || natSrcPort != origSrcPort || natDstPort != origDstPort;
        }

        @Override
        public String toString() {
            final StringBuilder b = new StringBuilder();
            b.append("zone=").append(zone).append(' ').append(protoName(proto)).append(' ').append(CtState.name(state))
                    .append(" orig=").append(Ipv4Header.formatAddress(origSrc)).append(':').append(origSrcPort)
                    .append("->").append(Ipv4Header.formatAddress(origDst)).append(':').append(origDstPort);
            if (natted()) {
                b.append(" nat=").append(Ipv4Header.formatAddress(natSrc)).append(':').append(natSrcPort)
                        .append("->").append(Ipv4Header.formatAddress(natDst)).append(':').append(natDstPort);
            }
            return b.append(" packets=").append(packetsOriginal).append('/').append(packetsReply)
                    .append(" bytes=").append(bytesOriginal).append('/').append(bytesReply).toString();
        }

        private static String protoName(int proto) {
            return switch (proto) {
                case Ipv4Header.PROTO_TCP -> "tcp";
                case Ipv4Header.PROTO_UDP -> "udp";
                case Ipv4Header.PROTO_ICMP -> "icmp";
                default -> "proto" + proto;
            };
        }
    }

    /**
     * Reports every connection (of every zone) for {@code ct/show}; any thread, allocates. The copy is validated
     * against the version counter and retried a few times; on a table that keeps changing the last attempt is
     * reported as is, and a connection created or removed meanwhile may be missing or shown once too often. Run it
     * on the owner thread for an exact view.
     */
    public void forEach(Consumer<Connection> out) {
        List<Connection> copy = new ArrayList<>();
        for (int attempt = 0; attempt < 8; attempt++) {
            copy = new ArrayList<>();
            final long v = (long) VERSION.getAcquire(this);
            for (int c = 0; c < capacity; c++) {
                final int s = state[c];
                if (s != CtState.FREE) {
                    copy.add(new Connection(zone[c], proto[c], s & 0xff,
                            origSrc[c], origDst[c], origPorts[c] >>> 16, origPorts[c] & 0xffff,
                            natSrc[c], natDst[c], natPorts[c] >>> 16, natPorts[c] & 0xffff,
                            expiresNs[c], packets[2 * c], packets[2 * c + 1], bytes[2 * c], bytes[2 * c + 1]));
                }
            }
            VarHandle.loadLoadFence();
            if ((v & 1) == 0 && (long) VERSION.getOpaque(this) == v) {
                break;
            }
        }
        copy.forEach(out);
    }

    /** Connections in use (owner's count; other threads see a recent value). */
    public int size() {
        return size;
    }

    public int capacity() {
        return capacity;
    }

    public CtTimeouts timeouts() {
        return timeouts;
    }

    /** Connections created since start. */
    public long created() {
        return created;
    }

    /** Connections removed by {@link #expire}. */
    public long expired() {
        return expired;
    }

    /** Creations refused because the table was full. */
    public long tableFullDrops() {
        return tableFullDrops;
    }

    /** Packets that could not open a connection or did not fit their connection's TCP state. */
    public long invalid() {
        return invalid;
    }
}
