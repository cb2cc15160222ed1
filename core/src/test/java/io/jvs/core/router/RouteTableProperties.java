package io.jvs.core.router;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The trie's answer equals a naive linear longest-prefix match, over random prefix sets and addresses. */
class RouteTableProperties {
    @Provide
    Arbitrary<List<RouteTable.Route>> routes() {
        // Prefixes clustered in a few /8s so that lookups often hit several nested prefixes.
        final Arbitrary<Integer> base = Arbitraries.of(0x0a00_0000, 0xc0a8_0000, 0xac10_0000, 0);
        final Arbitrary<RouteTable.Route> route = Combinators.combine(base, Arbitraries.integers(),
                Arbitraries.integers().between(0, 32), Arbitraries.integers().between(0, 15))
                .as((b, bits, len, port) -> new RouteTable.Route(b | (bits >>> 8) & (len < 8 ? -1 : 0x00ff_ffff),
                        len, port % 3 == 0 ? 0 : 0x0101_0101 * port, port));
        return route.list().ofMinSize(0).ofMaxSize(300);
    }

    @Provide
    Arbitrary<List<Integer>> addresses() {
        final Arbitrary<Integer> clustered = Combinators.combine(
                Arbitraries.of(0x0a00_0000, 0xc0a8_0000, 0xac10_0000), Arbitraries.integers())
                .as((b, bits) -> b | bits >>> 8 & 0x00ff_ffff);
        return Arbitraries.oneOf(clustered, Arbitraries.integers()).list().ofSize(200);
    }

    @Property(tries = 300)
    void lookupShouldEqualALinearLongestMatch(@ForAll("routes") List<RouteTable.Route> routes,
            @ForAll("addresses") List<Integer> addresses) {
        final RouteTable table = new RouteTable();
        table.addAll(routes);
        // The table keeps the last route given for a prefix; so does this model.
        final List<RouteTable.Route> model = new ArrayList<>();
        for (RouteTable.Route r : routes) {
            model.removeIf(m -> m.prefix() == r.prefix() && m.length() == r.length());
            model.add(r);
        }
        for (RouteTable.Route r : model) {
            assertEquals(naive(model, r.prefix()), table.lookup(r.prefix()));
            final int last = r.prefix() | (r.length() == 32 ? 0 : -1 >>> r.length());
            assertEquals(naive(model, last), table.lookup(last));
        }
        for (int a : addresses) {
            assertEquals(naive(model, a), table.lookup(a), () -> "address " + Integer.toHexString(a));
        }
    }

    private static long naive(List<RouteTable.Route> routes, int address) {
        RouteTable.Route best = null;
        for (RouteTable.Route r : routes) {
            if (RouteTable.mask(address, r.length()) == r.prefix() && (best == null || r.length() > best.length())) {
                best = r;
            }
        }
        return best == null ? Fib.NO_ROUTE : Fib.route(best.nextHop(), best.port());
    }
}
