package io.jvs.core.router;

import static io.jvs.core.conntrack.TestPackets.IP;
import static io.jvs.core.router.RouterStageTest.A;
import static io.jvs.core.router.RouterStageTest.C;
import static io.jvs.core.router.RouterStageTest.GW;
import static io.jvs.core.router.RouterStageTest.HA;
import static io.jvs.core.router.RouterStageTest.HC;
import static io.jvs.core.router.RouterStageTest.HGW;
import static io.jvs.core.router.RouterStageTest.R0;
import static io.jvs.core.router.RouterStageTest.R1;
import static io.jvs.core.router.RouterStageTest.R2;
import static io.jvs.core.router.RouterStageTest.RM0;
import static io.jvs.core.router.RouterStageTest.RM1;
import static io.jvs.core.router.RouterStageTest.RM2;
import static io.jvs.core.router.RouterStageTest.S;
import static io.jvs.core.router.RouterStageTest.X;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.util.List;

import io.jvs.core.conntrack.Conntrack;
import io.jvs.core.conntrack.CtTimeouts;
import io.jvs.core.conntrack.NatRewriter;
import io.jvs.core.conntrack.PacketTuple;
import io.jvs.core.conntrack.TestPackets;
import io.jvs.core.packet.ArpHeader;
import io.jvs.core.packet.IcmpHeader;
import io.jvs.core.packet.TcpHeader;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * The per-packet paths of the router and conntrack must not allocate: measured with the JVM's per-thread allocation
 * counter (bytes, not time), like the packet package's AllocationFreeTest. A round is 2000 iterations of eight
 * frames plus conntrack and FIB calls; the JVM itself now and then charges a few hundred bytes to the thread (seen
 * once per several rounds, at random calls: deoptimization or JIT bookkeeping), so, as the datapath's
 * AllocationTest does, a round passes under a small allowance and a few rounds are allowed to reach one. Any
 * per-packet allocation, even 16 bytes, would cost hundreds of kilobytes per round.
 */
class RouterAllocationTest {
    private static final int ITERATIONS = 2000;
    private static final int MAX_ROUNDS = 8;
    private static final long MAX_BYTES = 4096;

    /** A sink that allocates nothing. */
    private static final class Counting implements RouterStage.FrameSink {
        long bytes;

        @Override
        public void send(int port, DirectBuffer buf, int off, int len) {
            bytes += len + port + buf.getByte(off);
        }
    }

    @Test
    void shouldNotAllocateOnTheForwardingPaths() {
        final java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        assumeTrue(mx instanceof com.sun.management.ThreadMXBean, "per-thread allocation counter unavailable");
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) mx;
        assumeTrue(threads.isThreadAllocatedMemorySupported());
        threads.setThreadAllocatedMemoryEnabled(true);

        final Conntrack ct = new Conntrack(32_768, CtTimeouts.DEFAULTS);
        final RouterStage router = new RouterStage(1, ct, ArpCache.Config.DEFAULTS, IcmpRateLimiter.UNLIMITED);
        router.setPorts(List.of(new RouterPort(0, RM0, R0, 24, 1500), new RouterPort(1, RM1, R1, 24, 1500),
                new RouterPort(2, RM2, R2, 24, 1400)));
        router.routes().add(new RouteTable.Route(0, 0, GW, 1));
        router.setNatRules(NatRules.builder(1).snat(R1, 1024, 65535).build());
        final Counting sink = new Counting();
        final UnsafeBuffer buf = TestPackets.buffer();
        final UnsafeBuffer[] frames = new UnsafeBuffer[7];
        final int[] lengths = new int[frames.length];
        for (int i = 0; i < frames.length; i++) {
            frames[i] = TestPackets.buffer();
        }
        lengths[0] = TestPackets.tcp(frames[0], 0, RM0, HA, A, X, 40000, 443, TcpHeader.ACK, 100, 64); // SNAT out
        lengths[1] = TestPackets.tcp(frames[1], 0, RM1, HGW, X, R1, 443, 40000, TcpHeader.ACK, 100, 64); // back in
        lengths[2] = TestPackets.icmpEcho(frames[2], 0, RM0, HA, A, R0, IcmpHeader.TYPE_ECHO_REQUEST, 1, 1, 56, 64);
        lengths[3] = TestPackets.udp(frames[3], 0, RM0, HA, A, C, 1, 2, 100, 1); // TTL exceeded
        lengths[4] = ArpHeader.writeRequestFrame(frames[4], 0, HA, A, R0);
        lengths[5] = TestPackets.udp(frames[5], 0, RM0, HA, A, C, 1, 2, 100, 64); // inside, no NAT
        lengths[6] = TestPackets.udp(frames[6], 0, RM0, HA, A, X, 7, 53, 10, 64); // new UDP connection each time

