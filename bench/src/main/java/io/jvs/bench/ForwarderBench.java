package io.jvs.bench;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import io.jvs.core.bridge.Bridge;
import io.jvs.core.bridge.BridgePort;
import io.jvs.core.bridge.Forwarder;
import io.jvs.core.bridge.VlanConfig;

import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The forwarding decision and output of one 64-byte frame through {@link Forwarder}, with ports that discard what
 * they are given (no syscall): what the switch itself costs per frame. Run with {@code -prof gc} to see that the path
 * allocates nothing ({@code gc.alloc.rate.norm} ~ 0 B/op).
 *
 * <ul>
 * <li>{@code unicast}: a learned destination, access ports, no tag work.
 * <li>{@code flood}: broadcast to 7 other ports of the VLAN.
 * <li>{@code trunk}: an access port to a learned destination on a trunk: a VLAN push per frame.
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
        "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class ForwarderBench {
    @Param({"unicast", "flood", "trunk"})
    public String scenario;

    private final UnsafeBuffer buf = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
    private final byte[] frame = new byte[64];
    private Forwarder forwarder;
    private BridgePort in;
    private long now;

    /** A port that accepts every frame and does nothing with it. */
    static final class DiscardPort extends BridgePort {
        long bytes;

        DiscardPort(String name) {
            super(name, 1);
        }

        @Override
        public int transmit(UnsafeBuffer b, int offset, int length, int thread) {
            bytes += length;
            return length;
        }

        @Override
        public String type() {
            return "discard";
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        Bridge bridge = new Bridge("br0");
        bridge.setOwner(0, Runnable::run, System::nanoTime);
        forwarder = new Forwarder(0);
        DiscardPort[] ports = new DiscardPort[8];
        for (int i = 0; i < ports.length; i++) {
            ports[i] = new DiscardPort("p" + i);
            ports[i].setVlan(VlanConfig.access(10));
            bridge.addPort(ports[i]);
        }
        if (scenario.equals("trunk")) {
            ports[1].setVlan(VlanConfig.trunk(10, 20));
        }
        in = ports[0];
        long src = 0x02_00_00_00_00_01L;
        long dst = scenario.equals("flood") ? 0xffff_ffff_ffffL : 0x02_00_00_00_00_02L;
        ByteBuffer f = ByteBuffer.wrap(frame);
        f.putShort((short) (dst >>> 32)).putInt((int) dst).putShort((short) (src >>> 32)).putInt((int) src);
        f.putShort((short) 0x0800);
        // teach the bridge where dst lives: one frame from dst on port 1
        byte[] learn = frame.clone();
        ByteBuffer l = ByteBuffer.wrap(learn);
        l.putShort(0, (short) 0x0200).putInt(2, 0x0000_0001).putShort(6, (short) 0x0200).putInt(8, 0x0000_0002);
        load(learn);
        forwarder.receive(ports[1], buf, Forwarder.HEADROOM, learn.length + 10, -1, 0);
    }

    private void load(byte[] f) {
        buf.setMemory(Forwarder.HEADROOM, 10, (byte) 0);
        buf.putBytes(Forwarder.HEADROOM + 10, f);
    }

    @Benchmark
    public void forward() {
        // The forwarder edits the frame in place (tag push), so each call starts from a fresh copy, as a real
        // receive does.
        load(frame);
        forwarder.receive(in, buf, Forwarder.HEADROOM, frame.length + 10, -1, now++);
    }
}
