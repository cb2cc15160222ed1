package io.jvs.core.router;

import static io.jvs.core.conntrack.TestPackets.IP;
import static io.jvs.core.conntrack.TestPackets.addr;
import static io.jvs.core.conntrack.TestPackets.checksumsValid;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import io.jvs.core.conntrack.Conntrack;
import io.jvs.core.conntrack.CtState;
import io.jvs.core.conntrack.CtTimeouts;
import io.jvs.core.conntrack.TestPackets;
import io.jvs.core.packet.ArpHeader;
import io.jvs.core.packet.EthernetHeader;
import io.jvs.core.packet.IcmpHeader;
import io.jvs.core.packet.Ipv4Header;
import io.jvs.core.packet.MacAddress;
import io.jvs.core.packet.TcpHeader;
import io.jvs.core.packet.UdpHeader;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The router stage end to end on one router: inside ports 0 (10.0.0.1/24) and 2 (10.0.1.1/24, MTU 1400), external
 * port 1 (203.0.113.1/24) with a default route via 203.0.113.254, SNAT to 203.0.113.1 and floating IP 203.0.113.50
 * for 10.0.0.9.
 */
class RouterStageTest {
    static final long S = 1_000_000_000L;
    static final long RM0 = 0x0200_0000_0010L;
    static final long RM1 = 0x0200_0000_0011L;
    static final long RM2 = 0x0200_0000_0012L;
    static final long HA = 0x0200_0000_00a0L;
    static final long HI = 0x0200_0000_00a9L;
    static final long HGW = 0x0200_0000_00feL;
    static final long HC = 0x0200_0000_00c7L;
    static final int R0 = addr("10.0.0.1");
    static final int R1 = addr("203.0.113.1");
    static final int R2 = addr("10.0.1.1");
    static final int A = addr("10.0.0.5");
    static final int I = addr("10.0.0.9");
    static final int C = addr("10.0.1.7");
    static final int GW = addr("203.0.113.254");
    static final int FIP = addr("203.0.113.50");
    static final int X = addr("198.51.100.7");
    static final int ZONE = 42;

    /** A sink that copies every output. */
    static final class Outputs implements RouterStage.FrameSink {
        record Out(int port, byte[] bytes) {
            UnsafeBuffer buf() {
                return new UnsafeBuffer(bytes);
            }
        }

        final List<Out> frames = new ArrayList<>();

        @Override
        public void send(int port, DirectBuffer buf, int off, int len) {
            final byte[] b = new byte[len];
            buf.getBytes(off, b);
            frames.add(new Out(port, b));
        }

        Out only() {
            assertEquals(1, frames.size(), "outputs");
            return frames.remove(0);
        }
    }

    final Conntrack ct = new Conntrack(64, CtTimeouts.DEFAULTS);
    final RouterStage router = new RouterStage(ZONE, ct, ArpCache.Config.DEFAULTS, IcmpRateLimiter.UNLIMITED);
    final Outputs out = new Outputs();
    final UnsafeBuffer buf = TestPackets.buffer();
    long now = 1000 * S;

    @BeforeEach
    void setUp() {
        router.setPorts(List.of(new RouterPort(0, RM0, R0, 24, 1500), new RouterPort(1, RM1, R1, 24, 1500),
                new RouterPort(2, RM2, R2, 24, 1400)));
        router.routes().add(new RouteTable.Route(0, 0, GW, 1));
        router.setNatRules(NatRules.builder(1).snat(R1, 1024, 65535).floatingIp(FIP, I).build());
    }

    int receive(int port, int len) {
        return router.receive(port, buf, 0, len, now, out);
    }

    /** The host tells the router its MAC by asking for the router's address (RFC 826 merge). */
    void hostArps(int port, long hostMac, int hostIp, int routerIp) {
        final int len = ArpHeader.writeRequestFrame(buf, 0, hostMac, hostIp, routerIp);
        assertEquals(RouterStage.ANSWERED, receive(port, len));
        out.frames.clear();
    }

