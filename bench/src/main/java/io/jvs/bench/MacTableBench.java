package io.jvs.bench;

import java.util.concurrent.TimeUnit;

import io.jvs.core.bridge.MacTable;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** MAC table lookups and refreshes with 4096 learned entries (half the default capacity). */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class MacTableBench {
    private final MacTable table = new MacTable(8192, Long.MAX_VALUE);
    private final long[] keys = new long[4096];
    private int i;

    @Setup
    public void setUp() {
        for (int k = 0; k < keys.length; k++) {
            keys[k] = MacTable.key(k & 7, 0x02_00_00_00_00_00L + k * 7919L);
            table.learn(keys[k], k & 15, 0);
        }
    }

    @Benchmark
    public int lookup() {
        return table.lookup(keys[i++ & 4095]);
    }

    @Benchmark
    public boolean refresh() {
        int k = i++ & 4095;
        return table.refresh(keys[k], k & 15, i);
    }
}
