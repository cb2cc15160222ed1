package io.jvs.core.acl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import io.jvs.core.bridge.Bridge;
import io.jvs.core.bridge.BridgePort;
import io.jvs.core.bridge.DropReason;
import io.jvs.core.bridge.FlowCache;
import io.jvs.core.bridge.Forwarder;
import io.jvs.core.bridge.MemoryPort;

import org.agrona.concurrent.UnsafeBuffer;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * For random rule sets and random first packets of connections (both directions, IPv4 and IPv6, TCP, UDP, ICMP and
 * another protocol, addresses inside and outside the rules' prefixes, ports at the range edges), the datapath's
 * verdict (was the frame delivered?) equals a plain evaluation of the rules written here from the CLI semantics, and
 * the counters agree. Two switches run side by side, with and without the flow cache; ingress packets are decided
 * on the filter's owner thread or on another one at random. A fresh source port (or ICMP id) per packet keeps
 * conntrack out of the verdict; the stateful part is checked by {@link #repliesOfAllowedConnectionsPass}.
 */
class AclVerdictProperties {
    static final long MA = 0x02_00_00_00_00_0aL, MB = 0x02_00_00_00_00_0bL;
    static final int[] V4 = {Packets.ip(10, 0, 0, 1), Packets.ip(10, 0, 0, 2), Packets.ip(10, 0, 1, 7),
        Packets.ip(192, 168, 1, 1), Packets.ip(172, 16, 0, 9)};
    static final String[] V4_PREFIXES = {"10.0.0.0/24", "10.0.0.0/16", "10.0.1.7/32", "192.168.0.0/16", "0.0.0.0/0",
        "172.16.0.0/12"};
    static final long V6_HI = 0xfd00_0000_0000_0000L;
    static final long[][] V6 = {{V6_HI, 1}, {V6_HI, 2}, {V6_HI | 0x1_0000_0000L, 3}, {0x2001_0db8_0000_0000L, 4}};
    static final String[] V6_PREFIXES = {"fd00::/16", "fd00::/64", "fd00::2/128", "2001:db8::/32", "::/0"};
    static final int[] PROTOS = {Packets.TCP, Packets.UDP, Packets.ICMP, 47};
    static final int[] PORTS = {1, 22, 80, 443, 1000, 1023, 1024, 5000, 65535};

    /** A rule as the property generates it: indexes into the tables above, -1 for "not given". */
    record RuleSpec(boolean ingress, int family, int proto, int portMin, int portMax, int icmpType, int remote) {
        String text(int n) {
            StringBuilder b = new StringBuilder(ingress ? "ingress" : "egress");
            b.append(" ethertype=ipv").append(family);
            if (proto >= 0) {
                b.append(" proto=").append(proto == Packets.TCP ? "tcp" : proto == Packets.UDP ? "udp"
                        : proto == Packets.ICMP ? "icmp" : Integer.toString(proto));
            }
            if (portMin >= 0 && (proto == Packets.TCP || proto == Packets.UDP)) {
                b.append(" port=").append(portMin).append('-').append(portMax);
            }
            if (icmpType >= 0 && proto == Packets.ICMP) {
                b.append(" icmp_type=").append(icmpType);
            }
            if (remote >= 0) {
                b.append(" remote=").append(family == 4 ? V4_PREFIXES[remote % V4_PREFIXES.length]
                        : V6_PREFIXES[remote % V6_PREFIXES.length]);
            }
            return b.append(" id=r").append(n).toString();
        }
    }

    /** A first packet: direction, family, protocol, remote host (index), destination port, ICMP type. */
    record PacketSpec(boolean ingress, int family, int proto, int remote, int dstPort, int icmpType, boolean otherThread) {}

    @Provide
    Arbitrary<List<RuleSpec>> rules() {
        Arbitrary<RuleSpec> rule = Combinators.combine(
                Arbitraries.of(true, false), Arbitraries.of(4, 6),
                Arbitraries.integers().between(-1, PROTOS.length - 1).map(i -> i < 0 ? -1 : PROTOS[i]),
                Arbitraries.integers().between(-1, PORTS.length - 1),
                Arbitraries.integers().between(0, PORTS.length - 1),
                Arbitraries.integers().between(-1, 3).map(i -> i < 0 ? -1 : new int[] {0, 3, 8, 128}[i]),
                Arbitraries.integers().between(-1, 5))
                .as((in, fam, proto, lo, hi, icmp, remote) -> {
                    int a = lo < 0 ? -1 : PORTS[Math.min(lo, hi)];
                    int b = lo < 0 ? -1 : PORTS[Math.max(lo, hi)];
                    return new RuleSpec(in, fam, proto, a, b, icmp, remote);
                });
        return rule.list().ofMinSize(0).ofMaxSize(6);
    }

    @Provide
    Arbitrary<List<PacketSpec>> packets() {
        Arbitrary<PacketSpec> p = Combinators.combine(
                Arbitraries.of(true, false), Arbitraries.of(4, 6),
                Arbitraries.integers().between(0, PROTOS.length - 1).map(i -> PROTOS[i]),
                Arbitraries.integers().between(0, 4),
                Arbitraries.integers().between(0, PORTS.length - 1).map(i -> PORTS[i]),
                Arbitraries.of(0, 3, 8, 11, 128, 129),
                Arbitraries.of(true, false))
                .as(PacketSpec::new);
        return p.list().ofMinSize(1).ofMaxSize(30);
    }

    // ---- the reference: the rules' meaning, written out plainly ----

    static boolean prefixMatches4(String cidr, int address) {
        int slash = cidr.indexOf('/');
        int len = Integer.parseInt(cidr.substring(slash + 1));
        long net = Integer.toUnsignedLong(io.jvs.core.packet.Ipv4Header.parseAddress(cidr.substring(0, slash)));
        long a = Integer.toUnsignedLong(address);
        return len == 0 || (net >>> (32 - len)) == (a >>> (32 - len));
    }

    static boolean prefixMatches6(String cidr, long hi, long lo) {
        int slash = cidr.indexOf('/');
        int len = Integer.parseInt(cidr.substring(slash + 1));
        byte[] net = java.net.InetAddress.ofLiteral(cidr.substring(0, slash)).getAddress();
        byte[] a = ByteBuffer.allocate(16).putLong(hi).putLong(lo).array();
        for (int bit = 0; bit < len; bit++) {
            if (((net[bit / 8] >> (7 - bit % 8)) & 1) != ((a[bit / 8] >> (7 - bit % 8)) & 1)) {
                return false;
            }
        }
        return true;
    }

    static boolean reference(List<RuleSpec> rules, PacketSpec p) {
        int proto = p.proto() == Packets.ICMP && p.family() == 6 ? Packets.ICMPV6 : p.proto();
        for (RuleSpec r : rules) {
            if (r.ingress() != p.ingress() || r.family() != p.family()) {
                continue;
            }
            int ruleProto = r.proto() == Packets.ICMP && r.family() == 6 ? Packets.ICMPV6 : r.proto();
            if (ruleProto >= 0 && ruleProto != proto) {
                continue;
            }
            boolean ported = r.proto() == Packets.TCP || r.proto() == Packets.UDP;
            if (ported && r.portMin() >= 0 && (p.dstPort() < r.portMin() || p.dstPort() > r.portMax())) {
                continue;
            }
            if (r.proto() == Packets.ICMP && r.icmpType() >= 0 && p.icmpType() != r.icmpType()) {
                continue;
            }
            if (r.remote() >= 0) {
                boolean in = p.family() == 4
                        ? prefixMatches4(V4_PREFIXES[r.remote() % V4_PREFIXES.length], V4[p.remote()])
                        : prefixMatches6(V6_PREFIXES[r.remote() % V6_PREFIXES.length], V6[p.remote() % V6.length][0],
                                V6[p.remote() % V6.length][1]);
                if (!in) {
                    continue;
                }
            }
            return true;
        }
        return false;
    }

    // ---- the switch ----

    static final class World {
        final Forwarder owner;
        final Forwarder other;
        final Bridge br = new Bridge("br0");
        final MemoryPort a = new MemoryPort("a", 2);
        final MemoryPort b = new MemoryPort("b", 2);
        final PortFilter filter = new PortFilter("a", 2, 4096);
        final UnsafeBuffer buf = new UnsafeBuffer(ByteBuffer.allocateDirect(2048));

        World(int cacheEntries, List<AclRule> rules) {
            owner = new Forwarder(0, cacheEntries);
            other = new Forwarder(1, cacheEntries);
            br.setOwner(0, Runnable::run, () -> 0L);
            br.addPort(a);
            br.addPort(b);
            filter.setOwner(0, r -> { }, () -> 0L); // the owner drains when it next filters
            filter.setRules(rules);
            a.setFilter(filter);
            send(owner, a, Packets.arp(MB, MA, 1, MA, V4[0], 0, V4[1])); // learn both MACs: unicast, no flood
            send(owner, b, Packets.arp(MA, MB, 2, MB, V4[1], MA, V4[0]));
            a.drain();
            b.drain();
        }

        void send(Forwarder f, BridgePort in, byte[] frame) {
            int vnet = Forwarder.HEADROOM;
            buf.setMemory(vnet, 10, (byte) 0);
            buf.putBytes(vnet + 10, frame);
            f.receive(in, buf, vnet, frame.length + 10, -1, 1_000);
            f.flush();
        }

        /** Sends the packet and says whether it was delivered. */
        boolean deliver(PacketSpec p, int srcPort) {
            byte[] frame = frame(p, srcPort);
            if (p.ingress()) {
                send(p.otherThread() ? other : owner, b, frame);
                return !a.drain().isEmpty();
            }
            send(owner, a, frame);
            return !b.drain().isEmpty();
        }
    }

    static byte[] frame(PacketSpec p, int srcPort) {
        long dstMac = p.ingress() ? MA : MB;
        long srcMac = p.ingress() ? MB : MA;
        if (p.family() == 4) {
            int local = V4[0];
            int remote = V4[p.remote()];
            int src = p.ingress() ? remote : local;
            int dst = p.ingress() ? local : remote;
            return switch (p.proto()) {
                case Packets.TCP -> Packets.tcp(dstMac, srcMac, src, dst, srcPort, p.dstPort(), Packets.SYN);
                case Packets.UDP -> Packets.udp(dstMac, srcMac, src, dst, srcPort, p.dstPort());
                case Packets.ICMP -> Packets.icmp(dstMac, srcMac, src, dst, p.icmpType(), srcPort);
                default -> Packets.ipProto(dstMac, srcMac, src, dst, p.proto());
            };
        }
        long[] local = V6[0];
        long[] remote = V6[p.remote() % V6.length];
        long[] src = p.ingress() ? remote : local;
        long[] dst = p.ingress() ? local : remote;
        int proto = p.proto() == Packets.ICMP ? Packets.ICMPV6 : p.proto();
        return Packets.ipv6(dstMac, srcMac, src[0], src[1], dst[0], dst[1], proto, srcPort, p.dstPort(), p.icmpType());
    }

    static List<AclRule> compile(List<RuleSpec> specs) {
        List<AclRule> rules = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            rules.add(AclRule.parse(specs.get(i).text(i), 2));
        }
        return rules;
    }

    @Property(tries = 400)
    void verdictEqualsThePlainEvaluationOfTheRules(@ForAll("rules") List<RuleSpec> specs,
            @ForAll("packets") List<PacketSpec> packets) {
        World cached = new World(FlowCache.DEFAULT_ENTRIES, compile(specs));
        World uncached = new World(0, compile(specs));
        long expectIn = 0;
        long expectOut = 0;
        for (int i = 0; i < packets.size(); i++) {
            PacketSpec p = packets.get(i);
            int srcPort = (p.ingress() ? 40000 : 20000) + i; // a new connection every time
            boolean expected = reference(specs, p);
            assertEquals(expected, cached.deliver(p, srcPort), "packet " + i + " " + p + " rules " + specs);
            assertEquals(expected, uncached.deliver(p, srcPort), "packet " + i + " without cache");
            if (!expected) {
                if (p.ingress()) {
                    expectIn++;
                } else {
                    expectOut++;
                }
            }
        }
        for (World w : List.of(cached, uncached)) {
            assertEquals(expectIn, w.a.counters().drops(DropReason.SG_INGRESS));
            assertEquals(expectOut, w.a.counters().drops(DropReason.SG_EGRESS));
        }
    }

    /**
     * Stateful: with only the default group, every TCP/UDP/echo connection A opens (IPv4 or IPv6) gets its replies (even when
     * the reply is decided on another thread than the filter's owner), while the same packets unsolicited do not
     * pass; deleting the egress rule and ending its connections stops the replies.
     */
    @Property(tries = 200)
    void repliesOfAllowedConnectionsPass(@ForAll("packets") List<PacketSpec> packets) {
        World w = new World(FlowCache.DEFAULT_ENTRIES, PortFilter.defaultRules(2));
        List<byte[]> replies = new ArrayList<>();
        List<PacketSpec> replySpecs = new ArrayList<>();
        for (int i = 0; i < packets.size(); i++) {
            PacketSpec p = packets.get(i);
            if (p.proto() == 47) {
                continue;
            }
            int port = 20000 + i;
            PacketSpec out = new PacketSpec(false, p.family(), p.proto(), p.remote(), p.dstPort(), p.family() == 4 ? 8
                    : 128, false);
            // The unsolicited "reply" first: denied.
            byte[] reply = reply(out, port);
            w.send(w.other, w.b, reply);
            assertEquals(0, w.a.drain().size(), "unsolicited " + out);
            assertEquals(true, w.deliver(out, port));
            w.send(p.otherThread() ? w.other : w.owner, w.b, reply);
            assertEquals(1, w.a.drain().size(), "reply of " + out);
            replies.add(reply);
            replySpecs.add(out);
        }
        AclRule v4 = w.filter.rules().get(0);
        AclRule v6 = w.filter.rules().get(1);
        w.filter.setRules(List.of());
        w.filter.endConnections(v4);
        w.filter.endConnections(v6);
        for (int i = 0; i < replies.size(); i++) {
            w.send(w.other, w.b, replies.get(i));
            assertEquals(0, w.a.drain().size(), "reply after the rule was deleted: " + replySpecs.get(i));
        }
    }

    static byte[] reply(PacketSpec out, int srcPort) {
        if (out.family() == 6) {
            long[] local = V6[0];
            long[] remote = V6[out.remote() % V6.length];
            int proto = out.proto() == Packets.ICMP ? Packets.ICMPV6 : out.proto();
            return Packets.ipv6(MA, MB, remote[0], remote[1], local[0], local[1], proto, proto == Packets.ICMPV6
                    ? srcPort : out.dstPort(), srcPort, 129, Packets.SYN | Packets.ACK);
        }
        int local = V4[0];
        int remote = V4[out.remote()];
        return switch (out.proto()) {
            case Packets.TCP -> Packets.tcp(MA, MB, remote, local, out.dstPort(), srcPort, Packets.SYN | Packets.ACK);
            case Packets.UDP -> Packets.udp(MA, MB, remote, local, out.dstPort(), srcPort);
            default -> Packets.icmp(MA, MB, remote, local, 0, srcPort);
        };
    }
}