    @Test
    void shouldAnswerArpForItsAddressAndLearnTheAsker() {
        final int len = ArpHeader.writeRequestFrame(buf, 0, HA, A, R0);
        assertEquals(RouterStage.ANSWERED, receive(0, len));
        final UnsafeBuffer reply = out.only().buf();
        assertEquals(HA, EthernetHeader.dst(reply, 0));
        assertEquals(RM0, EthernetHeader.src(reply, 0));
        assertEquals(ArpHeader.OPER_REPLY, ArpHeader.operation(reply, IP));
        assertEquals(RM0, ArpHeader.senderMac(reply, IP));
        assertEquals(R0, ArpHeader.senderIp(reply, IP));
        assertEquals(HA, ArpHeader.targetMac(reply, IP));
        assertEquals(A, ArpHeader.targetIp(reply, IP));
        assertEquals(ArpCache.REACHABLE, router.arp().state(0, A));
    }

    @Test
    void shouldAnswerArpForFloatingIpsOnlyOnTheExternalPort() {
        assertEquals(RouterStage.ANSWERED, receive(1, ArpHeader.writeRequestFrame(buf, 0, HGW, GW, FIP)));
        final UnsafeBuffer reply = out.only().buf();
        assertEquals(RM1, ArpHeader.senderMac(reply, IP));
        assertEquals(FIP, ArpHeader.senderIp(reply, IP), "the reply must be for the floating IP asked about");
        assertEquals(RouterStage.DROPPED, receive(0, ArpHeader.writeRequestFrame(buf, 0, HA, A, FIP)));
        assertEquals(RouterDropReason.ARP_NOT_FOR_US, router.lastDropReason());
        assertEquals(RouterStage.DROPPED, receive(0, ArpHeader.writeRequestFrame(buf, 0, HA, A, R2)));
    }

    @Test
    void shouldAnswerAPingToItself() {
        final int len = TestPackets.icmpEcho(buf, 0, RM0, HA, A, R0, IcmpHeader.TYPE_ECHO_REQUEST, 5, 1, 56, 64);
        assertEquals(RouterStage.ANSWERED, receive(0, len));
        final Outputs.Out reply = out.only();
        final UnsafeBuffer r = reply.buf();
        assertEquals(0, reply.port());
        assertEquals(HA, EthernetHeader.dst(r, 0));
        assertEquals(R0, Ipv4Header.src(r, IP));
        assertEquals(A, Ipv4Header.dst(r, IP));
        assertEquals(IcmpHeader.TYPE_ECHO_REPLY, IcmpHeader.type(r, IP + 20));
        assertEquals(5, IcmpHeader.id(r, IP + 20));
        assertTrue(checksumsValid(r, IP));
    }

    @Test
    void shouldQueueUntilArpResolvesThenForwardWithNewMacsAndTtl() {
        final int len = TestPackets.udp(buf, 0, RM0, HA, A, C, 5000, 6000, 100, 64);
        assertEquals(RouterStage.QUEUED, receive(0, len));
        final UnsafeBuffer request = out.only().buf();
        assertEquals(MacAddress.BROADCAST, EthernetHeader.dst(request, 0));
        assertEquals(ArpHeader.OPER_REQUEST, ArpHeader.operation(request, IP));
        assertEquals(R2, ArpHeader.senderIp(request, IP));
        assertEquals(C, ArpHeader.targetIp(request, IP));

        final int arpLen = ArpHeader.writeReplyFrame(buf, 0, HC, C, RM2, R2);
        assertEquals(RouterStage.CONSUMED, receive(2, arpLen));
        final Outputs.Out released = out.only();
        assertEquals(2, released.port());
        final UnsafeBuffer f = released.buf();
        assertEquals(HC, EthernetHeader.dst(f, 0));
        assertEquals(RM2, EthernetHeader.src(f, 0));
        assertEquals(63, Ipv4Header.ttl(f, IP));
        assertEquals(A, Ipv4Header.src(f, IP), "inside to inside: no NAT");
        assertTrue(checksumsValid(f, IP));

        assertEquals(RouterStage.FORWARDED, receive(0, TestPackets.udp(buf, 0, RM0, HA, A, C, 5000, 6000, 10, 64)));
        assertEquals(2, out.only().port());
        assertEquals(0, ct.size(), "no conntrack inside the NAT boundary");
    }

