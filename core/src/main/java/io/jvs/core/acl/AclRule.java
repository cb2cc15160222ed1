package io.jvs.core.acl;

import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

import io.jvs.core.packet.Ipv4Header;
import io.jvs.core.packet.Ipv6Header;

/**
 * One security-group rule (Neutron's model): it only allows. A rule matches a packet of its direction whose
 * ethertype, IP protocol, destination port range (TCP/UDP), ICMP type and remote address (the source for ingress,
 * the destination for egress) all match what the rule names; whatever it leaves out matches anything.
 *
 * <p>Immutable except its hit counters, which are per forwarding thread (plain writes, summed when read, like
 * {@code PortCounters}). {@link #serial} is unique in the process: connections remember the serial of the rule that
 * allowed them (the conntrack mark), so deleting the rule ends exactly those connections.
 */
public final class AclRule {
    private static final AtomicInteger SERIALS = new AtomicInteger();

    public static final int ANY = -1;

    public final String id;
    public final int serial;
    public final boolean ingress;
    /** 4 or 6. */
    public final int family;
    /** IP protocol number (ICMP is 1 for IPv4 rules, 58 for IPv6 rules), or {@link #ANY}. */
    public final int proto;
    public final int portMin;
    public final int portMax;
    public final int icmpType;
    /** Remote prefix length, or {@link #ANY} for no remote. */
    public final int remoteLen;
    public final int remote4;
    public final long remoteHi;
    public final long remoteLo;
    private final String text;
    private final long[] hits; // [thread * 8]: a cache line per thread

    private AclRule(String id, boolean ingress, int family, int proto, int portMin, int portMax, int icmpType,
            int remoteLen, int remote4, long remoteHi, long remoteLo, String remoteText, int threads) {
        this.id = id;
        this.serial = SERIALS.incrementAndGet();
        this.ingress = ingress;
        this.family = family;
        this.proto = proto;
        this.portMin = portMin;
        this.portMax = portMax;
        this.icmpType = icmpType;
        this.remoteLen = remoteLen;
        this.remote4 = remote4;
        this.remoteHi = remoteHi;
        this.remoteLo = remoteLo;
        this.hits = new long[Math.max(1, threads) * 8];
        StringBuilder b = new StringBuilder(ingress ? "ingress" : "egress");
        b.append(" ethertype=ipv").append(family);
        if (proto != ANY) {
            b.append(" proto=").append(protoName(family, proto));
        }
        if (portMin != ANY) {
            b.append(" port=").append(portMin);
            if (portMax != portMin) {
                b.append('-').append(portMax);
            }
        }
        if (icmpType != ANY) {
            b.append(" icmp_type=").append(icmpType);
        }
        if (remoteLen != ANY) {
            b.append(" remote=").append(remoteText);
        }
        b.append(" id=").append(id);
        this.text = b.toString();
    }

    private static String protoName(int family, int proto) {
        if (proto == Ipv4Header.PROTO_TCP) {
            return "tcp";
        }
        if (proto == Ipv4Header.PROTO_UDP) {
            return "udp";
        }
        if (proto == (family == 4 ? Ipv4Header.PROTO_ICMP : Ipv6Header.PROTO_ICMPV6)) {
            return "icmp";
        }
        return Integer.toString(proto);
    }

