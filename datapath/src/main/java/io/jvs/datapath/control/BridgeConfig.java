package io.jvs.datapath.control;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

import io.jvs.core.bridge.VlanKeyMap;

/**
 * One bridge as the db stores it: its name, its ports in the order they were added, and its local VLAN to tunnel
 * key map ({@code add-vlan-map}).
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record BridgeConfig(String name, List<PortConfig> ports, Map<Integer, Long> vlanMap) {
    public BridgeConfig {
        ports = ports == null ? List.of() : List.copyOf(ports);
        vlanMap = vlanMap == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(vlanMap));
    }

    public BridgeConfig(String name, List<PortConfig> ports) {
        this(name, ports, Map.of());
    }

    public BridgeConfig withPorts(List<PortConfig> newPorts) {
        return new BridgeConfig(name, newPorts, vlanMap);
    }

    /** This bridge with VLAN {@code vlan} mapped to {@code key}, or unmapped when {@code key} is negative. */
    public BridgeConfig withVlanMapping(int vlan, long key) {
        TreeMap<Integer, Long> next = new TreeMap<>(vlanMap);
        if (key < 0) {
            next.remove(vlan);
        } else {
            next.put(vlan, key);
        }
        return new BridgeConfig(name, ports, next);
    }

    /** The map as the datapath's bridges use it (validated: one key per VLAN and one VLAN per key). */
    @JsonIgnore
    public VlanKeyMap vlanKeyMap() {
        VlanKeyMap m = VlanKeyMap.EMPTY;
        for (Map.Entry<Integer, Long> e : vlanMap.entrySet()) {
            m = m.with(e.getKey(), e.getValue());
        }
        return m;
    }
}
