package io.jvs.bench;

import static java.nio.ByteOrder.BIG_ENDIAN;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import io.jvs.core.packet.Checksum;
import io.jvs.core.packet.ChecksumOffload;
import io.jvs.core.packet.EthernetHeader;
import io.jvs.core.packet.Ipv4Header;
import io.jvs.core.packet.TcpHeader;

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
 * Software completion of a partial TCP checksum ({@link ChecksumOffload#complete}), what the forwarder does for an
 * output that takes no offloads: a full-size 1514-byte frame and a 64 KiB super-frame (the bytes a GSO frame covers).
 * Each op first puts the partial (pseudo-header) sum back in the checksum field, one 2-byte store.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class ChecksumBench {
    static final int CSUM_START = EthernetHeader.LENGTH + Ipv4Header.MIN_LENGTH;
    static final int MAX_FRAME = EthernetHeader.LENGTH + 0xffff;

    private final UnsafeBuffer frame1514 = new UnsafeBuffer(ByteBuffer.allocateDirect(1514));
    private final UnsafeBuffer frame64k = new UnsafeBuffer(ByteBuffer.allocateDirect(MAX_FRAME));
    private short partial1514;
    private short partial64k;

    @Setup
    public void setUp() {
        partial1514 = partialTcp(frame1514, 1514);
        partial64k = partialTcp(frame64k, MAX_FRAME);
        TestSwitch.check(complete1514() && valid(frame1514, 1514), "complete1514 leaves a valid checksum");
        TestSwitch.check(complete64k() && valid(frame64k, MAX_FRAME), "complete64k leaves a valid checksum");
    }

    private static boolean valid(UnsafeBuffer b, int len) {
        int l4Len = len - CSUM_START;
        long s = Checksum.pseudoIpv4(b, EthernetHeader.LENGTH, Ipv4Header.PROTO_TCP, l4Len)
                + Checksum.sum(b, CSUM_START, l4Len);
        return Checksum.fold(s) == 0xffff;
    }

    /** A TCP/IPv4 frame of {@code len} bytes, as a sender leaves it: pseudo-header sum in the checksum field. */
    static short partialTcp(UnsafeBuffer b, int len) {
        Frames.writeTcpIpv4(b, 0, Frames.mac(1), Frames.mac(2), -1, len, 0);
        for (int k = CSUM_START + TcpHeader.MIN_LENGTH; k < len; k++) {
            b.putByte(k, (byte) (k * 31 + 7)); // a payload that is not all zeros
        }
        int l4Len = len - CSUM_START;
        short partial = (short) Checksum.fold(Checksum.pseudoIpv4(b, EthernetHeader.LENGTH, Ipv4Header.PROTO_TCP,
                l4Len));
        b.putShort(CSUM_START + TcpHeader.CHECKSUM_OFFSET, partial, BIG_ENDIAN);
        return partial;
    }

    @Benchmark
    public boolean complete1514() {
        frame1514.putShort(CSUM_START + TcpHeader.CHECKSUM_OFFSET, partial1514, BIG_ENDIAN);
        return ChecksumOffload.complete(frame1514, 0, 1514, CSUM_START, TcpHeader.CHECKSUM_OFFSET);
    }

    @Benchmark
    public boolean complete64k() {
        frame64k.putShort(CSUM_START + TcpHeader.CHECKSUM_OFFSET, partial64k, BIG_ENDIAN);
        return ChecksumOffload.complete(frame64k, 0, MAX_FRAME, CSUM_START, TcpHeader.CHECKSUM_OFFSET);
    }
}