        long now = S;
        router.receive(1, buf, 0, ArpHeader.writeRequestFrame(buf, 0, HGW, GW, R1), now, sink);
        router.receive(2, buf, 0, ArpHeader.writeRequestFrame(buf, 0, HC, C, R2), now, sink);
        router.receive(0, buf, 0, ArpHeader.writeRequestFrame(buf, 0, HA, A, R0), now, sink);
        final int syn = TestPackets.tcp(buf, 0, RM0, HA, A, X, 40000, 443, TcpHeader.SYN, 0, 64);
        router.receive(0, buf, 0, syn, now, sink);
        final int synAck = TestPackets.tcp(buf, 0, RM1, HGW, X, R1, 443, 40000, TcpHeader.SYN | TcpHeader.ACK, 0, 64);
        assertEquals(RouterStage.FORWARDED, router.receive(1, buf, 0, synAck, now, sink));
        final int[] expected = {RouterStage.FORWARDED, RouterStage.FORWARDED, RouterStage.ANSWERED,
            RouterStage.DROPPED, RouterStage.ANSWERED, RouterStage.FORWARDED, RouterStage.FORWARDED};
        for (int f = 0; f < frames.length; f++) {
            buf.putBytes(0, frames[f], 0, lengths[f]);
            assertEquals(expected[f], router.receive(f == 1 ? 1 : 0, buf, 0, lengths[f], now, sink), "frame " + f);
        }

        final PacketTuple t = new PacketTuple();
        final Fib fib = router.routes().fib();
        long sum = 0;
        long allocated = Long.MAX_VALUE;
        final StringBuilder rounds = new StringBuilder();
        int flows = 0;
        for (int round = 0; round < MAX_ROUNDS && allocated >= MAX_BYTES; round++) {
            final long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < ITERATIONS; i++) {
                now += 1000;
                // A new UDP connection (and SNAT port choice) every time.
                lengths[6] = TestPackets.udp(frames[6], 0, RM0, HA, A, X, 2000 + flows++, 53, 10, 64);
                for (int f = 0; f < frames.length; f++) {
                    buf.putBytes(0, frames[f], 0, lengths[f]);
                    sum += router.receive(f == 1 ? 1 : 0, buf, 0, lengths[f], now, sink);
                }
                // Conntrack and the rewriter on their own: create, look up both ways, rewrite, remove.
                buf.putBytes(0, frames[6], 0, lengths[6]);
                t.parse(buf, IP, lengths[6] - IP);
                final int ref = ct.create(9, t, R1, X, 2000 + (i & 255), 53, now);
                sum += ct.lookup(9, t) + ct.lookup(9, t.proto, X, R1, 53, 2000 + (i & 255));
                NatRewriter.apply(ct, ref, buf, IP, t);
                ct.remove(ref);
                sum += fib.lookup(X + i);
                router.poll(now, sink);
            }
            allocated = threads.getCurrentThreadAllocatedBytes() - before;
            rounds.append(round == 0 ? "" : ", ").append(allocated);
        }
        System.out.println("router forwarding paths: bytes allocated per round of " + ITERATIONS + " iterations: ["
                + rounds + "]");
        assertTrue(allocated < MAX_BYTES, "the forwarding paths still allocate after " + MAX_ROUNDS
                + " rounds: " + rounds);
        assertEquals(true, sum != 0 && sink.bytes != 0);
        assertEquals(2 + flows, ct.size(), "TCP, the first UDP flow and one new UDP flow per iteration");
    }
}