    @Test
    void shouldSendTimeExceededQuotingTheDatagram() {
        final int len = TestPackets.udp(buf, 0, RM0, HA, A, X, 5000, 53, 30, 1);
        final byte[] quoted = new byte[28];
        buf.getBytes(IP, quoted);
        assertEquals(RouterStage.DROPPED, receive(0, len));
        assertEquals(RouterDropReason.TTL_EXCEEDED, router.lastDropReason());
        final UnsafeBuffer e = out.only().buf();
        assertEquals(HA, EthernetHeader.dst(e, 0));
        assertEquals(RM0, EthernetHeader.src(e, 0));
        assertEquals(R0, Ipv4Header.src(e, IP));
        assertEquals(A, Ipv4Header.dst(e, IP));
        assertEquals(IcmpHeader.TYPE_TIME_EXCEEDED, IcmpHeader.type(e, IP + 20));
        assertEquals(20 + 8 + 28, Ipv4Header.totalLength(e, IP));
        final byte[] body = new byte[28];
        e.getBytes(IP + 28, body);
        assertArrayEquals(quoted, body);
        assertTrue(checksumsValid(e, IP));
        assertEquals(0, ct.size(), "no connection for a dropped packet");
    }

    @Test
    void shouldSendNetUnreachableWithoutARoute() {
        router.routes().remove(0, 0);
        assertEquals(RouterStage.DROPPED, receive(0, TestPackets.udp(buf, 0, RM0, HA, A, X, 5000, 53, 30, 64)));
        assertEquals(RouterDropReason.NO_ROUTE, router.lastDropReason());
        final UnsafeBuffer e = out.only().buf();
        assertEquals(IcmpHeader.TYPE_DEST_UNREACHABLE, IcmpHeader.type(e, IP + 20));
        assertEquals(IcmpHeader.CODE_NET_UNREACHABLE, IcmpHeader.code(e, IP + 20));
    }

    @Test
    void shouldAskForFragmentationWhenTooBigWithDf() {
        hostArps(2, HC, C, R2);
        final int len = TestPackets.udp(buf, 0, RM0, HA, A, C, 5000, 6000, 1401 - 28, 64);
        assertEquals(RouterStage.DROPPED, receive(0, len));
        assertEquals(RouterDropReason.FRAG_NEEDED, router.lastDropReason());
        final UnsafeBuffer e = out.only().buf();
        assertEquals(IcmpHeader.CODE_FRAGMENTATION_NEEDED, IcmpHeader.code(e, IP + 20));
        assertEquals(1400, e.getShort(IP + 20 + IcmpHeader.NEXT_HOP_MTU_OFFSET, java.nio.ByteOrder.BIG_ENDIAN));
        assertTrue(checksumsValid(e, IP));

        TestPackets.udp(buf, 0, RM0, HA, A, C, 5000, 6000, 1401 - 28, 64);
        Ipv4Header.setFlagsFragment(buf, IP, 0);
        io.jvs.core.packet.Checksum.writeIpv4HeaderChecksum(buf, IP);
        assertEquals(RouterStage.DROPPED, receive(0, len));
        assertEquals(RouterDropReason.FRAGMENTATION_UNSUPPORTED, router.lastDropReason());
        assertEquals(RouterStage.FORWARDED, receive(0, TestPackets.udp(buf, 0, RM0, HA, A, C, 5000, 6000,
                1400 - 28, 64)), "exactly the MTU passes");
    }

