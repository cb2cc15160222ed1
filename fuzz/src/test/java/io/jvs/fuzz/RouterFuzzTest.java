package io.jvs.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import io.jvs.core.conntrack.Conntrack;
import io.jvs.core.conntrack.CtTimeouts;
import io.jvs.core.packet.ArpHeader;
import io.jvs.core.packet.Checksum;
import io.jvs.core.packet.EthernetHeader;
import io.jvs.core.packet.IcmpHeader;
import io.jvs.core.packet.Ipv4Header;
import io.jvs.core.packet.TcpHeader;
import io.jvs.core.packet.UdpHeader;
import io.jvs.core.router.ArpCache;
import io.jvs.core.router.IcmpRateLimiter;
import io.jvs.core.router.NatRules;
import io.jvs.core.router.RouteTable;
import io.jvs.core.router.RouterPort;
import io.jvs.core.router.RouterStage;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The router stage. One fresh router per input: inside leg 0 (10.0.0.1/24) and external leg 1 (203.0.113.1/24,
 * default route via 203.0.113.254), SNAT to 203.0.113.1 (ports 1024-1099, so they run out), floating IP
 * 203.0.113.50 for 10.0.0.9, a 32-entry conntrack and a small ARP cache; the neighbours 10.0.0.5, 10.0.0.9 and the
 * gateway are known. The input is a program of up to {@value #MAX_FRAMES} frames, each one of: a burst of up to {@value #MAX_BURST}
new outbound TCP SYNs or UDP datagrams from one inside host (conntrack and SNAT ports run out); raw bytes; an ARP
 * packet; an IPv4 packet built from fuzzed fields (addresses and ports from a set that hits the NAT rules, TTL, DF/MF
 * and fragment offset, options length, protocol, ICMP type, payload; lengths and checksums correct unless the input
 * says otherwise); an answer to an earlier output (addresses and ports swapped, in on the leg it left by: conntrack's
 * reply direction); or an ICMP error quoting an earlier output (the related-error translation). The clock advances
 * by a fuzzed step and the timers run after every frame.
 *
 * <p>Invariants: nothing throws; every IPv4 frame the router emits has a valid header checksum and a total length
 * inside the frame; a forwarded frame (result FORWARDED, or released from the ARP queue later) has the TTL of its
 * input minus one, and valid L4 checksums (TCP, UDP, ICMP, and the header an ICMP error quotes) whenever its input
 * had them; the router's own ICMP (errors, echo replies) and ARP are well formed (an ICMP error it builds is always
 * fully valid; an echo reply is valid if the request was); conntrack never holds more than its capacity.
 */
class RouterFuzzTest {
    static final int MAX_FRAMES = 48;
    /** Frames of one burst of new connections. */
    static final int MAX_BURST = 100;
    static final long S = 1_000_000_000L;
    static final long RM0 = 0x0200_0000_0010L;
    static final long RM1 = 0x0200_0000_0011L;
    static final long HA = 0x0200_0000_00a0L;
    static final long HI = 0x0200_0000_00a9L;
    static final long HGW = 0x0200_0000_00feL;
    static final int R0 = ip(10, 0, 0, 1);
    static final int R1 = ip(203, 0, 113, 1);
    static final int A = ip(10, 0, 0, 5);
    static final int I = ip(10, 0, 0, 9);
    static final int GW = ip(203, 0, 113, 254);
    static final int FIP = ip(203, 0, 113, 50);
    static final int CT_CAPACITY = 32;
    static final int[] ADDRS = {R0, R1, A, I, GW, FIP, ip(198, 51, 100, 7), ip(10, 0, 0, 77), ip(203, 0, 113, 99),
        ip(10, 0, 0, 255), ip(203, 0, 113, 255), -1, 0, ip(224, 0, 0, 1), ip(127, 0, 0, 1), ip(8, 8, 8, 8)};
    static final int[] L4PORTS = {80, 1024, 1025, 1099, 4000, 0, 65535, 7000};
    static final int[] PROTOS = {Ipv4Header.PROTO_TCP, Ipv4Header.PROTO_UDP, Ipv4Header.PROTO_ICMP, 47, 0};
    static final int[] ICMP_TYPES = {IcmpHeader.TYPE_ECHO_REQUEST, IcmpHeader.TYPE_ECHO_REPLY,
        IcmpHeader.TYPE_DEST_UNREACHABLE, IcmpHeader.TYPE_TIME_EXCEEDED, IcmpHeader.TYPE_PARAMETER_PROBLEM, 13};

    static int ip(int a, int b, int c, int d) {
        return a << 24 | b << 16 | c << 8 | d;
    }

    /** One output, copied. */
    record Out(int port, byte[] bytes) {
        UnsafeBuffer buf() {
            return new UnsafeBuffer(bytes);
        }
    }

    /** An input IPv4 packet that went into the ARP queue: its id, TTL and whether its checksums were valid. */
    record Queued(int id, int proto, int ttl, boolean l4Valid) {
    }

    static class Sink implements RouterStage.FrameSink {
        final List<Out> frames = new ArrayList<>();

        @Override
        public void send(int port, DirectBuffer buf, int off, int len) {
            assertTrue(len >= EthernetHeader.LENGTH && off >= 0 && off + len <= buf.capacity(),
                    "output [" + off + ", +" + len + ") outside its buffer of " + buf.capacity());
            final byte[] b = new byte[len];
            buf.getBytes(off, b);
            frames.add(new Out(port, b));
        }
    }

    static RouterStage newRouter(Conntrack ct) {
        final RouterStage r = new RouterStage(7, ct,
                new ArpCache.Config(16, 2, 8, 2048, 3, S, 30 * S, 600 * S), IcmpRateLimiter.tokenBucket(100, 20));
        r.setPorts(List.of(new RouterPort(0, RM0, R0, 24, 1500), new RouterPort(1, RM1, R1, 24, 1400)));
        r.routes().add(new RouteTable.Route(0, 0, GW, 1));
        r.setNatRules(NatRules.builder(1).snat(R1, 1024, 1099).floatingIp(FIP, I).build());
        return r;
    }

