package io.jvs.core.model;

import java.util.Set;
import java.util.TreeSet;

/**
 * The reference model's view of a port's 802.1Q mode, written from the specification rather than shared with
 * {@link io.jvs.core.bridge.VlanConfig}: an access port (one VLAN, untagged on the wire), a trunk carrying every VLAN
 * (untagged frames are VLAN 0, VLAN 0 leaves untagged) or a trunk carrying a listed set of VLANs (always tagged).
 */
public record VlanMode(int accessTag, Set<Integer> trunks) {
    /** Returned by {@link #ingress} for frames the port does not admit. */
    public static final int REJECT = -1;

    public static VlanMode access(int tag) {
        return new VlanMode(tag, null);
    }

    public static VlanMode trunkAll() {
        return new VlanMode(-1, null);
    }

    public static VlanMode trunk(Integer... vlans) {
        return new VlanMode(-1, new TreeSet<>(Set.of(vlans)));
    }

    public boolean isAccess() {
        return accessTag >= 0;
    }

    /** The VLAN inside the switch of a frame with this wire VID (-1: no tag, 0: priority tag), or REJECT. */
    public int ingress(int wireVid) {
        boolean untagged = wireVid == -1 || wireVid == 0;
        if (isAccess()) {
            return untagged ? accessTag : REJECT;
        }
        if (trunks == null) {
            if (untagged) {
                return 0;
            }
            return wireVid == 4095 ? REJECT : wireVid;
        }
        if (untagged) {
            return REJECT;
        }
        return trunks.contains(wireVid) ? wireVid : REJECT;
    }

    public String rejectReason() {
        return isAccess() ? "tagged_on_access" : "vlan_not_allowed";
    }

    public boolean carries(int vlan) {
        if (isAccess()) {
            return vlan == accessTag;
        }
        if (trunks == null) {
            return true;
        }
        return trunks.contains(vlan);
    }

    /** The VID to put on the wire when a frame of {@code vlan} leaves here, or -1 for untagged. */
    public int egressVid(int vlan) {
        if (isAccess() || vlan == 0) {
            return -1;
        }
        return vlan;
    }

    @Override
    public String toString() {
        return isAccess() ? "access(" + accessTag + ")" : trunks == null ? "trunk(all)" : "trunk" + trunks;
    }
}
