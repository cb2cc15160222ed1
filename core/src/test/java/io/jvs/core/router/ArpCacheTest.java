package io.jvs.core.router;

import static io.jvs.core.conntrack.TestPackets.addr;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class ArpCacheTest {
    private static final long S = 1_000_000_000L;
    private static final int IP1 = addr("10.0.0.1");
    private static final int IP2 = addr("10.0.0.2");
    private static final long MAC1 = 0x0200_0000_0001L;

    /** Records what the cache asks for, copying frames (they are valid during the call only). */
    private static final class Recorder implements ArpCache.Listener {
        final List<String> events = new ArrayList<>();

        @Override
        public void sendRequest(int port, int ip) {
            events.add("request " + port + " " + ip);
        }

        @Override
        public void resolved(MutableDirectBuffer buf, int off, int len, int port, long mac) {
            events.add("resolved " + port + " " + buf.getByte(off) + " len " + len + " mac " + Long.toHexString(mac));
        }

        @Override
        public void unreachable(MutableDirectBuffer buf, int off, int len, int port) {
            events.add("unreachable " + port + " " + buf.getByte(off));
        }
    }

    private final ArpCache.Config config = new ArpCache.Config(4, 2, 3, 128, 3, S, 30 * S, 600 * S);
    private final ArpCache arp = new ArpCache(config);
    private final Recorder rec = new Recorder();

    private static DirectBuffer frame(int tag, int len) {
        final UnsafeBuffer b = new UnsafeBuffer(new byte[len]);
        b.putByte(0, (byte) tag);
        return b;
    }

    @Test
    void shouldQueueUntilResolvedThenReleaseInOrder() {
        assertEquals(ArpCache.MISS, arp.lookup(1, IP1));
        assertEquals(ArpCache.QUEUED_FIRST, arp.enqueue(1, IP1, frame(7, 60), 0, 60, 0));
        assertEquals(ArpCache.QUEUED, arp.enqueue(1, IP1, frame(8, 70), 0, 70, 0));
        assertEquals(ArpCache.INCOMPLETE, arp.state(1, IP1));
        assertEquals(2, arp.learn(1, IP1, MAC1, S / 2, false, rec));
        assertEquals(List.of("resolved 1 7 len 60 mac 20000000001", "resolved 1 8 len 70 mac 20000000001"),
                rec.events);
        assertEquals(MAC1, arp.lookup(1, IP1));
        assertEquals(0, arp.queued());
    }

    @Test
    void shouldBoundTheQueuePerEntryAndInTotal() {
        arp.enqueue(1, IP1, frame(1, 60), 0, 60, 0);
        arp.enqueue(1, IP1, frame(2, 60), 0, 60, 0);
        assertEquals(ArpCache.QUEUE_FULL, arp.enqueue(1, IP1, frame(3, 60), 0, 60, 0), "2 per entry");
        assertEquals(ArpCache.QUEUED_FIRST, arp.enqueue(1, IP2, frame(4, 60), 0, 60, 0));
        assertEquals(ArpCache.QUEUE_FULL, arp.enqueue(1, IP2, frame(5, 60), 0, 60, 0), "3 in the pool");
        assertEquals(ArpCache.TOO_BIG, arp.enqueue(1, IP2, frame(6, 129), 0, 129, 0));
        assertEquals(2, arp.queueFullDrops());
        assertEquals(3, arp.queued());
    }

    @Test
    void shouldRefuseNewEntriesWhenFull() {
        for (int i = 0; i < 3; i++) {
            arp.learn(0, IP1 + i, MAC1, 0, true, rec);
        }
        assertEquals(ArpCache.QUEUED_FIRST, arp.enqueue(0, IP1 + 3, frame(1, 60), 0, 60, 0));
        assertEquals(ArpCache.TABLE_FULL, arp.enqueue(0, IP1 + 4, frame(1, 60), 0, 60, 0));
    }

    @Test
    void shouldRetryTwiceASecondApartThenGiveUp() {
        arp.enqueue(2, IP1, frame(9, 60), 0, 60, 0);
        arp.poll(S / 2, rec);
        assertEquals(List.of(), rec.events);
        arp.poll(S, rec);
        arp.poll(2 * S, rec);
        assertEquals(List.of("request 2 " + IP1, "request 2 " + IP1), rec.events, "3 requests with the first");
        arp.poll(3 * S - 1, rec);
        assertEquals(2, rec.events.size());
        arp.poll(3 * S, rec);
        assertEquals("unreachable 2 9", rec.events.get(2));
        assertEquals(0, arp.size());
        assertEquals(0, arp.queued());
        assertEquals(3, arp.requestsTotal());
    }

    @Test
    void shouldGoStaleAndBeConfirmedWhenUsed() {
        arp.learn(1, IP1, MAC1, 0, true, rec);
        arp.poll(30 * S, rec);
        assertEquals(ArpCache.STALE, arp.state(1, IP1));
        assertEquals(MAC1, arp.lookup(1, IP1), "a stale entry still forwards");
        arp.poll(31 * S, rec);
        assertEquals(List.of("request 1 " + IP1), rec.events);
        arp.learn(1, IP1, MAC1, 31 * S + 1000, false, rec);
        assertEquals(ArpCache.REACHABLE, arp.state(1, IP1));
    }

    @Test
    void shouldDropAStaleEntryWhoseProbesGoUnanswered() {
        arp.learn(1, IP1, MAC1, 0, true, rec);
        arp.poll(30 * S, rec);
        arp.lookup(1, IP1);
        arp.poll(31 * S, rec);
        arp.poll(32 * S, rec);
        arp.poll(33 * S, rec);
        arp.poll(34 * S, rec);
        assertEquals(0, arp.size());
        assertEquals(3, rec.events.size());
    }

    @Test
    void shouldForgetAnUnusedStaleEntry() {
        arp.learn(1, IP1, MAC1, 0, true, rec);
        arp.poll(30 * S, rec);
        arp.poll(629 * S, rec);
        assertEquals(1, arp.size());
        arp.poll(630 * S, rec);
        assertEquals(0, arp.size());
        assertEquals(List.of(), rec.events);
    }

    @Test
    void shouldNotCreateEntriesFromUnrelatedArpUnlessAsked() {
        arp.learn(1, IP1, MAC1, 0, false, rec);
        assertEquals(0, arp.size());
        arp.learn(1, IP1, MAC1, 0, true, rec);
        assertEquals(1, arp.size());
        assertEquals(ArpCache.MISS, arp.lookup(2, IP1), "entries are per port");
        assertEquals(1, arp.flushPort(1));
        assertEquals(0, arp.size());
    }
}
