package io.jvs.bench;

import java.util.concurrent.TimeUnit;

import io.jvs.core.bridge.MacTable;

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
 * The MAC table with 4096 resident entries on ports 0..15 (half its 8192 capacity, a quarter of its 16384 slots),
 * keys walked in a fixed order so each op touches a different one.
 *
 * <ul>
 * <li>{@code lookupHit}, {@code lookupMiss}: the lock-free read of a present / absent (VLAN, MAC).
 * <li>{@code refreshHit}: the lock-free age refresh a non-owner thread does for a known source.
 * <li>{@code learnKnown}: the owner's learn of a known source on its known port (the common case: UNCHANGED).
 * <li>{@code learnNewAndFlush}: per op, the owner learns one of 1024 new sources on port 99; after the 1024th the
 * invocation flushes port 99 ({@link MacTable#flushPort}, a scan of all 16384 slots plus 1024 backward-shift
 * deletions), so the table is back where it started. Reported per learned key, the flush amortised over 1024.
 * <li>{@code flushScanOnly}: the same flush when port 99 has no entries (the scan alone), also divided by 1024:
 * subtract it from {@code learnNewAndFlush} for learn plus delete.
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class MacTableBench {
    private static final int RESIDENT = 4096;
    private static final int NEW = 1024;
    private static final int NEW_PORT = 99;

    private final MacTable table = new MacTable(8192, Long.MAX_VALUE);
    private final long[] present = new long[RESIDENT];
    private final long[] absent = new long[RESIDENT];
    private final long[] fresh = new long[NEW];
    private int i;

    @Setup
    public void setUp() {
        for (int k = 0; k < RESIDENT; k++) {
            present[k] = MacTable.key(k & 7, Frames.mac(k));
            absent[k] = MacTable.key(k & 7, Frames.mac(RESIDENT + NEW + k));
            table.learn(present[k], k & 15, 0);
        }
        for (int k = 0; k < NEW; k++) {
            fresh[k] = MacTable.key(k & 7, Frames.mac(RESIDENT + k));
        }
        TestSwitch.check(learnNewAndFlush() == NEW && table.size() == RESIDENT, "learnNewAndFlush is stationary");
        TestSwitch.check(table.lookup(absent[5]) == MacTable.MISS && table.lookup(present[5]) == 5, "lookups");
    }

    @Benchmark
    public int lookupHit() {
        return table.lookup(present[i++ & (RESIDENT - 1)]);
    }

    @Benchmark
    public int lookupMiss() {
        return table.lookup(absent[i++ & (RESIDENT - 1)]);
    }

    @Benchmark
    public boolean refreshHit() {
        int k = i++ & (RESIDENT - 1);
        return table.refresh(present[k], k & 15, i);
    }

    @Benchmark
    public int learnKnown() {
        int k = i++ & (RESIDENT - 1);
        return table.learn(present[k], k & 15, i);
    }

    @Benchmark
    @OperationsPerInvocation(NEW)
    public int learnNewAndFlush() {
        int learned = 0;
        for (int k = 0; k < NEW; k++) {
            learned += table.learn(fresh[k], NEW_PORT, k) == MacTable.LEARNED ? 1 : 0;
        }
        table.flushPort(NEW_PORT);
        return learned;
    }

    @Benchmark
    @OperationsPerInvocation(NEW)
    public int flushScanOnly() {
        return table.flushPort(NEW_PORT);
    }
}
