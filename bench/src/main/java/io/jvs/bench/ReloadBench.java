package io.jvs.bench;

import java.util.concurrent.TimeUnit;

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
 * What the forwarding benchmarks spend putting back the bytes the forwarder changed in place ({@link Frames#restore}),
 * to subtract from them: {@code restore1} for ForwarderBench (one slot per op), {@code restore32} for PipelineBench
 * (32 slots per invocation, reported per frame).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class ReloadBench {
    private final Frames frames = new Frames();

    @Setup
    public void setUp() {
        for (int i = 0; i < Frames.SLOTS; i++) {
            frames.put(i, Frames.mac(200 + i), Frames.mac(100 + i), -1, Frames.FRAME_BYTES);
        }
    }

    @Benchmark
    public void restore1() {
        frames.restore(0);
    }

    @Benchmark
    @OperationsPerInvocation(Frames.SLOTS)
    public void restore32() {
        for (int i = 0; i < Frames.SLOTS; i++) {
            frames.restore(i);
        }
    }
}
