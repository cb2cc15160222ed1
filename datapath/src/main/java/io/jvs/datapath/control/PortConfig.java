package io.jvs.datapath.control;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One port as the db stores it and the CLI describes it. {@code tag} and {@code trunks} are exclusive; neither means
 * a trunk for every VLAN. {@code netns} and {@code mac} apply to internal ports, {@code options} holds
 * {@code peer} for patch ports, the tunnel settings ({@link TunnelOptions}) for gre and vxlan ports, and
 * {@code router} and {@code ip} (CIDR) for router legs ({@code type=router}, whose {@code mac} is always stored).
 *
 * <p>Security groups ({@link AclCommands}): {@code security} is true when filtering is on; {@code allowed} the port
 * security list {@code MAC,IP,...}; {@code acl} the rules in their canonical CLI form, null when the port never had
 * rules configured (it then gets the default group's egress rules), possibly empty once configured. All three are
 * absent from db files written before them, which load as a port without security.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record PortConfig(String name, String type, Integer tag, List<Integer> trunks, String netns, String mac,
        Map<String, String> options, Boolean security, String allowed,
        @JsonInclude(JsonInclude.Include.NON_NULL) List<String> acl) {

    public static final String SYSTEM = "system", INTERNAL = "internal", PATCH = "patch", GRE = "gre",
            VXLAN = "vxlan", ROUTER = "router";

    public PortConfig {
        trunks = trunks == null ? List.of() : List.copyOf(trunks);
        options = options == null ? Map.of() : Map.copyOf(options);
        acl = acl == null ? null : List.copyOf(acl);
        security = Boolean.TRUE.equals(security) ? Boolean.TRUE : null;
    }

    public PortConfig(String name, String type, Integer tag, List<Integer> trunks, String netns, String mac,
            Map<String, String> options) {
        this(name, type, tag, trunks, netns, mac, options, null, null, null);
    }

    public PortConfig withVlan(Integer newTag, List<Integer> newTrunks) {
        return new PortConfig(name, type, newTag, newTrunks, netns, mac, options, security, allowed, acl);
    }

    public PortConfig withSecurity(boolean on, String newAllowed, List<String> newAcl) {
        return new PortConfig(name, type, tag, trunks, netns, mac, options, on, newAllowed, newAcl);
    }

    public boolean securityOn() {
        return Boolean.TRUE.equals(security);
    }

    public String peer() {
        return options.get("peer");
    }
}
