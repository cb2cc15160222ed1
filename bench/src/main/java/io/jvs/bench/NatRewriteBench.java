package io.jvs.bench;

import static java.nio.ByteOrder.BIG_ENDIAN;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.jvs.core.conntrack.Conntrack;
import io.jvs.core.conntrack.CtTimeouts;
import io.jvs.core.conntrack.NatRewriter;
import io.jvs.core.conntrack.PacketTuple;
import io.jvs.core.packet.ArpHeader;
import io.jvs.core.packet.Checksum;
import io.jvs.core.packet.EthernetHeader;
import io.jvs.core.packet.Ipv4Header;
import io.jvs.core.packet.TcpHeader;
import io.jvs.core.router.ArpCache;
import io.jvs.core.router.IcmpRateLimiter;
import io.jvs.core.router.NatRules;
import io.jvs.core.router.RouteTable;
import io.jvs.core.router.RouterPort;
import io.jvs.core.router.RouterStage;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * NAT on a 64-byte TCP/IPv4 frame (Ethernet + IPv4 + TCP, no payload: the rewrite cost does not depend on it).
 *
 * <ul>
 * <li>{@code rewriteSnatAndBack}: {@link NatRewriter#rewrite} of source address and port, then back (two rewrites
 * per invocation, reported per rewrite): the checksum patching alone.
 * <li>{@code routerForwardSnat}: the whole router stage for one frame of an established SNATed connection, inside
 * to outside: parse, conntrack lookup and track, route lookup, TTL, rewrite, ARP hit, MACs, hand to the sink. Each op
 * first restores the header bytes the router rewrote (MACs, IPv4 header, ports, TCP checksum) (ARP-resolved, so the frame is never queued).
 * <li>{@code routerForwardReply}: the same for the reply direction, outside to inside.
 * <li>{@code routerForwardSnatSuperFrame}: GSO pass-through: a 64 KiB TSO super-frame of the same connection (45
 * segments of 1448 bytes, checksum partial, virtio header in front) through {@link RouterStage#receiveOffloaded},
 * routed whole: one decision, the NAT on the pseudo-header sum, TTL, out through the sink's {@code sendOffloaded}.
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class NatRewriteBench {
    private static final int FRAME = 64;
    private static final int IP = EthernetHeader.LENGTH;
    private static final long RM0 = 0x0200_0000_0010L;
    private static final long RM1 = 0x0200_0000_0011L;
    private static final long HA = 0x0200_0000_00a0L;
    private static final long HGW = 0x0200_0000_00feL;
    private static final int R0 = 0x0a00_0001;
    private static final int R1 = 0xcb00_7101;
    private static final int A = 0x0a00_0005;
    private static final int GW = 0xcb00_71fe;
    private static final int X = 0xc633_6407;

    /** Counts frames; allocates nothing. */
    static final class Sink implements RouterStage.FrameSink {
        long frames;

        @Override
        public void send(int port, DirectBuffer buf, int off, int len) {
            frames += port + 1;
        }

        @Override
        public void sendOffloaded(int port, org.agrona.MutableDirectBuffer buf, int off, int len) {
            frames += port + len;
        }
    }

    private static final int SUPER_PAYLOAD = 45 * 1448;
    private static final int SUPER_OFF = 64 + io.jvs.core.packet.VirtioNetHeader.LENGTH;
    private final UnsafeBuffer superFrame = new UnsafeBuffer(ByteBuffer.allocateDirect(SUPER_OFF + 65536));
    private final UnsafeBuffer superHeaders = new UnsafeBuffer(ByteBuffer.allocateDirect(SUPER_OFF + FRAME));
    private int superLen;

    private final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(2048));
    private final UnsafeBuffer natFrame = new UnsafeBuffer(ByteBuffer.allocateDirect(FRAME));
    private final UnsafeBuffer outbound = new UnsafeBuffer(ByteBuffer.allocateDirect(FRAME));
    private final UnsafeBuffer inbound = new UnsafeBuffer(ByteBuffer.allocateDirect(FRAME));
    private final PacketTuple tuple = new PacketTuple();
    private final Sink sink = new Sink();
    private RouterStage router;
    private long now = 1_000_000_000L;

    @Setup
    public void setUp() {
        tcp(natFrame, RM0, HA, A, X, 40000, 443, TcpHeader.ACK);
        TestSwitch.check(tuple.parse(natFrame, IP, FRAME - IP) == PacketTuple.OK, "frame parses");

        router = new RouterStage(1, new Conntrack(1024, CtTimeouts.DEFAULTS), ArpCache.Config.DEFAULTS,
                IcmpRateLimiter.UNLIMITED);
        router.setPorts(List.of(new RouterPort(0, RM0, R0, 24, 1500), new RouterPort(1, RM1, R1, 24, 1500)));
        router.routes().add(new RouteTable.Route(0, 0, GW, 1));
        router.setNatRules(NatRules.builder(1).snat(R1, 1024, 65535).build());
        final UnsafeBuffer b = new UnsafeBuffer(new byte[2048]);
        router.receive(0, b, 0, ArpHeader.writeRequestFrame(b, 0, HA, A, R0), now, sink);
        router.receive(1, b, 0, ArpHeader.writeRequestFrame(b, 0, HGW, GW, R1), now, sink);
        tcp(b, RM0, HA, A, X, 40000, 443, TcpHeader.SYN);
        TestSwitch.check(router.receive(0, b, 0, FRAME, now, sink) == RouterStage.FORWARDED, "SYN forwarded");
        tcp(b, RM1, HGW, X, R1, 443, 40000, TcpHeader.SYN | TcpHeader.ACK);
        TestSwitch.check(router.receive(1, b, 0, FRAME, now, sink) == RouterStage.FORWARDED, "SYN+ACK forwarded");
        tcp(outbound, RM0, HA, A, X, 40000, 443, TcpHeader.ACK);
        tcp(inbound, RM1, HGW, X, R1, 443, 40000, TcpHeader.ACK);
        frame.putBytes(0, outbound, 0, FRAME); // both directions share everything past the bytes each op restores
        superLen = superFrame(superHeaders);
        superFrame.putBytes(0, superHeaders, 0, SUPER_OFF + FRAME);
        TestSwitch.check(routerForwardSnatSuperFrame() == RouterStage.FORWARDED && router.gsoWhole() == 1,
                "super-frame routed whole");
        TestSwitch.check(routerForwardSnat() == RouterStage.FORWARDED, "established outbound forwarded");
        TestSwitch.check(routerForwardReply() == RouterStage.FORWARDED, "established reply forwarded");
        TestSwitch.check(rewriteSnatAndBack() == 40000, "rewrite round trip");
    }

    private static void tcp(UnsafeBuffer b, long dstMac, long srcMac, int src, int dst, int sport, int dport,
            int flags) {
        EthernetHeader.setDst(b, 0, dstMac);
        EthernetHeader.setSrc(b, 0, srcMac);
        EthernetHeader.setEtherType(b, 0, EthernetHeader.ETH_P_IPV4);
        Ipv4Header.setVersionAndHeaderLength(b, IP, Ipv4Header.MIN_LENGTH);
        Ipv4Header.setTos(b, IP, 0);
        Ipv4Header.setTotalLength(b, IP, FRAME - IP);
        Ipv4Header.setId(b, IP, 1);
        Ipv4Header.setFlagsFragment(b, IP, Ipv4Header.FLAG_DF);
        Ipv4Header.setTtl(b, IP, 64);
        Ipv4Header.setProtocol(b, IP, Ipv4Header.PROTO_TCP);
        Ipv4Header.setSrc(b, IP, src);
        Ipv4Header.setDst(b, IP, dst);
        Checksum.writeIpv4HeaderChecksum(b, IP);
        final int l4 = IP + Ipv4Header.MIN_LENGTH;
        final int l4Len = FRAME - l4;
        TcpHeader.setSrcPort(b, l4, sport);
        TcpHeader.setDstPort(b, l4, dport);
        TcpHeader.setSeq(b, l4, 1);
        TcpHeader.setAck(b, l4, 1);
        TcpHeader.setHeaderLength(b, l4, TcpHeader.MIN_LENGTH);
        TcpHeader.setFlags(b, l4, flags);
        TcpHeader.setWindow(b, l4, 512);
        TcpHeader.setChecksum(b, l4, 0);
        b.setMemory(l4 + TcpHeader.MIN_LENGTH, FRAME - l4 - TcpHeader.MIN_LENGTH, (byte) 0);
        TcpHeader.setChecksum(b, l4, Checksum.finish(Checksum.pseudoIpv4(b, IP, Ipv4Header.PROTO_TCP, l4Len)
                + Checksum.sum(b, l4, l4Len)));
    }

    /** The headers of a TSO super-frame A:40000 -> X:443 at SUPER_OFF, virtio header in front; returns its length. */
    private static int superFrame(UnsafeBuffer b) {
        final int vnet = SUPER_OFF - io.jvs.core.packet.VirtioNetHeader.LENGTH;
        final UnsafeBuffer f = new UnsafeBuffer(b, SUPER_OFF, FRAME);
        tcp(f, RM0, HA, A, X, 40000, 443, TcpHeader.ACK);
        final int l4Len = TcpHeader.MIN_LENGTH + SUPER_PAYLOAD;
        Ipv4Header.setTotalLength(f, IP, Ipv4Header.MIN_LENGTH + l4Len);
        Checksum.writeIpv4HeaderChecksum(f, IP);
        final int l4 = IP + Ipv4Header.MIN_LENGTH;
        TcpHeader.setChecksum(f, l4, Checksum.fold(Checksum.pseudoIpv4(f, IP, Ipv4Header.PROTO_TCP, l4Len)));
        io.jvs.core.packet.VirtioNetHeader.clear(b, vnet);
        io.jvs.core.packet.VirtioNetHeader.setFlags(b, vnet, io.jvs.core.packet.VirtioNetHeader.FLAG_NEEDS_CSUM);
        io.jvs.core.packet.VirtioNetHeader.setGsoType(b, vnet, io.jvs.core.packet.VirtioNetHeader.GSO_TCPV4);
        io.jvs.core.packet.VirtioNetHeader.setGsoSize(b, vnet, 1448);
        io.jvs.core.packet.VirtioNetHeader.setHdrLen(b, vnet, l4 + TcpHeader.MIN_LENGTH);
        io.jvs.core.packet.VirtioNetHeader.setCsumStart(b, vnet, l4);
        io.jvs.core.packet.VirtioNetHeader.setCsumOffset(b, vnet, TcpHeader.CHECKSUM_OFFSET);
        return IP + Ipv4Header.MIN_LENGTH + l4Len;
    }

    @Benchmark
    public int routerForwardSnatSuperFrame() {
        // Restore what the router rewrote: MACs, IPv4 header, ports, the checksum field (in the header template).
        superFrame.putBytes(0, superHeaders, 0, SUPER_OFF + IP + Ipv4Header.MIN_LENGTH + TcpHeader.MIN_LENGTH);
        return router.receiveOffloaded(0, superFrame, SUPER_OFF, superLen, ++now, sink);
    }

    @Benchmark
    @OperationsPerInvocation(2)
    public int rewriteSnatAndBack() {
        NatRewriter.rewrite(natFrame, IP, tuple, R1, X, 61000, 443);
        NatRewriter.rewrite(natFrame, IP, tuple, A, X, 40000, 443);
        return natFrame.getShort(IP + Ipv4Header.MIN_LENGTH, BIG_ENDIAN) & 0xffff;
    }

    @Benchmark
    public int routerForwardSnat() {
        // The router rewrites Ethernet, IPv4, TCP ports and checksum in place: put those bytes back.
        frame.putBytes(0, outbound, 0, IP + Ipv4Header.MIN_LENGTH + 4);
        frame.putShort(IP + Ipv4Header.MIN_LENGTH + TcpHeader.CHECKSUM_OFFSET,
                outbound.getShort(IP + Ipv4Header.MIN_LENGTH + TcpHeader.CHECKSUM_OFFSET));
        return router.receive(0, frame, 0, FRAME, ++now, sink);
    }

    @Benchmark
    public int routerForwardReply() {
        frame.putBytes(0, inbound, 0, IP + Ipv4Header.MIN_LENGTH + 4);
        frame.putShort(IP + Ipv4Header.MIN_LENGTH + TcpHeader.CHECKSUM_OFFSET,
                inbound.getShort(IP + Ipv4Header.MIN_LENGTH + TcpHeader.CHECKSUM_OFFSET));
        return router.receive(1, frame, 0, FRAME, ++now, sink);
    }
}