    @FuzzTest
    void routerStage(FuzzedDataProvider in) {
        final int bytes = in.remainingBytes();
        final Stats s = run(in);
        if (System.getenv("JVS_FUZZ_STATS") != null) { // to pick seeds: what each replayed input reached
            System.out.println("[router-fuzz] " + bytes + " bytes, " + s.frames() + " frames, results "
                    + java.util.Arrays.toString(s.results()) + ", forwarded " + s.forwarded() + ", icmp "
                    + s.icmpSent() + ", connections " + s.connectionsCreated());
        }
    }

    /**
     * GSO pass-through, differentially: frames with offload work (a TCP super-frame or a TCP/UDP frame with its
     * checksum partial, virtio header fuzzed from plausible to garbage) from the same hosts as {@link #routerStage},
     * some of them answers to earlier outputs, go through {@link RouterStage#receiveOffloaded} of one router and, as
     * the Forwarder handed them over before legs took offloads (checksum completed, super-frame cut in software,
     * what the Forwarder refuses not at all), through {@link RouterStage#receive} of a twin. Invariants: nothing
     * throws; when the Forwarder would have passed the frame, both routers emit the same frames (the offloaded
     * output segmented or completed as the Forwarder would), count the same drops and forwarded packets; an
     * offloaded output's partial checksum is the pseudo-header sum of its addresses and length.
     */
    @FuzzTest
    void routerStageOffloads(FuzzedDataProvider in) {
        final RouterStage whole = newRouter(new Conntrack(CT_CAPACITY, CtTimeouts.DEFAULTS));
        final RouterStage cut = newRouter(new Conntrack(CT_CAPACITY, CtTimeouts.DEFAULTS));
        final OffloadSink wholeOut = new OffloadSink();
        final OffloadSink cutOut = new OffloadSink();
        final UnsafeBuffer b = new UnsafeBuffer(new byte[2048]);
        long now = 1000 * S;
        for (long[] h : new long[][] {{0, HA, A, R0}, {0, HI, I, R0}, {1, HGW, GW, R1}}) {
            for (RouterStage r : new RouterStage[] {whole, cut}) {
                final int len = ArpHeader.writeRequestFrame(b, 0, h[1], (int) h[2], (int) h[3]);
                r.receive((int) h[0], b, 0, len, now, r == whole ? wholeOut : cutOut);
            }
        }
        final io.jvs.core.packet.GsoSegmenter segmenter =
                new io.jvs.core.packet.GsoSegmenter(io.jvs.core.packet.GsoSegmenter.MAX_SEGMENT_BYTES);
        final UnsafeBuffer big = new UnsafeBuffer(new byte[OFFLOAD_OFF + 70_000]);
        for (int f = 0; f < 24 && in.remainingBytes() > 0; f++) {
            wholeOut.frames.clear();
            cutOut.frames.clear();
            final int inPort = in.consumeInt(0, 1);
            final int len = offloadFrame(in, big, inPort, wholeOut.history);
            final int v = OFFLOAD_OFF - io.jvs.core.packet.VirtioNetHeader.LENGTH;
            final int gsoType = io.jvs.core.packet.VirtioNetHeader.gsoType(big, v);
            final int gsoSize = io.jvs.core.packet.VirtioNetHeader.gsoSize(big, v);
            final int csumStart = io.jvs.core.packet.VirtioNetHeader.csumStart(big, v);
            final int csumOffset = io.jvs.core.packet.VirtioNetHeader.csumOffset(big, v);
            final boolean partial = (io.jvs.core.packet.VirtioNetHeader.flags(big, v)
                    & io.jvs.core.packet.VirtioNetHeader.FLAG_NEEDS_CSUM) != 0;
            // What the Forwarder does before a leg that takes no offloads (Forwarder.receive and emit).
            boolean passes = !partial || csumStart >= 0 && csumStart + csumOffset + 2 <= len;
            final List<byte[]> segments = new ArrayList<>();
            if (passes && gsoType == io.jvs.core.packet.VirtioNetHeader.GSO_NONE) {
                passes = len <= 1500 + EthernetHeader.LENGTH;
                final byte[] c = new byte[len];
                big.getBytes(OFFLOAD_OFF, c);
                if (partial) {
                    io.jvs.core.packet.ChecksumOffload.complete(new UnsafeBuffer(c), 0, len, csumStart, csumOffset);
                }
                segments.add(c);
            } else if (passes) {
                final int headers = io.jvs.core.packet.GsoSegmenter.headersLength(big, OFFLOAD_OFF, len, gsoType);
                passes = gsoSize != 0 && headers >= 0 && headers - EthernetHeader.LENGTH + gsoSize <= 1500
                        && segmenter.segment(big, OFFLOAD_OFF, len, gsoType, gsoSize, (sb, o, l) -> {
                            final byte[] c = new byte[l];
                            sb.getBytes(o, c);
                            segments.add(c);
                        }) > 0;
            }
            whole.receiveOffloaded(inPort, big, OFFLOAD_OFF, len, now, wholeOut); // must not throw, whatever the header
            if (passes) {
                for (byte[] seg : segments) {
                    cut.receive(inPort, new UnsafeBuffer(seg), 0, seg.length, now, cutOut);
                }
                assertEquals(cutOut.frames.size(), wholeOut.frames.size(), "frames out");
                for (int i = 0; i < cutOut.frames.size(); i++) {
                    assertEquals(cutOut.frames.get(i).port(), wholeOut.frames.get(i).port(), "port of frame " + i);
                    assertTrue(java.util.Arrays.equals(cutOut.frames.get(i).bytes(), wholeOut.frames.get(i).bytes()),
                            "frame " + i + " differs");
                }
                for (io.jvs.core.router.RouterDropReason r : io.jvs.core.router.RouterDropReason.values()) {
                    if (r != io.jvs.core.router.RouterDropReason.OFFLOAD_MALFORMED) {
                        assertEquals(cut.drops(r), whole.drops(r), r.name());
                    }
                }
                assertEquals(cut.forwarded(), whole.forwarded(), "forwarded");
            } else {
                return; // the twin never sees what the Forwarder refuses: the two are no longer comparable

            }
            for (Out o : wholeOut.frames) { // TCP and UDP outputs: what an answer can be made from
                final UnsafeBuffer ob = o.buf();
                if (o.bytes().length >= EthernetHeader.LENGTH + 28
                        && EthernetHeader.etherType(ob, 0) == EthernetHeader.ETH_P_IPV4
                        && (Ipv4Header.protocol(ob, EthernetHeader.LENGTH) == Ipv4Header.PROTO_TCP
                                || Ipv4Header.protocol(ob, EthernetHeader.LENGTH) == Ipv4Header.PROTO_UDP)
                        && Ipv4Header.headerLength(ob, EthernetHeader.LENGTH) == Ipv4Header.MIN_LENGTH) {
                    wholeOut.history.add(o);
                }
            }
            if (wholeOut.history.size() > 32) {
                wholeOut.history.subList(0, wholeOut.history.size() - 32).clear();
            }
            now += in.consumeInt(0, 3) == 0 ? in.consumeLong(0, 100 * S) : 0;
            whole.poll(now, wholeOut);
            cut.poll(now, cutOut);
        }
    }

