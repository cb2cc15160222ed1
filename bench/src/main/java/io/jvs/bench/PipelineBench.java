package io.jvs.bench;

import java.util.concurrent.TimeUnit;

import io.jvs.core.bridge.FlowCache;
import io.jvs.core.bridge.Forwarder;
import io.jvs.core.bridge.VlanConfig;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The whole bridge pipeline for a burst of {@link Frames#SLOTS} (32, the datapath's burst) received frames of 32
 * different flows, each in its own slot of one receive buffer, as a reactor poll hands them over; reported per frame
 * ({@code @OperationsPerInvocation(32)}). The clock is read once per burst, as the datapath does.
 *
 * <p>Ports p0..p7, all access VLAN 10, discarding. Flow i: host S<sub>i</sub> on p0 to host D<sub>i</sub>, learned on
 * port 1 + i % 7; 64-byte TCP/IPv4 frames; no tag work (see ForwarderBench for VLAN push/pop). Each frame's first 32
 * bytes are restored before it is forwarded (ReloadBench.restore32 measures that: subtract it).
 *
 * <ul>
 * <li>{@code burst32CacheHit}: {@code new Forwarder(0)}, all 32 decisions in its flow cache: lookup, replay (a MAC
 * refresh and counters), transmit.
 * <li>{@code burst32CacheMiss}: the same forwarder, but the flow generation is bumped before each burst (as any MAC
 * or port change does), so all 32 frames miss, take the slow path and are installed again.
 * <li>{@code burst32NoCache}: {@code new Forwarder(0, 0)}, no cache: the slow path alone.
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
        "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class PipelineBench {
    private static final int VLAN = 10;
    private static final int BURST = Frames.SLOTS;

    private final Frames frames = new Frames();
    private TestSwitch sw;
    private Forwarder cached;
    private Forwarder uncached;
    private long nowNs;

    @Setup
    public void setUp() {
        VlanConfig access = VlanConfig.access(VLAN);
        sw = new TestSwitch(access, access, access, access, access, access, access, access);
        cached = new Forwarder(0);
        uncached = new Forwarder(0, 0);
        for (int i = 0; i < BURST; i++) {
            long src = Frames.mac(100 + i);
            long dst = Frames.mac(200 + i);
            sw.teach(cached, 1 + i % 7, dst, -1);
            sw.teach(cached, 0, src, -1);
            frames.put(i, dst, src, -1, Frames.FRAME_BYTES);
        }
        burst(cached);
        FlowCache c = cached.cache();
        long misses = c.misses();
        long sent = sw.framesSent();
        burst(cached);
        TestSwitch.check(c.misses() == misses, (c.misses() - misses) + " of 32 flows collide in the flow cache");
        TestSwitch.check(sw.framesSent() == sent + BURST, "each frame goes to exactly one port");
        sent = sw.framesSent();
        burst(uncached);
        TestSwitch.check(sw.framesSent() == sent + BURST, "each frame goes to exactly one port without the cache");
    }

    private void burst(Forwarder f) {
        long now = nowNs++;
        for (int i = 0; i < BURST; i++) {
            frames.restore(i);
            f.receive(sw.ports[0], frames.buf, Frames.vnetOff(i), frames.length[i], -1, now);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public void burst32CacheHit() {
        burst(cached);
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public void burst32CacheMiss() {
        sw.bridge.generation().bump();
        burst(cached);
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public void burst32NoCache() {
        burst(uncached);
    }
}
