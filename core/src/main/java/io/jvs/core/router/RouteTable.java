package io.jvs.core.router;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;

import io.jvs.core.packet.Ipv4Header;

/**
 * A router's IPv4 routes: connected subnets and static routes, each a prefix, a next hop (0 when the prefix is on
 * the link) and an output router-port index.
 *
 * <p>Copy-on-write. The control thread changes the route list ({@link #add}, {@link #remove}, {@link #clear}) and
 * every change rebuilds an immutable {@link Fib} and publishes it with a volatile store; forwarding threads call
 * {@link #fib()} once per burst (or {@link #lookup} per packet) and never lock. A rebuild of 10,000 routes takes a few
 * milliseconds, which suits configuration changes, not a routing daemon's churn. Mutators are synchronized so that
 * two control-side callers cannot lose each other's change; readers never touch the lock.
 */
public final class RouteTable {
    /** One configured route, as {@link #forEach} reports it. */
    public record Route(int prefix, int length, int nextHop, int port) {
        public Route {
            if (length < 0 || length > 32) {
                throw new IllegalArgumentException("prefix length " + length + " is outside 0..32");
            }
            if (port < 0) {
                throw new IllegalArgumentException("output port " + port + " < 0");
            }
            prefix = mask(prefix, length);
        }

        /** True for a route to a directly connected subnet (no gateway). */
        public boolean connected() {
            return nextHop == 0;
        }

        @Override
        public String toString() {
            return Ipv4Header.formatAddress(prefix) + "/" + length
                + (nextHop == 0 ? " dev " : " via " + Ipv4Header.formatAddress(nextHop) + " dev ") + port;
        }
    }

    private final List<Route> routes = new ArrayList<>();
    private volatile Fib fib = Fib.empty();

    /** The address with the host bits of a /{@code length} cleared. */
    public static int mask(int address, int length) {
        return length == 0 ? 0 : address & (-1 << (32 - length));
    }

    /**
     * Control thread: adds a route, replacing one with the same prefix and length, and publishes the new table.
     */
    public synchronized void add(Route route) {
        routes.removeIf(r -> r.prefix() == route.prefix() && r.length() == route.length());
        routes.add(route);
        publish();
    }

    /** Control thread: adds or replaces many routes with a single rebuild. */
    public synchronized void addAll(List<Route> added) {
        for (Route route : added) {
            routes.removeIf(r -> r.prefix() == route.prefix() && r.length() == route.length());
            routes.add(route);
        }
        publish();
    }

    /** Control thread: removes the route for this prefix; returns false when there was none. */
    public synchronized boolean remove(int prefix, int length) {
        final int p = mask(prefix, length);
        final boolean removed = routes.removeIf(r -> r.prefix() == p && r.length() == length);
        if (removed) {
            publish();
        }
        return removed;
    }

    /** Control thread: removes every route through {@code port} (the port went away). */
    public synchronized int removePort(int port) {
        final int before = routes.size();
        routes.removeIf(r -> r.port() == port);
        if (routes.size() != before) {
            publish();
        }
        return before - routes.size();
    }

    /**
     * Control thread: replaces the whole table with {@code all} in a single rebuild, so a lookup never sees a table
     * with some of the routes missing (the datapath re-derives a router's routes from its configuration this way).
     */
    public synchronized void replaceAll(List<Route> all) {
        routes.clear();
        for (Route route : all) {
            routes.removeIf(r -> r.prefix() == route.prefix() && r.length() == route.length());
            routes.add(route);
        }
        publish();
    }

    public synchronized void clear() {
        routes.clear();
        publish();
    }

    private void publish() {
        final List<Route> sorted = new ArrayList<>(routes);
        sorted.sort(Comparator.comparingInt(Route::length));
        final int n = sorted.size();
        final int[] prefixes = new int[n];
        final int[] lengths = new int[n];
        final long[] packed = new long[n];
        for (int i = 0; i < n; i++) {
            final Route r = sorted.get(i);
            prefixes[i] = r.prefix();
            lengths[i] = r.length();
            packed[i] = Fib.route(r.nextHop(), r.port());
        }
        fib = Fib.build(prefixes, lengths, packed, n);
    }

    /** The current table; any thread. Hold on to it for a burst so that all its packets see one table. */
    public Fib fib() {
        return fib;
    }

    /** Longest-prefix match in the current table; any thread, allocation-free. See {@link Fib#lookup}. */
    public long lookup(int dst) {
        return fib.lookup(dst);
    }

    /** A copy of the configured routes for display; allocates. */
    public synchronized void forEach(Consumer<Route> out) {
        for (Route r : List.copyOf(routes)) {
            out.accept(r);
        }
    }

    public synchronized int size() {
        return routes.size();
    }
}
