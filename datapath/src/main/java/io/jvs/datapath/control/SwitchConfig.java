package io.jvs.datapath.control;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The whole configuration: what the db file holds and what a restarted daemon rebuilds. Immutable; every command
 * produces a new one, which is saved only once the datapath has accepted the change. {@code routers} came later:
 * a db without it loads with no routers (and is written without the key while there are none).
 */
public record SwitchConfig(List<BridgeConfig> bridges,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<RouterConfig> routers) {
    public static final SwitchConfig EMPTY = new SwitchConfig(List.of());

    public SwitchConfig {
        bridges = bridges == null ? List.of() : List.copyOf(bridges);
        routers = routers == null ? List.of() : List.copyOf(routers);
        // A gateway whose leg is gone (del-port, del-br) goes with it; the floating IPs stay, inactive.
        List<String> portNames = bridges.stream().flatMap(b -> b.ports().stream()).map(PortConfig::name).toList();
        routers = routers.stream().map(r -> r.gateway() != null && !portNames.contains(r.gateway().port())
                ? r.withGateway(null) : r).toList();
    }

    public SwitchConfig(List<BridgeConfig> bridges) {
        this(bridges, List.of());
    }

    public Optional<RouterConfig> router(String name) {
        return routers.stream().filter(r -> r.name().equals(name)).findFirst();
    }

    public SwitchConfig withRouter(RouterConfig router) {
        List<RouterConfig> list = new ArrayList<>(routers);
        list.add(router);
        return new SwitchConfig(bridges, list);
    }

    public SwitchConfig withoutRouter(String name) {
        return new SwitchConfig(bridges, routers.stream().filter(r -> !r.name().equals(name)).toList());
    }

    public SwitchConfig replaceRouter(RouterConfig router) {
        return new SwitchConfig(bridges, routers.stream().map(r -> r.name().equals(router.name()) ? router : r)
                .toList());
    }

    /** The legs ({@code type=router} ports) of router {@code name}, in bridge and port order. */
    public List<PortConfig> legsOf(String name) {
        return bridges.stream().flatMap(b -> b.ports().stream())
                .filter(p -> PortConfig.ROUTER.equals(p.type()) && name.equals(p.options().get("router"))).toList();
    }

    public Optional<BridgeConfig> bridge(String name) {
        return bridges.stream().filter(b -> b.name().equals(name)).findFirst();
    }

    /** The port named {@code name} on any bridge (port names are unique across bridges, as in Open vSwitch). */
    public Optional<PortConfig> port(String name) {
        return bridges.stream().flatMap(b -> b.ports().stream()).filter(p -> p.name().equals(name)).findFirst();
    }

    public Optional<BridgeConfig> bridgeOfPort(String portName) {
        return bridges.stream().filter(b -> b.ports().stream().anyMatch(p -> p.name().equals(portName))).findFirst();
    }

    public SwitchConfig withBridge(BridgeConfig bridge) {
        List<BridgeConfig> list = new ArrayList<>(bridges);
        list.add(bridge);
        return new SwitchConfig(list, routers);
    }

    public SwitchConfig withoutBridge(String name) {
        return new SwitchConfig(bridges.stream().filter(b -> !b.name().equals(name)).toList(), routers);
    }

    public SwitchConfig withPort(String bridgeName, PortConfig port) {
        return mapBridges(b -> {
            if (!b.name().equals(bridgeName)) {
                return b;
            }
            List<PortConfig> ports = new ArrayList<>(b.ports());
            ports.add(port);
            return b.withPorts(ports);
        });
    }

    public SwitchConfig withoutPort(String portName) {
        return mapBridges(b -> b.withPorts(b.ports().stream().filter(p -> !p.name().equals(portName)).toList()));
    }

    public SwitchConfig replacePort(PortConfig port) {
        return mapBridges(b -> b.withPorts(b.ports().stream().map(p -> p.name().equals(port.name()) ? port : p)
                .toList()));
    }

    public SwitchConfig replaceBridge(BridgeConfig bridge) {
        return mapBridges(b -> b.name().equals(bridge.name()) ? bridge : b);
    }

    private SwitchConfig mapBridges(UnaryOperator<BridgeConfig> f) {
        return new SwitchConfig(bridges.stream().map(f).toList(), routers);
    }
}
