package io.jvs.bench;

import java.util.concurrent.TimeUnit;

import io.jvs.core.conntrack.Conntrack;
import io.jvs.core.conntrack.CtTimeouts;
import io.jvs.core.conntrack.PacketTuple;
import io.jvs.core.packet.Ipv4Header;
import io.jvs.core.packet.TcpHeader;

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
 * The conntrack table with 65,536 resident TCP connections (half SNATed) in a 131,072-connection table (its index
 * then 1/8 full), keys walked in a fixed order so each op touches a different connection.
 *
 * <ul>
 * <li>{@code lookupHitOriginal}, {@code lookupHitReply}: the owner's lookup from either direction.
 * <li>{@code lookupMiss}: a tuple of no connection.
 * <li>{@code lookupAndTrack}: lookup plus {@link Conntrack#track} of an ACK in ESTABLISHED, what every packet of an
 * open connection costs.
 * <li>{@code createAndRemove}: per op, one of 1024 new connections is created; after the 1024th they are all
 * removed, so the table is stationary. Reported per connection, removal included.
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class ConntrackBench {
    private static final int RESIDENT = 65_536;
    private static final int NEW = 1024;
    private static final int ZONE = 7;
    private static final int GATEWAY = 0xcb00_7101;

    private final Conntrack ct = new Conntrack(2 * RESIDENT, CtTimeouts.DEFAULTS);
    private final int[] src = new int[RESIDENT];
    private final int[] dst = new int[RESIDENT];
    private final int[] sport = new int[RESIDENT];
    private final int[] replySrc = new int[RESIDENT];
    private final int[] replyPort = new int[RESIDENT];
    private final int[] refs = new int[NEW];
    private final PacketTuple tuple = new PacketTuple();
    private int i;
    private long now;

    @Setup
    public void setUp() {
        final PacketTuple t = new PacketTuple();
        t.proto = Ipv4Header.PROTO_TCP;
        t.tcpFlags = TcpHeader.SYN;
        t.dstPort = 443;
        for (int k = 0; k < RESIDENT; k++) {
            src[k] = 0x0a00_0000 | k;
            dst[k] = 0xc633_6400 | k * 7 & 0xff;
            sport[k] = 1024 + k % 60000;
            t.src = src[k];
            t.dst = dst[k];
            t.srcPort = sport[k];
            final boolean nat = (k & 1) == 0;
            final int ref = nat ? ct.create(ZONE, t, GATEWAY, t.dst, 1024 + (k >>> 1), 443, 0)
                    : ct.create(ZONE, t, t.src, t.dst, t.srcPort, 443, 0);
            TestSwitch.check(ref >= 0, "connection " + k + " created");
            ct.track(ref, TcpHeader.SYN, 60, 0);
            ct.track(ct.lookup(ZONE, t.proto, ct.outDst(ref), ct.outSrc(ref), 443, ct.outSrcPort(ref)),
                    TcpHeader.SYN | TcpHeader.ACK, 60, 0);
            ct.track(ref, TcpHeader.ACK, 60, 0);
            replySrc[k] = ct.outSrc(ref);
            replyPort[k] = ct.outSrcPort(ref);
        }
        tuple.proto = Ipv4Header.PROTO_UDP;
        tuple.dst = 0x0808_0808;
        tuple.dstPort = 53;
        TestSwitch.check(createAndRemove() == NEW && ct.size() == RESIDENT, "createAndRemove is stationary");
        TestSwitch.check(lookupHitReply() >= 0 && lookupMiss() == Conntrack.MISS, "lookups");
    }

    @Benchmark
    public int lookupHitOriginal() {
        final int k = i++ & (RESIDENT - 1);
        return ct.lookup(ZONE, Ipv4Header.PROTO_TCP, src[k], dst[k], sport[k], 443);
    }

    @Benchmark
    public int lookupHitReply() {
        final int k = i++ & (RESIDENT - 1);
        return ct.lookup(ZONE, Ipv4Header.PROTO_TCP, dst[k], replySrc[k], 443, replyPort[k]);
    }

    @Benchmark
    public int lookupMiss() {
        final int k = i++ & (RESIDENT - 1);
        return ct.lookup(ZONE, Ipv4Header.PROTO_TCP, src[k], dst[k], sport[k], 444);
    }

    @Benchmark
    public int lookupAndTrack() {
        final int k = i++ & (RESIDENT - 1);
        final int ref = ct.lookup(ZONE, Ipv4Header.PROTO_TCP, src[k], dst[k], sport[k], 443);
        return ct.track(ref, TcpHeader.ACK, 1500, ++now);
    }

    @Benchmark
    @OperationsPerInvocation(NEW)
    public int createAndRemove() {
        int created = 0;
        for (int k = 0; k < NEW; k++) {
            tuple.src = 0x0b00_0000 | k;
            tuple.srcPort = 5000 + k;
            refs[k] = ct.create(ZONE, tuple, GATEWAY, tuple.dst, 30_000 + k, 53, now);
            created += refs[k] >= 0 ? 1 : 0;
        }
        for (int k = 0; k < NEW; k++) {
            ct.remove(refs[k]);
        }
        return created;
    }
}
