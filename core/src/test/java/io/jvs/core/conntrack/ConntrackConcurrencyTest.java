package io.jvs.core.conntrack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import io.jvs.core.packet.Ipv4Header;
import org.junit.jupiter.api.Test;

/**
 * The single-writer, lock-free-reader contract: while the owner churns connections (creating and removing, which
 * shifts keys around in the index), a reader on another thread always finds the connections that stay, from both
 * directions, with their refs, and never sees a removed-and-absent one as present.
 */
class ConntrackConcurrencyTest {
    private static final int STABLE = 200;
    private static final int ZONE = 1;

    @Test
    void readersShouldFindStableConnectionsWhileTheOwnerChurns() throws Exception {
        final Conntrack ct = new Conntrack(1024, CtTimeouts.DEFAULTS);
        final PacketTuple t = new PacketTuple();
        t.proto = Ipv4Header.PROTO_UDP;
        t.dst = 0x0808_0808;
        t.dstPort = 53;
        final int[] refs = new int[STABLE];
        for (int i = 0; i < STABLE; i++) {
            t.src = 0x0a00_0000 | i;
            t.srcPort = 1000 + i;
            refs[i] = ct.create(ZONE, t, 0xcb00_7101, t.dst, 20_000 + i, 53, 0);
        }
        final AtomicBoolean done = new AtomicBoolean();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread reader = new Thread(() -> {
            try {
                for (int round = 0; round < 300; round++) {
                    for (int i = 0; i < STABLE; i++) {
                        assertEquals(refs[i], ct.lookupConcurrent(ZONE, Ipv4Header.PROTO_UDP, 0x0a00_0000 | i,
                                0x0808_0808, 1000 + i, 53));
                        assertEquals(refs[i] | Conntrack.REPLY, ct.lookupConcurrent(ZONE, Ipv4Header.PROTO_UDP,
                                0x0808_0808, 0xcb00_7101, 53, 20_000 + i));
                        assertEquals(Conntrack.MISS, ct.lookupConcurrent(ZONE, Ipv4Header.PROTO_UDP,
                                0x0b00_0000 | i, 0x0808_0808, 7, 53), "never created");
                    }
                }
            } catch (Throwable e) {
                failure.set(e);
            } finally {
                done.set(true);
            }
        });
        reader.start();
        // The owner: create and remove churn connections that share the index clusters of the stable ones.
        final int[] churn = new int[600];
        long rounds = 0;
        while (!done.get()) {
            for (int i = 0; i < churn.length; i++) {
                t.src = 0x0c00_0000 | i;
                t.srcPort = 3000 + i;
                churn[i] = ct.create(ZONE, t, t.src, t.dst, t.srcPort, 53, rounds);
            }
            for (int i = 0; i < churn.length; i++) {
                ct.remove(churn[i]);
            }
            rounds++;
        }
        reader.join();
        if (failure.get() != null) {
            throw new AssertionError("reader failed after " + rounds + " owner rounds", failure.get());
        }
        assertEquals(STABLE, ct.size());
        assertTrue(rounds > 0);
    }
}
