package io.jvs.datapath.control;

import java.util.List;
import java.util.Map;

import io.jvs.datapath.linux.Inet4;
import io.jvs.datapath.tunnel.TunnelKind;
import io.jvs.datapath.tunnel.TunnelPort;
import io.jvs.tunnel.VxlanHeader;

/**
 * The settings of a {@code type=gre|vxlan} port, parsed and checked from its {@code options:} (Open vSwitch's
 * names): {@code remote_ip} (required), {@code local_ip} (default: any; the kernel picks the source by route),
 * {@code key} (a number, or {@code flow} for the bridge's VLAN map; default none: no GRE key, VNI 0), {@code csum}
 * and {@code seq} (GRE checksum and sequence numbers on egress), {@code dst_port} (VXLAN, default 4789).
 */
public record TunnelOptions(TunnelKind kind, int remote, int local, long key, boolean checksum, boolean sequence,
        int dstPort) {

    /** The option names a tunnel port accepts, as the CLI spells them. */
    public static final List<String> NAMES = List.of("remote_ip", "local_ip", "key", "csum", "seq", "dst_port");

    /** Parses a stored or proposed port; IllegalArgumentException with a one-line reason when it is not valid. */
    public static TunnelOptions of(PortConfig pc) {
        return parse(pc.type(), pc.options());
    }

    public static TunnelOptions parse(String type, Map<String, String> options) {
        TunnelKind kind = TunnelKind.ofType(type);
        if (kind == null) {
            throw new IllegalArgumentException("port type " + type + " is not a tunnel");
        }
        for (String k : options.keySet()) {
            if (!NAMES.contains(k)) {
                throw new IllegalArgumentException("options:" + k + " does not apply to " + type + " ports");
            }
        }
        String remoteText = options.get("remote_ip");
        if (remoteText == null) {
            throw new IllegalArgumentException(type + " port needs options:remote_ip=IP");
        }
        int remote = address("remote_ip", remoteText);
        if (remote == 0 || (remote >>> 28) >= 14 || (remote >>> 24) == 127) {
            throw new IllegalArgumentException("options:remote_ip=" + remoteText
                    + " is not a unicast address of another host");
        }
        int local = options.containsKey("local_ip") ? address("local_ip", options.get("local_ip")) : 0;
        long key = TunnelPort.NO_KEY;
        String keyText = options.get("key");
        if (keyText != null) {
            if (keyText.equals("flow")) {
                key = TunnelPort.FLOW;
            } else {
                long max = kind == TunnelKind.VXLAN ? VxlanHeader.MAX_VNI : 0xffff_ffffL;
                try {
                    key = Long.parseLong(keyText);
                } catch (NumberFormatException e) {
                    key = -3;
                }
                if (key < 0 || key > max) {
                    throw new IllegalArgumentException("options:key=" + keyText + " is neither flow nor a number in 0.."
                            + max);
                }
            }
        }
        boolean csum = bool("csum", options.get("csum"));
        boolean seq = bool("seq", options.get("seq"));
        if (kind == TunnelKind.VXLAN && (csum || seq)) {
            throw new IllegalArgumentException("options:csum and options:seq apply to gre ports only");
        }
        int dstPort = VxlanHeader.DEFAULT_PORT;
        String portText = options.get("dst_port");
        if (portText != null) {
            if (kind != TunnelKind.VXLAN) {
                throw new IllegalArgumentException("options:dst_port applies to vxlan ports only");
            }
            try {
                dstPort = Integer.parseInt(portText);
            } catch (NumberFormatException e) {
                dstPort = -1;
            }
            if (dstPort < 1 || dstPort > 65535) {
                throw new IllegalArgumentException("options:dst_port=" + portText + " is not a port in 1..65535");
            }
        }
        return new TunnelOptions(kind, remote, local, key, csum, seq, kind == TunnelKind.VXLAN ? dstPort : 0);
    }

    private static int address(String name, String text) {
        try {
            return Inet4.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("options:" + name + "=" + text + " is not an IPv4 address");
        }
    }

    private static boolean bool(String name, String text) {
        if (text == null || text.equals("false")) {
            return false;
        }
        if (text.equals("true")) {
            return true;
        }
        throw new IllegalArgumentException("options:" + name + "=" + text + " must be true or false");
    }
}
