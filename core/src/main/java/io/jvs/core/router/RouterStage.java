package io.jvs.core.router;

import java.nio.ByteBuffer;
import java.util.List;

import io.jvs.core.conntrack.Conntrack;
import io.jvs.core.conntrack.NatRewriter;
import io.jvs.core.conntrack.PacketTuple;
import io.jvs.core.packet.ArpHeader;
import io.jvs.core.packet.Checksum;
import io.jvs.core.packet.ChecksumOffload;
import io.jvs.core.packet.EthernetHeader;
import io.jvs.core.packet.GsoSegmenter;
import io.jvs.core.packet.IcmpHeader;
import io.jvs.core.packet.Ipv4Header;
import io.jvs.core.packet.MacAddress;
import io.jvs.core.packet.SegmentSink;
import io.jvs.core.packet.TcpHeader;
import io.jvs.core.packet.UdpHeader;
import io.jvs.core.packet.VirtioNetHeader;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One IPv4 router: what happens to an Ethernet frame received on one of its ports.
 *
 * <pre>
 *  frame on port i
 *   ARP          -> learn the sender; answer requests for port i's address; release packets waiting for it
 *   IPv4         -> validate the header (RFC 1812 5.2.2)
 *     NAT on     -> conntrack lookup; an ICMP error is translated with the connection it is about
 *     for us     -> echo request: echo reply; anything else dropped
 *     route      -> longest-prefix match (no route: ICMP net unreachable)
 *     NAT on     -> a new connection crossing the external port: SNAT / floating IP, or unsolicited drop
 *     TTL <= 1   -> ICMP time exceeded;  too big: ICMP fragmentation needed (DF) or drop
 *     rewrite    -> NAT translation, TTL - 1, both with incremental checksums
 *     next hop   -> known: set the MACs and send;  unknown: queue the frame, send an ARP request
 * </pre>
 *
 * <p>Errors the router sends about a received frame go back out of the port it came in on, to the frame's source
 * MAC: that is the previous hop, so no ARP is needed. A packet whose next hop never answers ARP is answered with
 * host unreachable, routed like any packet (and translated by conntrack as a related error, if NATed).
 *
 * <p>Threading: single owner. {@link #receive} and {@link #poll} run on the router's owner thread, which also owns
 * its {@link ArpCache} and writes its {@link Conntrack}. The control thread only publishes ports
 * ({@link #setPorts}), NAT rules ({@link #setNatRules}) and routes ({@link #routes}) through volatile fields, and
 * reads counters. The forwarding path allocates nothing: outputs go to a {@link FrameSink} the caller provides,
 * frames are rewritten in place, generated packets are built in two preallocated scratch buffers.
 */
public final class RouterStage {
    /** Where the router's output goes. The frame is valid during the call only: copy or send before returning. */
    @FunctionalInterface
    public interface FrameSink {
        void send(int port, DirectBuffer buf, int off, int len);

        /**
         * A forwarded frame that still carries offload work (a partial checksum, or a GSO super-frame with one):
         * its virtio-net header, updated, is the {@link VirtioNetHeader#LENGTH} bytes before {@code off}, in the
         * caller's buffer. Only {@link #receiveOffloaded} sends these; sinks given to it must take them.
         */
        default void sendOffloaded(int port, MutableDirectBuffer buf, int off, int len) {
            throw new IllegalStateException("this sink takes no frames with offload work");
        }
    }

    /**
     * Where packets addressed to the router itself go when the stage does not answer them (anything but ARP and ICMP
     * echo): a host stack bound to the router, e.g. a namespace behind a TAP per router port. The frame is valid
     * during the call only. Without one (the default) such packets are dropped as {@code local_unsupported}.
     */
    @FunctionalInterface
    public interface LocalDelivery {
        void deliver(int port, DirectBuffer buf, int off, int len);
    }

    /** Results of {@link #receive}. */
    public static final int FORWARDED = 0;
    /** The router answered (ARP reply, echo reply); the answer went to the sink. */
    public static final int ANSWERED = 1;
    /** Waiting for ARP; the frame was copied, the caller's buffer is free. */
    public static final int QUEUED = 2;
    /** Taken in without output (an ARP reply). */
    public static final int CONSUMED = 3;
    /** Dropped; see {@link #lastDropReason} and {@link #drops}. An ICMP error may have been sent. */
    public static final int DROPPED = 4;
    /** Addressed to the router and handed to its {@link LocalDelivery}, unchanged. */
    public static final int DELIVERED = 5;

    /** Connection slots the expiry sweep visits per {@link #poll}. */
    public static final int CT_SWEEP_PER_POLL = 4096;

    private static final int SCRATCH_BYTES = 2048;
    /** {@link #offload}: a complete frame. */
    private static final int OFFLOAD_NONE = 0;
    /** {@link #offload}: a frame whose TCP/UDP checksum is partial (the pseudo-header sum). */
    private static final int OFFLOAD_PARTIAL = 1;
    /** {@link #offload}: a TCPv4 GSO super-frame routed whole, its checksum partial. */
    private static final int OFFLOAD_GSO = 2;
    /** {@link #unOffload}: the frame is complete now, carry on. */
    private static final int CONTINUE = -1;
    /** {@link #chooseSource} found no free port; no real source packs to it (its address would be all ones). */
    private static final long NO_SOURCE = -1L;

    private final int zone;
    private final Conntrack ct;
    private final ArpCache arp;
    private final IcmpRateLimiter icmpLimiter;
    private final RouteTable routes = new RouteTable();

    private volatile RouterPort[] ports = new RouterPort[0];
    private volatile NatRules nat = NatRules.NONE;
    private volatile LocalDelivery local;

    private final PacketTuple tuple = new PacketTuple();
    private final PacketTuple inner = new PacketTuple();
    private final UnsafeBuffer arpScratch = new UnsafeBuffer(ByteBuffer.allocateDirect(SCRATCH_BYTES));
    private final UnsafeBuffer icmpScratch = new UnsafeBuffer(ByteBuffer.allocateDirect(SCRATCH_BYTES));
    private final ArpEvents arpEvents = new ArpEvents();

    private final long[] drops = new long[RouterDropReason.COUNT];
    private RouterDropReason lastDrop;
    private long forwarded;
    private long delivered;
    private long icmpSent;
    private long icmpRateLimited;

    // Per call, so the ARP listener (a preallocated object) knows where to send.
    private FrameSink sink;
    private long nowNs;

    // The frame receiveOffloaded is routing: what offload work it carries, and how many wire packets it stands for
    // (a super-frame's segments: drops and forwarded count them). NONE and 1 outside receiveOffloaded.
    private int offload = OFFLOAD_NONE;
    private int segments = 1;
    private int segmentBytes; // GSO: the IP bytes of all its segments together
    private int segmentLength; // GSO: the IP length of each segment but the last (headers + gso_size, minus Ethernet)
    private int offloadPort;
    private MutableDirectBuffer offloadBuf;
    private int offloadOff;
    private int offloadLen;
    // Super-frames that cannot be routed whole are cut here and each segment, copied out of the segmenter (which
    // builds the next one on the headers of the last), routed. Allocated on the first such super-frame, once.
    private GsoSegmenter segmenter;
    private UnsafeBuffer segmentCopy;
    private final SegmentSink segmentSink = this::receiveSegment;
    private int lastSegmentResult; // what routing the last segment of a cut super-frame returned
    private long gsoWhole;
    private long gsoSegmented;

    /**
     * @param zone this router's conntrack zone (its id), so a shared table keeps its entries apart.
     * @param ct the conntrack table, written only by this router's owner thread.
     */
    public RouterStage(int zone, Conntrack ct, ArpCache.Config arpConfig, IcmpRateLimiter icmpLimiter) {
        this.zone = zone;
        this.ct = ct;
        this.arp = new ArpCache(arpConfig);
        this.icmpLimiter = icmpLimiter;
    }

    // ------------------------------------------------------------------ control thread

    /**
     * Control thread: sets the router's ports (indexed by {@link RouterPort#index}) and replaces their connected
     * routes; static routes are kept.
     */
    public synchronized void setPorts(List<RouterPort> list) {
        int max = -1;
        for (RouterPort p : list) {
            max = Math.max(max, p.index());
        }
        final RouterPort[] array = new RouterPort[max + 1];
        for (RouterPort p : list) {
            if (array[p.index()] != null) {
                throw new IllegalArgumentException("router port index " + p.index() + " given twice");
            }
            array[p.index()] = p;
        }
        for (RouterPort old : ports) {
            if (old != null) {
                routes.remove(old.address(), old.prefixLength());
            }
        }
        routes.addAll(list.stream().map(RouterPort::connectedRoute).toList());
        ports = array;
    }

    /** Control thread: where unanswered packets for the router's own addresses go (null: dropped). */
    public void setLocalDelivery(LocalDelivery delivery) {
        local = delivery;
    }

    /** Control thread: publishes new NAT rules; existing connections keep their translation. */
    public void setNatRules(NatRules rules) {
        nat = rules;
    }

    /** The route table; the control thread adds static routes here. */
    public RouteTable routes() {
        return routes;
    }

    public NatRules natRules() {
        return nat;
    }

    public RouterPort port(int index) {
        final RouterPort[] ps = ports;
        return index >= 0 && index < ps.length ? ps[index] : null;
    }

    // ------------------------------------------------------------------ owner thread

    /**
     * Handles one frame received on router port {@code inPort}, in place in {@code buf}. Returns
     * {@link #FORWARDED}, {@link #ANSWERED}, {@link #QUEUED}, {@link #CONSUMED} or {@link #DROPPED}; every output,
     * including ARP requests and ICMP errors, goes to {@code out}.
     */
    public int receive(int inPort, MutableDirectBuffer buf, int off, int len, long nowNs, FrameSink out) {
        this.sink = out;
        this.nowNs = nowNs;
        final RouterPort[] ps = ports;
        if (inPort < 0 || inPort >= ps.length || ps[inPort] == null) {
            return drop(RouterDropReason.UNKNOWN_PORT);
        }
        final RouterPort in = ps[inPort];
        if (len < EthernetHeader.LENGTH) {
            return drop(RouterDropReason.RUNT);
        }
        final long dstMac = EthernetHeader.dst(buf, off);
        final boolean broadcast = MacAddress.isBroadcast(dstMac);
        if (dstMac != in.mac() && !broadcast) {
            return drop(RouterDropReason.NOT_OUR_MAC);
        }
        final int etherType = EthernetHeader.etherType(buf, off);
        if (etherType == EthernetHeader.ETH_P_ARP) {
            return receiveArp(in, buf, off, len);
        }
        if (etherType != EthernetHeader.ETH_P_IPV4) {
            return drop(RouterDropReason.UNSUPPORTED_ETHERTYPE);
        }
        if (broadcast) {
            return drop(RouterDropReason.NOT_ROUTABLE);
        }
        final int ipOff = off + EthernetHeader.LENGTH;
        final int available = len - EthernetHeader.LENGTH;
        if (available < Ipv4Header.MIN_LENGTH || Ipv4Header.version(buf, ipOff) != Ipv4Header.VERSION) {
            return drop(RouterDropReason.BAD_IP_HEADER);
        }
        final int ihl = Ipv4Header.headerLength(buf, ipOff);
        final int ipLen = Ipv4Header.totalLength(buf, ipOff);
        if (ihl < Ipv4Header.MIN_LENGTH || ipLen < ihl || ipLen > available
                || !Checksum.isIpv4HeaderChecksumValid(buf, ipOff)) {
            return drop(RouterDropReason.BAD_IP_HEADER);
        }
        return routeIpv4(ps, in, buf, off, ipOff, ipLen, EthernetHeader.src(buf, off));
    }

    /**
     * {@link #receive} for a frame that may carry offload work, described by the virtio-net header in the
     * {@link VirtioNetHeader#LENGTH} bytes before {@code off} (a router leg takes what a VM's TSO sends, unsegmented).
     *
     * <ul>
     *   <li>A TCPv4 GSO super-frame of a tracked or untracked-but-routed flow is routed whole: one route, conntrack
     *       and NAT decision, the NAT applied to the partial checksum's pseudo-header sum, TTL decremented, and out
     *       through {@link FrameSink#sendOffloaded} with its header, so an output that takes offloads sends 64 KiB at
     *       once and one that does not gets the segments from the Forwarder. Whenever the segments would not all
     *       meet the same fate (the router answers or delivers it, an ICMP error, the next hop unresolved, a new
     *       connection, conntrack refusing one of them, segments too big for the output, a SYN or RST, anything
     *       the whole path does not handle) the super-frame is cut here and each segment routed as a complete
     *       frame, exactly as if the Forwarder had cut it before the leg.</li>
     *   <li>A TCP or UDP frame with a partial checksum is routed with it partial (NAT updates the pseudo-header sum)
     *       and leaves through {@link FrameSink#sendOffloaded}; it is completed first wherever the router keeps,
     *       quotes or delivers it instead (ARP queue, ICMP errors, local delivery). Other partial frames are
     *       completed at once.</li>
     * </ul>
     * Drops of a super-frame routed whole count each of its segments; so does {@code forwarded}.
     */
    public int receiveOffloaded(int inPort, MutableDirectBuffer buf, int off, int len, long nowNs, FrameSink out) {
        final int vnet = off - VirtioNetHeader.LENGTH;
        final int flags = VirtioNetHeader.flags(buf, vnet);
        final int gsoType = VirtioNetHeader.gsoType(buf, vnet);
        final int csumStart = VirtioNetHeader.csumStart(buf, vnet);
        final int csumOffset = VirtioNetHeader.csumOffset(buf, vnet);
        final boolean partial = (flags & VirtioNetHeader.FLAG_NEEDS_CSUM) != 0;
        if (gsoType == VirtioNetHeader.GSO_NONE) {
            if (!partial) {
                return receive(inPort, buf, off, len, nowNs, out);
            }
            if (!partialL4(buf, off, len, csumStart, csumOffset)) {
                if (!ChecksumOffload.complete(buf, off, len, csumStart, csumOffset)) {
                    this.sink = out;
                    return drop(RouterDropReason.OFFLOAD_MALFORMED);
                }
                VirtioNetHeader.setFlags(buf, vnet, 0);
                return receive(inPort, buf, off, len, nowNs, out);
            }
            return receiveWith(OFFLOAD_PARTIAL, 1, inPort, buf, off, len, nowNs, out);
        }
        final int gsoSize = VirtioNetHeader.gsoSize(buf, vnet);
        final int headers = wholeGsoHeaders(inPort, buf, off, len, gsoType, partial, csumStart, csumOffset);
        if (headers < 0 || gsoSize < 1) {
            this.sink = out;
            this.nowNs = nowNs;
            return segmentAndReceive(inPort, buf, off, len, gsoType, gsoSize);
        }
        final int payload = len - headers;
        final int n = payload == 0 ? 1 : (payload + gsoSize - 1) / gsoSize;
        segmentLength = headers - EthernetHeader.LENGTH + gsoSize;
        segmentBytes = payload + n * (headers - EthernetHeader.LENGTH);
        return receiveWith(OFFLOAD_GSO, n, inPort, buf, off, len, nowNs, out);
    }

    private int receiveWith(int kind, int n, int inPort, MutableDirectBuffer buf, int off, int len, long nowNs,
            FrameSink out) {
        offload = kind;
        segments = n;
        offloadPort = inPort;
        offloadBuf = buf;
        offloadOff = off;
        offloadLen = len;
        try {
            return receive(inPort, buf, off, len, nowNs, out);
        } finally {
            offload = OFFLOAD_NONE;
            segments = 1;
            offloadBuf = null;
        }
    }

    /**
     * Whether a partial checksum is a TCP or UDP checksum over IPv4 starting at the L4 header, the only kind routed
     * partial (NAT must know where the field is and what it sums).
     */
    private static boolean partialL4(DirectBuffer buf, int off, int len, int csumStart, int csumOffset) {
        if (len < EthernetHeader.LENGTH + Ipv4Header.MIN_LENGTH
                || EthernetHeader.etherType(buf, off) != EthernetHeader.ETH_P_IPV4) {
            return false;
        }
        final int ipOff = off + EthernetHeader.LENGTH;
        final int ihl = Ipv4Header.headerLength(buf, ipOff);
        if (Ipv4Header.version(buf, ipOff) != Ipv4Header.VERSION || ihl < Ipv4Header.MIN_LENGTH
                || csumStart != EthernetHeader.LENGTH + ihl || Ipv4Header.isFragment(buf, ipOff)) {
            return false;
        }
        final int end = EthernetHeader.LENGTH + Math.min(Ipv4Header.totalLength(buf, ipOff), len - EthernetHeader.LENGTH);
        return switch (Ipv4Header.protocol(buf, ipOff)) {
            case Ipv4Header.PROTO_TCP -> csumOffset == TcpHeader.CHECKSUM_OFFSET
                    && csumStart + TcpHeader.MIN_LENGTH <= end;
            case Ipv4Header.PROTO_UDP -> csumOffset == UdpHeader.CHECKSUM_OFFSET
                    && csumStart + UdpHeader.LENGTH <= end;
            default -> false;
        };
    }

    /**
     * The header bytes (Ethernet to TCP) each segment of this super-frame repeats, when it can be routed whole: a
     * TCPv4 super-frame with its checksum partial at the TCP header, an exact IP length and a valid IPv4 header
     * checksum, not a fragment, neither SYN nor RST. -1 otherwise.
     */
    private int wholeGsoHeaders(int inPort, DirectBuffer buf, int off, int len, int gsoType,
            boolean partial, int csumStart, int csumOffset) {
        final RouterPort in = port(inPort);
        if (in == null || VirtioNetHeader.gsoBaseType(gsoType) != VirtioNetHeader.GSO_TCPV4 || !partial
                || len < EthernetHeader.LENGTH + Ipv4Header.MIN_LENGTH + TcpHeader.MIN_LENGTH
                || EthernetHeader.dst(buf, off) != in.mac()
                || EthernetHeader.etherType(buf, off) != EthernetHeader.ETH_P_IPV4) {
            return -1;
        }
        final int ipOff = off + EthernetHeader.LENGTH;
        final int ihl = Ipv4Header.headerLength(buf, ipOff);
        if (Ipv4Header.version(buf, ipOff) != Ipv4Header.VERSION || ihl < Ipv4Header.MIN_LENGTH
                || Ipv4Header.totalLength(buf, ipOff) != len - EthernetHeader.LENGTH
                || Ipv4Header.protocol(buf, ipOff) != Ipv4Header.PROTO_TCP || Ipv4Header.isFragment(buf, ipOff)
                || csumStart != EthernetHeader.LENGTH + ihl || csumOffset != TcpHeader.CHECKSUM_OFFSET
                || EthernetHeader.LENGTH + ihl + TcpHeader.MIN_LENGTH > len
                || !Checksum.isIpv4HeaderChecksumValid(buf, ipOff)) {
            return -1;
        }
        final int l4Off = ipOff + ihl;
        final int thl = TcpHeader.headerLength(buf, l4Off);
        final int headers = EthernetHeader.LENGTH + ihl + thl;
        if (thl < TcpHeader.MIN_LENGTH || headers > len
                || (TcpHeader.flags(buf, l4Off) & (TcpHeader.SYN | TcpHeader.RST)) != 0) {
            return -1;
        }
        return headers;
    }

    /** Cuts a super-frame and routes each segment as a complete frame; the result is the last segment's. */
    private int segmentAndReceive(int inPort, MutableDirectBuffer buf, int off, int len, int gsoType, int gsoSize) {
        if (segmenter == null) {
            segmenter = new GsoSegmenter(GsoSegmenter.MAX_SEGMENT_BYTES);
            segmentCopy = new UnsafeBuffer(ByteBuffer.allocateDirect(GsoSegmenter.MAX_SEGMENT_BYTES));
        }
        offload = OFFLOAD_NONE;
        segments = 1;
        offloadPort = inPort;
        lastSegmentResult = DROPPED;
        final int n = segmenter.segment(buf, off, len, gsoType, gsoSize, segmentSink);
        if (n < 0) {
            return drop(RouterDropReason.OFFLOAD_MALFORMED);
        }
        gsoSegmented++;
        return lastSegmentResult;
    }

    private void receiveSegment(MutableDirectBuffer seg, int off, int len) {
        // Routing rewrites the segment in place (MACs, TTL, NAT); the segmenter reuses its headers for the next.
        segmentCopy.putBytes(0, seg, off, len);
        lastSegmentResult = receive(offloadPort, segmentCopy, 0, len, nowNs, sink);
    }

    /**
     * The frame being routed must be complete from here on (the router keeps, quotes, answers or delivers it): a
     * partial checksum is completed in place and routing goes on ({@link #CONTINUE}); a super-frame is cut and its
     * segments routed one by one, which is the result. Nothing may have been changed in the frame or in conntrack
     * before a super-frame comes here.
     */
    private int unOffload() {
        if (offload == OFFLOAD_PARTIAL) {
            final MutableDirectBuffer buf = offloadBuf;
            final int vnet = offloadOff - VirtioNetHeader.LENGTH;
            ChecksumOffload.complete(buf, offloadOff, offloadLen, VirtioNetHeader.csumStart(buf, vnet),
                    VirtioNetHeader.csumOffset(buf, vnet));
            VirtioNetHeader.setFlags(buf, vnet, 0);
            offload = OFFLOAD_NONE;
            return CONTINUE;
        }
        final MutableDirectBuffer buf = offloadBuf;
        final int vnet = offloadOff - VirtioNetHeader.LENGTH;
        return segmentAndReceive(offloadPort, buf, offloadOff, offloadLen, VirtioNetHeader.gsoType(buf, vnet),
                VirtioNetHeader.gsoSize(buf, vnet));
    }

    private int receiveArp(RouterPort in, MutableDirectBuffer buf, int off, int len) {
        final int arpOff = off + EthernetHeader.LENGTH;
        if (len < EthernetHeader.LENGTH + ArpHeader.LENGTH) {
            return drop(RouterDropReason.RUNT);
        }
        if (!ArpHeader.isEthernetIpv4(buf, arpOff)) {
            return drop(RouterDropReason.ARP_UNSUPPORTED);
        }
        final int op = ArpHeader.operation(buf, arpOff);
        final int senderIp = ArpHeader.senderIp(buf, arpOff);
        final long senderMac = ArpHeader.senderMac(buf, arpOff);
        final int targetIp = ArpHeader.targetIp(buf, arpOff);
        final boolean forUs = isOurArpTarget(in, targetIp);
        if (op != ArpHeader.OPER_REQUEST && op != ArpHeader.OPER_REPLY) {
            return drop(RouterDropReason.ARP_UNSUPPORTED);
        }
        // RFC 826: merge the sender into the table if known; add it when the packet is meant for us. A sender of
        // 0.0.0.0 is an address probe (RFC 5227) and teaches nothing.
        if (senderIp != 0 && !MacAddress.isMulticast(senderMac)) {
            arp.learn(in.index(), senderIp, senderMac, nowNs, forUs, arpEvents);
        }
        if (op == ArpHeader.OPER_REQUEST) {
            if (!forUs) {
                return drop(RouterDropReason.ARP_NOT_FOR_US);
            }
            // The answer speaks for the address asked about: the port's own, the SNAT address or a floating IP.
            final int frameLen = ArpHeader.writeReplyFrame(buf, off, in.mac(), targetIp, senderMac, senderIp);
            sink.send(in.index(), buf, off, frameLen);
            return ANSWERED;
        }
        return CONSUMED;
    }

    /**
     * The addresses the router answers ARP for on {@code in}: the port's own, and on the external port the SNAT
     * address and the floating IPs (the upstream router must send their traffic to us).
     */
    private boolean isOurArpTarget(RouterPort in, int target) {
        if (target == in.address()) {
            return true;
        }
        final NatRules rules = nat;
        return in.index() == rules.externalPort() && target != 0
                && (target == rules.snatAddress() || rules.internalOf(target) != 0);
    }

    /**
     * Routes the validated IPv4 packet at {@code ipOff} that arrived on {@code in}. {@code prevHopMac} is where
     * errors and echo replies go, or -1 for a packet the router generated itself (it gets no answer).
     */
    private int routeIpv4(RouterPort[] ps, RouterPort in, MutableDirectBuffer buf, int off, int ipOff, int ipLen,
            long prevHopMac) {
        final PacketTuple t = tuple;
        final int parsed = t.parse(buf, ipOff, ipLen);
        final NatRules rules = nat;
        final boolean natOn = rules.enabled();
        final boolean fromOutside = in.index() == rules.externalPort();
        int ref = Conntrack.MISS;
        boolean related = false;
        int newSrc = t.src;
        int newDst = t.dst;
        int newSrcPort = t.srcPort;
        int newDstPort = t.dstPort;

        if (natOn) {
            if (parsed == PacketTuple.OK) {
                ref = ct.lookup(zone, t);
                if (ref >= 0) {
                    newSrc = ct.outSrc(ref);
                    newDst = ct.outDst(ref);
                    newSrcPort = ct.outSrcPort(ref);
                    newDstPort = ct.outDstPort(ref);
                }
            } else if (parsed == PacketTuple.ICMP_ERROR) {
                // Related to a connection: translated now, outer and embedded; routed below on its new destination.
                if (NatRewriter.translateIcmpError(ct, zone, buf, ipOff, ipLen, t, inner) >= 0) {
                    related = true;
                    newSrc = t.src;
                    newDst = t.dst;
                }
            }
        }

        // For the router itself? (The SNAT address counts: nothing reaches it but replies, found above.)
        if (isLocal(ps, newDst) || natOn && newDst == rules.snatAddress() && !related && ref < 0) {
            if (offload != OFFLOAD_NONE) {
                final int r = unOffload();
                if (r != CONTINUE) {
                    return r;
                }
            }
            if (t.proto == Ipv4Header.PROTO_ICMP && t.icmpType == IcmpHeader.TYPE_ECHO_REQUEST
                    && parsed == PacketTuple.OK && ref < 0 && prevHopMac >= 0) {
                IcmpBuilder.echoReplyInPlace(buf, off, ipOff, t.l4Off, in.mac());
                sink.send(in.index(), buf, off, EthernetHeader.LENGTH + ipLen);
                return ANSWERED;
            }
            final LocalDelivery host = local;
            if (host != null && prevHopMac >= 0) {
                // Untranslated, TTL untouched: the host stack sees what was sent to the router.
                host.deliver(in.index(), buf, off, EthernetHeader.LENGTH + ipLen);
                delivered++;
                return DELIVERED;
            }
            return drop(natOn && fromOutside && ref < 0 ? RouterDropReason.NAT_UNSOLICITED
                    : RouterDropReason.LOCAL_UNSUPPORTED);
        }
        // RFC 1812 5.3.7: no forwarding from martian sources or to multicast and limited broadcast.
        if (IcmpBuilder.isMulticastOrBroadcast(newDst) || newDst == 0 || !IcmpBuilder.isUnicastHost(t.src)) {
            return drop(RouterDropReason.NOT_ROUTABLE);
        }

        // A new connection to a floating IP: route on the internal address it maps to.
        boolean create = false;
        if (natOn && ref < 0 && parsed == PacketTuple.OK) {
            final int internal = rules.internalOf(t.dst);
            if (internal != 0 && offload == OFFLOAD_GSO) {
                return unOffload(); // a new connection: its segments one by one
            }
            if (internal != 0) {
                newDst = internal;
                create = true;
                if (!fromOutside) {
                    // Hairpin: an inside host reaching another through its floating IP. Translating the source too
                    // makes the answer come back through us instead of going straight to the asker, who would
                    // not recognise it.
                    final long source = chooseSource(rules, t, internal);
                    if (source == NO_SOURCE) {
                        return drop(RouterDropReason.NAT_PORTS_EXHAUSTED);
                    }
                    newSrc = (int) (source >>> 32);
                    newSrcPort = (int) source & 0xffff;
                    newDstPort = t.isIcmpEcho() ? newSrcPort : newDstPort;
                }
            }
        }

        final long route = routes.lookup(newDst);
        if (route == Fib.NO_ROUTE) {
            if (offload != OFFLOAD_NONE) {
                final int r = unOffload();
                if (r != CONTINUE) {
                    return r;
                }
            }
            sendError(in, prevHopMac, buf, ipOff, ipLen, IcmpHeader.TYPE_DEST_UNREACHABLE,
                    IcmpHeader.CODE_NET_UNREACHABLE, 0);
            return drop(RouterDropReason.NO_ROUTE);
        }
        final int outIndex = Fib.port(route);
        final RouterPort out = outIndex < ps.length ? ps[outIndex] : null;
        if (out == null) {
            return drop(RouterDropReason.NO_ROUTE); // a static route to a port that went away
        }
        final int nextHop = Fib.nextHop(route) != 0 ? Fib.nextHop(route) : newDst;
        if (Fib.nextHop(route) == 0 && isDirectedBroadcast(out, newDst)) {
            return drop(RouterDropReason.NOT_ROUTABLE); // RFC 2644: directed broadcasts are not forwarded
        }

        // NAT boundary checks for packets without a connection.
        if (natOn && ref < 0 && !create && !related) {
            final boolean toOutside = outIndex == rules.externalPort();
            if (fromOutside && !toOutside) {
                return drop(switch (parsed) {
                    case PacketTuple.ICMP_ERROR -> RouterDropReason.NAT_ICMP_NO_CONNECTION;
                    case PacketTuple.FRAGMENT -> RouterDropReason.NAT_FRAGMENT;
                    default -> RouterDropReason.NAT_UNSOLICITED;
                });
            }
            if (toOutside && !fromOutside) {
                switch (parsed) {
                    case PacketTuple.OK -> {
                        if (offload == OFFLOAD_GSO) {
                            return unOffload(); // a new connection: its segments one by one
                        }
                        final long source = chooseSource(rules, t, newDst);
                        if (source == NO_SOURCE) {
                            return drop(RouterDropReason.NAT_PORTS_EXHAUSTED);
                        }
                        newSrc = (int) (source >>> 32);
                        newSrcPort = (int) source & 0xffff;
                        newDstPort = t.isIcmpEcho() ? newSrcPort : newDstPort;
                        create = true;
                    }
                    case PacketTuple.FRAGMENT -> {
                        return drop(RouterDropReason.NAT_FRAGMENT);
                    }
                    case PacketTuple.ICMP_ERROR -> {
                        return drop(RouterDropReason.NAT_ICMP_NO_CONNECTION);
                    }
                    case PacketTuple.TRUNCATED -> {
                        return drop(RouterDropReason.RUNT);
                    }
                    default -> {
                        return drop(RouterDropReason.NAT_UNSUPPORTED_PROTOCOL);
                    }
                }
            }
        }

        // Checks that answer with errors look at the packet as its sender sent it, before any rewrite.
        if (offload != OFFLOAD_NONE && (Ipv4Header.ttl(buf, ipOff) <= 1
                || (offload == OFFLOAD_GSO ? segmentLength : ipLen) > out.mtu())) {
            final int r = unOffload(); // an ICMP error quotes the datagram as complete segments
            if (r != CONTINUE) {
                return r;
            }
        }
        if (offload == OFFLOAD_GSO && arp.lookup(out.index(), nextHop) == ArpCache.MISS) {
            return unOffload(); // the ARP queue keeps complete frames
        }
        if (Ipv4Header.ttl(buf, ipOff) <= 1) {
            sendError(in, prevHopMac, buf, ipOff, ipLen, IcmpHeader.TYPE_TIME_EXCEEDED,
                    IcmpHeader.CODE_TTL_EXCEEDED, 0);
            return drop(RouterDropReason.TTL_EXCEEDED);
        }
        if ((offload == OFFLOAD_GSO ? segmentLength : ipLen) > out.mtu()) {
            if ((Ipv4Header.flagsFragment(buf, ipOff) & Ipv4Header.FLAG_DF) != 0) {
                sendError(in, prevHopMac, buf, ipOff, ipLen, IcmpHeader.TYPE_DEST_UNREACHABLE,
                        IcmpHeader.CODE_FRAGMENTATION_NEEDED, out.mtu() & 0xffff);
                return drop(RouterDropReason.FRAG_NEEDED);
            }
            return drop(RouterDropReason.FRAGMENTATION_UNSUPPORTED);
        }

        if (create) {
            ref = ct.create(zone, t, newSrc, newDst, newSrcPort, newDstPort, nowNs);
            if (ref < 0) {
                return drop(switch (ref) {
                    case Conntrack.FULL -> RouterDropReason.CT_TABLE_FULL;
                    case Conntrack.EXISTS -> RouterDropReason.NAT_COLLISION;
                    default -> RouterDropReason.CT_INVALID;
                });
            }
        }
        if (ref >= 0) {
            if (offload == OFFLOAD_GSO) {
                if (ct.trackSegments(ref, t.tcpFlags, segments, segmentBytes, nowNs) == Conntrack.INVALID) {
                    return unOffload(); // refusals are per segment
                }
            } else if (ct.track(ref, t.tcpFlags, ipLen, nowNs) == Conntrack.INVALID) {
                return drop(RouterDropReason.CT_INVALID);
            }
            if (newSrc != t.src || newDst != t.dst || newSrcPort != t.srcPort || newDstPort != t.dstPort) {
                if (offload != OFFLOAD_NONE) {
                    NatRewriter.rewritePartial(buf, ipOff, t, newSrc, newDst, newSrcPort, newDstPort);
                } else {
                    NatRewriter.rewrite(buf, ipOff, t, newSrc, newDst, newSrcPort, newDstPort);
                }
            }
        }
        Ipv4Header.decrementTtl(buf, ipOff);
        return sendTo(out, nextHop, buf, off, EthernetHeader.LENGTH + ipLen);
    }

    /**
     * The source a new outbound connection leaves from, packed as {@code address << 32 | port}: the floating IP of
     * the sender (port kept), else the SNAT address and a free port for replies from {@code dst}, else the sender
     * itself (tracked untranslated). {@link #NO_SOURCE} when the SNAT range has no free port.
     */
    private long chooseSource(NatRules rules, PacketTuple t, int dst) {
        final int fip = rules.fipOf(t.src);
        if (fip != 0) {
            return (long) fip << 32 | t.srcPort;
        }
        if (rules.snatAddress() == 0) {
            return (long) t.src << 32 | t.srcPort;
        }
        final int port = rules.pickSnatPort(ct, zone, t, dst);
        return port < 0 ? NO_SOURCE : (long) rules.snatAddress() << 32 | port;
    }

    private int sendTo(RouterPort out, int nextHop, MutableDirectBuffer buf, int off, int frameLen) {
        final long mac = arp.lookup(out.index(), nextHop);
        if (mac != ArpCache.MISS) {
            EthernetHeader.setDst(buf, off, mac);
            EthernetHeader.setSrc(buf, off, out.mac());
            if (offload != OFFLOAD_NONE) {
                if (offload == OFFLOAD_GSO) {
                    gsoWhole++;
                }
                sink.sendOffloaded(out.index(), buf, off, frameLen);
            } else {
                sink.send(out.index(), buf, off, frameLen);
            }
            forwarded += segments;
            return FORWARDED;
        }
        if (offload != OFFLOAD_NONE) {
            unOffload(); // a partial checksum (never a super-frame here): the queue keeps complete frames
        }
        switch (arp.enqueue(out.index(), nextHop, buf, off, frameLen, nowNs)) {
            case ArpCache.QUEUED_FIRST:
                arpEvents.sendRequest(out.index(), nextHop);
                return QUEUED;
            case ArpCache.QUEUED:
                return QUEUED;
            default:
                return drop(RouterDropReason.ARP_QUEUE_FULL);
        }
    }

    /** The all-ones host address of the port's subnet (subnets of /31 and /32 have none). */
    private static boolean isDirectedBroadcast(RouterPort port, int address) {
        final int hostBits = 32 - port.prefixLength();
        return hostBits >= 2 && (address | (-1 << hostBits)) == -1
                && RouteTable.mask(address, port.prefixLength()) == RouteTable.mask(port.address(), port.prefixLength());
    }

    private static boolean isLocal(RouterPort[] ps, int address) {
        for (RouterPort p : ps) {
            if (p != null && p.address() == address) {
                return true;
            }
        }
        return false;
    }

    /** Sends an ICMP error about a received datagram back to its previous hop, if allowed and not rate limited. */
    private void sendError(RouterPort in, long prevHopMac, DirectBuffer buf, int ipOff, int ipLen,
            int type, int code, int rest) {
        if (prevHopMac < 0 || !IcmpBuilder.mayAnswerWithError(buf, ipOff, ipLen)) {
            return;
        }
        if (!icmpLimiter.allow(Ipv4Header.src(buf, ipOff), nowNs)) {
            icmpRateLimited++;
            return;
        }
        final int len = IcmpBuilder.writeError(icmpScratch, 0, prevHopMac, in.mac(), in.address(), type, code, rest,
                buf, ipOff, ipLen);
        sink.send(in.index(), icmpScratch, 0, len);
        icmpSent++;
    }

    /**
     * The timers, once every few hundred milliseconds on the owner thread: ARP retries and give-ups (whose queued
     * packets are answered with host unreachable), ARP aging, and a slice of the conntrack expiry sweep.
     */
    public void poll(long nowNs, FrameSink out) {
        this.sink = out;
        this.nowNs = nowNs;
        arp.poll(nowNs, arpEvents);
        // Swept even with NAT off: connections made before the rules were removed must still go.
        ct.expire(nowNs, CT_SWEEP_PER_POLL);
    }

    /**
     * Owner thread: forgets the neighbours of a router port that went away (the control thread posts this after
     * {@link #setPorts}); their queued packets are dropped. Connections are left to expire.
     */
    public int flushPort(int port) {
        return arp.flushPort(port);
    }

    /** The ARP cache's side effects, on the owner thread, inside {@link #receive} or {@link #poll}. */
    private final class ArpEvents implements ArpCache.Listener {
        @Override
        public void sendRequest(int port, int ip) {
            final RouterPort p = port(port);
            if (p != null) {
                final int len = ArpHeader.writeRequestFrame(arpScratch, 0, p.mac(), p.address(), ip);
                sink.send(port, arpScratch, 0, len);
            }
        }

        @Override
        public void resolved(MutableDirectBuffer buf, int off, int len, int port, long mac) {
            final RouterPort p = port(port);
            if (p != null) {
                EthernetHeader.setDst(buf, off, mac);
                EthernetHeader.setSrc(buf, off, p.mac());
                sink.send(port, buf, off, len);
                forwarded++;
            }
        }

        @Override
        public void unreachable(MutableDirectBuffer buf, int off, int len, int port) {
            drop(RouterDropReason.ARP_UNRESOLVED);
            final RouterPort p = port(port);
            final int ipOff = off + EthernetHeader.LENGTH;
            final int ipLen = len - EthernetHeader.LENGTH;
            if (p == null || !IcmpBuilder.mayAnswerWithError(buf, ipOff, ipLen)) {
                return;
            }
            if (!icmpLimiter.allow(Ipv4Header.src(buf, ipOff), nowNs)) {
                icmpRateLimited++;
                return;
            }
            // The error is routed like a packet that arrived on the port the datagram was leaving by: conntrack
            // then translates it back to the datagram's original sender.
            final int errLen = IcmpBuilder.writeError(icmpScratch, 0, p.mac(), MacAddress.ZERO, p.address(),
                    IcmpHeader.TYPE_DEST_UNREACHABLE, IcmpHeader.CODE_HOST_UNREACHABLE, 0, buf, ipOff, ipLen);
            icmpSent++;
            routeIpv4(ports, p, icmpScratch, 0, EthernetHeader.LENGTH, errLen - EthernetHeader.LENGTH, -1);
        }
    }

    private int drop(RouterDropReason reason) {
        drops[reason.ordinal()] += segments;
        lastDrop = reason;
        return DROPPED;
    }

    // ------------------------------------------------------------------ counters (any thread reads recent values)

    public long drops(RouterDropReason reason) {
        return drops[reason.ordinal()];
    }

    /** The reason of the most recent drop, for tests and tracing. */
    public RouterDropReason lastDropReason() {
        return lastDrop;
    }

    public long forwarded() {
        return forwarded;
    }

    /** Packets handed to the {@link LocalDelivery}. */
    public long delivered() {
        return delivered;
    }

    /** ICMP errors sent (echo replies not included). */
    public long icmpSent() {
        return icmpSent;
    }

    public long icmpRateLimited() {
        return icmpRateLimited;
    }

    /** GSO super-frames routed whole ({@link #receiveOffloaded}). */
    public long gsoWhole() {
        return gsoWhole;
    }

    /** GSO super-frames cut here and routed segment by segment. */
    public long gsoSegmented() {
        return gsoSegmented;
    }

    public ArpCache arp() {
        return arp;
    }

    public Conntrack conntrack() {
        return ct;
    }

    public int zone() {
        return zone;
    }
}
