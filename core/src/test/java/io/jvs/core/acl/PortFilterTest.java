package io.jvs.core.acl;

import static io.jvs.core.acl.Packets.ACK;
import static io.jvs.core.acl.Packets.SYN;
import static io.jvs.core.acl.Packets.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import io.jvs.core.bridge.Bridge;
import io.jvs.core.bridge.BridgePort;
import io.jvs.core.bridge.DropReason;
import io.jvs.core.bridge.Forwarder;
import io.jvs.core.bridge.MemoryPort;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PortFilterTest {
    static final long MA = 0x02_00_00_00_00_0aL, MB = 0x02_00_00_00_00_0bL, MX = 0x02_00_00_00_00_99L;
    static final int IA = ip(10, 0, 0, 1), IB = ip(10, 0, 0, 2), FAR = ip(192, 168, 9, 9);

    final Forwarder fwd0 = new Forwarder(0);
    final Forwarder fwd1 = new Forwarder(1);
    final UnsafeBuffer buf = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
    final List<Runnable> ownerTasks = new ArrayList<>();
    Bridge br;
    MemoryPort a;
    MemoryPort b;
    PortFilter filter;

    @BeforeEach
    void setUp() {
        br = new Bridge("br0");
        br.setOwner(0, Runnable::run, () -> 0L);
        a = new MemoryPort("a", 2);
        b = new MemoryPort("b", 2);
        br.addPort(a);
        br.addPort(b);
        filter = new PortFilter("a", 2, 64);
        filter.setOwner(0, ownerTasks::add, () -> 0L); // wake-ups are queued: the test decides when the owner runs
        filter.setRules(PortFilter.defaultRules(2));
        a.setFilter(filter);
    }

    void send(Forwarder f, BridgePort in, byte[] frame) {
        int vnet = Forwarder.HEADROOM;
        buf.setMemory(vnet, 10, (byte) 0);
        buf.putBytes(vnet + 10, frame);
        f.receive(in, buf, vnet, frame.length + 10, -1, 1_000);
        f.flush();
    }

    int delivered(MemoryPort p) {
        return p.drain().size();
    }

    void rules(String... texts) {
        List<AclRule> list = new ArrayList<>(filter.rules());
        for (String t : texts) {
            list.add(AclRule.parse(t, 2));
        }
        filter.setRules(list);
    }

    @Test
    void defaultGroupLetsConnectionsOutAndTheirRepliesBackButNothingElseIn() {
        send(fwd0, a, Packets.tcp(MB, MA, IA, IB, 40000, 80, SYN));
        assertEquals(1, delivered(b));
        send(fwd1, b, Packets.tcp(MA, MB, IB, IA, 80, 40000, SYN | ACK)); // reply, on another thread
        assertEquals(1, delivered(a));
        send(fwd1, b, Packets.tcp(MA, MB, IB, IA, 40001, 22, SYN)); // unsolicited
        assertEquals(0, delivered(a));
        assertEquals(1, a.counters().drops(DropReason.SG_INGRESS));
        send(fwd1, b, Packets.icmp(MA, MB, IB, IA, 8, 5));
        assertEquals(0, delivered(a));
        send(fwd1, b, Packets.arp(MA, MB, 2, MB, IB, MA, IA)); // ARP always
        assertEquals(1, delivered(a));
        assertEquals(1, filter.conntrack().size());
    }

    /**
     * A one-way flow to the VM decided on another thread (a UDP flood, repeated pings) changes no state after its
     * first packet: it must not post a conntrack update per packet to the owner (the owner's queue filled up and
     * counted queue_full during the 64-byte flood of `jvs bench --security`), only its answer does.
     */
    @Test
    void oneWayFlowSeenOnAnotherThreadPostsNothingAfterItsFirstPacket() {
        rules("ingress proto=udp port=9 id=flood", "ingress proto=icmp id=ping");
        for (byte[] first : List.of(Packets.udp(MA, MB, IB, IA, 4000, 9), Packets.icmp(MA, MB, IB, IA, 8, 77))) {
            send(fwd1, b, first);
            assertEquals(1, delivered(a));
            assertEquals(1, ownerTasks.size(), "the creation wakes the owner");
            ownerTasks.removeFirst().run();
            for (int i = 0; i < 100; i++) {
                send(fwd1, b, first);
            }
            assertEquals(100, delivered(a));
            assertEquals(0, ownerTasks.size(), "repeated packets of an unanswered flow woke the owner");
            filter.drainQueue(0);
        }
        assertEquals(2, filter.conntrack().size());
        assertEquals(0, filter.queueFull());
        send(fwd0, a, Packets.udp(MB, MA, IA, IB, 9, 4000)); // the answer, on the owner: replied
        assertEquals(1, delivered(b));
    }

    @Test
    void ingressRuleAllowsNewConnectionsFromItsRemoteOnly() {
        rules("ingress proto=tcp port=22 remote=10.0.0.0/24 id=ssh");
        send(fwd1, b, Packets.tcp(MA, MB, IB, IA, 40000, 22, SYN));
        assertEquals(1, delivered(a));
        send(fwd1, b, Packets.tcp(MA, MB, FAR, IA, 40000, 22, SYN));
        assertEquals(0, delivered(a));
        send(fwd1, b, Packets.tcp(MA, MB, IB, IA, 40000, 80, SYN));
        assertEquals(0, delivered(a));
        assertEquals(1, filter.rules().get(2).hits());
        assertEquals(0, filter.conntrack().size(), "created by the owner only");
        // The VM answers on its own (owner) thread: the owner applies the queued creation first.
        send(fwd0, a, Packets.tcp(MB, MA, IA, IB, 22, 40000, SYN | ACK));
        assertEquals(1, delivered(b));
        assertEquals(1, filter.conntrack().size());
        // Later packets are a conntrack hit, not a rule walk.
        send(fwd1, b, Packets.tcp(MA, MB, IB, IA, 40000, 22, ACK));
        assertEquals(1, delivered(a));
        assertEquals(1, filter.rules().get(2).hits());
    }

    @Test
    void deletingTheRuleEndsTheConnectionsItAllowed() {
        rules("ingress proto=tcp port=22 id=ssh");
        AclRule ssh = filter.rules().get(2);
        send(fwd0, b, Packets.tcp(MA, MB, IB, IA, 40000, 22, SYN)); // on the owner: created at once
        assertEquals(1, delivered(a));
        send(fwd0, a, Packets.tcp(MB, MA, IA, IB, 22, 40000, SYN | ACK));
        send(fwd0, b, Packets.tcp(MA, MB, IB, IA, 40000, 22, ACK));
        assertEquals(1, delivered(a));
        filter.setRules(filter.rules().subList(0, 2));
        assertEquals(1, filter.endConnections(ssh));
        send(fwd1, b, Packets.tcp(MA, MB, IB, IA, 40000, 22, ACK));
        assertEquals(0, delivered(a));
        assertEquals(1, a.counters().drops(DropReason.SG_INGRESS));
    }

    @Test
    void queuedCreationsOfADeletedRuleAreDiscarded() {
        rules("ingress proto=udp port=53 id=dns");
        send(fwd1, b, Packets.udp(MA, MB, IB, IA, 5000, 53));
        assertEquals(1, delivered(a));
        filter.setRules(filter.rules().subList(0, 2));
        ownerTasks.forEach(Runnable::run);
        assertEquals(0, filter.conntrack().size());
        filter.drainQueue(0);
        assertEquals(0, filter.conntrack().size());
    }

    @Test
    void icmpRuleAndEchoReplies() {
        send(fwd1, b, Packets.icmp(MA, MB, IB, IA, 8, 7));
        assertEquals(0, delivered(a));
        rules("ingress proto=icmp icmp_type=8");
        send(fwd1, b, Packets.icmp(MA, MB, IB, IA, 8, 7));
        assertEquals(1, delivered(a));
        send(fwd0, a, Packets.icmp(MB, MA, IA, IB, 0, 7));
        assertEquals(1, delivered(b));
        send(fwd1, b, Packets.icmp(MA, MB, IB, IA, 0, 99)); // an echo reply to nothing: type 0 is not allowed
        assertEquals(0, delivered(a));
    }

    @Test
    void portSecurityDropsSpoofedSourcesAndDhcpServers() {
        filter.setAllowed(PortAddresses.parse("02:00:00:00:00:0a,10.0.0.1,fd00::1"));
        send(fwd0, a, Packets.udp(MB, MA, IA, IB, 5000, 53));
        assertEquals(1, delivered(b));
        send(fwd0, a, Packets.udp(MB, MX, IA, IB, 5000, 53));
        assertEquals(1, a.counters().drops(DropReason.SPOOFED_MAC));
        send(fwd0, a, Packets.udp(MB, MA, ip(10, 0, 0, 77), IB, 5000, 53));
        assertEquals(1, a.counters().drops(DropReason.SPOOFED_IP));
        send(fwd0, a, Packets.arp(MB, MA, 2, MA, ip(10, 0, 0, 2), MB, IB)); // claims B's address
        assertEquals(1, a.counters().drops(DropReason.SPOOFED_ARP));
        send(fwd0, a, Packets.arp(MB, MA, 2, MX, IA, MB, IB)); // another sender MAC
        assertEquals(2, a.counters().drops(DropReason.SPOOFED_ARP));
        send(fwd0, a, Packets.arp(MB, MA, 2, MA, IA, MB, IB));
        assertEquals(1, delivered(b));
        send(fwd0, a, Packets.udp(-1L & 0xffff_ffff_ffffL, MA, IA, -1, 67, 68)); // a DHCP offer
        assertEquals(1, a.counters().drops(DropReason.DHCP_SERVER));
        send(fwd0, a, Packets.udp(-1L & 0xffff_ffff_ffffL, MA, 0, -1, 68, 67)); // a DHCP discover from 0.0.0.0
        assertEquals(1, delivered(b));
        send(fwd1, b, Packets.udp(MA, MB, IB, IA, 67, 68)); // the server's offer in
        assertEquals(1, delivered(a));
        send(fwd0, a, Packets.ipv6(MB, MA, 0xfd00_0000_0000_0000L, 1, 0xfd00_0000_0000_0000L, 2, Packets.UDP, 5, 6, 0));
        assertEquals(1, delivered(b));
        send(fwd0, a, Packets.ipv6(MB, MA, 0xfd00_0000_0000_0000L, 9, 0xfd00_0000_0000_0000L, 2, Packets.UDP, 5, 6, 0));
        assertEquals(2, a.counters().drops(DropReason.SPOOFED_IP));
        // Link-local from the MAC (EUI-64: 0000:00ff:fe00:000a with the U/L bit flipped).
        send(fwd0, a, Packets.nd(MB, MA, 0xfe80_0000_0000_0000L, 0x0000_00ff_fe00_000aL, 135,
                0xfd00_0000_0000_0000L, 2, MA));
        assertEquals(1, delivered(b));
        // Neighbour discovery: its own target and MAC pass; another's target or another MAC in the option do not.
        send(fwd0, a, Packets.nd(MB, MA, 0xfd00_0000_0000_0000L, 1, 136, 0xfd00_0000_0000_0000L, 1, MA));
        assertEquals(1, delivered(b));
        send(fwd0, a, Packets.nd(MB, MA, 0xfd00_0000_0000_0000L, 1, 136, 0xfd00_0000_0000_0000L, 2, MA));
        send(fwd0, a, Packets.nd(MB, MA, 0xfd00_0000_0000_0000L, 1, 135, 0xfd00_0000_0000_0000L, 2, MX));
        assertEquals(2, a.counters().drops(DropReason.SPOOFED_ND));
        send(fwd0, a, Packets.nd(MB, MA, 0xfd00_0000_0000_0000L, 1, 135, 0xfd00_0000_0000_0000L, 2, MA));
        assertEquals(1, delivered(b), "a solicitation for someone else's address is fine");
        send(fwd0, a, Packets.ipv6(MB, MA, 0xfe80_0000_0000_0000L, 0x0000_00ff_fe00_000aL, 0xff02_0000_0000_0000L, 1,
                Packets.ICMPV6, 0, 0, 134));
        assertEquals(1, a.counters().drops(DropReason.ROUTER_ADVERT));
    }

    static final long V6 = 0xfd00_0000_0000_0000L;

    @Test
    void ipv6ConnectionsAreTrackedAndVerifiedByTheirFullAddresses() {
        // Out from A, the reply back (decided on another thread), the same packet unsolicited from elsewhere not.
        send(fwd0, a, Packets.ipv6(MB, MA, V6, 1, V6, 2, Packets.TCP, 40000, 443, 0, SYN));
        assertEquals(1, delivered(b));
        send(fwd1, b, Packets.ipv6(MA, MB, V6, 2, V6, 1, Packets.TCP, 443, 40000, 0, SYN | ACK));
        assertEquals(1, delivered(a));
        send(fwd1, b, Packets.ipv6(MA, MB, V6, 3, V6, 1, Packets.TCP, 443, 40000, 0, SYN | ACK));
        assertEquals(0, delivered(a), "another source, same ports");
        send(fwd1, b, Packets.ipv6(MA, MB, V6 | 1, 2, V6, 1, Packets.TCP, 443, 40000, 0, SYN | ACK));
        assertEquals(0, delivered(a), "another source prefix, same ports");
        // ICMPv6 echo: out and back; in only with a rule, created through the owner's queue.
        send(fwd0, a, Packets.ipv6(MB, MA, V6, 1, V6, 2, Packets.ICMPV6, 77, 0, 128));
        assertEquals(1, delivered(b));
        send(fwd1, b, Packets.ipv6(MA, MB, V6, 2, V6, 1, Packets.ICMPV6, 77, 0, 129));
        assertEquals(1, delivered(a));
        send(fwd1, b, Packets.ipv6(MA, MB, V6, 2, V6, 1, Packets.ICMPV6, 78, 0, 128));
        assertEquals(0, delivered(a));
        rules("ingress ethertype=ipv6 proto=tcp port=22 remote=fd00::/64 id=ssh6");
        send(fwd1, b, Packets.ipv6(MA, MB, V6, 2, V6, 1, Packets.TCP, 50000, 22, 0, SYN));
        assertEquals(1, delivered(a));
        send(fwd0, a, Packets.ipv6(MB, MA, V6, 1, V6, 2, Packets.TCP, 22, 50000, 0, SYN | ACK)); // drains the queue
        assertEquals(1, delivered(b));
        assertEquals(3, filter.conntrack().size());
        AclRule ssh6 = filter.rules().get(2);
        filter.setRules(filter.rules().subList(0, 2));
        assertEquals(1, filter.endConnections(ssh6));
        send(fwd1, b, Packets.ipv6(MA, MB, V6, 2, V6, 1, Packets.TCP, 50000, 22, 0, ACK));
        assertEquals(0, delivered(a));
    }

    @Test
    void icmpErrorsAboutATrackedConnectionPassAsRelated() {
        // Decided on the non-owner thread, as an error from the outside usually is.
        byte[] out = Packets.tcp(MB, MA, IA, FAR, 40000, 80, SYN);
        send(fwd0, a, out);
        assertEquals(1, delivered(b));
        send(fwd1, b, Packets.icmpError(MA, MB, IB, IA, 3, out));
        assertEquals(1, delivered(a));
        send(fwd1, b, Packets.icmpError(MA, MB, IB, IA, 3, Packets.tcp(MB, MA, IA, FAR, 40001, 80, SYN)));
        assertEquals(0, delivered(a), "about no connection");

        byte[] out6 = Packets.ipv6(MB, MA, V6, 1, V6, 2, Packets.UDP, 5000, 53, 0);
        send(fwd0, a, out6);
        assertEquals(1, delivered(b));
        send(fwd1, b, Packets.icmpv6Error(MA, MB, V6, 2, V6, 1, 1, out6));
        assertEquals(1, delivered(a));
        send(fwd1, b, Packets.icmpv6Error(MA, MB, V6, 2, V6, 1, 1,
                Packets.ipv6(MB, MA, V6, 1, V6, 3, Packets.UDP, 5000, 53, 0)));
        assertEquals(0, delivered(a), "about no connection");
        // The owner thread looks up the same way.
        send(fwd0, b, Packets.icmpv6Error(MA, MB, V6, 2, V6, 1, 1, out6));
        assertEquals(1, delivered(a));
    }

    @Test
    void otherProtocolsAreMatchedStatelesslyAndSecurityOffFiltersNothing() {
        send(fwd1, b, Packets.ipProto(MA, MB, IB, IA, 47));
        assertEquals(0, delivered(a));
        rules("ingress proto=47");
        send(fwd1, b, Packets.ipProto(MA, MB, IB, IA, 47));
        assertEquals(1, delivered(a));
        a.setFilter(null);
        send(fwd1, b, Packets.tcp(MA, MB, IB, IA, 1, 2, SYN));
        assertEquals(1, delivered(a));
    }

    @Test
    void aTraceSeesTheVerdictButRecordsNothing() {
        rules("ingress proto=tcp port=22 id=ssh");
        List<String> seen = new ArrayList<>();
        Forwarder.Observer observer = new Forwarder.Observer() {
            public void admitted(BridgePort in, int wireVid, int vlan) {
            }

            public void dropped(BridgePort port, DropReason reason) {
                seen.add("drop " + port.name() + " " + reason.counterName());
            }

            public void learned(Bridge bridge, int vlan, long mac, BridgePort port) {
            }

            public void lookedUp(Bridge bridge, int vlan, long dst, BridgePort port) {
            }

            public void crossed(io.jvs.core.bridge.PatchPort from, io.jvs.core.bridge.PatchPort to, int wireVid) {
            }

            public void output(BridgePort out, UnsafeBuffer buf, int off, int len, int wireVid) {
                seen.add("output " + out.name());
            }
        };
        Forwarder trace = Forwarder.forTrace(2, observer);
        send(trace, b, Packets.tcp(MA, MB, IB, IA, 40000, 22, SYN));
        send(trace, b, Packets.tcp(MA, MB, IB, IA, 40000, 80, SYN));
        send(trace, a, Packets.tcp(MB, MA, IA, IB, 40001, 443, SYN));
        assertEquals(List.of("output a", "drop a sg_ingress", "output b"), seen);
        ownerTasks.forEach(Runnable::run);
        filter.drainQueue(0);
        assertEquals(0, filter.conntrack().size(), "a trace opens no connection");
        for (AclRule r : filter.rules()) {
            assertEquals(0, r.hits(), r.id);
        }
        assertEquals(0, delivered(a) + delivered(b), "a trace sends nothing");
    }

    @Test
    void rulesParseToTheirCanonicalForm() {
        assertEquals("ingress ethertype=ipv4 proto=tcp port=22 remote=10.0.0.0/24 id=ssh",
                AclRule.parse("ingress proto=tcp port=22 remote=10.0.0.9/24 id=ssh", 1).toString());
        assertEquals("egress ethertype=ipv6 proto=icmp icmp_type=128 remote=fd00::/8 id=x",
                AclRule.parse("egress proto=icmp remote=fd12::/8 icmp_type=128 ethertype=ipv6 id=x", 1).toString());
        assertEquals("::", AclRule.formatV6(0, 0));
        assertEquals("fd00::1", AclRule.formatV6(0xfd00_0000_0000_0000L, 1));
        assertEquals("2001:db8:0:1:1:1:1:1", AclRule.formatV6(0x2001_0db8_0000_0001L, 0x0001_0001_0001_0001L));
        assertEquals("1:0:0:2::3", AclRule.formatV6(0x0001_0000_0000_0002L, 0x0000_0000_0000_0003L));
        assertEquals("fe80::ff:fe00:a", AclRule.formatV6(0xfe80_0000_0000_0000L, 0x0000_00ff_fe00_000aL));
        AclRule r = AclRule.parse("ingress proto=udp port=1000-2000", 1);
        assertEquals(r.toString(), AclRule.parse(r.toString(), 1).toString());
    }
}