    /**
     * Parses the CLI form {@code ingress|egress [ethertype=ipv4|ipv6] [proto=tcp|udp|icmp|NUMBER] [port=MIN[-MAX]]
     * [icmp_type=T] [remote=CIDR] [id=NAME]}; {@code defaultId} names it when {@code id=} is absent.
     *
     * @throws IllegalArgumentException with a one-line reason
     */
    public static AclRule parse(List<String> words, String defaultId, int threads) {
        if (words.isEmpty() || !(words.get(0).equals("ingress") || words.get(0).equals("egress"))) {
            throw new IllegalArgumentException("a rule starts with ingress or egress");
        }
        boolean ingress = words.get(0).equals("ingress");
        String ethertype = null;
        String protoText = null;
        String portText = null;
        String icmpText = null;
        String remoteText = null;
        String id = null;
        for (String w : words.subList(1, words.size())) {
            int eq = w.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected KEY=VALUE, got '" + w + "'");
            }
            String k = w.substring(0, eq);
            String v = w.substring(eq + 1);
            String old = switch (k) {
                case "ethertype" -> { String o = ethertype; ethertype = v; yield o; }
                case "proto" -> { String o = protoText; protoText = v; yield o; }
                case "port" -> { String o = portText; portText = v; yield o; }
                case "icmp_type" -> { String o = icmpText; icmpText = v; yield o; }
                case "remote" -> { String o = remoteText; remoteText = v; yield o; }
                case "id" -> { String o = id; id = v; yield o; }
                default -> throw new IllegalArgumentException("unknown rule field '" + k
                        + "' (ethertype, proto, port, icmp_type, remote, id)");
            };
            if (old != null) {
                throw new IllegalArgumentException(k + " given twice");
            }
        }
        // Remote first: its family decides the ethertype when none is given.
        int remoteLen = ANY;
        int remote4 = 0;
        long remoteHi = 0;
        long remoteLo = 0;
        int remoteFamily = 0;
        if (remoteText != null) {
            int slash = remoteText.indexOf('/');
            String addr = slash < 0 ? remoteText : remoteText.substring(0, slash);
            remoteFamily = addr.indexOf(':') >= 0 ? 6 : 4;
            int max = remoteFamily == 4 ? 32 : 128;
            try {
                remoteLen = slash < 0 ? max : Integer.parseInt(remoteText.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("remote=" + remoteText + ": bad prefix length");
            }
            if (remoteLen < 0 || remoteLen > max) {
                throw new IllegalArgumentException("remote=" + remoteText + ": prefix length outside 0.." + max);
            }
            if (remoteFamily == 4) {
                remote4 = Ipv4Header.parseAddress(addr) & mask4(remoteLen);
            } else {
                byte[] a;
                try {
                    a = InetAddress.ofLiteral(addr).getAddress();
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("remote=" + remoteText + " is not an IPv6 prefix");
                }
                if (a.length != 16) {
                    throw new IllegalArgumentException("remote=" + remoteText + " is not an IPv6 prefix");
                }
                long hi = 0;
                long lo = 0;
                for (int i = 0; i < 8; i++) {
                    hi = hi << 8 | (a[i] & 0xff);
                    lo = lo << 8 | (a[8 + i] & 0xff);
                }
                remoteHi = hi & maskHi(remoteLen);
                remoteLo = lo & maskLo(remoteLen);
            }
        }
        int family;
        if (ethertype == null) {
            family = remoteFamily == 0 ? 4 : remoteFamily;
        } else {
            family = switch (ethertype.toLowerCase(Locale.ROOT)) {
                case "ipv4" -> 4;
                case "ipv6" -> 6;
                default -> throw new IllegalArgumentException("ethertype=" + ethertype + ": ipv4 or ipv6");
            };
            if (remoteFamily != 0 && remoteFamily != family) {
                throw new IllegalArgumentException("remote=" + remoteText + " is not an ipv" + family + " prefix");
            }
        }
        int proto = ANY;
        if (protoText != null) {
            proto = switch (protoText.toLowerCase(Locale.ROOT)) {
                case "tcp" -> Ipv4Header.PROTO_TCP;
                case "udp" -> Ipv4Header.PROTO_UDP;
                case "icmp" -> family == 4 ? Ipv4Header.PROTO_ICMP : Ipv6Header.PROTO_ICMPV6;
                default -> {
                    int n;
                    try {
                        n = Integer.parseInt(protoText);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("proto=" + protoText + ": tcp, udp, icmp or 0..255");
                    }
                    if (n < 0 || n > 255) {
                        throw new IllegalArgumentException("proto=" + protoText + ": tcp, udp, icmp or 0..255");
                    }
                    yield n;
                }
            };
        }
        boolean icmp = proto == (family == 4 ? Ipv4Header.PROTO_ICMP : Ipv6Header.PROTO_ICMPV6);
        int portMin = ANY;
        int portMax = ANY;
        if (portText != null) {
            if (proto != Ipv4Header.PROTO_TCP && proto != Ipv4Header.PROTO_UDP) {
                throw new IllegalArgumentException("port= needs proto=tcp or proto=udp");
            }
            int dash = portText.indexOf('-');
            try {
                portMin = Integer.parseInt(dash < 0 ? portText : portText.substring(0, dash));
                portMax = dash < 0 ? portMin : Integer.parseInt(portText.substring(dash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("port=" + portText + ": MIN or MIN-MAX, 1..65535");
            }
            if (portMin < 1 || portMax > 65535 || portMin > portMax) {
                throw new IllegalArgumentException("port=" + portText + ": MIN or MIN-MAX, 1..65535");
            }
        }
        int icmpType = ANY;
        if (icmpText != null) {
            if (!icmp) {
                throw new IllegalArgumentException("icmp_type= needs proto=icmp");
            }
            try {
                icmpType = Integer.parseInt(icmpText);
            } catch (NumberFormatException e) {
                icmpType = -2;
            }
            if (icmpType < 0 || icmpType > 255) {
                throw new IllegalArgumentException("icmp_type=" + icmpText + ": 0..255");
            }
        }
        if (id == null) {
            id = defaultId;
        }
        if (!id.matches("[A-Za-z0-9_.:@-]{1,64}")) {
            throw new IllegalArgumentException("id=" + id + ": 1-64 of letters, digits, _ . : @ -");
        }
        String canonicalRemote = null;
        if (remoteLen != ANY) {
            canonicalRemote = family == 4 ? Ipv4Header.formatAddress(remote4) + "/" + remoteLen
                    : formatV6(remoteHi, remoteLo) + "/" + remoteLen;
        }
        return new AclRule(id, ingress, family, proto, portMin, portMax, icmpType, remoteLen, remote4, remoteHi,
                remoteLo, canonicalRemote, threads);
    }

    /** Parses the canonical text {@link #toString} gives (what the db stores). */
    public static AclRule parse(String text, int threads) {
        return parse(List.of(text.trim().split("\\s+")), "rule", threads);
    }

    /** RFC 5952 text: lower case, no leading zeros, the longest run (of two or more) of zero groups as "::". */
    static String formatV6(long hi, long lo) {
        int[] g = new int[8];
        for (int i = 0; i < 4; i++) {
            g[i] = (int) (hi >>> (48 - 16 * i)) & 0xffff;
            g[4 + i] = (int) (lo >>> (48 - 16 * i)) & 0xffff;
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                b.append("::");
                i += bestLen - 1;
                continue;
            }
            if (b.length() > 0 && b.charAt(b.length() - 1) != ':') {
                b.append(':');
            }
            b.append(Integer.toHexString(g[i]));
        }
        return b.toString();
    }

    static int mask4(int len) {
        return len == 0 ? 0 : -1 << (32 - len);
    }

    static long maskHi(int len) {
        return len >= 64 ? -1L : len == 0 ? 0 : -1L << (64 - len);
    }

    static long maskLo(int len) {
        return len <= 64 ? 0 : len == 128 ? -1L : -1L << (128 - len);
    }

    /**
     * Whether this rule allows a packet. {@code port} is the TCP/UDP destination port (0 when unknown, e.g. a
     * non-first fragment), {@code type} the ICMP type (-1 when not ICMP); {@code r4} / {@code rHi, rLo} the remote
     * address of the packet's family.
     */
    public boolean matches(int fam, int pr, int port, int type, int r4, long rHi, long rLo) {
        if (fam != family || (proto != ANY && pr != proto)) {
            return false;
        }
        if (portMin != ANY && (port < portMin || port > portMax)) {
            return false;
        }
        if (icmpType != ANY && type != icmpType) {
            return false;
        }
        if (remoteLen != ANY) {
            if (fam == 4) {
                return (r4 & mask4(remoteLen)) == remote4;
            }
            return (rHi & maskHi(remoteLen)) == remoteHi && (rLo & maskLo(remoteLen)) == remoteLo;
        }
        return true;
    }

    /** Counts a hit on forwarding thread {@code thread}; a negative thread (a trace) counts nothing. */
    void hit(int thread) {
        if (thread >= 0) {
            hits[thread * 8]++;
        }
    }

    /** New connections (or untracked packets) this rule allowed, over all threads. */
    public long hits() {
        long sum = 0;
        for (int i = 0; i < hits.length; i += 8) {
            sum += hits[i];
        }
        return sum;
    }

    /** Same match as {@code other} (ids and counters aside). */
    public boolean sameMatch(AclRule other) {
        return text.substring(0, text.lastIndexOf(" id=")).equals(other.text.substring(0, other.text.lastIndexOf(" id=")));
    }

    /** The canonical CLI form, with the id: what {@code acl/show} prints and the db stores. */
    @Override
    public String toString() {
        return text;
    }
}
