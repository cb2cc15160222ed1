package io.jvs.datapath.reactor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;

import org.junit.jupiter.api.Test;

class BurstTimerTest {
    @Test
    void shouldAccumulateAcrossReadsAndClampStalls() {
        BurstTimer t = new BurstTimer();
        t.record(1_000);
        t.record(0);
        assertEquals(2, t.total().getTotalCount());
        t.record(BurstTimer.HIGHEST_NS * 3); // a stall beyond the range is counted, not thrown
        assertEquals(3, t.total().getTotalCount());
        assertEquals(1_000 + BurstTimer.HIGHEST_NS * 3, t.sumNs());
        assertTrue(t.total().getMaxValue() >= BurstTimer.HIGHEST_NS / 2);
    }

    @Test
    void shouldNotAllocatePerRecord() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        BurstTimer t = new BurstTimer();
        for (int i = 0; i < 200_000; i++) { // warm up: let the JIT compile record()
            t.record(i * 37L);
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 1_000_000; i++) {
            t.record(i * 37L);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 16 * 1024, "1M records allocated " + allocated + " bytes");
    }
}
