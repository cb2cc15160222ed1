package io.jvs.bench;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import io.jvs.core.bridge.Forwarder;
import io.jvs.core.bridge.VlanConfig;
import io.jvs.core.packet.GsoSegmenter;
import io.jvs.core.packet.SegmentSink;
import io.jvs.core.packet.TcpCoalescer;
import io.jvs.core.packet.TcpHeader;
import io.jvs.core.packet.VirtioNetHeader;

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
 * Software GSO of one 64 KiB TCP/IPv4 super-frame (IP total length 65535, gso_size 1448, so 46 segments with full
 * IPv4 and TCP checksums), per super-frame (divide by 46 for a segment).
 *
 * <ul>
 * <li>{@code segmentTcp64k}: {@link GsoSegmenter#segment} alone, to a sink that only sums the segment lengths.
 * <li>{@code coalesceTcp64k}: the reverse, what a TAP output does with the 46 segments arriving one by one (a
 * tunnel's receive side): {@link TcpCoalescer#offer} for each (checksum verified, payload appended), then one flush
 * that builds the super-frame's headers, to a sink that only counts.
 * <li>{@code forwardTcp64k}: the same frame through {@link Forwarder#receive} (flow cache hit) from an access port to
 * a host on a port that takes no offloads, so the forwarder segments it and transmits 46 frames. The input is only
 * read, so nothing is restored between ops.
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
        "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class GsoBench {
    static final int GSO_SIZE = 1448;
    static final int SEGMENTS = (0xffff - 40 + GSO_SIZE - 1) / GSO_SIZE;

    private final UnsafeBuffer buf = new UnsafeBuffer(ByteBuffer.allocateDirect(
            Forwarder.HEADROOM + VirtioNetHeader.LENGTH + ChecksumBench.MAX_FRAME));
    private final int vnetOff = Forwarder.HEADROOM;
    private final int frameOff = vnetOff + VirtioNetHeader.LENGTH;
    private final GsoSegmenter segmenter = new GsoSegmenter(65535);
    private long segmentBytes;
    private final SegmentSink sink = (b, off, len) -> segmentBytes += len;
    private final UnsafeBuffer segments = new UnsafeBuffer(ByteBuffer.allocateDirect(SEGMENTS * 2048));
    private final int[] segmentLengths = new int[SEGMENTS];
    private int stored;
    private long coalesced;
    private final TcpCoalescer coalescer = new TcpCoalescer((b, off, len, n, bytes) -> coalesced += n);
    private TestSwitch sw;
    private Forwarder forwarder;

    @Setup
    public void setUp() {
        UnsafeBuffer frame = new UnsafeBuffer(buf, frameOff, ChecksumBench.MAX_FRAME);
        ChecksumBench.partialTcp(frame, ChecksumBench.MAX_FRAME);
        VirtioNetHeader.setFlags(buf, vnetOff, VirtioNetHeader.FLAG_NEEDS_CSUM);
        VirtioNetHeader.setGsoType(buf, vnetOff, VirtioNetHeader.GSO_TCPV4);
        VirtioNetHeader.setHdrLen(buf, vnetOff, ChecksumBench.CSUM_START + TcpHeader.MIN_LENGTH);
        VirtioNetHeader.setGsoSize(buf, vnetOff, GSO_SIZE);
        VirtioNetHeader.setCsumStart(buf, vnetOff, ChecksumBench.CSUM_START);
        VirtioNetHeader.setCsumOffset(buf, vnetOff, TcpHeader.CHECKSUM_OFFSET);

        TestSwitch.check(segmentTcp64k() == SEGMENTS, "segmentTcp64k makes " + SEGMENTS + " segments");
        // Keep the segments (full checksums) for coalesceTcp64k, each in a 2 KiB slot.
        segmenter.segment(buf, frameOff, ChecksumBench.MAX_FRAME, VirtioNetHeader.GSO_TCPV4, GSO_SIZE,
                (b, off, len) -> {
                    segments.putBytes(stored * 2048, b, off, len);
                    segmentLengths[stored++] = len;
                });
        TestSwitch.check(coalesceTcp64k() == SEGMENTS, "coalesceTcp64k merges all " + SEGMENTS + " segments");

        VlanConfig access = VlanConfig.access(10);
        sw = new TestSwitch(access, access, access);
        forwarder = new Forwarder(0);
        long host = Frames.mac(1);
        sw.teach(forwarder, 1, host, -1);
        sw.teach(forwarder, 0, Frames.mac(2), -1); // the super-frame's source
        forwardTcp64k(); // installs the decision
        long hits = forwarder.cache().hits();
        long sent = sw.ports[1].frames;
        long total = sw.framesSent();
        forwardTcp64k();
        TestSwitch.check(forwarder.cache().hits() == hits + 1 && sw.ports[1].frames == sent + SEGMENTS
                && sw.framesSent() == total + SEGMENTS, "forwardTcp64k hits and sends " + SEGMENTS + " frames to p1");
    }

    @Benchmark
    public int segmentTcp64k() {
        return segmenter.segment(buf, frameOff, ChecksumBench.MAX_FRAME, VirtioNetHeader.GSO_TCPV4, GSO_SIZE, sink);
    }

    @Benchmark
    public long coalesceTcp64k() {
        long before = coalesced;
        for (int i = 0; i < SEGMENTS; i++) {
            coalescer.offer(segments, i * 2048, segmentLengths[i]);
        }
        coalescer.flush();
        return coalesced - before;
    }

    @Benchmark
    public void forwardTcp64k() {
        forwarder.receive(sw.ports[0], buf, vnetOff, VirtioNetHeader.LENGTH + ChecksumBench.MAX_FRAME, -1, 0);
    }
}
