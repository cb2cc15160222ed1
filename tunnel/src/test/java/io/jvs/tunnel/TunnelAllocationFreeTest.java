package io.jvs.tunnel;

import static io.jvs.tunnel.TestFrames.LOCAL;
import static io.jvs.tunnel.TestFrames.REMOTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.util.Random;

import io.jvs.core.packet.Ipv4Header;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * Encap and decap must not allocate. Measured with the per-thread allocation counter, which counts bytes, not time,
 * so it is deterministic enough for a pass/fail test.
 */
class TunnelAllocationFreeTest {
    private static final int ITERATIONS = 100_000;

    @Test
    void shouldNotAllocateWhileEncapsulatingOrDecapsulating() {
        final java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        assumeTrue(mx instanceof com.sun.management.ThreadMXBean, "per-thread allocation counter unavailable");
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) mx;
        assumeTrue(threads.isThreadAllocatedMemorySupported());
        threads.setThreadAllocatedMemoryEnabled(true);

        final GreEncap gre = new GreEncap(LOCAL, REMOTE, 99, true, true, 64, 0);
        final GreDecap greDecap = new GreDecap();
        final VxlanEncap vxlan = new VxlanEncap(LOCAL, REMOTE, 5000, 4789, 64, 0);
        final VxlanDecap vxlanDecap = new VxlanDecap();
        final int headroom = 64;
        final int len = 1514;
        final UnsafeBuffer buf = TestFrames.frameWithHeadroom(new Random(1), headroom, len);
        final byte[] inner = TestFrames.copy(buf, headroom, len);

        long sum = 0;
        for (int round = 0; round < 2; round++) {
            final long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < ITERATIONS; i++) {
                final int greIp = gre.encapsulate(buf, headroom, len);
                sum += greDecap.decapsulate(buf, greIp + Ipv4Header.MIN_LENGTH, gre.overhead() - 20 + len);
                sum += greDecap.key() + greDecap.sequence() + greDecap.innerLength();
                final int vxIp = vxlan.encapsulate(buf, headroom, len);
                sum += vxlanDecap.decapsulate(buf, vxIp + 28, 8 + len);
                sum += vxlanDecap.vni() + vxlanDecap.innerLength();
            }
            final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            if (round == 1) {
                // Round 0 lets class loading, linkage and JIT warm-up, which may allocate, happen outside the count.
                assertEquals(0, allocated, "bytes allocated by " + ITERATIONS + " encap/decap iterations");
            }
        }
        assertTrue(sum != 0);
        assertEquals(java.util.Arrays.hashCode(inner), java.util.Arrays.hashCode(TestFrames.copy(buf, headroom, len)));
    }
}
