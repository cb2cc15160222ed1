package io.jvs.bench;

import static java.nio.ByteOrder.BIG_ENDIAN;

import java.util.concurrent.TimeUnit;

import io.jvs.core.packet.EthernetHeader;
import io.jvs.core.packet.Ipv4Header;
import io.jvs.core.packet.MacAddress;
import io.jvs.core.packet.TcpHeader;
import io.jvs.core.packet.VlanHeader;

import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The header flyweights over received frames: each op reads one of 32 frames (a different slot each time, as a burst
 * does) and folds what it read into the returned value, so nothing is dead code.
 *
 * <ul>
 * <li>{@code parseIpv4Tcp}, {@code parseVlanIpv4Tcp}: Ethernet [802.1Q] IPv4 TCP, every field a classifier would look
 * at (MACs, tag, IPv4 version/IHL/length/fragment/protocol/addresses, TCP ports/seq/ack/offset/flags).
 * <li>{@code flowKey}, {@code flowKeyVlan}: only what the Forwarder reads for its flow-cache key (destination,
 * source, wire VLAN id, ethertype).
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class HeaderParseBench {
    private final Frames untagged = new Frames();
    private final Frames tagged = new Frames();
    private int i;

    @Setup
    public void setUp() {
        for (int s = 0; s < Frames.SLOTS; s++) {
            untagged.put(s, Frames.mac(200 + s), Frames.mac(100 + s), -1, Frames.FRAME_BYTES);
            tagged.put(s, Frames.mac(200 + s), Frames.mac(100 + s), 10 + s, Frames.FRAME_BYTES);
        }
    }

    private int nextFrameOff() {
        return Frames.frameOff(i++ & (Frames.SLOTS - 1));
    }

    @Benchmark
    public long parseIpv4Tcp() {
        return parse(untagged.buf, nextFrameOff());
    }

    @Benchmark
    public long parseVlanIpv4Tcp() {
        return parse(tagged.buf, nextFrameOff());
    }

    @Benchmark
    public long flowKey() {
        return flowKey(untagged.buf, nextFrameOff());
    }

    @Benchmark
    public long flowKeyVlan() {
        return flowKey(tagged.buf, nextFrameOff());
    }

    private static long parse(UnsafeBuffer b, int off) {
        long acc = EthernetHeader.dst(b, off) ^ EthernetHeader.src(b, off) << 3;
        int type = EthernetHeader.etherType(b, off);
        int l3 = off + EthernetHeader.LENGTH;
        if (EthernetHeader.isVlanTpid(type)) {
            int tci = VlanHeader.tci(b, off + EthernetHeader.ETHERTYPE_OFFSET);
            acc += VlanHeader.vid(tci) + VlanHeader.pcp(tci);
            type = b.getShort(l3 + VlanHeader.TCI_OFFSET, BIG_ENDIAN) & 0xffff;
            l3 += VlanHeader.LENGTH;
        }
        if (type != EthernetHeader.ETH_P_IPV4 || Ipv4Header.version(b, l3) != Ipv4Header.VERSION) {
            return acc;
        }
        int ihl = Ipv4Header.headerLength(b, l3);
        acc = acc * 31 + Ipv4Header.totalLength(b, l3);
        acc = acc * 31 + Ipv4Header.src(b, l3);
        acc = acc * 31 + Ipv4Header.dst(b, l3);
        if (Ipv4Header.isFragment(b, l3) || Ipv4Header.protocol(b, l3) != Ipv4Header.PROTO_TCP) {
            return acc;
        }
        int l4 = l3 + ihl;
        acc = acc * 31 + (TcpHeader.srcPort(b, l4) << 16 | TcpHeader.dstPort(b, l4));
        acc = acc * 31 + TcpHeader.seq(b, l4);
        acc = acc * 31 + TcpHeader.ack(b, l4);
        acc = acc * 31 + (TcpHeader.headerLength(b, l4) << 8 | TcpHeader.flags(b, l4));
        return acc;
    }

    /** As Forwarder.receive reads them: the tag (if any) at 12, then the MACs and the ethertype behind the tag. */
    private static long flowKey(UnsafeBuffer b, int off) {
        int wireVid = -1;
        int type = EthernetHeader.etherType(b, off);
        if (type == EthernetHeader.ETH_P_8021Q) {
            wireVid = VlanHeader.vid(VlanHeader.tci(b, off + EthernetHeader.ETHERTYPE_OFFSET));
            type = b.getShort(off + EthernetHeader.LENGTH + VlanHeader.TCI_OFFSET, BIG_ENDIAN) & 0xffff;
        }
        long dst = MacAddress.read(b, off + EthernetHeader.DST_OFFSET);
        long src = MacAddress.read(b, off + EthernetHeader.SRC_OFFSET);
        return dst * 31 + src ^ ((long) (wireVid + 1) << 16 | type) << 48;
    }
}
