package io.jvs.datapath.router;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

import io.jvs.core.packet.Ipv4Header;
import io.jvs.core.packet.MacAddress;
import io.jvs.datapath.control.PortConfig;
import io.jvs.datapath.reactor.Reactor;

/**
 * The datapath's routers by name, and the making of their legs. Control thread only (like {@code Datapath}).
 */
public final class Routers {
    private final Reactor reactor;
    private final Map<String, Router> routers = new LinkedHashMap<>();
    private int nextZone = 1;

    public Routers(Reactor reactor) {
        this.reactor = reactor;
    }

    public Router add(String name) {
        return add(name, null);
    }

    /** @param netns the namespace the router's own addresses are delivered to (TAPs per leg), or null */
    public Router add(String name, String netns) {
        if (routers.containsKey(name)) {
            throw new IllegalArgumentException("router " + name + " exists");
        }
        Router r = new Router(name, nextZone++, reactor.nextForBridge(), netns, reactor.threads());
        routers.put(name, r);
        r.start();
        return r;
    }

    /** Forgets a router whose legs were deleted already; its timer stops. */
    public void remove(String name) {
        Router r = routers.remove(name);
        if (r != null) {
            r.stop();
        }
    }

    public Router get(String name) {
        return routers.get(name);
    }

    public Collection<Router> all() {
        return routers.values();
    }

    /**
     * A new leg from its port configuration ({@code options:router}, {@code options:ip} as CIDR, {@code mac}); it
     * joins its router when {@link #attach}ed, after its bridge took it.
     */
    public RouterLegPort newLeg(PortConfig pc, int threads) {
        Router r = routers.get(pc.options().get("router"));
        if (r == null) {
            throw new IllegalArgumentException("no router named " + pc.options().get("router"));
        }
        int[] cidr = parseCidr(pc.options().get("ip"));
        long mac = pc.mac() != null ? MacAddress.parse(pc.mac()) : randomMac();
        return new RouterLegPort(pc.name(), r, r.freeIndex(), mac, cidr[0], cidr[1], threads);
    }

    /** Publishes the leg to its router (after its bridge has it, so the router's output can enter the bridge). */
    public void attach(RouterLegPort leg) {
        leg.router().addLeg(leg);
    }

    /** Takes a deleted leg out of its router (after no reactor thread can still send to it). */
    public void detach(RouterLegPort leg) {
        leg.router().removeLeg(leg);
    }

    public void stopAll() {
        routers.values().forEach(Router::stop);
    }

    /** {address, prefix length} of {@code a.b.c.d/n}. */
    public static int[] parseCidr(String text) {
        if (text == null) {
            throw new IllegalArgumentException("missing address (a.b.c.d/n)");
        }
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("'" + text + "' is not an address with a prefix length (a.b.c.d/n)");
        }
        int address = Ipv4Header.parseAddress(text.substring(0, slash));
        int length;
        try {
            length = Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("prefix length in '" + text + "' is not a number");
        }
        if (length < 0 || length > 32) {
            throw new IllegalArgumentException("prefix length in '" + text + "' is outside 0..32");
        }
        return new int[] {address, length};
    }

    /** A random locally administered unicast MAC (02:xx:xx:xx:xx:xx). */
    public static long randomMac() {
        long r = java.util.concurrent.ThreadLocalRandom.current().nextLong() & 0xffff_ffffffL;
        return 0x02_0000_000000L | r;
    }
}