    @Test
    void shouldSnatOutboundAndTranslateTheReplyBack() {
        hostArps(0, HA, A, R0);
        hostArps(1, HGW, GW, R1);
        final int len = TestPackets.tcp(buf, 0, RM0, HA, A, X, 40000, 443, TcpHeader.SYN, 0, 64);
        assertEquals(RouterStage.FORWARDED, receive(0, len));
        final Outputs.Out o = out.only();
        assertEquals(1, o.port());
        final UnsafeBuffer f = o.buf();
        assertEquals(HGW, EthernetHeader.dst(f, 0));
        assertEquals(RM1, EthernetHeader.src(f, 0));
        assertEquals(R1, Ipv4Header.src(f, IP));
        assertEquals(40000, TcpHeader.srcPort(f, IP + 20), "the source port is kept when free");
        assertEquals(63, Ipv4Header.ttl(f, IP));
        assertTrue(checksumsValid(f, IP));

        final int rlen = TestPackets.tcp(buf, 0, RM1, HGW, X, R1, 443, 40000, TcpHeader.SYN | TcpHeader.ACK, 0, 50);
        assertEquals(RouterStage.FORWARDED, receive(1, rlen));
        final Outputs.Out back = out.only();
        assertEquals(0, back.port());
        final UnsafeBuffer b = back.buf();
        assertEquals(HA, EthernetHeader.dst(b, 0));
        assertEquals(A, Ipv4Header.dst(b, IP));
        assertEquals(X, Ipv4Header.src(b, IP));
        assertEquals(40000, TcpHeader.dstPort(b, IP + 20));
        assertTrue(checksumsValid(b, IP));
        assertEquals(1, ct.size());
        assertEquals(CtState.TCP_SYN_RECV, ct.state(ct.lookup(ZONE, Ipv4Header.PROTO_TCP, A, X, 40000, 443)));
    }

    @Test
    void shouldGiveTwoInsideHostsWithTheSamePortDifferentSnatPorts() {
        hostArps(1, HGW, GW, R1);
        receive(0, TestPackets.udp(buf, 0, RM0, HA, A, X, 5353, 53, 10, 64));
        receive(0, TestPackets.udp(buf, 0, RM0, HI - 1, addr("10.0.0.8"), X, 5353, 53, 10, 64));
        assertEquals(2, out.frames.size());
        assertEquals(5353, UdpHeader.srcPort(out.frames.get(0).buf(), IP + 20));
        assertEquals(5354, UdpHeader.srcPort(out.frames.get(1).buf(), IP + 20));
    }

    @Test
    void shouldTranslateAnIcmpErrorAboutASnattedPacket() {
        hostArps(0, HA, A, R0);
        hostArps(1, HGW, GW, R1);
        final int len = TestPackets.udp(buf, 0, RM0, HA, A, X, 5353, 53, 10, 64);
        final byte[] sent = new byte[28];
        buf.getBytes(IP, sent);
        receive(0, len);
        final UnsafeBuffer left = out.only().buf();
        // A router on the way answers the translated datagram with time exceeded.
        final int elen = TestPackets.icmpError(buf, 0, RM1, HGW, addr("192.0.2.77"), IcmpHeader.TYPE_TIME_EXCEEDED,
                0, left, IP);
        assertEquals(RouterStage.FORWARDED, receive(1, elen));
        final UnsafeBuffer e = out.only().buf();
        assertEquals(A, Ipv4Header.dst(e, IP));
        assertEquals(HA, EthernetHeader.dst(e, 0));
        assertTrue(checksumsValid(e, IP));
        // The quoted datagram is A's again; only the TTL our router decremented differs (and its checksum).
        final UnsafeBuffer quoted = new UnsafeBuffer(new byte[28]);
        e.getBytes(IP + 28, quoted, 0, 28);
        assertEquals(A, Ipv4Header.src(quoted, 0));
        assertEquals(5353, UdpHeader.srcPort(quoted, 20));
        assertEquals(63, Ipv4Header.ttl(quoted, 0));
        assertTrue(io.jvs.core.packet.Checksum.isIpv4HeaderChecksumValid(quoted, 0));
        assertEquals(new UnsafeBuffer(sent).getShort(26), quoted.getShort(26), "UDP checksum as A sent it");
    }

