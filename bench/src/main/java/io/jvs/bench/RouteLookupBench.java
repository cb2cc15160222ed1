package io.jvs.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import io.jvs.core.router.Fib;
import io.jvs.core.router.RouteTable;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * IPv4 longest-prefix match ({@link Fib#lookup}) with 10 and 10,000 prefixes: a default route plus random /8../32
 * prefixes (most /16../24, like a real table), looked up for 4096 destinations of which about half fall inside some
 * prefix longer than the default. Destinations are walked in a fixed order so each op reads different slots; with
 * 10,000 prefixes the level-2/3 tables no longer all fit in L1.
 *
 * <ul>
 * <li>{@code lookup}: one lookup through the table's volatile-published {@link Fib}, as a forwarding thread calls it.
 * <li>{@code lookupHeldFib}: the same on a {@link Fib} held for the burst (no volatile read per packet).
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class RouteLookupBench {
    private static final int DESTINATIONS = 4096;

    @Param({"10", "10000"})
    public int prefixes;

    private final RouteTable table = new RouteTable();
    private final int[] destinations = new int[DESTINATIONS];
    private Fib fib;
    private int i;

    @Setup
    public void setUp() {
        final SplittableRandom random = new SplittableRandom(42);
        final List<RouteTable.Route> routes = new ArrayList<>();
        routes.add(new RouteTable.Route(0, 0, 0xc000_0201, 0));
        final int[] chosen = new int[prefixes - 1];
        for (int k = 0; k < prefixes - 1; k++) {
            final int length = random.nextInt(10) < 8 ? 16 + random.nextInt(9) : 8 + random.nextInt(25);
            chosen[k] = random.nextInt();
            routes.add(new RouteTable.Route(chosen[k], length, k % 4 == 0 ? 0 : 0x0a00_0001 + k, 1 + k % 15));
        }
        table.addAll(routes);
        fib = table.fib();
        for (int k = 0; k < DESTINATIONS; k++) {
            // Half near a configured prefix (low bits random), half anywhere.
            destinations[k] = k % 2 == 0 && chosen.length > 0
                    ? chosen[random.nextInt(chosen.length)] ^ random.nextInt(256) : random.nextInt();
        }
        TestSwitch.check(table.fib().prefixCount() >= Math.min(prefixes, 2), "prefixes installed");
        TestSwitch.check(fib.lookup(0xc000_0000) != Fib.NO_ROUTE, "the default route matches everything");
    }

    @Benchmark
    public long lookup() {
        return table.lookup(destinations[i++ & (DESTINATIONS - 1)]);
    }

    @Benchmark
    public long lookupHeldFib() {
        return fib.lookup(destinations[i++ & (DESTINATIONS - 1)]);
    }
}