    static final int OFFLOAD_OFF = 64 + io.jvs.core.packet.VirtioNetHeader.LENGTH;

    /** Collects outputs as complete frames: offloaded ones segmented or completed as the Forwarder would. */
    static final class OffloadSink extends Sink {
        final List<Out> history = new ArrayList<>();
        final io.jvs.core.packet.GsoSegmenter segmenter =
                new io.jvs.core.packet.GsoSegmenter(io.jvs.core.packet.GsoSegmenter.MAX_SEGMENT_BYTES);

        @Override
        public void sendOffloaded(int port, org.agrona.MutableDirectBuffer buf, int off, int len) {
            final int v = off - io.jvs.core.packet.VirtioNetHeader.LENGTH;
            final int cs = io.jvs.core.packet.VirtioNetHeader.csumStart(buf, v);
            final int co = io.jvs.core.packet.VirtioNetHeader.csumOffset(buf, v);
            final int ipOff = off + EthernetHeader.LENGTH;
            final int proto = Ipv4Header.protocol(buf, ipOff);
            assertTrue(proto == Ipv4Header.PROTO_TCP || proto == Ipv4Header.PROTO_UDP, "offloaded proto " + proto);
            assertEquals(EthernetHeader.LENGTH + Ipv4Header.headerLength(buf, ipOff), cs, "csum_start at L4");
            checkIpv4(copy(buf, off, len));
            final int gsoType = io.jvs.core.packet.VirtioNetHeader.gsoType(buf, v);
            if (gsoType == io.jvs.core.packet.VirtioNetHeader.GSO_NONE) {
                final UnsafeBuffer c = copy(buf, off, len);
                assertTrue(io.jvs.core.packet.ChecksumOffload.complete(c, 0, len, cs, co));
                frames.add(new Out(port, c.byteArray()));
                return;
            }
            assertTrue(segmenter.segment(buf, off, len, gsoType, io.jvs.core.packet.VirtioNetHeader.gsoSize(buf, v),
                    (s, o, l) -> send(port, s, o, l)) > 0, "an offloaded super-frame segments");
        }

        private static UnsafeBuffer copy(DirectBuffer buf, int off, int len) {
            final UnsafeBuffer c = new UnsafeBuffer(new byte[len]);
            c.putBytes(0, buf, off, len);
            return c;
        }
    }