    @Test
    void shouldDropUnsolicitedInbound() {
        assertEquals(RouterStage.DROPPED, receive(1, TestPackets.tcp(buf, 0, RM1, HGW, X, R1, 5555, 22,
                TcpHeader.SYN, 0, 50)));
        assertEquals(RouterDropReason.NAT_UNSOLICITED, router.lastDropReason());
        assertEquals(RouterStage.DROPPED, receive(1, TestPackets.tcp(buf, 0, RM1, HGW, X, A, 5555, 22,
                TcpHeader.SYN, 0, 50)));
        assertEquals(RouterDropReason.NAT_UNSOLICITED, router.lastDropReason());
        assertEquals(2, router.drops(RouterDropReason.NAT_UNSOLICITED));
        assertEquals(0, ct.size());
        assertEquals(RouterStage.ANSWERED, receive(1, TestPackets.icmpEcho(buf, 0, RM1, HGW, X, R1,
                IcmpHeader.TYPE_ECHO_REQUEST, 1, 1, 8, 50)), "the external address still answers pings");
    }

    @Test
    void shouldDeliverUnansweredLocalTrafficWhenAHostStackIsBound() {
        final List<int[]> delivered = new java.util.ArrayList<>();
        router.setLocalDelivery((port, b, off, len) -> delivered.add(new int[] {port, Ipv4Header.dst(b, off + 14),
                Ipv4Header.ttl(b, off + 14), len}));
        final int syn = TestPackets.tcp(buf, 0, RM1, HGW, X, R1, 5555, 22, TcpHeader.SYN, 0, 50);
        assertEquals(RouterStage.DELIVERED, receive(1, syn), "to the external (SNAT) address from outside");
        assertEquals(RouterStage.DELIVERED, receive(0, TestPackets.udp(buf, 0, RM0, HI, I, R2, 5000, 53, 20, 64)),
                "to another port's address from inside");
        assertEquals(2, delivered.size());
        assertEquals(1, delivered.get(0)[0]);
        assertEquals(R1, delivered.get(0)[1]);
        assertEquals(50, delivered.get(0)[2], "TTL untouched");
        assertEquals(syn, delivered.get(0)[3]);
        assertEquals(R2, delivered.get(1)[1]);
        assertEquals(2, router.delivered());
        assertEquals(0, ct.size(), "nothing tracked for the host stack's traffic");
        assertEquals(RouterStage.ANSWERED, receive(1, TestPackets.icmpEcho(buf, 0, RM1, HGW, X, R1,
                IcmpHeader.TYPE_ECHO_REQUEST, 1, 1, 8, 50)), "pings are still answered by the stage");
        assertEquals(2, delivered.size());
        router.setLocalDelivery(null);
        assertEquals(RouterStage.DROPPED, receive(1, TestPackets.tcp(buf, 0, RM1, HGW, X, R1, 5555, 22,
                TcpHeader.SYN, 0, 50)));
    }

    @Test
    void shouldSendFloatingIpTrafficBothWays() {
        hostArps(0, HI, I, R0);
        hostArps(1, HGW, GW, R1);
        assertEquals(RouterStage.FORWARDED, receive(1, TestPackets.tcp(buf, 0, RM1, HGW, X, FIP, 33000, 80,
                TcpHeader.SYN, 0, 50)));
        final UnsafeBuffer in = out.only().buf();
        assertEquals(I, Ipv4Header.dst(in, IP));
        assertEquals(HI, EthernetHeader.dst(in, 0));
        assertTrue(checksumsValid(in, IP));
        assertEquals(RouterStage.FORWARDED, receive(0, TestPackets.tcp(buf, 0, RM0, HI, I, X, 80, 33000,
                TcpHeader.SYN | TcpHeader.ACK, 0, 64)));
        final UnsafeBuffer back = out.only().buf();
        assertEquals(FIP, Ipv4Header.src(back, IP));
        assertTrue(checksumsValid(back, IP));
        // A new connection from I leaves from its floating IP, ports kept.
        assertEquals(RouterStage.FORWARDED, receive(0, TestPackets.udp(buf, 0, RM0, HI, I, X, 7777, 53, 8, 64)));
        final UnsafeBuffer o = out.only().buf();
        assertEquals(FIP, Ipv4Header.src(o, IP));
        assertEquals(7777, UdpHeader.srcPort(o, IP + 20));
    }

