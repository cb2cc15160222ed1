package io.jvs.core.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The reference model of one port's security group and port security ({@code security=on}), for IPv4, written from
 * the README's semantics for obvious correctness: frames are byte arrays, the rules a list walked in order, the
 * connections a map from a 5-tuple to the rule that opened them. {@link #egress} judges a frame from the VM (received
 * on the port), {@link #ingress} a frame to it; both return null (pass) or the drop counter's name.
 *
 * <ul>
 *   <li>Port security (with {@link #allowedMac} set): another source MAC is {@code spoofed_mac}; ARP that is not
 *       Ethernet/IPv4, or whose sender MAC is not the port's, or whose sender IP is neither 0.0.0.0 nor allowed, is
 *       {@code spoofed_arp}; an IPv4 source not allowed is {@code spoofed_ip}, except 0.0.0.0 in a DHCP request
 *       (UDP 68 -> 67).</li>
 *   <li>Always: DHCP server replies (UDP 67 -> 68) from the VM are {@code dhcp_server}; DHCP requests out and server
 *       replies in pass; ARP in passes, and out passes when no addresses are enforced.</li>
 *   <li>IPv4: a header that is short, not version 4 or whose length field points past the frame is denied
 *       ({@code sg_egress} / {@code sg_ingress}). TCP, UDP and ICMP echo packets belong to a connection when their
 *       5-tuple (the echo identifier as both ports) or its reverse is known: they pass. Otherwise the rules of the
 *       direction are walked; the first that matches allows, and a TCP SYN (no ACK, RST, FIN), any UDP packet or an
 *       echo request also opens a connection, marked with the rule. A TCP or UDP header cut short is denied. ICMP
 *       errors (types 3, 11, 12) quoting a known connection pass (related); other errors, other ICMP types, other
 *       protocols and fragments are judged by the rules alone, packet by packet, without ports.</li>
 *   <li>Other ethertypes are denied; IPv6 is outside this model (its generators never build a valid IPv6 header:
 *       one would fail the comparison loudly rather than pass by accident).</li>
 * </ul>
 * Deleting a rule ends the connections it opened; turning security off forgets every connection.
 */
public final class ModelSecurity {
    /** One rule: -1 means "not given" for every field; {@code remote} indexes {@link #PREFIXES}. */
    public record Rule(int serial, boolean ingress, int proto, int portMin, int portMax, int icmpType, int remote) {
        /** The CLI text of the rule, for {@code AclRule.parse}. */
        public String text() {
            StringBuilder b = new StringBuilder(ingress ? "ingress" : "egress").append(" ethertype=ipv4");
            if (proto >= 0) {
                b.append(" proto=").append(proto == 6 ? "tcp" : proto == 17 ? "udp" : proto == 1 ? "icmp"
                        : Integer.toString(proto));
            }
            if (portMin >= 0) {
                b.append(" port=").append(portMin).append('-').append(portMax);
            }
            if (icmpType >= 0) {
                b.append(" icmp_type=").append(icmpType);
            }
            if (remote >= 0) {
                b.append(" remote=").append(PREFIXES[remote]);
            }
            return b.append(" id=m").append(serial).toString();
        }

        boolean allows(boolean in, int packetProto, int port, int type, int remoteAddress) {
            if (in != ingress || (proto >= 0 && proto != packetProto)) {
                return false;
            }
            if (portMin >= 0 && (port < portMin || port > portMax)) {
                return false;
            }
            if (icmpType >= 0 && type != icmpType) {
                return false;
            }
            return remote < 0 || inPrefix(PREFIXES[remote], remoteAddress);
        }
    }

    public static final String[] PREFIXES = {"10.0.0.0/24", "10.0.0.0/16", "10.0.1.7/32", "192.168.0.0/16",
        "0.0.0.0/0"};

    /** The configuration, kept while security is off (as the daemon keeps it in the db). */
    public final List<Rule> rules = new ArrayList<>();
    public long allowedMac = -1;
    public Set<Integer> allowedIps = Set.of();
    public boolean on;
    /** Open connections: "proto src:port>dst:port" of the first packet, to the serial of the rule that allowed it. */
    private final Map<String, Integer> connections = new HashMap<>();
    /** How often each path was taken (verdict names and pass paths), for the properties' coverage statistics. */
    public final Map<String, Integer> paths = new HashMap<>();

    private String path(String name, String verdict) {
        paths.merge(name, 1, Integer::sum);
        return verdict;
    }

    public void setOn(boolean on) {
        if (on != this.on) {
            connections.clear();
        }
        this.on = on;
    }

    public void delete(Rule r) {
        rules.remove(r);
        if (connections.values().removeIf(serial -> serial == r.serial)) {
            path("connections ended", null);
        }
    }

    public int connections() {
        return connections.size();
    }

    // ---- the verdicts ----

    public String egress(byte[] f) {
        if (allowedMac >= 0 && ReferenceSwitch.mac(f, 6) != allowedMac) {
            return path("spoofed_mac", "spoofed_mac");
        }
        return switch (ReferenceSwitch.u16(f, 12)) {
            case 0x0806 -> arpFromVm(f);
            case 0x0800 -> ipv4(f, false);
            case 0x86dd -> ipv6(f, "sg_egress");
            default -> "sg_egress";
        };
    }

    public String ingress(byte[] f) {
        return switch (ReferenceSwitch.u16(f, 12)) {
            case 0x0806 -> null;
            case 0x0800 -> ipv4(f, true);
            case 0x86dd -> ipv6(f, "sg_ingress");
            default -> "sg_ingress";
        };
    }

    private String arpFromVm(byte[] f) {
        if (allowedMac < 0) {
            return null;
        }
        if (f.length - 14 < 28 || ReferenceSwitch.u16(f, 14) != 1 || ReferenceSwitch.u16(f, 16) != 0x0800
                || f[18] != 6 || f[19] != 4 || ReferenceSwitch.mac(f, 22) != allowedMac) {
            return path("spoofed_arp", "spoofed_arp");
        }
        int senderIp = u32(f, 28);
        return senderIp == 0 || allowedIps.contains(senderIp) ? path("arp checked", null) : path("spoofed_arp", "spoofed_arp");
    }

    private static String ipv6(byte[] f, String deny) {
        if (f.length - 14 < 40 || (f[14] & 0xff) >>> 4 != 6) {
            return deny;
        }
        throw new IllegalStateException("the model does not cover IPv6: " + ReferenceSwitch.hex(f));
    }

    /** A parsed IPv4 packet: what a conntrack key and a rule look at. */
    private static final class Tuple {
        String kind; // ok, truncated, fragment, icmp_error, untracked
        int proto;
        int src;
        int dst;
        int srcPort;
        int dstPort;
        int tcpFlags;
        int icmpType = -1;
        int l4;

        String key() {
            return proto + " " + src + ":" + srcPort + ">" + dst + ":" + dstPort;
        }

        String reverseKey() {
            return proto + " " + dst + ":" + dstPort + ">" + src + ":" + srcPort;
        }
    }

    private String ipv4(byte[] f, boolean in) {
        String deny = in ? "sg_ingress" : "sg_egress";
        int l3len = f.length - 14;
        if (l3len < 20 || (f[14] & 0xff) >>> 4 != 4) {
            return deny;
        }
        int ihl = (f[14] & 0xf) * 4;
        if (ihl < 20 || ihl > l3len) {
            return deny;
        }
        Tuple t = parse(f, 14, l3len, false);
        boolean udp = t.kind.equals("ok") && t.proto == 17;
        if (!in && allowedMac >= 0 && !allowedIps.contains(t.src)
                && !(t.src == 0 && udp && t.srcPort == 68 && t.dstPort == 67)) {
            return path("spoofed_ip", "spoofed_ip");
        }
        if (udp) {
            if (!in && t.srcPort == 67 && t.dstPort == 68) {
                return path("dhcp_server", "dhcp_server");
            }
            if (in ? t.srcPort == 67 && t.dstPort == 68 : t.srcPort == 68 && t.dstPort == 67) {
                return path("dhcp passed", null);
            }
        }
        int remote = in ? t.src : t.dst;
        switch (t.kind) {
            case "ok" -> {
                if (known(t)) {
                    return path("established", null);
                }
                Rule r = firstAllowing(in, t.proto, t.dstPort, t.icmpType, remote);
                if (r == null) {
                    return path("denied new", deny);
                }
                boolean opens = switch (t.proto) {
                    case 6 -> (t.tcpFlags & 0x17) == 0x02; // SYN without ACK, RST, FIN
                    case 17 -> true;
                    default -> t.icmpType == 8;
                };
                if (opens) {
                    connections.put(t.key(), r.serial);
                    return path("opened", null);
                }
                return path("allowed untracked", null);
            }
            case "icmp_error" -> {
                int inner = t.l4 + 8;
                Tuple e = parse(f, inner, l3len - (inner - 14), true);
                if (e.kind.equals("ok") && known(e)) {
                    return path("related", null);
                }
                return firstAllowing(in, t.proto, 0, t.icmpType, remote) == null ? path("denied stateless", deny)
                        : path("allowed stateless", null);
            }
            case "truncated" -> {
                return path("truncated", deny);
            }
            default -> {
                return firstAllowing(in, t.proto, t.dstPort, t.icmpType, remote) == null ? path("denied stateless", deny)
                        : path("allowed stateless", null);
            }
        }
    }

    private boolean known(Tuple t) {
        return connections.containsKey(t.key()) || connections.containsKey(t.reverseKey());
    }

    private Rule firstAllowing(boolean in, int proto, int port, int type, int remote) {
        for (Rule r : rules) {
            if (r.allows(in, proto, port, type, remote)) {
                return r;
            }
        }
        return null;
    }

    /** The IPv4 packet at {@code ip} with {@code available} bytes, or the datagram an ICMP error quotes. */
    private static Tuple parse(byte[] f, int ip, int available, boolean quoted) {
        Tuple t = new Tuple();
        if (quoted && (available < 20 || (f[ip] & 0xff) >>> 4 != 4)) {
            t.kind = "truncated";
            return t;
        }
        int ihl = (f[ip] & 0xf) * 4;
        if (quoted && (ihl < 20 || available < ihl + 8)) {
            t.kind = "truncated";
            return t;
        }
        t.proto = f[ip + 9] & 0xff;
        t.src = u32(f, ip + 12);
        t.dst = u32(f, ip + 16);
        t.l4 = ip + ihl;
        int fragment = ReferenceSwitch.u16(f, ip + 6);
        if ((fragment & (quoted ? 0x1fff : 0x3fff)) != 0) { // a quoted first fragment (MF only) still has ports
            t.kind = "fragment";
            return t;
        }
        int l4len = available - ihl;
        int l4 = t.l4;
        switch (t.proto) {
            case 6, 17 -> {
                if (l4len < (t.proto == 17 || quoted ? 8 : 20)) {
                    t.kind = "truncated";
                    return t;
                }
                t.srcPort = ReferenceSwitch.u16(f, l4);
                t.dstPort = ReferenceSwitch.u16(f, l4 + 2);
                t.tcpFlags = t.proto == 6 && l4len > 13 ? f[l4 + 13] & 0xff : 0;
                t.kind = "ok";
            }
            case 1 -> {
                if (l4len < 8) {
                    t.kind = "truncated";
                    return t;
                }
                t.icmpType = f[l4] & 0xff;
                if (t.icmpType == 0 || t.icmpType == 8) {
                    t.srcPort = ReferenceSwitch.u16(f, l4 + 4);
                    t.dstPort = t.srcPort;
                    t.kind = "ok";
                } else {
                    t.kind = !quoted && (t.icmpType == 3 || t.icmpType == 11 || t.icmpType == 12) ? "icmp_error"
                            : "untracked";
                }
            }
            default -> t.kind = "untracked";
        }
        return t;
    }

    static int u32(byte[] f, int off) {
        return (f[off] & 0xff) << 24 | (f[off + 1] & 0xff) << 16 | (f[off + 2] & 0xff) << 8 | (f[off + 3] & 0xff);
    }

    static boolean inPrefix(String cidr, int address) {
        int slash = cidr.indexOf('/');
        int len = Integer.parseInt(cidr.substring(slash + 1));
        String[] q = cidr.substring(0, slash).split("\\.");
        long net = 0;
        for (String x : q) {
            net = net << 8 | Integer.parseInt(x);
        }
        long a = Integer.toUnsignedLong(address);
        return len == 0 || (net >>> (32 - len)) == (a >>> (32 - len));
    }
}
