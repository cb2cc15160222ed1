package io.jvs.datapath.control;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One userspace router as the db stores it ({@code jvs add-router}): its name, the namespace it is bound to (never
 * set yet: {@code netns=} is refused), its static routes, its gateway (the leg and next hop of its default route,
 * where tenant traffic is SNATed to the leg's address) and its floating IPs. Its legs are ports of type
 * {@code router} on bridges, with {@code options:router} naming it. Addresses are dotted quads, prefixes CIDR.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record RouterConfig(String name, String netns, List<Route> routes, Gateway gateway, List<Fip> fips) {
    /** {@code router/add-route R PREFIX NEXTHOP}. */
    public record Route(String prefix, String nexthop) {
    }

    /** {@code router/set-gateway R PORT NEXTHOP}. */
    public record Gateway(String port, String nexthop) {
    }

    /** {@code router/add-fip R FLOATING_IP INTERNAL_IP}. */
    public record Fip(String floatingIp, String internalIp) {
    }

    public RouterConfig {
        routes = routes == null ? List.of() : List.copyOf(routes);
        fips = fips == null ? List.of() : List.copyOf(fips);
    }

    public RouterConfig(String name, String netns) {
        this(name, netns, List.of(), null, List.of());
    }

    public RouterConfig withRoutes(List<Route> next) {
        return new RouterConfig(name, netns, next, gateway, fips);
    }

    public RouterConfig withGateway(Gateway next) {
        return new RouterConfig(name, netns, routes, next, fips);
    }

    public RouterConfig withFips(List<Fip> next) {
        return new RouterConfig(name, netns, routes, gateway, next);
    }

    public RouterConfig withRoute(Route r) {
        List<Route> next = new ArrayList<>(routes.stream().filter(x -> !x.prefix().equals(r.prefix())).toList());
        next.add(r);
        return withRoutes(next);
    }
}