    @Test
    void shouldAnswerHostUnreachableWhenTheNextHopNeverAnswers() {
        hostArps(0, HA, A, R0);
        final int len = TestPackets.udp(buf, 0, RM0, HA, A, X, 5353, 53, 10, 64);
        assertEquals(RouterStage.QUEUED, receive(0, len));
        assertEquals(GW, ArpHeader.targetIp(out.only().buf(), IP));
        router.poll(now + S, out);
        router.poll(now + 2 * S, out);
        assertEquals(2, out.frames.size(), "two retries");
        out.frames.clear();
        router.poll(now + 3 * S, out);
        assertEquals(1, router.drops(RouterDropReason.ARP_UNRESOLVED));
        // The error about the translated datagram went back through conntrack to A.
        final Outputs.Out o = out.only();
        assertEquals(0, o.port());
        final UnsafeBuffer e = o.buf();
        assertEquals(HA, EthernetHeader.dst(e, 0));
        assertEquals(A, Ipv4Header.dst(e, IP));
        assertEquals(IcmpHeader.TYPE_DEST_UNREACHABLE, IcmpHeader.type(e, IP + 20));
        assertEquals(IcmpHeader.CODE_HOST_UNREACHABLE, IcmpHeader.code(e, IP + 20));
        assertEquals(A, Ipv4Header.src(e, IP + 28), "quoted as A sent it");
        assertEquals(5353, UdpHeader.srcPort(e, IP + 48));
        assertTrue(checksumsValid(e, IP));
    }

    @Test
    void shouldDropWhenConntrackIsFull() {
        hostArps(1, HGW, GW, R1);
        final Conntrack tiny = new Conntrack(1, CtTimeouts.DEFAULTS);
        final RouterStage r = new RouterStage(1, tiny, ArpCache.Config.DEFAULTS, IcmpRateLimiter.UNLIMITED);
        r.setPorts(List.of(new RouterPort(0, RM0, R0, 24, 1500), new RouterPort(1, RM1, R1, 24, 1500)));
        r.setNatRules(NatRules.builder(1).snat(R1, 1024, 65535).build());
        r.routes().add(new RouteTable.Route(0, 0, GW, 1));
        r.receive(1, buf, 0, ArpHeader.writeRequestFrame(buf, 0, HGW, GW, R1), now, out);
        final int len1 = TestPackets.udp(buf, 0, RM0, HA, A, X, 1, 2, 0, 64);
        assertEquals(RouterStage.FORWARDED, r.receive(0, buf, 0, len1, now, out));
        final int len2 = TestPackets.udp(buf, 0, RM0, HA, A, X, 3, 4, 0, 64);
        assertEquals(RouterStage.DROPPED, r.receive(0, buf, 0, len2, now, out));
        assertEquals(RouterDropReason.CT_TABLE_FULL, r.lastDropReason());
        assertEquals(1, tiny.tableFullDrops());
    }

    @Test
    void shouldDropBadFramesWithReasons() {
        assertEquals(RouterStage.DROPPED, router.receive(0, buf, 0, 10, now, out));
        assertEquals(RouterDropReason.RUNT, router.lastDropReason());
        int len = TestPackets.udp(buf, 0, HC, HA, A, C, 1, 2, 0, 64);
        assertEquals(RouterStage.DROPPED, receive(0, len));
        assertEquals(RouterDropReason.NOT_OUR_MAC, router.lastDropReason());
        len = TestPackets.udp(buf, 0, RM0, HA, A, C, 1, 2, 0, 64);
        Ipv4Header.setTtl(buf, IP, 9); // checksum now wrong
        assertEquals(RouterStage.DROPPED, receive(0, len));
        assertEquals(RouterDropReason.BAD_IP_HEADER, router.lastDropReason());
        len = TestPackets.udp(buf, 0, RM0, HA, A, C, 1, 2, 0, 64);
        assertEquals(RouterStage.DROPPED, receive(0, len - 1));
        assertEquals(RouterDropReason.BAD_IP_HEADER, router.lastDropReason(), "total length beyond the frame");
        EthernetHeader.setEtherType(buf, 0, EthernetHeader.ETH_P_IPV6);
        assertEquals(RouterStage.DROPPED, receive(0, len));
        assertEquals(RouterDropReason.UNSUPPORTED_ETHERTYPE, router.lastDropReason());
        assertEquals(RouterStage.DROPPED, router.receive(7, buf, 0, len, now, out));
        assertEquals(RouterDropReason.UNKNOWN_PORT, router.lastDropReason());
        assertEquals(0, out.frames.size());
    }

