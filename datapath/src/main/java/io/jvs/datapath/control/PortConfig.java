package io.jvs.datapath.control;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One port as the db stores it and the CLI describes it. {@code tag} and {@code trunks} are exclusive; neither means
 * a trunk for every VLAN. {@code netns} and {@code mac} apply to internal ports, {@code options} holds
 * {@code peer} for patch ports, the tunnel settings ({@link TunnelOptions}) for gre and vxlan ports, and
 * {@code router} and {@code ip} (CIDR) for router legs ({@code type=router}, whose {@code mac} is always stored).
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record PortConfig(String name, String type, Integer tag, List<Integer> trunks, String netns, String mac,
        Map<String, String> options) {

    public static final String SYSTEM = "system", INTERNAL = "internal", PATCH = "patch", GRE = "gre",
            VXLAN = "vxlan", ROUTER = "router";

    public PortConfig {
        trunks = trunks == null ? List.of() : List.copyOf(trunks);
        options = options == null ? Map.of() : Map.copyOf(options);
    }

    public PortConfig withVlan(Integer newTag, List<Integer> newTrunks) {
        return new PortConfig(name, type, newTag, newTrunks, netns, mac, options);
    }

    public String peer() {
        return options.get("peer");
    }
}
