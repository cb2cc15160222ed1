package io.jvs.core.conntrack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.jvs.core.packet.Ipv4Header;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Random creations (with and without translation) and removals against a map model: every live connection is found
 * from both directions as the same connection, removed ones from neither, and the index never loses a key to the
 * backward-shift deletions.
 */
class ConntrackProperties {
    @Property(tries = 300)
    void bothDirectionsShouldFindTheSameConnection(
            @ForAll @Size(min = 1, max = 200) List<@IntRange(min = 0, max = 63) Integer> hosts,
            @ForAll @Size(min = 1, max = 200) List<@IntRange(min = 0, max = 7) Integer> ports,
            @ForAll @IntRange(min = 0, max = 3) int removeEvery) {
        final Conntrack ct = new Conntrack(64, CtTimeouts.DEFAULTS);
        final Map<Integer, int[]> live = new HashMap<>(); // connection -> {zone, src, dst, sp, dp, nsrc, nsp}
        final List<Integer> order = new ArrayList<>();
        final PacketTuple t = new PacketTuple();
        for (int i = 0; i < hosts.size(); i++) {
            final int h = hosts.get(i);
            final int p = ports.get(i % ports.size());
            t.proto = Ipv4Header.PROTO_UDP;
            t.src = 0x0a00_0000 | h;
            t.dst = 0xc633_6400 | (h * 7 & 15);
            t.srcPort = 1000 + p;
            t.dstPort = 53;
            final int zone = h & 1;
            final boolean nat = (h & 2) != 0;
            final int nsrc = nat ? 0xcb00_7101 : t.src;
            final int nsp = nat ? 2000 + h * 8 + p : t.srcPort;
            if (ct.lookup(zone, t) >= 0) {
                continue;
            }
            final int ref = ct.create(zone, t, nsrc, t.dst, nsp, t.dstPort, 0);
            if (ref == Conntrack.FULL) {
                assertEquals(64, ct.size());
            } else if (ref >= 0) {
                live.put(Conntrack.connection(ref), new int[] {zone, t.src, t.dst, t.srcPort, t.dstPort, nsrc, nsp});
                order.add(Conntrack.connection(ref));
            }
            if (removeEvery > 0 && i % (removeEvery + 1) == removeEvery && !order.isEmpty()) {
                final int victim = order.remove(order.size() / 2);
                ct.remove(victim << 1);
                live.remove(victim);
            }
            for (Map.Entry<Integer, int[]> e : live.entrySet()) {
                final int[] c = e.getValue();
                final int orig = ct.lookup(c[0], Ipv4Header.PROTO_UDP, c[1], c[2], c[3], c[4]);
                final int reply = ct.lookup(c[0], Ipv4Header.PROTO_UDP, c[2], c[5], c[4], c[6]);
                assertEquals(e.getKey() << 1 | Conntrack.ORIGINAL, orig);
                assertEquals(e.getKey() << 1 | Conntrack.REPLY, reply);
            }
            assertEquals(live.size(), ct.size());
        }
        assertTrue(ct.flushAll() == live.size() && ct.size() == 0);
    }
}