    /**
     * A TCP or UDP frame at {@link #OFFLOAD_OFF} with its virtio header in front: usually a TSO super-frame or a
     * partial checksum as a sender's stack leaves them (pseudo-header sum in the field), between hosts and through
     * the NAT rules like {@link #frame}'s, sometimes an answer to an earlier output; then, now and then, fuzzed
     * header fields (flags, GSO type and size, checksum offsets, TCP flags, TTL, IP length).
     */
    static int offloadFrame(FuzzedDataProvider in, UnsafeBuffer b, int inPort, List<Out> history) {
        final boolean tcp = in.consumeInt(0, 3) != 0;
        final boolean answer = !history.isEmpty() && in.consumeBoolean();
        int src;
        int dst;
        int sport;
        int dport;
        long dstMac = inPort == 0 ? RM0 : RM1;
        final long srcMac = inPort == 1 ? HGW : in.consumeBoolean() ? HA : HI;
        if (answer) {
            final UnsafeBuffer p = history.get(in.consumeInt(0, history.size() - 1)).buf();
            final int l4 = EthernetHeader.LENGTH + Ipv4Header.headerLength(p, EthernetHeader.LENGTH);
            src = Ipv4Header.dst(p, EthernetHeader.LENGTH);
            dst = Ipv4Header.src(p, EthernetHeader.LENGTH);
            sport = TcpHeader.dstPort(p, l4);
            dport = TcpHeader.srcPort(p, l4);
        } else {
            src = inPort == 1 ? pick(in, ADDRS) : srcMac == HA ? A : I;
            dst = pick(in, ADDRS);
            sport = pick(in, L4PORTS);
            dport = pick(in, L4PORTS);
        }
        final int payload = in.consumeInt(0, in.consumeBoolean() ? 1400 : 64_000);
        final int off = OFFLOAD_OFF;
        final int ip = off + EthernetHeader.LENGTH;
        final int l4 = ip + Ipv4Header.MIN_LENGTH;
        final int l4Hdr = tcp ? TcpHeader.MIN_LENGTH : UdpHeader.LENGTH;
        final int l4Len = l4Hdr + payload;
        EthernetHeader.setDst(b, off, dstMac);
        EthernetHeader.setSrc(b, off, srcMac);
        EthernetHeader.setEtherType(b, off, EthernetHeader.ETH_P_IPV4);
        Ipv4Header.setVersionAndHeaderLength(b, ip, Ipv4Header.MIN_LENGTH);
        Ipv4Header.setTos(b, ip, 0);
        Ipv4Header.setTotalLength(b, ip, Ipv4Header.MIN_LENGTH + l4Len);
        Ipv4Header.setId(b, ip, in.consumeInt(0, 0xffff));
        Ipv4Header.setFlagsFragment(b, ip, Ipv4Header.FLAG_DF);
        Ipv4Header.setTtl(b, ip, in.consumeInt(0, 7) == 0 ? in.consumeInt(0, 2) : 64);
        Ipv4Header.setProtocol(b, ip, tcp ? Ipv4Header.PROTO_TCP : Ipv4Header.PROTO_UDP);
        Ipv4Header.setSrc(b, ip, src);
        Ipv4Header.setDst(b, ip, dst);
        final byte fill = (byte) in.consumeInt();
        b.setMemory(l4, l4Len, fill);
        if (tcp) {
            TcpHeader.setSrcPort(b, l4, sport);
            TcpHeader.setDstPort(b, l4, dport);
            TcpHeader.setSeq(b, l4, in.consumeInt());
            TcpHeader.setAck(b, l4, in.consumeInt());
            TcpHeader.setHeaderLength(b, l4, TcpHeader.MIN_LENGTH);
            TcpHeader.setFlags(b, l4, in.consumeInt(0, 3) == 0 ? in.consumeInt(0, 0xff)
                    : TcpHeader.ACK | (in.consumeBoolean() ? TcpHeader.PSH : 0));
            TcpHeader.setWindow(b, l4, 512);
            TcpHeader.setUrgentPointer(b, l4, 0);
        } else {
            UdpHeader.setSrcPort(b, l4, sport);
            UdpHeader.setDstPort(b, l4, dport);
            UdpHeader.setDatagramLength(b, l4, l4Len);
        }
        final int field = l4 + (tcp ? TcpHeader.CHECKSUM_OFFSET : UdpHeader.CHECKSUM_OFFSET);
        b.putShort(field, (short) Checksum.fold(Checksum.pseudoIpv4(b, ip, tcp ? Ipv4Header.PROTO_TCP
                : Ipv4Header.PROTO_UDP, l4Len)), java.nio.ByteOrder.BIG_ENDIAN);
        Checksum.writeIpv4HeaderChecksum(b, ip);
        final int v = off - io.jvs.core.packet.VirtioNetHeader.LENGTH;
        io.jvs.core.packet.VirtioNetHeader.clear(b, v);
        io.jvs.core.packet.VirtioNetHeader.setFlags(b, v, io.jvs.core.packet.VirtioNetHeader.FLAG_NEEDS_CSUM);
        io.jvs.core.packet.VirtioNetHeader.setCsumStart(b, v, l4 - off);
        io.jvs.core.packet.VirtioNetHeader.setCsumOffset(b, v, field - l4);
        final int gsoSize = in.consumeBoolean() ? 1448 : in.consumeInt(1, 1460);
        if (tcp && payload > gsoSize) {
            io.jvs.core.packet.VirtioNetHeader.setGsoType(b, v, io.jvs.core.packet.VirtioNetHeader.GSO_TCPV4);
            io.jvs.core.packet.VirtioNetHeader.setGsoSize(b, v, gsoSize);
            io.jvs.core.packet.VirtioNetHeader.setHdrLen(b, v, l4 + l4Hdr - off);
        }
        if (in.consumeInt(0, 7) == 0) { // garbage in the virtio header
            switch (in.consumeInt(0, 4)) {
                case 0 -> io.jvs.core.packet.VirtioNetHeader.setFlags(b, v, in.consumeInt(0, 3));
                case 1 -> io.jvs.core.packet.VirtioNetHeader.setGsoType(b, v, in.consumeInt(0, 0xff));
                case 2 -> io.jvs.core.packet.VirtioNetHeader.setGsoSize(b, v, in.consumeInt(0, 0xffff));
                case 3 -> io.jvs.core.packet.VirtioNetHeader.setCsumStart(b, v, in.consumeInt(0, 0xffff));
                default -> io.jvs.core.packet.VirtioNetHeader.setCsumOffset(b, v, in.consumeInt(0, 0xffff));
            }
        }
        if (in.consumeInt(0, 15) == 0) { // a wrong IP length or header checksum
            Ipv4Header.setTotalLength(b, ip, in.consumeInt(0, 0xffff));
        }
        return EthernetHeader.LENGTH + Ipv4Header.MIN_LENGTH + l4Len;
    }

    /** What one input did (for choosing seeds): frames, results by code, router counters at the end. */
    record Stats(int frames, int[] results, long forwarded, long icmpSent, long connectionsCreated) {
    }

