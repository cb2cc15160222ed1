package io.jvs.datapath.tunnel;

import java.util.ArrayList;
import java.util.List;

import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2ObjectHashMap;

/**
 * Which tunnel port a received packet belongs to, by outer source address and key: an exact (remote, key) port
 * first, then the remote's {@code key=flow} port when the packet has a key, or its keyless port when it has none.
 * Immutable: the control thread builds a new one per change and the endpoint publishes it, so the receive thread
 * looks up without locks (Agrona's primitive-keyed maps: no boxing, no allocation on {@code get}).
 */
public final class TunnelLookup {
    public static final TunnelLookup EMPTY = new TunnelLookup(List.of());

    private final List<TunnelPort> ports;
    private final Long2ObjectHashMap<TunnelPort> keyed = new Long2ObjectHashMap<>();
    private final Int2ObjectHashMap<TunnelPort> flow = new Int2ObjectHashMap<>();
    private final Int2ObjectHashMap<TunnelPort> keyless = new Int2ObjectHashMap<>();
    private final Int2ObjectHashMap<TunnelPort> anyForRemote = new Int2ObjectHashMap<>();

    private TunnelLookup(List<TunnelPort> ports) {
        this.ports = List.copyOf(ports);
        for (TunnelPort p : ports) {
            if (p.key() == TunnelPort.FLOW) {
                flow.put(p.remote(), p);
            } else if (p.key() == TunnelPort.NO_KEY) {
                keyless.put(p.remote(), p);
            } else {
                keyed.put(slot(p.remote(), p.key()), p);
            }
            anyForRemote.putIfAbsent(p.remote(), p);
        }
    }

    private static long slot(int remote, long key) {
        return (long) remote << 32 | (key & 0xffff_ffffL);
    }

    /**
     * The port that must not coexist with {@code p}: the same remote and the same key (or both flow, or both
     * keyless). Null when {@code p} can be added.
     */
    TunnelPort conflict(int remote, long key) {
        if (key == TunnelPort.FLOW) {
            return flow.get(remote);
        }
        return key == TunnelPort.NO_KEY ? keyless.get(remote) : keyed.get(slot(remote, key));
    }

    /** A lookup over exactly these ports. */
    public static TunnelLookup of(List<TunnelPort> ports) {
        return new TunnelLookup(ports);
    }

    TunnelLookup with(TunnelPort p) {
        List<TunnelPort> next = new ArrayList<>(ports);
        next.add(p);
        return new TunnelLookup(next);
    }

    TunnelLookup without(TunnelPort p) {
        List<TunnelPort> next = new ArrayList<>(ports);
        next.remove(p);
        return new TunnelLookup(next);
    }

    boolean isEmpty() {
        return ports.isEmpty();
    }

    List<TunnelPort> ports() {
        return ports;
    }

    /** The port for a packet from {@code remote} with {@code key} ({@link TunnelPort#NO_KEY}: none), or null. */
    public TunnelPort find(int remote, long key) {
        if (key == TunnelPort.NO_KEY) {
            return keyless.get(remote);
        }
        TunnelPort p = keyed.get(slot(remote, key));
        return p != null ? p : flow.get(remote);
    }

    /** Some port to that remote, to count a malformed packet against; null for a stranger. */
    public TunnelPort anyFor(int remote) {
        return anyForRemote.get(remote);
    }
}
