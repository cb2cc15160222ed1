package io.jvs.core.bridge;

/**
 * One forwarding thread's exact-match cache of forwarding decisions, in front of the bridge logic (Open vSwitch's
 * EMC). Key: the input port and the header fields the decision depends on (destination and source MAC, the VLAN id
 * on the wire, the ethertype). Value: the {@link ActionList} the slow path compiled for it, valid while the
 * datapath's {@link FlowGeneration} has not moved.
 *
 * <p>Direct-mapped, power-of-two sized, preallocated: a hit or an install touches no lock and allocates nothing. A
 * decision with more outputs than an entry holds (a flood over many ports) is simply not cached. Thread-confined.
 */
public final class FlowCache {
    public static final int DEFAULT_ENTRIES = 4096;
    /** Outputs an entry can hold; larger floods take the slow path every time. */
    public static final int MAX_OUTPUTS = 16;

    private final int mask;
    private final BridgePort[] inPort;
    private final long[] dst;
    private final long[] src;
    private final int[] vidAndType; // (wire VID + 1) << 16 | ethertype
    private final long[] generation;
    private final ActionList[] actions;

    private long hits;
    private long misses;
    private int entries;

    public FlowCache(int size) {
        if (Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("flow cache size " + size + " is not a power of two");
        }
        mask = size - 1;
        inPort = new BridgePort[size];
        dst = new long[size];
        src = new long[size];
        vidAndType = new int[size];
        generation = new long[size];
        actions = new ActionList[size];
        for (int i = 0; i < size; i++) {
            actions[i] = new ActionList(MAX_OUTPUTS);
        }
    }

    static int vidAndType(int wireVid, int etherType) {
        return (wireVid + 1) << 16 | etherType;
    }

    private int index(BridgePort in, long dstMac, long srcMac, int vt) {
        long h = (dstMac * 0x9E37_79B9_7F4A_7C15L) ^ (srcMac * 0xC2B2_AE3D_27D4_EB4FL)
                ^ ((long) vt * 0x1656_67B1_9E37_79F9L) ^ in.id() * 0x27D4_EB2F_1656_67C5L;
        return (int) (h ^ (h >>> 29)) & mask;
    }

    /** The cached decision for this key if it is still valid, else null (a miss). */
    ActionList lookup(BridgePort in, long dstMac, long srcMac, int wireVid, int etherType, long gen) {
        int vt = vidAndType(wireVid, etherType);
        int i = index(in, dstMac, srcMac, vt);
        if (inPort[i] == in && dst[i] == dstMac && src[i] == srcMac && vidAndType[i] == vt && generation[i] == gen) {
            hits++;
            return actions[i];
        }
        misses++;
        return null;
    }

    /** Remembers {@code decided} for this key, computed under generation {@code gen}. */
    void install(BridgePort in, long dstMac, long srcMac, int wireVid, int etherType, long gen, ActionList decided) {
        int vt = vidAndType(wireVid, etherType);
        int i = index(in, dstMac, srcMac, vt);
        if (!actions[i].copyFrom(decided)) {
            if (inPort[i] != null) {
                entries--;
            }
            inPort[i] = null; // too big to cache: forget whatever the slot held too
            return;
        }
        if (inPort[i] == null) {
            entries++;
        }
        inPort[i] = in;
        dst[i] = dstMac;
        src[i] = srcMac;
        vidAndType[i] = vt;
        generation[i] = gen;
    }

    public long hits() {
        return hits;
    }

    public long misses() {
        return misses;
    }

    /** Slots holding an entry (valid or stale). */
    public int entries() {
        return entries;
    }

    public int size() {
        return mask + 1;
    }
}
