package io.jvs.core.router;

import static io.jvs.core.conntrack.TestPackets.IP;
import static io.jvs.core.router.RouterStageTest.GW;
import static io.jvs.core.router.RouterStageTest.HGW;
import static io.jvs.core.router.RouterStageTest.R0;
import static io.jvs.core.router.RouterStageTest.R1;
import static io.jvs.core.router.RouterStageTest.RM0;
import static io.jvs.core.router.RouterStageTest.RM1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import io.jvs.core.conntrack.Conntrack;
import io.jvs.core.conntrack.CtTimeouts;
import io.jvs.core.conntrack.PacketTuple;
import io.jvs.core.conntrack.TestPackets;
import io.jvs.core.packet.ArpHeader;
import io.jvs.core.packet.Checksum;
import io.jvs.core.packet.ChecksumOffload;
import io.jvs.core.packet.EthernetHeader;
import io.jvs.core.packet.GsoSegmenter;
import io.jvs.core.packet.Ipv4Header;
import io.jvs.core.packet.TcpHeader;
import io.jvs.core.packet.UdpHeader;
import io.jvs.core.packet.VirtioNetHeader;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * GSO pass-through through the router stage: a TSO super-frame (partial checksum, virtio header) handed to
 * {@link RouterStage#receiveOffloaded} must give exactly what its segments give when routed one by one through
 * {@link RouterStage#receive} (what the Forwarder did before legs took offloads): the same frames out of the same
 * ports once the router's offloaded output is segmented as the Forwarder would, the same drop counters and the same
 * forwarded count. The offloaded output's checksum field must still be the pseudo-header sum of its (translated)
 * addresses, which is what a NIC or the receiving kernel completes it from. Scenarios cover the whole path
 * (routed, SNAT outbound and inbound on an established connection) and every fallback to segments (TTL 1, an
 * unresolved next hop, an output MTU below the segments, no connection, a FIN or CWR in the super-frame).
 */
class RouterGsoProperties {
    static final long HA = 0x0200_0000_00a0L;
    static final int A = TestPackets.addr("10.0.0.5");
    static final int X = TestPackets.addr("198.51.100.7");
    static final int VNET = VirtioNetHeader.LENGTH;
    static final int OFF = 64 + VNET;

    /** One frame out of the router, offload work done as the Forwarder does it for an output without offloads. */
    record Out(int port, byte[] bytes) {
    }

    static final class Sink implements RouterStage.FrameSink {
        final List<Out> frames = new ArrayList<>();
        final GsoSegmenter segmenter = new GsoSegmenter(GsoSegmenter.MAX_SEGMENT_BYTES);
        int offloaded;
        int wholeSuperFrames;

        @Override
        public void send(int port, DirectBuffer buf, int off, int len) {
            final byte[] b = new byte[len];
            buf.getBytes(off, b);
            frames.add(new Out(port, b));
        }

        @Override
        public void sendOffloaded(int port, MutableDirectBuffer buf, int off, int len) {
            offloaded++;
            final int vnet = off - VNET;
            assertEquals(VirtioNetHeader.FLAG_NEEDS_CSUM, VirtioNetHeader.flags(buf, vnet), "NEEDS_CSUM kept");
            checkPartialField(buf, off, len, VirtioNetHeader.csumStart(buf, vnet), VirtioNetHeader.csumOffset(buf, vnet));
            final int gsoType = VirtioNetHeader.gsoType(buf, vnet);
            if (gsoType == VirtioNetHeader.GSO_NONE) {
                final UnsafeBuffer copy = new UnsafeBuffer(new byte[len]);
                copy.putBytes(0, buf, off, len);
                assertTrue(ChecksumOffload.complete(copy, 0, len, VirtioNetHeader.csumStart(buf, vnet),
                        VirtioNetHeader.csumOffset(buf, vnet)));
                frames.add(new Out(port, copy.byteArray()));
                return;
            }
            wholeSuperFrames++;
            final int n = segmenter.segment(buf, off, len, gsoType, VirtioNetHeader.gsoSize(buf, vnet),
                    (s, o, l) -> send(port, s, o, l));
            assertTrue(n > 0, "segmentable output");
        }
    }

    /** The partial field must be the pseudo-header sum over the frame's own addresses and L4 length. */
    static void checkPartialField(DirectBuffer buf, int off, int len, int csumStart, int csumOffset) {
        final int ip = off + IP;
        final int proto = Ipv4Header.protocol(buf, ip);
        final int l4Len = Ipv4Header.totalLength(buf, ip) - Ipv4Header.headerLength(buf, ip);
        final int want = Checksum.fold(Checksum.pseudoIpv4(buf, ip, proto, l4Len));
        final int got = buf.getShort(off + csumStart + csumOffset, java.nio.ByteOrder.BIG_ENDIAN) & 0xffff;
        assertTrue(got == want || (got | want) == 0xffff && (got & want) == 0,
                "partial checksum field " + Integer.toHexString(got) + " != pseudo-header sum "
                        + Integer.toHexString(want));
    }

    record Scenario(boolean nat, boolean established, boolean inbound, boolean arpResolved, int ttl, int outMtu,
            int payload, int gsoSize, int extraFlags, boolean udp, boolean ecn, int seq) {
    }

    @Provide
    Arbitrary<Scenario> scenarios() {
        return net.jqwik.api.Combinators.combine(
                Arbitraries.of(true, false), Arbitraries.of(true, true, true, false), Arbitraries.of(true, false),
                Arbitraries.of(true, true, true, false), Arbitraries.of(64, 64, 64, 64, 2, 1),
                Arbitraries.of(1500, 1500, 1500, 1000, 576),
                Arbitraries.oneOf(Arbitraries.integers().between(0, 3000), Arbitraries.integers().between(0, 65000)),
                Arbitraries.of(1448, 1460, 536, 100)
        ).flatAs((nat, est, in, arp, ttl, mtu, payload, gso) -> net.jqwik.api.Combinators.combine(
                Arbitraries.of(0, 0, 0, TcpHeader.PSH, TcpHeader.FIN | TcpHeader.PSH, TcpHeader.CWR, TcpHeader.URG),
                Arbitraries.of(false, false, false, true), Arbitraries.of(false, true),
                Arbitraries.integers().between(0, Integer.MAX_VALUE))
                .as((flags, udp, ecn, seq) -> new Scenario(nat, est, in, arp, ttl, mtu, payload, gso, flags, udp, ecn,
                        seq)));
    }

    @Property(tries = 400)
    void superFrameGivesWhatItsSegmentsGive(@ForAll("scenarios") Scenario s) {
        final World whole = new World(s);
        final World segments = new World(s);
        final UnsafeBuffer buf = new UnsafeBuffer(ByteBuffer.allocateDirect(OFF + 70_000));
        final int len = whole.dataFrame(buf, OFF);
        final int afterSetupW = whole.out.frames.size();
        segments.dataFrame(new UnsafeBuffer(new byte[OFF + 70_000]), OFF); // same set-up, frame discarded
        final int afterSetupS = segments.out.frames.size();

        // The reference: the Forwarder's software segmentation before the leg, each segment routed as it was.
        final List<byte[]> cut = new ArrayList<>();
        final int gsoType = VirtioNetHeader.gsoType(buf, OFF - VNET);
        if (gsoType == VirtioNetHeader.GSO_NONE) {
            final byte[] b = new byte[len];
            final UnsafeBuffer c = new UnsafeBuffer(b);
            c.putBytes(0, buf, OFF, len);
            ChecksumOffload.complete(c, 0, len, VirtioNetHeader.csumStart(buf, OFF - VNET),
                    VirtioNetHeader.csumOffset(buf, OFF - VNET));
            cut.add(b);
        } else {
            final int n = new GsoSegmenter(GsoSegmenter.MAX_SEGMENT_BYTES).segment(buf, OFF, len, gsoType,
                    VirtioNetHeader.gsoSize(buf, OFF - VNET), (sb, o, l) -> {
                        final byte[] b = new byte[l];
                        sb.getBytes(o, b);
                        cut.add(b);
                    });
            assertTrue(n > 0);
        }
        for (byte[] seg : cut) {
            final UnsafeBuffer sb = new UnsafeBuffer(new byte[seg.length]);
            sb.putBytes(0, seg);
            segments.router.receive(0 + (s.inbound ? 1 : 0), sb, 0, seg.length, whole.now, segments.out);
        }
        whole.router.receiveOffloaded(s.inbound ? 1 : 0, buf, OFF, len, whole.now, whole.out);

        final List<Out> w = whole.out.frames.subList(afterSetupW, whole.out.frames.size());
        final List<Out> g = segments.out.frames.subList(afterSetupS, segments.out.frames.size());
        assertEquals(g.size(), w.size(), "frames out");
        for (int i = 0; i < g.size(); i++) {
            assertEquals(g.get(i).port(), w.get(i).port(), "port of frame " + i);
            assertArrayEquals(g.get(i).bytes(), w.get(i).bytes(), "frame " + i);
        }
        for (RouterDropReason r : RouterDropReason.values()) {
            assertEquals(segments.router.drops(r), whole.router.drops(r), r.name());
        }
        net.jqwik.api.statistics.Statistics.label("path").collect(
                whole.router.gsoWhole() > 0 ? "super-frame whole"
                        : whole.router.gsoSegmented() > 0 ? "super-frame cut in the router"
                        : whole.out.offloaded > 0 ? "partial checksum kept" : "completed or dropped");
        assertEquals(segments.router.forwarded(), whole.router.forwarded(), "forwarded");
        assertEquals(segments.router.icmpSent(), whole.router.icmpSent(), "icmp sent");
        // The next packet of the connection meets the same conntrack state in both.
        final UnsafeBuffer probe = new UnsafeBuffer(new byte[4096]);
        final int plen = whole.probe(probe);
        final UnsafeBuffer probe2 = new UnsafeBuffer(new byte[4096]);
        probe2.putBytes(0, probe, 0, plen);
        assertEquals(segments.router.receive(s.inbound ? 1 : 0, probe2, 0, plen, whole.now, segments.out),
                whole.router.receive(s.inbound ? 1 : 0, probe, 0, plen, whole.now, whole.out), "probe");
    }

    /** The common case must really take the whole path (not fall back): one super-frame out, per segment counts. */
    @Example
    void establishedSnatSuperFrameLeavesWhole() {
        final Scenario s = new Scenario(true, true, false, true, 64, 1500, 60_000, 1448, TcpHeader.PSH, false,
                false, 12345);
        final World w = new World(s);
        final UnsafeBuffer buf = new UnsafeBuffer(ByteBuffer.allocateDirect(OFF + 70_000));
        final int len = w.dataFrame(buf, OFF);
        final long before = w.router.forwarded();
        assertEquals(RouterStage.FORWARDED, w.router.receiveOffloaded(0, buf, OFF, len, w.now, w.out));
        assertEquals(1, w.out.wholeSuperFrames);
        assertEquals(42, w.router.forwarded() - before); // ceil(60000 / 1448) segments
        assertEquals(1, w.router.gsoWhole());
        assertEquals(0, w.router.gsoSegmented());
        assertEquals(R1, Ipv4Header.src(buf, OFF + IP), "SNAT applied in place");
        assertEquals(63, Ipv4Header.ttl(buf, OFF + IP));
    }

    /** A UDP datagram with a partial checksum through SNAT keeps it partial and completes to a valid checksum. */
    @Example
    void partialUdpThroughSnatCompletesValid() {
        final Scenario s = new Scenario(true, true, false, true, 64, 1500, 300, 1448, 0, true, false, 1);
        final World w = new World(s);
        final UnsafeBuffer buf = new UnsafeBuffer(ByteBuffer.allocateDirect(OFF + 70_000));
        final int len = w.dataFrame(buf, OFF);
        final int before = w.out.frames.size();
        assertEquals(RouterStage.FORWARDED, w.router.receiveOffloaded(0, buf, OFF, len, w.now, w.out));
        assertEquals(1, w.out.offloaded);
        final byte[] b = w.out.frames.get(before).bytes();
        assertTrue(TestPackets.checksumsValid(new UnsafeBuffer(b), IP));
        assertEquals(R1, Ipv4Header.src(new UnsafeBuffer(b), IP));
    }

    /** One router with its conntrack, set up by the scenario; both worlds of a property get identical ones. */
    static final class World {
        final Scenario s;
        final RouterStage router = new RouterStage(7, new Conntrack(256, CtTimeouts.DEFAULTS),
                ArpCache.Config.DEFAULTS, IcmpRateLimiter.UNLIMITED);
        final Sink out = new Sink();
        final long now = 5_000_000_000L;
        int snatPort;
        int aPort = 40000;
        final int xPort = 443;

        World(Scenario s) {
            this.s = s;
            router.setPorts(List.of(new RouterPort(0, RM0, R0, 24, 1500), new RouterPort(1, RM1, R1, 24, s.outMtu)));
            router.routes().add(new RouteTable.Route(0, 0, GW, 1));
            if (s.nat) {
                router.setNatRules(NatRules.builder(1).snat(R1, 20000, 20063).build());
            }
            final UnsafeBuffer b = TestPackets.buffer();
            router.receive(0, b, 0, ArpHeader.writeRequestFrame(b, 0, HA, A, R0), now, out);
            if (s.arpResolved) {
                router.receive(1, b, 0, ArpHeader.writeRequestFrame(b, 0, HGW, GW, R1), now, out);
            }
            out.frames.clear();
            snatPort = s.nat ? -1 : aPort;
            if (s.established && s.arpResolved) {
                handshake(b);
            }
        }

        private void handshake(UnsafeBuffer b) {
            final int proto = s.udp ? Ipv4Header.PROTO_UDP : Ipv4Header.PROTO_TCP;
            int len = s.udp ? TestPackets.udp(b, 0, RM0, HA, A, X, aPort, xPort, 10, 64)
                    : TestPackets.tcp(b, 0, RM0, HA, A, X, aPort, xPort, TcpHeader.SYN, 0, 64);
            router.receive(0, b, 0, len, now, out);
            final PacketTuple t = new PacketTuple();
            if (out.frames.isEmpty()) {
                return;
            }
            final UnsafeBuffer o = new UnsafeBuffer(out.frames.get(out.frames.size() - 1).bytes());
            t.parse(o, IP, Ipv4Header.totalLength(o, IP));
            snatPort = t.srcPort;
            final int to = s.nat ? R1 : A;
            len = s.udp ? TestPackets.udp(b, 0, RM1, HGW, X, to, xPort, snatPort, 10, 64)
                    : TestPackets.tcp(b, 0, RM1, HGW, X, to, xPort, snatPort, TcpHeader.SYN | TcpHeader.ACK, 0, 64);
            router.receive(1, b, 0, len, now, out);
            if (!s.udp) {
                len = TestPackets.tcp(b, 0, RM0, HA, A, X, aPort, xPort, TcpHeader.ACK, 0, 64);
                router.receive(0, b, 0, len, now, out);
            }
            out.frames.clear();
            assertEquals(proto, proto);
        }

        /**
         * The data frame of the scenario at {@code off}, its virtio header in front: a TCP super-frame (GSO when
         * the payload exceeds gso_size, else a single frame) or a UDP datagram, checksum left partial.
         */
        int dataFrame(UnsafeBuffer b, int off) {
            final boolean in = s.inbound;
            final long dstMac = in ? RM1 : RM0;
            final long srcMac = in ? HGW : HA;
            final int src = in ? X : A;
            final int dst = in ? (s.nat ? R1 : A) : X;
            final int sport = in ? xPort : aPort;
            final int dport = in ? (snatPort < 0 ? 20000 : snatPort) : xPort;
            final int len;
            final int vnet = off - VNET;
            VirtioNetHeader.clear(b, vnet);
            final int l4 = off + IP + Ipv4Header.MIN_LENGTH;
            if (s.udp) {
                final int payload = Math.min(s.payload, 1400);
                len = TestPackets.udp(b, off, dstMac, srcMac, src, dst, sport, dport, payload, s.ttl);
                final int l4Len = UdpHeader.LENGTH + payload;
                UdpHeader.setChecksum(b, l4, Checksum.fold(Checksum.pseudoIpv4(b, off + IP, Ipv4Header.PROTO_UDP,
                        l4Len)));
                VirtioNetHeader.setCsumOffset(b, vnet, UdpHeader.CHECKSUM_OFFSET);
            } else {
                final int big = TestPackets.tcp(b, off, dstMac, srcMac, src, dst, sport, dport,
                        TcpHeader.ACK | s.extraFlags, s.payload, s.ttl);
                len = big;
                TcpHeader.setSeq(b, l4, s.seq);
                final int l4Len = len - IP - Ipv4Header.MIN_LENGTH;
                TcpHeader.setChecksum(b, l4, Checksum.fold(Checksum.pseudoIpv4(b, off + IP, Ipv4Header.PROTO_TCP,
                        l4Len)));
                VirtioNetHeader.setCsumOffset(b, vnet, TcpHeader.CHECKSUM_OFFSET);
                if (s.payload > s.gsoSize) {
                    VirtioNetHeader.setGsoType(b, vnet,
                            VirtioNetHeader.GSO_TCPV4 | (s.ecn ? VirtioNetHeader.GSO_ECN : 0));
                    VirtioNetHeader.setGsoSize(b, vnet, s.gsoSize);
                    VirtioNetHeader.setHdrLen(b, vnet, IP + Ipv4Header.MIN_LENGTH + TcpHeader.MIN_LENGTH);
                }
            }
            VirtioNetHeader.setFlags(b, vnet, VirtioNetHeader.FLAG_NEEDS_CSUM);
            VirtioNetHeader.setCsumStart(b, vnet, IP + Ipv4Header.MIN_LENGTH);
            assertEquals(EthernetHeader.ETH_P_IPV4, EthernetHeader.etherType(b, off));
            return len;
        }

        /** A small complete packet of the same flow in the same direction, TTL 64. */
        int probe(UnsafeBuffer b) {
            final boolean in = s.inbound;
            final int dst = in ? (s.nat ? R1 : A) : X;
            final int sport = in ? xPort : aPort;
            final int dport = in ? (snatPort < 0 ? 20000 : snatPort) : xPort;
            return s.udp ? TestPackets.udp(b, 0, in ? RM1 : RM0, in ? HGW : HA, in ? X : A, dst, sport, dport, 5, 64)
                    : TestPackets.tcp(b, 0, in ? RM1 : RM0, in ? HGW : HA, in ? X : A, dst, sport, dport,
                            TcpHeader.ACK, 5, 64);
        }
    }

    @Property(tries = 50)
    void natOfAPartialChecksumMatchesAFreshPseudoHeaderSum(@ForAll int oldSrc, @ForAll int oldDst,
            @ForAll int newSrc, @ForAll int newDst, @ForAll @IntRange(min = 20, max = 1400) int l4Len,
            @ForAll @IntRange(min = 0, max = 65535) int sport, @ForAll @IntRange(min = 0, max = 65535) int nport) {
        final UnsafeBuffer b = TestPackets.buffer();
        final int len = TestPackets.tcp(b, 0, RM0, HA, oldSrc, oldDst, sport, 80, TcpHeader.ACK, l4Len - 20, 64);
        final int l4 = IP + Ipv4Header.MIN_LENGTH;
        TcpHeader.setChecksum(b, l4, Checksum.fold(Checksum.pseudoIpv4(b, IP, Ipv4Header.PROTO_TCP, l4Len)));
        final PacketTuple t = new PacketTuple();
        assertEquals(PacketTuple.OK, t.parse(b, IP, len - IP));
        io.jvs.core.conntrack.NatRewriter.rewritePartial(b, IP, t, newSrc, newDst, nport, 80);
        checkPartialField(b, 0, len, l4, TcpHeader.CHECKSUM_OFFSET);
        assertTrue(ChecksumOffload.complete(b, 0, len, l4, TcpHeader.CHECKSUM_OFFSET));
        assertTrue(TestPackets.checksumsValid(b, IP));
        assertEquals(nport, TcpHeader.srcPort(b, l4));
    }
}
