package io.jvs.core.bridge;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * A bridge's translation between its local VLANs and tunnel keys (the seed's br-tun: local VLAN 1 on this host is
 * segmentation id 100 in every tunnel). One-to-one: a VLAN has at most one key and a key at most one VLAN.
 * Immutable: the control thread builds a new map per change and the bridge publishes it; forwarding threads look it
 * up without locks or allocation (an array by VLAN one way, a binary search over a handful of keys the other).
 */
public final class VlanKeyMap {
    /** Returned by {@link #key} and {@link #vlan} for an unmapped VLAN or key. */
    public static final long NONE = -1;

    public static final VlanKeyMap EMPTY = new VlanKeyMap(new TreeMap<>());

    private final long[] keyByVlan = new long[VlanConfig.MAX_VID + 1];
    private final long[] sortedKeys;
    private final int[] vlanOfSorted;
    private final TreeMap<Integer, Long> entries;

    private VlanKeyMap(TreeMap<Integer, Long> entries) {
        this.entries = entries;
        Arrays.fill(keyByVlan, NONE);
        TreeMap<Long, Integer> byKey = new TreeMap<>();
        entries.forEach((vlan, key) -> {
            keyByVlan[vlan] = key;
            byKey.put(key, vlan);
        });
        sortedKeys = byKey.keySet().stream().mapToLong(Long::longValue).toArray();
        vlanOfSorted = byKey.values().stream().mapToInt(Integer::intValue).toArray();
    }

    /** The key of local VLAN {@code vlan}, or {@link #NONE}. */
    public long key(int vlan) {
        return vlan > 0 && vlan <= VlanConfig.MAX_VID ? keyByVlan[vlan] : NONE;
    }

    /** The local VLAN of tunnel key {@code key}, or {@link #NONE}. */
    public int vlan(long key) {
        int i = Arrays.binarySearch(sortedKeys, key);
        return i >= 0 ? vlanOfSorted[i] : (int) NONE;
    }

    /**
     * This map with {@code vlan} mapped to {@code key} (replacing the VLAN's previous key).
     *
     * @throws IllegalArgumentException when the key already belongs to another VLAN, or either is out of range
     */
    public VlanKeyMap with(int vlan, long key) {
        if (vlan < 1 || vlan > VlanConfig.MAX_VID) {
            throw new IllegalArgumentException("VLAN " + vlan + " out of range 1..4094");
        }
        if (key < 0 || key > 0xffff_ffffL) {
            throw new IllegalArgumentException("key " + key + " out of range 0..4294967295");
        }
        int other = vlan(key);
        if (other >= 0 && other != vlan) {
            throw new IllegalArgumentException("key " + key + " is already mapped to VLAN " + other);
        }
        TreeMap<Integer, Long> next = new TreeMap<>(entries);
        next.put(vlan, key);
        return new VlanKeyMap(next);
    }

    /** This map without {@code vlan}. */
    public VlanKeyMap without(int vlan) {
        TreeMap<Integer, Long> next = new TreeMap<>(entries);
        next.remove(vlan);
        return new VlanKeyMap(next);
    }

    /** VLAN to key, in VLAN order. */
    public Map<Integer, Long> entries() {
        return java.util.Collections.unmodifiableMap(entries);
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    @Override
    public String toString() {
        return entries.toString();
    }
}
