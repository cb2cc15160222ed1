package io.jvs.core.model;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/** A port of the reference model: a host port (frames leave into {@link #sent}) or one end of a patch pair. */
public final class ModelPort {
    public final String name;
    public final boolean patch;
    public ModelBridge bridge;
    public int number;
    public VlanMode vlan = VlanMode.trunkAll();
    public boolean up = true;
    /** A tunnel to another host: nothing received from a tunnel is sent into another one. */
    public boolean tunnel;
    public int mtu;
    public ModelPort peer;
    /** Security group and port security; filters only while {@link ModelSecurity#on}. */
    public final ModelSecurity security = new ModelSecurity();

    public long rxPackets;
    public long rxBytes;
    public long txPackets;
    public long txBytes;
    /** Drops by counter name (e.g. "runt"), only the reasons that happened. */
    public final TreeMap<String, Long> drops = new TreeMap<>();
    /** Frames sent, oldest first, as byte arrays. */
    public final List<byte[]> sent = new ArrayList<>();

    public ModelPort(String name, boolean patch, int mtu) {
        this.name = name;
        this.patch = patch;
        this.mtu = mtu;
    }

    void drop(String reason) {
        drops.merge(reason, 1L, Long::sum);
    }

    public long drops(String reason) {
        return drops.getOrDefault(reason, 0L);
    }

    public List<byte[]> drain() {
        List<byte[]> copy = new ArrayList<>(sent);
        sent.clear();
        return copy;
    }

    @Override
    public String toString() {
        return name + "(" + vlan + (up ? "" : ",down") + ")";
    }
}