    static Stats run(FuzzedDataProvider in) {
        final int[] results = new int[RouterStage.DELIVERED + 1];
        int frames = 0;
        final Conntrack ct = new Conntrack(CT_CAPACITY, CtTimeouts.DEFAULTS);
        final RouterStage router = newRouter(ct);
        final Sink sink = new Sink();
        final List<Out> history = new ArrayList<>();
        final List<Queued> queued = new ArrayList<>();
        final UnsafeBuffer buf = new UnsafeBuffer(new byte[2048]);
        long now = 1000 * S;
        // the known neighbours ask for the router's address: learned (RFC 826 merge)
        for (long[] h : new long[][] {{0, HA, A, R0}, {0, HI, I, R0}, {1, HGW, GW, R1}}) {
            final int len = ArpHeader.writeRequestFrame(buf, 0, h[1], (int) h[2], (int) h[3]);
            assertEquals(RouterStage.ANSWERED, router.receive((int) h[0], buf, 0, len, now, sink));
        }
        sink.frames.clear();

        int fuzzed = 0;
        int burstLeft = 0;
        int burstPort = 0;
        int burstProto = 0;
        int burstSrc = A;
        while (burstLeft > 0 || fuzzed < MAX_FRAMES && in.remainingBytes() > 0) {
            buf.setMemory(0, buf.capacity(), (byte) 0);
            final int[] port = {0};
            final int len;
            if (burstLeft > 0) {
                len = burstFrame(buf, burstSrc, burstProto, burstPort + burstLeft--);
            } else {
                fuzzed++;
                if (in.consumeInt(0, 15) == 0) {
                    // a burst of new outbound connections: fills conntrack (32) and the SNAT ports (76)
                    burstLeft = in.consumeInt(1, MAX_BURST);
                    burstPort = in.consumeInt(1, 65535 - MAX_BURST);
                    burstProto = in.consumeBoolean() ? Ipv4Header.PROTO_TCP : Ipv4Header.PROTO_UDP;
                    burstSrc = in.consumeBoolean() ? A : I;
                    continue;
                }
                port[0] = in.consumeInt(0, 9) == 0 ? in.consumeInt(-1, 3) : in.consumeInt(0, 1);
                len = frame(in, buf, port, history);
            }
            final int inPort = port[0];
            if (len < 0) {
                continue;
            }
            final boolean isIp = len >= EthernetHeader.LENGTH + Ipv4Header.MIN_LENGTH
                    && EthernetHeader.etherType(buf, 0) == EthernetHeader.ETH_P_IPV4;
            final int ipOff = EthernetHeader.LENGTH;
            final int inTtl = isIp ? Ipv4Header.ttl(buf, ipOff) : -1;
            final int inId = isIp ? Ipv4Header.id(buf, ipOff) : -1;
            final int inProto = isIp ? Ipv4Header.protocol(buf, ipOff) : -1;
            final boolean inValid = isIp && wellFormed(buf, ipOff, len - EthernetHeader.LENGTH) && l4Valid(buf, ipOff);

            final int result = router.receive(inPort, buf, 0, len, now, sink);
            assertTrue(result >= RouterStage.FORWARDED && result <= RouterStage.DELIVERED, "result " + result);
            results[result]++;
            frames++;
            if (result == RouterStage.FORWARDED) {
                assertEquals(1, sink.frames.size(), "a forwarded frame is the call's only output");
                final UnsafeBuffer o = sink.frames.get(0).buf();
                assertEquals(inTtl - 1, Ipv4Header.ttl(o, ipOff), "forwarded TTL");
                assertEquals(inId, Ipv4Header.id(o, ipOff), "forwarded IP id");
                checkIpv4(o);
                if (inValid) {
                    assertTrue(l4Valid(o, ipOff), "forwarded frame lost its valid L4 checksum");
                }
            } else {
                if (result == RouterStage.QUEUED) {
                    queued.add(new Queued(inId, inProto, inTtl, inValid));
                }
                for (Out out : sink.frames) {
                    checkOther(out, queued, router, result == RouterStage.ANSWERED ? inValid : true);
                }
            }
            history.addAll(sink.frames);
            sink.frames.clear();

            now += switch (in.consumeInt(0, 3)) {
                case 0 -> 0;
                case 1 -> in.consumeLong(0, S);
                case 2 -> in.consumeLong(0, 10 * S);
                default -> in.consumeLong(0, 3600 * S);
            };
            router.poll(now, sink);
            for (Out out : sink.frames) {
                checkOther(out, queued, router, true);
            }
            history.addAll(sink.frames);
            sink.frames.clear();
            assertTrue(ct.size() >= 0 && ct.size() <= CT_CAPACITY, "conntrack holds " + ct.size());
            if (history.size() > 64) {
                history.subList(0, history.size() - 64).clear();
            }
        }
        return new Stats(frames, results, router.forwarded(), router.icmpSent(), ct.created());
    }

    /**
     * An output that is not the forwarded frame of its call: ARP, the router's own ICMP, or a frame released from
     * the ARP queue (matched by IP id and protocol to a queued input whose TTL was one more).
     */
    private static void checkOther(Out out, List<Queued> queued, RouterStage router, boolean echoInputValid) {
        final UnsafeBuffer o = out.buf();
        assertTrue(out.port() == 0 || out.port() == 1, "output on port " + out.port());
        final int type = EthernetHeader.etherType(o, 0);
        if (type == EthernetHeader.ETH_P_ARP) {
            assertTrue(o.capacity() >= EthernetHeader.LENGTH + ArpHeader.LENGTH, "short ARP");
            assertTrue(ArpHeader.isEthernetIpv4(o, EthernetHeader.LENGTH), "ARP not Ethernet/IPv4");
            return;
        }
        assertEquals(EthernetHeader.ETH_P_IPV4, type, "router output of ethertype " + Integer.toHexString(type));
        checkIpv4(o);
        final int ipOff = EthernetHeader.LENGTH;
        final int src = Ipv4Header.src(o, ipOff);
        final boolean own = src == R0 || src == R1;
        final int proto = Ipv4Header.protocol(o, ipOff);
        final int ttl = Ipv4Header.ttl(o, ipOff);
        final int id = Ipv4Header.id(o, ipOff);
        final Queued match = queued.stream().filter(q -> q.id() == id && q.proto() == proto && q.ttl() - 1 == ttl)
                .findFirst().orElse(null);
        if (match != null) {
            if (queued.stream().allMatch(q -> q.id() != id || q.proto() != proto || q.ttl() - 1 != ttl || q.l4Valid())) {
                assertTrue(l4Valid(o, ipOff), "a frame released from the ARP queue lost its valid L4 checksum");
            }
            return;
        }
        assertTrue(own && proto == Ipv4Header.PROTO_ICMP, "an IPv4 output from " + Ipv4Header.formatAddress(src)
                + " proto " + proto + " ttl " + ttl + " is neither forwarded, nor released, nor the router's ICMP");
        final int l4 = ipOff + Ipv4Header.headerLength(o, ipOff);
        final int icmpType = IcmpHeader.type(o, l4);
        if (IcmpHeader.isError(icmpType)) {
            assertTrue(l4Valid(o, ipOff), "the router's ICMP error has a bad checksum (outer or quoted header)");
        } else {
            assertEquals(IcmpHeader.TYPE_ECHO_REPLY, icmpType, "the router's own ICMP of type " + icmpType);
            if (echoInputValid) {
                assertTrue(l4Valid(o, ipOff), "echo reply to a valid request has a bad ICMP checksum");
            }
        }
    }

