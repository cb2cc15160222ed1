package io.jvs.core.packet;

import static io.jvs.core.packet.Frames.build;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;

import io.jvs.core.packet.Frames.Frame;
import org.agrona.MutableDirectBuffer;
import org.junit.jupiter.api.Test;

/**
 * The per-packet methods must not allocate. Measured with the JVM's per-thread allocation counter, which counts
 * bytes, not time, so this is deterministic and belongs in a pass/fail test rather than a benchmark.
 */
class AllocationFreeTest {
    /** A sink that keeps a running total in a field, so it allocates nothing itself. */
    private static final class CountingSink implements SegmentSink {
        long bytes;

        @Override
        public void accept(final MutableDirectBuffer buf, final int off, final int len) {
            bytes += len + buf.getByte(off);
        }
    }

    @Test
    void shouldNotAllocateWhileSegmentingCompletingOrChecksumming() {
        final java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        assumeTrue(mx instanceof com.sun.management.ThreadMXBean, "per-thread allocation counter unavailable");
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) mx;
        assumeTrue(threads.isThreadAllocatedMemorySupported());
        threads.setThreadAllocatedMemoryEnabled(true);

        final GsoSegmenter segmenter = new GsoSegmenter(9216);
        final CountingSink sink = new CountingSink();
        final Frame tcp4 = build(true, true, 0, 4, 12, 30_000, 1, 1, TcpHeader.ACK | TcpHeader.PSH);
        final Frame udp6 = build(false, false, 0, 0, 0, 30_000, 0, 0, 0);
        final int csumStart = EthernetHeader.LENGTH + 24;

        long sum = 0;
        for (int round = 0; round < 2; round++) {
            final long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 200; i++) {
                sum += segmenter.segment(tcp4.buf(), tcp4.off(), tcp4.len(), VirtioNetHeader.GSO_TCPV4, 1448, sink);
                sum += segmenter.segment(udp6.buf(), udp6.off(), udp6.len(), VirtioNetHeader.GSO_UDP_L4, 1448, sink);
                sum += ChecksumOffload.complete(tcp4.buf(), tcp4.off(), tcp4.len(), csumStart, 16) ? 1 : 0;
                sum += Checksum.ipv4HeaderChecksum(tcp4.buf(), tcp4.off() + EthernetHeader.LENGTH);
                sum += MacAddress.read(tcp4.buf(), tcp4.off());
            }
            final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            if (round == 1) {
                // Round 0 lets class loading and first-call linkage, which do allocate, happen outside the count.
                assertEquals(0, allocated, "bytes allocated by 200 iterations");
            }
        }
        assertEquals(true, sum != 0 && sink.bytes != 0);
    }
}