    @Test
    void shouldRateLimitIcmpErrors() {
        final RouterStage r = new RouterStage(1, ct, ArpCache.Config.DEFAULTS, IcmpRateLimiter.tokenBucket(1, 2));
        r.setPorts(List.of(new RouterPort(0, RM0, R0, 24, 1500)));
        for (int i = 0; i < 5; i++) {
            final int len = TestPackets.udp(buf, 0, RM0, HA, A, X, 1, 2, 0, 64);
            r.receive(0, buf, 0, len, now, out); // no route: net unreachable
        }
        assertEquals(2, out.frames.size());
        assertEquals(3, r.icmpRateLimited());
        r.receive(0, buf, 0, TestPackets.udp(buf, 0, RM0, HA, A, X, 1, 2, 0, 64), now + S, out);
        assertEquals(3, out.frames.size(), "a token a second");
    }

    @Test
    void shouldHairpinAnInsideHostToAFloatingIp() {
        hostArps(0, HA, A, R0);
        hostArps(0, HI, I, R0);
        assertEquals(RouterStage.FORWARDED, receive(0, TestPackets.tcp(buf, 0, RM0, HA, A, FIP, 41000, 80,
                TcpHeader.SYN, 0, 64)));
        final UnsafeBuffer toI = out.only().buf();
        assertEquals(HI, EthernetHeader.dst(toI, 0));
        assertEquals(I, Ipv4Header.dst(toI, IP));
        assertEquals(R1, Ipv4Header.src(toI, IP), "the source is translated so that I answers through us");
        final int port = TcpHeader.srcPort(toI, IP + 20);
        assertTrue(checksumsValid(toI, IP));
        assertEquals(RouterStage.FORWARDED, receive(0, TestPackets.tcp(buf, 0, RM0, HI, I, R1, 80, port,
                TcpHeader.SYN | TcpHeader.ACK, 0, 64)));
        final UnsafeBuffer toA = out.only().buf();
        assertEquals(HA, EthernetHeader.dst(toA, 0));
        assertEquals(FIP, Ipv4Header.src(toA, IP));
        assertEquals(A, Ipv4Header.dst(toA, IP));
        assertEquals(41000, TcpHeader.dstPort(toA, IP + 20));
        assertTrue(checksumsValid(toA, IP));
    }

    @Test
    void shouldNotForwardDirectedBroadcastsOrMartians() {
        assertEquals(RouterStage.DROPPED, receive(0, TestPackets.udp(buf, 0, RM0, HA, A, addr("10.0.1.255"), 1, 2,
                0, 64)));
        assertEquals(RouterDropReason.NOT_ROUTABLE, router.lastDropReason());
        assertEquals(RouterStage.DROPPED, receive(0, TestPackets.udp(buf, 0, RM0, HA, addr("127.0.0.1"), C, 1, 2,
                0, 64)));
        assertEquals(RouterDropReason.NOT_ROUTABLE, router.lastDropReason());
        assertEquals(RouterStage.DROPPED, receive(0, TestPackets.udp(buf, 0, RM0, HA, A, addr("224.0.0.251"), 1,
                2, 0, 64)));
        assertEquals(3, router.drops(RouterDropReason.NOT_ROUTABLE));
        assertEquals(0, out.frames.size());
    }