    private static void checkIpv4(UnsafeBuffer o) {
        final int ipOff = EthernetHeader.LENGTH;
        assertEquals(EthernetHeader.ETH_P_IPV4, EthernetHeader.etherType(o, 0));
        assertTrue(o.capacity() >= ipOff + Ipv4Header.MIN_LENGTH, "short IPv4 output");
        assertEquals(4, Ipv4Header.version(o, ipOff));
        final int ihl = Ipv4Header.headerLength(o, ipOff);
        assertTrue(ihl >= Ipv4Header.MIN_LENGTH && ipOff + ihl <= o.capacity(), "IHL " + ihl);
        assertTrue(Checksum.isIpv4HeaderChecksumValid(o, ipOff), "output IPv4 header checksum");
        final int total = Ipv4Header.totalLength(o, ipOff);
        assertTrue(total >= ihl && ipOff + total <= o.capacity(), "total length " + total + " in " + o.capacity());
        assertTrue(Ipv4Header.ttl(o, ipOff) >= 1, "TTL 0 output");
    }

    private static boolean wellFormed(DirectBuffer b, int ipOff, int available) {
        if (available < Ipv4Header.MIN_LENGTH || Ipv4Header.version(b, ipOff) != 4) {
            return false;
        }
        final int ihl = Ipv4Header.headerLength(b, ipOff);
        final int total = Ipv4Header.totalLength(b, ipOff);
        return ihl >= Ipv4Header.MIN_LENGTH && total >= ihl && total <= available
                && Checksum.isIpv4HeaderChecksumValid(b, ipOff);
    }

    /**
     * The L4 checksum of an unfragmented TCP, UDP or ICMP packet verifies (UDP 0 = none), and an ICMP error's quoted
     * header has a valid checksum. False for fragments, other protocols and truncated headers: nothing to keep.
     */
    static boolean l4Valid(DirectBuffer b, int ipOff) {
        if (Ipv4Header.isFragment(b, ipOff)) {
            return false;
        }
        final int ihl = Ipv4Header.headerLength(b, ipOff);
        final int l4 = ipOff + ihl;
        final int l4Len = Ipv4Header.totalLength(b, ipOff) - ihl;
        final int proto = Ipv4Header.protocol(b, ipOff);
        switch (proto) {
            case Ipv4Header.PROTO_TCP:
                return l4Len >= TcpHeader.MIN_LENGTH
                        && Checksum.fold(Checksum.pseudoIpv4(b, ipOff, proto, l4Len) + Checksum.sum(b, l4, l4Len)) == 0xffff;
            case Ipv4Header.PROTO_UDP:
                return l4Len >= UdpHeader.LENGTH && (UdpHeader.checksum(b, l4) == 0
                        || Checksum.fold(Checksum.pseudoIpv4(b, ipOff, proto, l4Len) + Checksum.sum(b, l4, l4Len)) == 0xffff);
            case Ipv4Header.PROTO_ICMP:
                if (l4Len < IcmpHeader.LENGTH || Checksum.fold(Checksum.sum(b, l4, l4Len)) != 0xffff) {
                    return false;
                }
                if (IcmpHeader.isError(IcmpHeader.type(b, l4))) {
                    final int q = l4 + IcmpHeader.LENGTH;
                    return l4Len >= IcmpHeader.LENGTH + Ipv4Header.MIN_LENGTH
                            && Ipv4Header.headerLength(b, q) >= Ipv4Header.MIN_LENGTH
                            && l4Len >= IcmpHeader.LENGTH + Ipv4Header.headerLength(b, q)
                            && Checksum.isIpv4HeaderChecksumValid(b, q);
                }
                return true;
            default:
                return false;
        }
    }

    // ------------------------------------------------------------------ frames from the input

    private static int pick(FuzzedDataProvider in, int[] set) {
        return in.consumeInt(0, 7) == 0 ? in.consumeInt() : set[in.consumeInt(0, set.length - 1)];
    }

