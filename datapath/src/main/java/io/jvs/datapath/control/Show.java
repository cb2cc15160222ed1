package io.jvs.datapath.control;

import java.nio.file.Path;

import io.jvs.core.bridge.BridgePort;
import io.jvs.datapath.Datapath;

/** {@code jvs show}: the configuration with each port's live state, laid out like {@code ovs-vsctl show}. */
final class Show {
    private Show() {
    }

    static String show(SwitchConfig config, Datapath datapath, Path db) {
        StringBuilder sb = new StringBuilder();
        sb.append("jvs (pid ").append(ProcessHandle.current().pid()).append(", ").append(datapath.threads())
                .append(" reactor threads, db ").append(db).append(")\n");
        for (BridgeConfig b : config.bridges()) {
            sb.append("    Bridge ").append(b.name()).append('\n');
            if (!b.vlanMap().isEmpty()) {
                sb.append("        vlan_map: ").append(String.join(", ", b.vlanMap().entrySet().stream()
                        .map(e -> e.getKey() + "<->" + e.getValue()).toList())).append('\n');
            }
            for (PortConfig p : b.ports()) {
                sb.append("        Port ").append(p.name()).append('\n');
                sb.append("            type: ").append(p.type()).append('\n');
                if (p.tag() != null) {
                    sb.append("            tag: ").append(p.tag()).append('\n');
                } else if (!p.trunks().isEmpty()) {
                    sb.append("            trunks: ").append(String.join(",",
                            p.trunks().stream().map(String::valueOf).toList())).append('\n');
                }
                if (p.netns() != null) {
                    sb.append("            netns: ").append(p.netns()).append('\n');
                }
                if (p.mac() != null) {
                    sb.append("            mac: ").append(p.mac()).append('\n');
                }
                if (p.securityOn()) {
                    sb.append("            security: on").append(p.allowed() == null ? "" : ", allowed "
                            + p.allowed()).append(", ").append(p.acl() == null ? 0 : p.acl().size())
                            .append(" rules (acl/show)\n");
                }
                if (!p.options().isEmpty()) {
                    sb.append("            options: {");
                    sb.append(String.join(", ", p.options().entrySet().stream()
                            .map(e -> e.getKey() + "=" + e.getValue()).sorted().toList()));
                    sb.append("}\n");
                }
                BridgePort live = datapath.port(p.name());
                sb.append("            state: ").append(live == null ? "absent" : Controller.stateOf(live))
                        .append('\n');
            }
        }
        return sb.toString();
    }
}
