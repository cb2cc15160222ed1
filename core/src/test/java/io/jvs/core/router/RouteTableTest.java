package io.jvs.core.router;

import static io.jvs.core.conntrack.TestPackets.addr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class RouteTableTest {
    private final RouteTable table = new RouteTable();

    private void route(String prefix, int length, String via, int port) {
        table.add(new RouteTable.Route(addr(prefix), length, via == null ? 0 : addr(via), port));
    }

    @Test
    void shouldMissOnAnEmptyTable() {
        assertEquals(Fib.NO_ROUTE, table.lookup(addr("10.0.0.1")));
    }

    @Test
    void shouldPreferTheLongestPrefixAtEveryLevel() {
        route("0.0.0.0", 0, "192.0.2.1", 0);
        route("10.0.0.0", 8, null, 1);
        route("10.1.0.0", 16, null, 2);
        route("10.1.2.0", 24, null, 3);
        route("10.1.2.128", 25, null, 4);
        route("10.1.2.200", 32, "10.1.2.129", 5);
        assertEquals(Fib.route(addr("192.0.2.1"), 0), table.lookup(addr("8.8.8.8")));
        assertEquals(1, Fib.port(table.lookup(addr("10.200.0.1"))));
        assertEquals(2, Fib.port(table.lookup(addr("10.1.200.1"))));
        assertEquals(3, Fib.port(table.lookup(addr("10.1.2.1"))));
        assertEquals(4, Fib.port(table.lookup(addr("10.1.2.129"))));
        assertEquals(5, Fib.port(table.lookup(addr("10.1.2.200"))));
        assertEquals(addr("10.1.2.129"), Fib.nextHop(table.lookup(addr("10.1.2.200"))));
        assertEquals(4, Fib.port(table.lookup(addr("10.1.2.201"))));
        assertEquals(0, Fib.nextHop(table.lookup(addr("10.1.2.201"))), "connected: no gateway");
    }

    @Test
    void shouldHonourAShortPrefixInsertedAfterALongOne() {
        route("10.1.2.0", 24, null, 3);
        route("10.0.0.0", 8, null, 1);
        assertEquals(3, Fib.port(table.lookup(addr("10.1.2.7"))));
        assertEquals(1, Fib.port(table.lookup(addr("10.1.3.7"))));
    }

    @Test
    void shouldReplaceAndRemoveRoutes() {
        route("10.0.0.0", 8, null, 1);
        route("10.0.0.0", 8, null, 7);
        assertEquals(1, table.size());
        assertEquals(7, Fib.port(table.lookup(addr("10.9.9.9"))));
        assertTrue(table.remove(addr("10.0.0.0"), 8));
        assertEquals(Fib.NO_ROUTE, table.lookup(addr("10.9.9.9")));
    }

    @Test
    void shouldMaskHostBitsOfAPrefix() {
        route("10.1.2.3", 24, null, 3);
        final List<RouteTable.Route> routes = new ArrayList<>();
        table.forEach(routes::add);
        assertEquals(addr("10.1.2.0"), routes.get(0).prefix());
        assertEquals("10.1.2.0/24 dev 3", routes.get(0).toString());
    }

    @Test
    void shouldRemoveEveryRouteOfAPort() {
        route("10.0.0.0", 8, null, 1);
        route("11.0.0.0", 8, "10.0.0.1", 1);
        route("12.0.0.0", 8, null, 2);
        assertEquals(2, table.removePort(1));
        assertEquals(Fib.NO_ROUTE, table.lookup(addr("11.1.1.1")));
        assertEquals(2, Fib.port(table.lookup(addr("12.1.1.1"))));
    }

    @Test
    void shouldRejectBadRoutes() {
        assertThrows(IllegalArgumentException.class, () -> new RouteTable.Route(0, 33, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new RouteTable.Route(0, 8, 0, -1));
    }

    @Test
    void shouldHoldTenThousandPrefixesCompactly() {
        final List<RouteTable.Route> routes = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            routes.add(new RouteTable.Route(0x0a00_0000 + (i << 8), 24, addr("192.0.2.1"), i & 15));
        }
        table.addAll(routes);
        assertEquals(10_000, table.fib().prefixCount());
        assertEquals(5, Fib.port(table.lookup(0x0a00_0000 + (5 << 8) + 77)));
        // 256 KiB of level 1 and one 1 KiB table per /16 touched (40 of them).
        assertTrue(table.fib().slotBytes() < 512 * 1024, "slot bytes " + table.fib().slotBytes());
    }

    @Test
    void shouldReplaceTheWholeTableAtOnce() {
        route("10.0.0.0", 8, null, 1);
        route("192.168.0.0", 16, null, 2);
        table.replaceAll(List.of(new RouteTable.Route(addr("10.0.0.0"), 8, 0, 3),
                new RouteTable.Route(addr("0.0.0.0"), 0, addr("10.0.0.254"), 3)));
        assertEquals(2, table.size());
        assertEquals(3, Fib.port(table.lookup(addr("10.1.1.1"))));
        assertEquals(addr("10.0.0.254"), Fib.nextHop(table.lookup(addr("192.168.1.1"))), "the old /16 is gone");
    }
}
