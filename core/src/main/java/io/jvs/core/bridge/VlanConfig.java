package io.jvs.core.bridge;

import java.util.Arrays;
import java.util.StringJoiner;

/**
 * A port's 802.1Q mode, as in Open vSwitch: an access port ({@code tag=N}) carries one VLAN untagged on the wire; a
 * trunk ({@code trunks=A,B,...}) carries the listed VLANs tagged; a port with neither is a trunk for every VLAN, on
 * which untagged frames belong to VLAN 0 and VLAN 0 leaves untagged. Immutable: a {@code set port} swaps the whole
 * object.
 */
public final class VlanConfig {
    public static final int MAX_VID = 4094;
    /** Returned by {@link #ingress} for frames the port must not admit; see {@link #ingressDrop}. */
    public static final int REJECT = -1;

    public static final VlanConfig TRUNK_ALL = new VlanConfig(-1, null);

    private final int tag; // -1: a trunk
    private final long[] trunkBits; // null: every VLAN (trunks only)

    private VlanConfig(int tag, long[] trunkBits) {
        this.tag = tag;
        this.trunkBits = trunkBits;
    }

    public static VlanConfig access(int tag) {
        checkVid(tag);
        return new VlanConfig(tag, null);
    }

    public static VlanConfig trunk(int... vlans) {
        if (vlans.length == 0) {
            return TRUNK_ALL;
        }
        long[] bits = new long[(MAX_VID >> 6) + 1];
        for (int v : vlans) {
            checkVid(v);
            bits[v >> 6] |= 1L << v;
        }
        return new VlanConfig(-1, bits);
    }

    private static void checkVid(int vid) {
        if (vid < 1 || vid > MAX_VID) {
            throw new IllegalArgumentException("VLAN " + vid + " out of range 1..4094");
        }
    }

    public boolean isAccess() {
        return tag >= 0;
    }

    public int tag() {
        return tag;
    }

    /** The trunked VLANs in ascending order; empty for an access port or an all-VLAN trunk. */
    public int[] trunks() {
        if (trunkBits == null) {
            return new int[0];
        }
        return java.util.stream.IntStream.rangeClosed(1, MAX_VID).filter(this::inTrunks).toArray();
    }

    private boolean inTrunks(int vlan) {
        return (trunkBits[vlan >> 6] & (1L << vlan)) != 0;
    }

    /**
     * The VLAN inside the switch of a frame that arrived with VLAN id {@code wireVid} on the wire ({@code -1}: no
     * tag; VID 0 is a priority tag and counts as untagged), or {@link #REJECT}.
     */
    public int ingress(int wireVid) {
        int vid = wireVid <= 0 ? 0 : wireVid;
        if (tag >= 0) {
            return vid == 0 ? tag : REJECT;
        }
        if (vid > MAX_VID) {
            return REJECT;
        }
        if (trunkBits == null) {
            return vid;
        }
        return vid != 0 && inTrunks(vid) ? vid : REJECT;
    }

    /** Why {@link #ingress} rejected a frame with this wire VLAN. */
    public DropReason ingressDrop(int wireVid) {
        return tag >= 0 ? DropReason.TAGGED_ON_ACCESS : DropReason.VLAN_NOT_ALLOWED;
    }

    /** Whether frames of VLAN {@code vlan} may leave on this port. */
    public boolean carries(int vlan) {
        if (tag >= 0) {
            return vlan == tag;
        }
        if (trunkBits == null) {
            return true;
        }
        return vlan != 0 && inTrunks(vlan);
    }

    /** The VLAN id to put on the wire for a frame of VLAN {@code vlan} leaving here, or -1 for untagged. */
    public int egressWireVid(int vlan) {
        return tag >= 0 || vlan == 0 ? -1 : vlan;
    }

    /** "tag=10", "trunks=10,20" or "" (all VLANs), as the CLI takes it. */
    public String describe() {
        if (tag >= 0) {
            return "tag=" + tag;
        }
        if (trunkBits == null) {
            return "";
        }
        StringJoiner j = new StringJoiner(",", "trunks=", "");
        for (int v : trunks()) {
            j.add(Integer.toString(v));
        }
        return j.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VlanConfig v && v.tag == tag && Arrays.equals(v.trunkBits, trunkBits);
    }

    @Override
    public int hashCode() {
        return 31 * tag + Arrays.hashCode(trunkBits);
    }

    @Override
    public String toString() {
        String d = describe();
        return d.isEmpty() ? "trunk(all)" : d;
    }
}