    @Test
    void shouldTranslatePortUnreachableFromAFloatingIpOwner() {
        hostArps(0, HI, I, R0);
        hostArps(1, HGW, GW, R1);
        final int len = TestPackets.udp(buf, 0, RM1, HGW, X, FIP, 5000, 161, 20, 50);
        final byte[] sent = new byte[28];
        buf.getBytes(IP, sent);
        assertEquals(RouterStage.FORWARDED, receive(1, len));
        final UnsafeBuffer atI = out.only().buf();
        // I has nothing on port 161 and says so about the datagram it received (X -> I).
        final int elen = TestPackets.icmpError(buf, 0, RM0, HI, I, IcmpHeader.TYPE_DEST_UNREACHABLE,
                IcmpHeader.CODE_PORT_UNREACHABLE, atI, IP);
        assertEquals(RouterStage.FORWARDED, receive(0, elen));
        final UnsafeBuffer e = out.only().buf();
        assertEquals(FIP, Ipv4Header.src(e, IP), "the error comes from the address X talked to");
        assertEquals(X, Ipv4Header.dst(e, IP));
        assertEquals(HGW, EthernetHeader.dst(e, 0));
        assertEquals(FIP, Ipv4Header.dst(e, IP + 28));
        assertEquals(new UnsafeBuffer(sent).getShort(26), e.getShort(IP + 28 + 26), "UDP checksum as X sent it");
        assertTrue(checksumsValid(e, IP));
    }

    @Test
    void shouldDropTcpThatCannotOpenAConnection() {
        hostArps(1, HGW, GW, R1);
        assertEquals(RouterStage.DROPPED, receive(0, TestPackets.tcp(buf, 0, RM0, HA, A, X, 40000, 443,
                TcpHeader.ACK, 0, 64)));
        assertEquals(RouterDropReason.CT_INVALID, router.lastDropReason());
        assertEquals(0, ct.size());
    }

    @Test
    void shouldExpireConnectionsAndForgetNeighboursOfARemovedPort() {
        hostArps(0, HA, A, R0);
        hostArps(1, HGW, GW, R1);
        receive(0, TestPackets.udp(buf, 0, RM0, HA, A, X, 5353, 53, 10, 64));
        assertEquals(1, ct.size());
        router.poll(now + 29 * S, out);
        assertEquals(1, ct.size());
        router.poll(now + 30 * S, out);
        assertEquals(0, ct.size(), "unreplied UDP: 30 s");
        assertEquals(1, router.flushPort(1));
        assertEquals(0, router.arp().state(1, GW));
    }

    @Test
    void shouldForwardUnchangedWhenNatIsOff() {
        router.setNatRules(NatRules.NONE);
        hostArps(1, HGW, GW, R1);
        assertEquals(RouterStage.FORWARDED, receive(0, TestPackets.tcp(buf, 0, RM0, HA, A, X, 40000, 443,
                TcpHeader.ACK, 0, 64)));
        final UnsafeBuffer f = out.only().buf();
        assertEquals(A, Ipv4Header.src(f, IP));
        assertTrue(checksumsValid(f, IP));
        assertEquals(0, ct.size());
    }

    @Test
    void shouldDropFragmentsCrossingTheNatBoundary() {
        hostArps(1, HGW, GW, R1);
        hostArps(2, HC, C, R2);
        int len = TestPackets.udp(buf, 0, RM0, HA, A, X, 1, 2, 100, 64);
        Ipv4Header.setFlagsFragment(buf, IP, Ipv4Header.FLAG_MF);
        io.jvs.core.packet.Checksum.writeIpv4HeaderChecksum(buf, IP);
        assertEquals(RouterStage.DROPPED, receive(0, len));
        assertEquals(RouterDropReason.NAT_FRAGMENT, router.lastDropReason());
        len = TestPackets.udp(buf, 0, RM1, HGW, X, A, 1, 2, 100, 64);
        Ipv4Header.setFlagsFragment(buf, IP, 10);
        io.jvs.core.packet.Checksum.writeIpv4HeaderChecksum(buf, IP);
        assertEquals(RouterStage.DROPPED, receive(1, len));
        assertEquals(RouterDropReason.NAT_FRAGMENT, router.lastDropReason());
        // Inside the boundary fragments are routed like any packet.
        len = TestPackets.udp(buf, 0, RM0, HA, A, C, 1, 2, 100, 64);
        Ipv4Header.setFlagsFragment(buf, IP, Ipv4Header.FLAG_MF);
        io.jvs.core.packet.Checksum.writeIpv4HeaderChecksum(buf, IP);
        assertEquals(RouterStage.FORWARDED, receive(0, len));
    }
}
