package io.jvs.core.model;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A bridge of the reference model: ports in number order and a MAC table as a plain map. */
public final class ModelBridge {
    /** A MAC table key. */
    public record Key(int vlan, long mac) {
    }

    /** Where a key was learned and when it was last seen. */
    public static final class Entry {
        int port;
        long seenNs;

        Entry(int port, long seenNs) {
            this.port = port;
            this.seenNs = seenNs;
        }
    }

    public final String name;
    public final int capacity;
    public final long agingNs;
    public final List<ModelPort> ports = new ArrayList<>(); // index = port number
    final Map<Key, Entry> macs = new LinkedHashMap<>();

    public ModelBridge(String name, int capacity, long agingNs) {
        this.name = name;
        this.capacity = capacity;
        this.agingNs = agingNs;
    }

    public void addPort(ModelPort p) {
        p.bridge = this;
        p.number = ports.size();
        ports.add(p);
    }

    /** Learns or moves (vlan, mac) to port; refreshes its age; does nothing when new and the table is full. */
    void learn(int vlan, long mac, int port, long nowNs) {
        Key k = new Key(vlan, mac);
        Entry e = macs.get(k);
        if (e != null) {
            e.port = port;
            e.seenNs = nowNs;
        } else if (macs.size() < capacity) {
            macs.put(k, new Entry(port, nowNs));
        }
    }

    /** The port number (vlan, mac) was learned on, or -1. */
    int lookup(int vlan, long mac) {
        Entry e = macs.get(new Key(vlan, mac));
        return e == null ? -1 : e.port;
    }

    /** Removes the entries not seen for longer than the aging time. */
    public void expire(long nowNs) {
        for (Iterator<Entry> it = macs.values().iterator(); it.hasNext(); ) {
            if (nowNs - it.next().seenNs > agingNs) {
                it.remove();
            }
        }
    }

    public void flush() {
        macs.clear();
    }

    public int size() {
        return macs.size();
    }
}
