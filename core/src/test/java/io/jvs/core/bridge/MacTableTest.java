package io.jvs.core.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

class MacTableTest {
    private static final long MAC_A = 0x02_00_00_00_00_0aL;
    private static final long MAC_B = 0x02_00_00_00_00_0bL;

    @Test
    void shouldMissUntilLearned() {
        MacTable t = new MacTable(16, 1_000);
        assertEquals(MacTable.MISS, t.lookup(MacTable.key(0, MAC_A)));
        assertEquals(MacTable.LEARNED, t.learn(MacTable.key(0, MAC_A), 3, 0));
        assertEquals(3, t.lookup(MacTable.key(0, MAC_A)));
    }

    @Test
    void shouldKeepVlansApart() {
        MacTable t = new MacTable(16, 1_000);
        t.learn(MacTable.key(10, MAC_A), 1, 0);
        assertEquals(MacTable.MISS, t.lookup(MacTable.key(20, MAC_A)));
        assertEquals(1, t.lookup(MacTable.key(10, MAC_A)));
    }

    @Test
    void shouldMoveAnEntryToTheNewPort() {
        MacTable t = new MacTable(16, 1_000);
        long k = MacTable.key(0, MAC_A);
        t.learn(k, 1, 0);
        long gen = t.generation();
        assertEquals(MacTable.MOVED, t.learn(k, 2, 1));
        assertEquals(2, t.lookup(k));
        assertTrue(t.generation() > gen);
        assertEquals(1, t.size());
    }

    @Test
    void shouldRefreshOnlyOnTheSamePort() {
        MacTable t = new MacTable(16, 1_000);
        long k = MacTable.key(0, MAC_A);
        t.learn(k, 1, 0);
        assertTrue(t.refresh(k, 1, 900));
        assertEquals(false, t.refresh(k, 2, 900));
        assertEquals(false, t.refresh(MacTable.key(0, MAC_B), 1, 900));
        assertEquals(0, t.expire(1_500)); // refreshed at 900: not yet 1000 old
        assertEquals(1, t.expire(2_000));
        assertEquals(MacTable.MISS, t.lookup(k));
    }

    @Test
    void shouldRefuseNewEntriesWhenFull() {
        MacTable t = new MacTable(4, 1_000);
        for (int i = 0; i < 4; i++) {
            assertEquals(MacTable.LEARNED, t.learn(MacTable.key(0, MAC_A + i), i, 0));
        }
        assertEquals(MacTable.FULL, t.learn(MacTable.key(0, MAC_B + 100), 1, 0));
        assertEquals(MacTable.MOVED, t.learn(MacTable.key(0, MAC_A), 3, 0)); // known keys still move
        assertEquals(4, t.size());
    }

    @Test
    void shouldFlushOnePortOnly() {
        MacTable t = new MacTable(64, 1_000);
        for (int i = 0; i < 40; i++) {
            t.learn(MacTable.key(i % 3, MAC_A + i), i % 2, 0);
        }
        assertEquals(20, t.flushPort(1));
        for (int i = 0; i < 40; i++) {
            assertEquals(i % 2 == 0 ? 0 : MacTable.MISS, t.lookup(MacTable.key(i % 3, MAC_A + i)));
        }
        assertEquals(20, t.flush());
        assertEquals(0, t.size());
    }

    /** Random learn/expire/flush against a HashMap: backward-shift deletion must never lose or resurrect a key. */
    @Test
    void shouldAgreeWithAMapUnderRandomOperations() {
        Random rnd = new Random(42);
        MacTable t = new MacTable(256, 100);
        Map<Long, int[]> model = new HashMap<>(); // key -> {port, seen}
        for (int step = 0; step < 200_000; step++) {
            long now = step;
            long key = MacTable.key(rnd.nextInt(4), rnd.nextInt(400));
            int op = rnd.nextInt(100);
            if (op < 70) {
                int port = rnd.nextInt(8);
                int r = t.learn(key, port, now);
                int[] e = model.get(key);
                if (e == null) {
                    if (model.size() < 256) {
                        assertEquals(MacTable.LEARNED, r);
                        model.put(key, new int[] {port, (int) now});
                    } else {
                        assertEquals(MacTable.FULL, r);
                    }
                } else {
                    assertEquals(e[0] == port ? MacTable.UNCHANGED : MacTable.MOVED, r);
                    e[0] = port;
                    e[1] = (int) now;
                }
            } else if (op < 72) {
                int removed = t.expire(now);
                int before = model.size();
                model.values().removeIf(e -> now - e[1] > 100);
                assertEquals(before - model.size(), removed);
            } else if (op < 73) {
                int port = rnd.nextInt(8);
                int removed = t.flushPort(port);
                int before = model.size();
                model.values().removeIf(e -> e[0] == port);
                assertEquals(before - model.size(), removed);
            } else {
                int[] e = model.get(key);
                assertEquals(e == null ? MacTable.MISS : e[0], t.lookup(key));
            }
            assertEquals(model.size(), t.size());
        }
        for (Map.Entry<Long, int[]> e : model.entrySet()) {
            assertEquals(e.getValue()[0], t.lookup(e.getKey()));
        }
    }

    /** A reader on another thread never sees a port that was not learned for that key while the owner writes. */
    @Test
    void shouldGiveReadersConsistentAnswersWhileTheOwnerWrites() throws Exception {
        MacTable t = new MacTable(1024, Long.MAX_VALUE);
        long stable = MacTable.key(1, MAC_A);
        t.learn(stable, 7, 0);
        var stop = new java.util.concurrent.atomic.AtomicBoolean();
        var bad = new java.util.concurrent.atomic.AtomicLong();
        Thread reader = new Thread(() -> {
            while (!stop.get()) {
                if (t.lookup(stable) != 7) {
                    bad.incrementAndGet();
                }
                int p = t.lookup(MacTable.key(2, 5));
                if (p != MacTable.MISS && p != 1 && p != 2) {
                    bad.incrementAndGet();
                }
            }
        });
        reader.start();
        for (int i = 0; i < 200_000; i++) {
            t.learn(MacTable.key(2, i % 700), 1 + (i & 1), i);
            if (i % 1000 == 999) {
                t.flushPort(1 + (i & 1));
            }
        }
        stop.set(true);
        reader.join();
        assertEquals(0, bad.get());
    }
}
