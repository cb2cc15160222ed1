package io.jvs.bench;

import static java.nio.ByteOrder.BIG_ENDIAN;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.jvs.core.acl.AclRule;
import io.jvs.core.acl.PortFilter;
import io.jvs.core.bridge.DropReason;

import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Security-group verdicts ({@link PortFilter#ingress}, on the filter's owner thread) for a port with 10, 100 or
 * 1,000 ingress rules, where only the last rule allows the packet (the worst-case rule walk).
 *
 * <ul>
 * <li>{@code newConnection}: a TCP SYN of a connection not seen before: parse, conntrack miss, rule walk, create.
 * Every 1024 ops the 1024 connections are flushed, so the table is stationary; reported per connection, flush
 * included.
 * <li>{@code established}: an ACK of an established connection: parse, conntrack hit, track; no rule walk (the
 * rule count should not matter).
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class PortFilterBench {
    private static final int NEW = 1024;
    private static final int FRAME = 14 + 20 + 20;

    @Param({"10", "100", "1000"})
    public int rules;

    private final PortFilter filter = new PortFilter("vm", 1, 4 * NEW);
    private final PortFilter.Scratch scratch = new PortFilter.Scratch();
    private final UnsafeBuffer syns = new UnsafeBuffer(ByteBuffer.allocateDirect(NEW * FRAME));
    private final UnsafeBuffer ack = new UnsafeBuffer(ByteBuffer.allocateDirect(FRAME));
    private int i;

    @Setup
    public void setUp() {
        List<AclRule> list = new ArrayList<>(PortFilter.defaultRules(1));
        for (int k = 0; k < rules - 1; k++) {
            list.add(AclRule.parse(List.of("ingress", "proto=tcp", "port=" + (1000 + k), "remote=10.0.0.0/24"),
                    "r" + k, 1));
        }
        list.add(AclRule.parse(List.of("ingress", "proto=tcp", "port=22", "remote=10.0.0.0/24"), "ssh", 1));
        filter.setOwner(0, Runnable::run, System::nanoTime);
        filter.setRules(list);
        for (int k = 0; k < NEW; k++) {
            tcp(syns, k * FRAME, 30000 + k, 0x02);
        }
        tcp(ack, 0, 29999, 0x02);
        TestSwitch.check(filter.ingress(scratch, 0, ack, 0, FRAME, 0) == null, "the SYN passes");
        tcp(ack, 0, 29999, 0x10);
        TestSwitch.check(filter.ingress(scratch, 0, ack, 0, FRAME, 0) == null, "the ACK passes");
        TestSwitch.check(filter.conntrack().size() == 1, "one connection");
    }

    /** 10.0.0.2:srcPort -> 10.0.0.1:22, TCP with these flags, at off. */
    private static void tcp(UnsafeBuffer b, int off, int srcPort, int flags) {
        b.putShort(off, (short) 0x0200, BIG_ENDIAN); // dst 02:00:00:00:00:0a
        b.putInt(off + 2, 0x0000_000a, BIG_ENDIAN);
        b.putShort(off + 6, (short) 0x0200, BIG_ENDIAN); // src 02:00:00:00:00:0b
        b.putInt(off + 8, 0x0000_000b, BIG_ENDIAN);
        b.putShort(off + 12, (short) 0x0800, BIG_ENDIAN);
        int ip = off + 14;
        b.putByte(ip, (byte) 0x45);
        b.putShort(ip + 2, (short) 40, BIG_ENDIAN);
        b.putByte(ip + 8, (byte) 64);
        b.putByte(ip + 9, (byte) 6);
        b.putInt(ip + 12, 0x0a00_0002, BIG_ENDIAN);
        b.putInt(ip + 16, 0x0a00_0001, BIG_ENDIAN);
        int tcp = ip + 20;
        b.putShort(tcp, (short) srcPort, BIG_ENDIAN);
        b.putShort(tcp + 2, (short) 22, BIG_ENDIAN);
        b.putByte(tcp + 12, (byte) 0x50);
        b.putByte(tcp + 13, (byte) flags);
    }

    @Benchmark
    public DropReason newConnection() {
        int k = i;
        DropReason r = filter.ingress(scratch, 0, syns, k * FRAME, FRAME, 0);
        if (++k == NEW) {
            k = 0;
            filter.conntrack().flushAll();
        }
        i = k;
        return r;
    }

    @Benchmark
    public DropReason established() {
        return filter.ingress(scratch, 0, ack, 0, FRAME, 0);
    }
}