    /** Writes one frame at 0 in {@code b}; returns its length, or -1 for none. */
    static int frame(FuzzedDataProvider in, UnsafeBuffer b, int[] port, List<Out> history) {
        final int inPort = port[0];
        final int kind = in.consumeInt(0, 15);
        final long dstMac = switch (in.consumeInt(0, 7)) {
            case 0 -> -1L & 0xffff_ffff_ffffL;
            case 1 -> in.consumeLong(0, 0xffff_ffff_ffffL);
            case 2 -> inPort == 0 ? RM1 : RM0;
            default -> inPort == 1 ? RM1 : RM0;
        };
        final long srcMac = inPort == 1 ? HGW : in.consumeBoolean() ? HA : HI;
        EthernetHeader.setDst(b, 0, dstMac);
        EthernetHeader.setSrc(b, 0, srcMac);
        final int ipOff = EthernetHeader.LENGTH;
        if (kind == 0) { // raw
            EthernetHeader.setEtherType(b, 0, in.consumeBoolean() ? EthernetHeader.ETH_P_IPV4 : in.consumeInt(0, 0xffff));
            final byte[] raw = in.consumeBytes(in.consumeInt(0, 600));
            b.putBytes(ipOff, raw);
            return EthernetHeader.LENGTH + raw.length;
        }
        if (kind == 1) { // ARP
            EthernetHeader.setEtherType(b, 0, EthernetHeader.ETH_P_ARP);
            final int op = in.consumeInt(0, 4) == 0 ? in.consumeInt(0, 0xffff) : in.consumeInt(1, 2);
            ArpHeader.write(b, ipOff, op, in.consumeBoolean() ? srcMac : in.consumeLong(0, 0xffff_ffff_ffffL),
                    pick(in, ADDRS), in.consumeLong(0, 0xffff_ffff_ffffL), pick(in, ADDRS));
            if (in.consumeInt(0, 7) == 0) {
                b.putShort(ipOff, (short) in.consumeInt(0, 0xffff)); // htype
            }
            return EthernetHeader.LENGTH + ArpHeader.LENGTH + in.consumeInt(0, 18);
        }
        EthernetHeader.setEtherType(b, 0, EthernetHeader.ETH_P_IPV4);
        if ((kind == 2 || kind == 3) && !history.isEmpty()) {
            final Out prev = history.get(in.consumeInt(0, history.size() - 1));
            final UnsafeBuffer p = prev.buf();
            if (EthernetHeader.etherType(p, 0) == EthernetHeader.ETH_P_IPV4 && p.capacity() >= ipOff + 20) {
                port[0] = prev.port(); // back in on the leg it left by
                EthernetHeader.setDst(b, 0, prev.port() == 1 ? RM1 : RM0);
                EthernetHeader.setSrc(b, 0, prev.port() == 1 ? HGW : EthernetHeader.dst(p, 0));
                return kind == 2 ? answer(in, b, p) : icmpErrorAbout(in, b, p);
            }
        }
        // an IPv4 packet from fields
        final int optWords = in.consumeInt(0, 7) == 0 ? in.consumeInt(0, 10) : 0;
        final int ihl = 20 + 4 * optWords;
        final int proto = pick(in, PROTOS) & 0xff;
        int l4Len;
        final int l4 = ipOff + ihl;
        switch (proto) {
            case Ipv4Header.PROTO_TCP -> {
                TcpHeader.setSrcPort(b, l4, pick(in, L4PORTS) & 0xffff);
                TcpHeader.setDstPort(b, l4, pick(in, L4PORTS) & 0xffff);
                TcpHeader.setSeq(b, l4, in.consumeInt());
                TcpHeader.setAck(b, l4, in.consumeInt());
                TcpHeader.setHeaderLength(b, l4, 20);
                TcpHeader.setFlags(b, l4, in.consumeInt(0, 0xff));
                TcpHeader.setWindow(b, l4, 0xffff);
                l4Len = 20;
            }
            case Ipv4Header.PROTO_UDP -> {
                UdpHeader.setSrcPort(b, l4, pick(in, L4PORTS) & 0xffff);
                UdpHeader.setDstPort(b, l4, pick(in, L4PORTS) & 0xffff);
                l4Len = 8;
            }
            case Ipv4Header.PROTO_ICMP -> {
                IcmpHeader.setType(b, l4, pick(in, ICMP_TYPES) & 0xff);
                IcmpHeader.setCode(b, l4, in.consumeInt(0, 4));
                IcmpHeader.setId(b, l4, pick(in, L4PORTS) & 0xffff);
                IcmpHeader.setSequence(b, l4, in.consumeInt(0, 0xffff));
                l4Len = 8;
            }
            default -> l4Len = 0;
        }
        final byte[] payload = in.consumeBytes(in.consumeInt(0, in.consumeInt(0, 15) == 0 ? 1500 : 64));
        b.putBytes(l4 + l4Len, payload);
        l4Len += payload.length;
        if (proto == Ipv4Header.PROTO_UDP) {
            UdpHeader.setDatagramLength(b, l4, l4Len);
        }
        for (int i = 0; i < optWords * 4; i++) {
            b.putByte(ipOff + 20 + i, (byte) (in.consumeBoolean() ? 1 : in.consumeInt(0, 255)));
        }
        Ipv4Header.setVersionAndHeaderLength(b, ipOff, ihl);
        Ipv4Header.setTos(b, ipOff, in.consumeInt(0, 255));
        Ipv4Header.setId(b, ipOff, in.consumeInt(0, 0xffff));
        Ipv4Header.setFlagsFragment(b, ipOff, switch (in.consumeInt(0, 5)) {
            case 0 -> Ipv4Header.FLAG_MF;
            case 1 -> in.consumeInt(1, 0x1fff);
            case 2 -> in.consumeInt(0, 0xffff);
            case 3 -> 0;
            default -> Ipv4Header.FLAG_DF;
        });
        Ipv4Header.setTtl(b, ipOff, in.consumeInt(0, 3) == 0 ? in.consumeInt(0, 2) : in.consumeInt(0, 255));
        Ipv4Header.setProtocol(b, ipOff, proto);
        Ipv4Header.setSrc(b, ipOff, pick(in, ADDRS));
        Ipv4Header.setDst(b, ipOff, pick(in, ADDRS));
        return finish(in, b, ihl + l4Len);
    }

    /** Total length, L4 and header checksums (each correct unless the input says otherwise); the frame's length. */
    private static int finish(FuzzedDataProvider in, UnsafeBuffer b, int ipLen) {
        final int ipOff = EthernetHeader.LENGTH;
        final boolean badLength = in.consumeInt(0, 15) == 0;
        Ipv4Header.setTotalLength(b, ipOff, badLength ? in.consumeInt(0, 0xffff) : ipLen);
        final int ihl = Ipv4Header.headerLength(b, ipOff);
        final int l4 = ipOff + ihl;
        final int l4Len = ipLen - ihl;
        final int proto = Ipv4Header.protocol(b, ipOff);
        if (in.consumeInt(0, 15) != 0 && l4Len >= 0) {
            switch (proto) {
                case Ipv4Header.PROTO_TCP -> {
                    if (l4Len >= TcpHeader.MIN_LENGTH) {
                        TcpHeader.setChecksum(b, l4, 0);
                        TcpHeader.setChecksum(b, l4, Checksum.finish(Checksum.pseudoIpv4(b, ipOff, proto, l4Len)
                                + Checksum.sum(b, l4, l4Len)));
                    }
                }
                case Ipv4Header.PROTO_UDP -> {
                    if (l4Len >= UdpHeader.LENGTH) {
                        UdpHeader.setChecksum(b, l4, 0);
                        if (in.consumeInt(0, 7) != 0) {
                            UdpHeader.setChecksum(b, l4, Checksum.udpChecksum(Checksum.finish(
                                    Checksum.pseudoIpv4(b, ipOff, proto, l4Len) + Checksum.sum(b, l4, l4Len))));
                        }
                    }
                }
                case Ipv4Header.PROTO_ICMP -> {
                    if (l4Len >= IcmpHeader.LENGTH) {
                        IcmpHeader.setChecksum(b, l4, 0);
                        IcmpHeader.setChecksum(b, l4, Checksum.finish(Checksum.sum(b, l4, l4Len)));
                    }
                }
                default -> {
                }
            }
        }
        if (in.consumeInt(0, 15) != 0) {
            Checksum.writeIpv4HeaderChecksum(b, ipOff);
        }
        final int extra = in.consumeInt(0, 7) == 0 ? in.consumeInt(0, 40) : 0;
        return Math.min(b.capacity(), EthernetHeader.LENGTH + Math.max(ipLen, 0) + extra);
    }

