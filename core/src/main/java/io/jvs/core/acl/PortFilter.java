package io.jvs.core.acl;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.jvs.core.bridge.DropReason;
import io.jvs.core.conntrack.Conntrack;
import io.jvs.core.conntrack.CtState;
import io.jvs.core.conntrack.CtTimeouts;
import io.jvs.core.conntrack.PacketTuple;
import io.jvs.core.packet.ArpHeader;
import io.jvs.core.packet.EthernetHeader;
import io.jvs.core.packet.IcmpHeader;
import io.jvs.core.packet.Ipv4Header;
import io.jvs.core.packet.Ipv6Header;
import io.jvs.core.packet.MacAddress;
import io.jvs.core.packet.TcpHeader;
import io.jvs.core.packet.UdpHeader;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * Security groups and port security of one port ({@code jvs set port P security=on}), enforced by the
 * {@code Forwarder}: {@link #egress} for every frame received on the port (from the VM), {@link #ingress} for every
 * frame the bridge decided to send to it (to the VM). Either returns null (pass) or the {@link DropReason} to count.
 *
 * <p><b>Semantics</b> (Neutron's): rules only allow; a packet no rule allows is dropped, except what the default
 * group always lets through: replies and related ICMP errors of connections a rule allowed (stateful, through
 * {@link Conntrack}), ARP, IPv6 neighbour discovery and MLD, DHCP(v6) client requests out and server replies in. A
 * new port gets the default group's two egress rules (everything out, IPv4 and IPv6; deletable). With port
 * security ({@link #setAllowed}), frames from the VM with another source MAC, source IP or ARP sender are dropped,
 * and the VM may not answer as a DHCP server.
 *
 * <p><b>Threads.</b> Frames from the port are processed on the port's reactor thread, the <i>owner</i>; frames to it
 * on whichever thread received them. The port's {@link Conntrack} table has the owner as its only writer: the owner
 * looks up, creates and tracks directly; another thread looks up lock-free ({@link Conntrack#lookupConcurrent}) and
 * posts what it would write (a new connection with the rule that allowed it, or a state change of an existing one)
 * to the owner through a many-to-one ring buffer (no lock, no allocation), then wakes the owner once per drain. Until
 * the owner has applied a creation, later packets of that connection arriving on other threads are evaluated against
 * the rules again (same verdict, or the new one if the rules changed meanwhile). The owner drains the queue before
 * each packet it filters, so a reply the VM sends always finds the connection its request opened.
 *
 * <p>Rules are immutable arrays published through volatiles (control thread writes, any thread reads). Deleting a
 * rule removes, on the owner thread, the connections whose mark is the rule's serial; creations still queued for a
 * deleted rule are discarded when drained.
 *
 * <p>Fast path: a packet of a tracked connection costs a parse and one conntrack lookup, no rule walk. The flow
 * cache is not involved: it keeps caching the L2 decision (which outputs), and the filter runs per frame before it
 * (egress) and on its outputs (ingress), so the cache key needs no L3/L4 fields.
 *
 * <p>IPv6 connections (TCP, UDP, ICMPv6 echo) are tracked in the same table under a zone of their own: its keys are
 * IPv4-sized, so IPv6 addresses are folded to 32 bits (seeded per filter) and each connection's full addresses are
 * kept beside it; every hit is verified against them, so a fold collision costs a rule walk, never a false allow.
 * ICMPv6 errors quoting a tracked connection pass as related.
 */
public final class PortFilter {
    public static final int DEFAULT_CT_CAPACITY = 8192;

    private static final int MSG_CREATE = 1;
    private static final int MSG_TRACK = 2;
    private static final int MSG_LENGTH = 32;
    private static final int MSG6_LENGTH = MSG_LENGTH + Ipv6AddressPair.BYTES; // an IPv6 connection's: + addresses
    private static final int ZONE = 0; // IPv4 connections (the table is the port's own)
    private static final int ZONE6 = 6; // IPv6 connections, keyed by folded addresses
    private static final int ICMPV6_ECHO_REQUEST = 128;
    private static final int ICMPV6_ECHO_REPLY = 129;

    private static final int BOOTPS = 67;
    private static final int BOOTPC = 68;
    private static final int DHCP6_CLIENT = 546;
    private static final int DHCP6_SERVER = 547;

    /** A forwarding thread's parse state (one per {@code Forwarder}: filters are called from any thread). */
    public static final class Scratch {
        final PacketTuple tuple = new PacketTuple();
        final PacketTuple embedded = new PacketTuple();
        final Ipv6AddressPair addresses = new Ipv6AddressPair();
        final Ipv6AddressPair embeddedAddresses = new Ipv6AddressPair();
        /**
         * A trace ({@code jvs trace}): the verdict is computed as for a real packet, but nothing is written: no
         * connection created or tracked, nothing posted, no rule hit counted.
         */
        public boolean dryRun;
        /** How the last verdict was reached, for {@code jvs trace}: the rule that allowed it (else null)... */
        public AclRule rule;
        /** ...and in a few words (null when a drop reason says it all). */
        public String basis;
    }

    private static final AclRule[] NONE = new AclRule[0];

    private final String portName;
    private final int threads;
    private final Conntrack ct;
    private final long[] v6; // per IPv6 connection: its addresses (Ipv6AddressPair.store)
    private final long foldSeed = java.util.concurrent.ThreadLocalRandom.current().nextLong();
    private volatile AclRule[] egressRules = NONE;
    private volatile AclRule[] ingressRules = NONE;
    private volatile List<AclRule> allRules = List.of();
    private volatile PortAddresses allowed;

    private volatile int ownerThread;
    private volatile Executor ownerExecutor = Runnable::run;
    private volatile java.util.function.LongSupplier clock = System::nanoTime;
    private final ManyToOneRingBuffer queue =
            new ManyToOneRingBuffer(new UnsafeBuffer(ByteBuffer.allocateDirect((64 << 10) + RingBufferDescriptor.TRAILER_LENGTH)));
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drainTask = this::drainScheduled;
    private final Drain drain = new Drain();
    private final AtomicLong queueFull = new AtomicLong();

    public PortFilter(String portName, int threads) {
        this(portName, threads, DEFAULT_CT_CAPACITY);
    }

    public PortFilter(String portName, int threads, int ctCapacity) {
        this.portName = portName;
        this.threads = threads;
        this.ct = new Conntrack(ctCapacity, CtTimeouts.DEFAULTS);
        this.v6 = new long[Ipv6AddressPair.LONGS * ctCapacity];
    }

    public String portName() {
        return portName;
    }

    /** The two rules of Neutron's default group: everything out, IPv4 and IPv6. */
    public static List<AclRule> defaultRules(int threads) {
        return List.of(AclRule.parse(List.of("egress", "ethertype=ipv4", "id=default-egress-ipv4"), "", threads),
                AclRule.parse(List.of("egress", "ethertype=ipv6", "id=default-egress-ipv6"), "", threads));
    }

    /**
     * Makes forwarding thread {@code thread} the conntrack writer; {@code executor} runs tasks on it. Before the
     * filter is attached to its port.
     */
    public void setOwner(int thread, Executor executor, java.util.function.LongSupplier clock) {
        this.ownerThread = thread;
        this.ownerExecutor = executor;
        this.clock = clock;
    }

    public int ownerThread() {
        return ownerThread;
    }

    /** Publishes a new rule list (control thread). New connections see it at once. */
    public void setRules(List<AclRule> rules) {
        List<AclRule> e = new ArrayList<>();
        List<AclRule> i = new ArrayList<>();
        for (AclRule r : rules) {
            (r.ingress ? i : e).add(r);
        }
        egressRules = e.toArray(NONE);
        ingressRules = i.toArray(NONE);
        allRules = List.copyOf(rules);
    }

    /** The rules in the order they were given. */
    public List<AclRule> rules() {
        return allRules;
    }

    /** Port security: the addresses the port may send from, or null for none enforced. */
    public void setAllowed(PortAddresses allowed) {
        this.allowed = allowed;
    }

    public PortAddresses allowed() {
        return allowed;
    }

    public Conntrack conntrack() {
        return ct;
    }

    /** Creations and updates other threads could not post because the owner's queue was full. */
    public long queueFull() {
        return queueFull.get();
    }

    /** Owner thread: ends the connections {@code rule} allowed (after it was removed with {@link #setRules}). */
    public int endConnections(AclRule rule) {
        drainQueue(clock.getAsLong());
        return ct.flushMark(ZONE, rule.serial) + ct.flushMark(ZONE6, rule.serial);
    }

    /** Owner thread, periodically: applies queued work and expires idle connections (a slice per call). */
    public void poll(long nowNs) {
        drainQueue(nowNs);
        ct.expire(nowNs, 1024);
    }

    // ------------------------------------------------------------------------------------------------ verdicts

    /** A frame received on the port (from the VM), untagged at {@code off}. Null: pass. */
    public DropReason egress(Scratch s, int thread, DirectBuffer buf, int off, int len, long nowNs) {
        s.rule = null;
        s.basis = null;
        boolean owner = !s.dryRun && thread == ownerThread;
        thread = s.dryRun ? -1 : thread; // -1: count no hit, post nothing
        if (owner) {
            drainQueue(nowNs);
        }
        PortAddresses a = allowed;
        if (a != null && MacAddress.read(buf, off + EthernetHeader.SRC_OFFSET) != a.mac) {
            return DropReason.SPOOFED_MAC;
        }
        int l3 = off + EthernetHeader.LENGTH;
        int l3len = len - EthernetHeader.LENGTH;
        switch (EthernetHeader.etherType(buf, off)) {
            case EthernetHeader.ETH_P_ARP:
                s.basis = "ARP is allowed";
                if (a == null) {
                    return null;
                }
                if (l3len < ArpHeader.LENGTH || !ArpHeader.isEthernetIpv4(buf, l3)
                        || ArpHeader.senderMac(buf, l3) != a.mac) {
                    return DropReason.SPOOFED_ARP;
                }
                int spa = ArpHeader.senderIp(buf, l3);
                return spa == 0 || a.hasV4(spa) ? null : DropReason.SPOOFED_ARP; // 0: an address probe (RFC 5227)
            case EthernetHeader.ETH_P_IPV4:
                return ipv4(s, thread, owner, false, buf, l3, l3len, nowNs, a);
            case EthernetHeader.ETH_P_IPV6:
                return ipv6(s, thread, owner, false, buf, l3, l3len, nowNs, a);
            default:
                return DropReason.SG_EGRESS;
        }
    }

    /** A frame the bridge is about to send to the port (to the VM), untagged at {@code off}. Null: pass. */
    public DropReason ingress(Scratch s, int thread, DirectBuffer buf, int off, int len, long nowNs) {
        s.rule = null;
        s.basis = null;
        boolean owner = !s.dryRun && thread == ownerThread;
        thread = s.dryRun ? -1 : thread;
        if (owner) {
            drainQueue(nowNs);
        }
        int l3 = off + EthernetHeader.LENGTH;
        int l3len = len - EthernetHeader.LENGTH;
        return switch (EthernetHeader.etherType(buf, off)) {
            case EthernetHeader.ETH_P_ARP -> {
                s.basis = "ARP is allowed";
                yield null;
            }
            case EthernetHeader.ETH_P_IPV4 -> ipv4(s, thread, owner, true, buf, l3, l3len, nowNs, null);
            case EthernetHeader.ETH_P_IPV6 -> ipv6(s, thread, owner, true, buf, l3, l3len, nowNs, null);
            default -> DropReason.SG_INGRESS;
        };
    }

    private DropReason ipv4(Scratch s, int thread, boolean owner, boolean in, DirectBuffer buf, int l3, int l3len,
            long nowNs, PortAddresses a) {
        DropReason deny = in ? DropReason.SG_INGRESS : DropReason.SG_EGRESS;
        if (l3len < Ipv4Header.MIN_LENGTH || Ipv4Header.version(buf, l3) != Ipv4Header.VERSION) {
            return deny;
        }
        int ihl = Ipv4Header.headerLength(buf, l3);
        if (ihl < Ipv4Header.MIN_LENGTH || ihl > l3len) {
            return deny;
        }
        PacketTuple t = s.tuple;
        int r = t.parse(buf, l3, l3len);
        boolean udp = r == PacketTuple.OK && t.proto == Ipv4Header.PROTO_UDP;
        if (a != null && !a.hasV4(t.src)
                && !(t.src == 0 && udp && t.srcPort == BOOTPC && t.dstPort == BOOTPS)) {
            return DropReason.SPOOFED_IP;
        }
        if (udp) {
            if (!in && t.srcPort == BOOTPS && t.dstPort == BOOTPC) {
                return DropReason.DHCP_SERVER;
            }
            if (in ? t.srcPort == BOOTPS && t.dstPort == BOOTPC : t.srcPort == BOOTPC && t.dstPort == BOOTPS) {
                s.basis = "DHCP client traffic is allowed";
                return null;
            }
        }
        AclRule[] rules = in ? ingressRules : egressRules;
        switch (r) {
            case PacketTuple.OK:
                if (established(s, thread, owner, t, null, l3len, nowNs)) {
                    return null;
                }
                return newConnection(s, thread, owner, t, null, l3len, nowNs,
                        match(rules, 4, t.proto, t.dstPort, t.icmpType, in ? t.src : t.dst, 0, 0), deny);
            case PacketTuple.ICMP_ERROR: {
                // Related: an error about a tracked connection passes (the quoted datagram names it).
                int icmpType = t.icmpType;
                int inner = t.l4Off + IcmpHeader.LENGTH;
                PacketTuple e = s.embedded;
                if (e.parseEmbedded(buf, inner, l3len - (inner - l3)) == PacketTuple.OK
                        && lookup(owner, e, null) >= 0) {
                    s.basis = "ICMP error related to a connection";
                    return null;
                }
                return stateless(s, rules, thread, 4, t.proto, 0, icmpType, in ? t.src : t.dst, 0, 0, deny);
            }
            case PacketTuple.TRUNCATED:
                return deny;
            default: // fragments, other protocols, informational ICMP: the rules alone decide, packet by packet
                return stateless(s, rules, thread, 4, t.proto, t.dstPort, t.icmpType, in ? t.src : t.dst, 0, 0, deny);
        }
    }

    private DropReason ipv6(Scratch s, int thread, boolean owner, boolean in, DirectBuffer buf, int l3, int l3len,
            long nowNs, PortAddresses a) {
        DropReason deny = in ? DropReason.SG_INGRESS : DropReason.SG_EGRESS;
        if (l3len < Ipv6Header.LENGTH || Ipv6Header.version(buf, l3) != Ipv6Header.VERSION) {
            return deny;
        }
        Ipv6AddressPair p = s.addresses;
        p.readHeader(buf, l3);
        // Skip the extension headers a first fragment or an MLD report carries; stop at a fragment header.
        int next = Ipv6Header.nextHeader(buf, l3);
        int l4 = l3 + Ipv6Header.LENGTH;
        for (int n = 0; n < 4 && (next == 0 || next == 43 || next == 60); n++) {
            if (l4 + 8 > l3 + l3len) {
                return deny;
            }
            int hdrLen = ((buf.getByte(l4 + 1) & 0xff) + 1) * 8;
            next = buf.getByte(l4) & 0xff;
            l4 += hdrLen;
        }
        int l4len = l3 + l3len - l4;
        int port = 0;
        int srcPort = -1;
        int type = -1;
        int tcpFlags = 0;
        if (next == Ipv6Header.PROTO_ICMPV6) {
            if (l4len < 8) {
                return deny;
            }
            type = buf.getByte(l4) & 0xff;
        } else if (next == Ipv4Header.PROTO_TCP || next == Ipv4Header.PROTO_UDP) {
            if (l4len < (next == Ipv4Header.PROTO_TCP ? TcpHeader.MIN_LENGTH : UdpHeader.LENGTH)) {
                return deny;
            }
            srcPort = UdpHeader.srcPort(buf, l4);
            port = UdpHeader.dstPort(buf, l4);
            tcpFlags = next == Ipv4Header.PROTO_TCP ? TcpHeader.flags(buf, l4) : 0;
        }
        boolean nd = type == 133 || type == 135 || type == 136 || (in && type == 134)
                || type == 130 || type == 131 || type == 132 || type == 143; // RS, NS, NA, (RA in), MLD
        if (a != null && !a.hasV6(p.srcHigh, p.srcLow) && !(p.srcHigh == 0 && p.srcLow == 0 && nd)) {
            return DropReason.SPOOFED_IP; // :: only for duplicate address detection and MLD
        }
        if (!in && type == 134) {
            return DropReason.ROUTER_ADVERT; // a VM is no router (Neutron drops its RAs)
        }
        if (nd) {
            s.basis = "neighbour discovery / MLD is allowed";
            return !in && a != null && (type == 135 || type == 136) && !ndOwn(buf, l4, l4len, type, a)
                    ? DropReason.SPOOFED_ND : null;
        }
        if (next == Ipv4Header.PROTO_UDP) {
            if (!in && srcPort == DHCP6_SERVER && port == DHCP6_CLIENT) {
                return DropReason.DHCP_SERVER;
            }
            if (in ? srcPort == DHCP6_SERVER && port == DHCP6_CLIENT : srcPort == DHCP6_CLIENT && port == DHCP6_SERVER) {
                s.basis = "DHCPv6 client traffic is allowed";
                return null;
            }
        }
        AclRule[] rules = in ? ingressRules : egressRules;
        long rHi = in ? p.srcHigh : p.dstHigh;
        long rLo = in ? p.srcLow : p.dstLow;
        PacketTuple t = s.tuple;
        boolean echo = type == ICMPV6_ECHO_REQUEST || type == ICMPV6_ECHO_REPLY;
        if (next == Ipv4Header.PROTO_TCP || next == Ipv4Header.PROTO_UDP || echo) {
            if (echo) {
                int id = IcmpHeader.id(buf, l4);
                tuple6(t, Ipv4Header.PROTO_ICMP, p, id, id, 0,
                        type == ICMPV6_ECHO_REQUEST ? IcmpHeader.TYPE_ECHO_REQUEST : IcmpHeader.TYPE_ECHO_REPLY);
            } else {
                tuple6(t, next, p, srcPort, port, tcpFlags, -1);
            }
            if (established(s, thread, owner, t, p, l3len, nowNs)) {
                return null;
            }
            return newConnection(s, thread, owner, t, p, l3len, nowNs, match(rules, 6, next, port, type, 0, rHi, rLo),
                    deny);
        }
        if (next == Ipv6Header.PROTO_ICMPV6 && type >= 1 && type <= 4 && related6(s, owner, buf, l4 + 8, l4len - 8)) {
            s.basis = "ICMPv6 error related to a connection";
            return null; // an error (unreachable, packet too big, time exceeded, parameter problem) about a connection
        }
        return stateless(s, rules, thread, 6, next, port, type, 0, rHi, rLo, deny);
    }

    /**
     * Port security for neighbour discovery from the VM (the ARP of IPv6): an advertisement's target must be one of
     * the port's addresses, and a link-layer address option (source in a solicitation, target in an advertisement)
     * must carry the port's MAC.
     */
    private static boolean ndOwn(DirectBuffer buf, int l4, int l4len, int type, PortAddresses a) {
        if (l4len < 24) {
            return false;
        }
        if (type == 136 && !a.hasV6(Ipv6Header.addressHigh(buf, l4 + 8), Ipv6Header.addressLow(buf, l4 + 8))) {
            return false;
        }
        for (int o = l4 + 24; o + 8 <= l4 + l4len; ) {
            int optType = buf.getByte(o) & 0xff;
            int optLen = (buf.getByte(o + 1) & 0xff) * 8;
            if (optLen == 0) {
                return false; // RFC 4861: a zero-length option is invalid
            }
            if ((optType == 1 || optType == 2) && MacAddress.read(buf, o + 2) != a.mac) {
                return false;
            }
            o += optLen;
        }
        return true;
    }

    /** Whether the IPv6 datagram quoted by an ICMPv6 error at {@code off} belongs to a tracked connection. */
    private boolean related6(Scratch s, boolean owner, DirectBuffer buf, int off, int available) {
        if (available < Ipv6Header.LENGTH + 8 || Ipv6Header.version(buf, off) != Ipv6Header.VERSION) {
            return false;
        }
        Ipv6AddressPair p = s.embeddedAddresses;
        p.readHeader(buf, off);
        PacketTuple t = s.embedded;
        int next = Ipv6Header.nextHeader(buf, off);
        int l4 = off + Ipv6Header.LENGTH;
        if (next == Ipv4Header.PROTO_TCP || next == Ipv4Header.PROTO_UDP) {
            tuple6(t, next, p, UdpHeader.srcPort(buf, l4), UdpHeader.dstPort(buf, l4), 0, -1);
        } else if (next == Ipv6Header.PROTO_ICMPV6 && ((buf.getByte(l4) & 0xff) == ICMPV6_ECHO_REQUEST
                || (buf.getByte(l4) & 0xff) == ICMPV6_ECHO_REPLY)) {
            int id = IcmpHeader.id(buf, l4);
            tuple6(t, Ipv4Header.PROTO_ICMP, p, id, id, 0, IcmpHeader.TYPE_ECHO_REQUEST);
        } else {
            return false;
        }
        return lookup(owner, t, p) >= 0;
    }

    // IPv6 connections live in the same table under their own zone, keyed by 32-bit folds of the addresses (the
    // table's keys are IPv4-sized); the full addresses of each connection are kept beside it and every hit is
    // verified against them, so a fold collision is a miss (the rules decide), never a false allow.

    private int fold(long hi, long lo) {
        long h = (hi ^ foldSeed) * 0x9E37_79B9_7F4A_7C15L + lo * 0xC2B2_AE3D_27D4_EB4FL;
        h ^= h >>> 31;
        return (int) (h ^ h >>> 32);
    }

    private void tuple6(PacketTuple t, int proto, Ipv6AddressPair p, int srcPort, int dstPort, int tcpFlags,
            int icmpType) {
        t.proto = proto;
        t.src = fold(p.srcHigh, p.srcLow);
        t.dst = fold(p.dstHigh, p.dstLow);
        t.srcPort = srcPort;
        t.dstPort = dstPort;
        t.tcpFlags = tcpFlags;
        t.icmpType = icmpType;
    }

    // IPv4 and IPv6 connections take the same steps below; p, the packet's IPv6 addresses, is null for IPv4.

    private static int zone(Ipv6AddressPair p) {
        return p == null ? ZONE : ZONE6;
    }

    /** The connection direction the packet of {@code t} belongs to, or a miss; an IPv6 hit must match {@code p}. */
    private int lookup(boolean owner, PacketTuple t, Ipv6AddressPair p) {
        int zone = zone(p);
        int ref = owner ? ct.lookup(zone, t)
                : ct.lookupConcurrent(zone, t.proto, t.src, t.dst, t.srcPort, t.dstPort);
        if (ref < 0 || p == null) {
            return ref;
        }
        return p.matches(v6, Conntrack.connection(ref), Conntrack.direction(ref) == Conntrack.ORIGINAL)
                ? ref : Conntrack.MISS;
    }

    /**
     * Whether the packet belongs to a tracked connection, which lets it pass; it is then tracked (by the owner) or
     * reported to the owner (by another thread, when it moves something).
     */
    private boolean established(Scratch s, int thread, boolean owner, PacketTuple t, Ipv6AddressPair p, int bytes,
            long nowNs) {
        int ref = lookup(owner, t, p);
        if (ref < 0) {
            return false;
        }
        if (owner) {
            ct.track(ref, t.tcpFlags, bytes, nowNs);
        } else if (thread >= 0 && needsUpdate(ref, t, nowNs)) {
            post(MSG_TRACK, t, p, bytes, 0);
        }
        s.basis = "established connection";
        return true;
    }

    /** The first packet of a connection: passes when {@code rule} allows it (null: no rule does), opening it. */
    private DropReason newConnection(Scratch s, int thread, boolean owner, PacketTuple t, Ipv6AddressPair p,
            int bytes, long nowNs, AclRule rule, DropReason deny) {
        if (rule == null) {
            return deny;
        }
        rule.hit(thread);
        s.rule = rule;
        s.basis = "new connection";
        if (owner) {
            create(t, p, rule.serial, bytes, nowNs);
        } else if (thread >= 0) {
            post(MSG_CREATE, t, p, bytes, rule.serial);
        }
        return null;
    }

    private static DropReason stateless(Scratch s, AclRule[] rules, int thread, int family, int proto, int port,
            int type, int r4, long rHi, long rLo, DropReason deny) {
        AclRule rule = match(rules, family, proto, port, type, r4, rHi, rLo);
        if (rule == null) {
            return deny;
        }
        rule.hit(thread);
        s.rule = rule;
        s.basis = "stateless (not tracked)";
        return null;
    }

    /** The first rule that allows the packet, or null. The rule walk: only for packets of no tracked connection. */
    static AclRule match(AclRule[] rules, int family, int proto, int port, int type, int r4, long rHi, long rLo) {
        for (AclRule r : rules) {
            if (r.matches(family, proto, port, type, r4, rHi, rLo)) {
                return r;
            }
        }
        return null;
    }

    /**
     * Whether a packet of a tracked connection seen on a non-owner thread must be reported to the owner: one that
     * moves the state (TCP SYN/FIN/RST, a packet during the handshake, the first reply of UDP or ICMP) or an idle
     * timer past half its timeout. A UDP or ICMP packet in the original direction of an unanswered connection moves
     * nothing: posting it would cost a queue entry per packet of a one-way flood (and fill the queue).
     */
    private boolean needsUpdate(int ref, PacketTuple t, long nowNs) {
        if ((t.tcpFlags & (TcpHeader.SYN | TcpHeader.FIN | TcpHeader.RST)) != 0) {
            return true;
        }
        int state = ct.state(ref);
        if (state == CtState.TCP_SYN_SENT || state == CtState.TCP_SYN_RECV) {
            return true;
        }
        if ((state == CtState.UDP_UNREPLIED || state == CtState.ICMP_UNREPLIED)
                && Conntrack.direction(ref) == Conntrack.REPLY) {
            return true;
        }
        return ct.expiresNs(ref) - nowNs < ct.timeouts().of(state) / 2;
    }

    /** Owner thread: opens the connection of an allowed first packet, marked with the rule that allowed it. */
    private void create(PacketTuple t, Ipv6AddressPair p, int serial, int bytes, long nowNs) {
        int ref = ct.create(zone(p), t, t.src, t.dst, t.srcPort, t.dstPort, nowNs);
        if (ref >= 0) {
            if (p != null) {
                p.store(v6, Conntrack.connection(ref));
            }
            ct.setMark(ref, serial);
            ct.track(ref, t.tcpFlags, bytes, nowNs);
        }
        // FULL (counted by conntrack) or INVALID (a packet that cannot open one): passed, untracked.
    }

    /** Another thread: hands a creation or an update to the owner (drained in {@link Drain#onMessage}). */
    private void post(int type, PacketTuple t, Ipv6AddressPair p, int bytes, int serial) {
        MutableDirectBuffer b = queue.buffer();
        int i = queue.tryClaim(type, p == null ? MSG_LENGTH : MSG6_LENGTH);
        if (i <= 0) {
            queueFull.incrementAndGet();
            return;
        }
        b.putInt(i, t.proto);
        b.putInt(i + 4, t.src);
        b.putInt(i + 8, t.dst);
        b.putInt(i + 12, t.srcPort << 16 | t.dstPort & 0xffff);
        b.putInt(i + 16, t.tcpFlags);
        b.putInt(i + 20, t.icmpType);
        b.putInt(i + 24, bytes);
        b.putInt(i + 28, serial);
        if (p != null) {
            p.writeMessage(b, i + MSG_LENGTH);
        }
        queue.commit(i);
        if (!drainScheduled.get() && drainScheduled.compareAndSet(false, true)) {
            ownerExecutor.execute(drainTask);
        }
    }

    private void drainScheduled() {
        drainScheduled.set(false);
        drainQueue(clock.getAsLong());
    }

    /** Owner thread: applies what other threads posted. */
    public void drainQueue(long nowNs) {
        if (queue.size() == 0) {
            return;
        }
        drain.nowNs = nowNs;
        queue.read(drain);
    }

    private final class Drain implements MessageHandler {
        final PacketTuple t = new PacketTuple();
        final Ipv6AddressPair addresses = new Ipv6AddressPair();
        long nowNs;

        @Override
        public void onMessage(int type, MutableDirectBuffer b, int i, int length) {
            t.proto = b.getInt(i);
            t.src = b.getInt(i + 4);
            t.dst = b.getInt(i + 8);
            int ports = b.getInt(i + 12);
            t.srcPort = ports >>> 16;
            t.dstPort = ports & 0xffff;
            t.tcpFlags = b.getInt(i + 16);
            t.icmpType = b.getInt(i + 20);
            int bytes = b.getInt(i + 24);
            int serial = b.getInt(i + 28);
            Ipv6AddressPair p = null;
            if (length == MSG6_LENGTH) { // an IPv6 connection's: its addresses follow
                p = addresses;
                p.readMessage(b, i + MSG_LENGTH);
            }
            int ref = lookup(true, t, p);
            if (ref >= 0) {
                ct.track(ref, t.tcpFlags, bytes, nowNs);
            } else if (type == MSG_CREATE && hasRule(serial)) {
                create(t, p, serial, bytes, nowNs);
            }
        }
    }

    private boolean hasRule(int serial) {
        for (AclRule r : ingressRules) {
            if (r.serial == serial) {
                return true;
            }
        }
        for (AclRule r : egressRules) {
            if (r.serial == serial) {
                return true;
            }
        }
        return false;
    }
}
