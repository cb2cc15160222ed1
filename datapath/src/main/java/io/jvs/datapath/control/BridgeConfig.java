package io.jvs.datapath.control;

import java.util.List;

/** One bridge as the db stores it: its name and its ports in the order they were added. */
public record BridgeConfig(String name, List<PortConfig> ports) {
    public BridgeConfig {
        ports = ports == null ? List.of() : List.copyOf(ports);
    }
}