    /** A TCP SYN or a UDP datagram from {@code src} (inside) port {@code sport} to 198.51.100.7:80, all valid. */
    static int burstFrame(UnsafeBuffer b, int src, int proto, int sport) {
        final int ipOff = EthernetHeader.LENGTH;
        final int l4 = ipOff + Ipv4Header.MIN_LENGTH;
        EthernetHeader.setDst(b, 0, RM0);
        EthernetHeader.setSrc(b, 0, src == A ? HA : HI);
        EthernetHeader.setEtherType(b, 0, EthernetHeader.ETH_P_IPV4);
        final int l4Len;
        if (proto == Ipv4Header.PROTO_TCP) {
            TcpHeader.setSrcPort(b, l4, sport);
            TcpHeader.setDstPort(b, l4, 80);
            TcpHeader.setSeq(b, l4, sport);
            TcpHeader.setHeaderLength(b, l4, TcpHeader.MIN_LENGTH);
            TcpHeader.setFlags(b, l4, TcpHeader.SYN);
            TcpHeader.setWindow(b, l4, 0xffff);
            l4Len = TcpHeader.MIN_LENGTH;
        } else {
            UdpHeader.setSrcPort(b, l4, sport);
            UdpHeader.setDstPort(b, l4, 80);
            l4Len = UdpHeader.LENGTH + 4;
            UdpHeader.setDatagramLength(b, l4, l4Len);
        }
        Ipv4Header.setVersionAndHeaderLength(b, ipOff, Ipv4Header.MIN_LENGTH);
        Ipv4Header.setTotalLength(b, ipOff, Ipv4Header.MIN_LENGTH + l4Len);
        Ipv4Header.setId(b, ipOff, sport);
        Ipv4Header.setFlagsFragment(b, ipOff, Ipv4Header.FLAG_DF);
        Ipv4Header.setTtl(b, ipOff, 64);
        Ipv4Header.setProtocol(b, ipOff, proto);
        Ipv4Header.setSrc(b, ipOff, src);
        Ipv4Header.setDst(b, ipOff, ip(198, 51, 100, 7));
        final int sum = Checksum.finish(Checksum.pseudoIpv4(b, ipOff, proto, l4Len) + Checksum.sum(b, l4, l4Len));
        if (proto == Ipv4Header.PROTO_TCP) {
            TcpHeader.setChecksum(b, l4, sum);
        } else {
            UdpHeader.setChecksum(b, l4, Checksum.udpChecksum(sum));
        }
        Checksum.writeIpv4HeaderChecksum(b, ipOff);
        return EthernetHeader.LENGTH + Ipv4Header.MIN_LENGTH + l4Len;
    }

    /** The answer to an earlier output: addresses and ports swapped, the rest as it was. */
    private static int answer(FuzzedDataProvider in, UnsafeBuffer b, UnsafeBuffer p) {
        final int ipOff = EthernetHeader.LENGTH;
        final int ipLen = Math.min(Ipv4Header.totalLength(p, ipOff), p.capacity() - ipOff);
        b.putBytes(ipOff, p, ipOff, ipLen);
        Ipv4Header.setSrc(b, ipOff, Ipv4Header.dst(p, ipOff));
        Ipv4Header.setDst(b, ipOff, Ipv4Header.src(p, ipOff));
        Ipv4Header.setTtl(b, ipOff, in.consumeInt(1, 64));
        final int l4 = ipOff + Ipv4Header.headerLength(p, ipOff);
        final int proto = Ipv4Header.protocol(p, ipOff);
        if ((proto == Ipv4Header.PROTO_TCP || proto == Ipv4Header.PROTO_UDP) && l4 + 4 <= ipOff + ipLen) {
            b.putShort(l4, p.getShort(l4 + 2));
            b.putShort(l4 + 2, p.getShort(l4));
            if (proto == Ipv4Header.PROTO_TCP && l4 + TcpHeader.MIN_LENGTH <= ipOff + ipLen) {
                TcpHeader.setFlags(b, l4, in.consumeInt(0, 0xff));
            }
        } else if (proto == Ipv4Header.PROTO_ICMP && l4 + 1 <= ipOff + ipLen
                && p.getByte(l4) == IcmpHeader.TYPE_ECHO_REQUEST) {
            IcmpHeader.setType(b, l4, IcmpHeader.TYPE_ECHO_REPLY);
        }
        return finish(in, b, ipLen);
    }

    /** An ICMP error (unreachable or time exceeded) quoting the first bytes of an earlier output, back to its source. */
    private static int icmpErrorAbout(FuzzedDataProvider in, UnsafeBuffer b, UnsafeBuffer p) {
        final int ipOff = EthernetHeader.LENGTH;
        final int quoteLen = Math.min(Math.min(Ipv4Header.totalLength(p, ipOff), p.capacity() - ipOff),
                Ipv4Header.headerLength(p, ipOff) + in.consumeInt(0, 12));
        final int l4 = ipOff + Ipv4Header.MIN_LENGTH;
        b.putBytes(l4 + IcmpHeader.LENGTH, p, ipOff, Math.max(quoteLen, 0));
        IcmpHeader.setType(b, l4, in.consumeBoolean() ? IcmpHeader.TYPE_DEST_UNREACHABLE : IcmpHeader.TYPE_TIME_EXCEEDED);
        IcmpHeader.setCode(b, l4, in.consumeInt(0, 4));
        b.putInt(l4 + 4, 0);
        Ipv4Header.setVersionAndHeaderLength(b, ipOff, Ipv4Header.MIN_LENGTH);
        Ipv4Header.setTtl(b, ipOff, in.consumeInt(1, 64));
        Ipv4Header.setProtocol(b, ipOff, Ipv4Header.PROTO_ICMP);
        Ipv4Header.setSrc(b, ipOff, in.consumeBoolean() ? Ipv4Header.dst(p, ipOff) : pick(in, ADDRS));
        Ipv4Header.setDst(b, ipOff, Ipv4Header.src(p, ipOff));
        return finish(in, b, Ipv4Header.MIN_LENGTH + IcmpHeader.LENGTH + Math.max(quoteLen, 0));
    }
}
