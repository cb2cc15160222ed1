package io.jvs.bench;

import java.util.concurrent.TimeUnit;

import io.jvs.core.bridge.Forwarder;
import io.jvs.core.bridge.VlanConfig;
import io.jvs.core.packet.MacAddress;

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
 * One 64-byte frame through {@link Forwarder#receive}, the same frame every time, to ports that discard what they
 * are given (no syscall): what the switch itself costs per frame. {@code cache=hit}: {@code new Forwarder(0)}, whose
 * flow cache holds the decision after the first frame, so every measured frame is a cache hit that replays it.
 * {@code cache=none}: {@code new Forwarder(0, 0)}, no cache, every frame takes the slow path (VLAN admission, MAC
 * learn, MAC lookup, output list). Each op first restores the frame's first 32 bytes (~1 ns, see ReloadBench.restore1)
 * because the forwarder edits the frame in place.
 *
 * <p>Ports: p0 access VLAN 10 (where frames come in), p1 access 10 (host A), p2 trunk 10,20 (host B, VLAN 10), p3..p7
 * access 10.
 *
 * <ul>
 * <li>{@code unicast}: p0 to host A on p1, untagged in and out.
 * <li>{@code flood}: a broadcast from p0 to p1..p7; p2 gets it tagged.
 * <li>{@code vlanPush}: p0 (access) to host B on p2 (trunk): a tag pushed on output.
 * <li>{@code vlanPop}: a frame tagged VLAN 10 from host B on p2 (trunk) to host A on p1 (access): the tag stripped
 * on input.
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
    private static final int VLAN = 10;
    private static final int UNICAST = 0, FLOOD = 1, PUSH = 2, POP = 3;

    @Param({"hit", "none"})
    public String cache;

    private final Frames frames = new Frames();
    private TestSwitch sw;
    private Forwarder forwarder;
    private long nowNs;

    @Setup
    public void setUp() {
        VlanConfig access = VlanConfig.access(VLAN);
        sw = new TestSwitch(access, access, VlanConfig.trunk(VLAN, 20), access, access, access, access, access);
        forwarder = cache.equals("hit") ? new Forwarder(0) : new Forwarder(0, 0);
        long hostA = Frames.mac(1);
        long hostB = Frames.mac(2);
        long hostS = Frames.mac(3);
        sw.teach(forwarder, 1, hostA, -1);
        sw.teach(forwarder, 2, hostB, VLAN);
        sw.teach(forwarder, 0, hostS, -1);
        frames.put(UNICAST, hostA, hostS, -1, Frames.FRAME_BYTES);
        frames.put(FLOOD, MacAddress.BROADCAST, hostS, -1, Frames.FRAME_BYTES);
        frames.put(PUSH, hostB, hostS, -1, Frames.FRAME_BYTES);
        frames.put(POP, hostA, hostB, VLAN, Frames.FRAME_BYTES);

        // Each scenario must send what it says, and with a cache, hit it from the second frame on.
        expect(UNICAST, 0, sw.ports[1], 1);
        expect(FLOOD, 0, sw.ports[3], 7);
        expect(PUSH, 0, sw.ports[2], 1);
        expect(POP, 2, sw.ports[1], 1);
        long before = sw.ports[2].bytes;
        send(PUSH, 0);
        TestSwitch.check(sw.ports[2].bytes - before == Frames.VNET + Frames.FRAME_BYTES + 4, "vlanPush sends a tag");
        before = sw.ports[1].bytes;
        send(POP, 2);
        TestSwitch.check(sw.ports[1].bytes - before == Frames.VNET + Frames.FRAME_BYTES, "vlanPop strips the tag");
    }

    private void expect(int slot, int in, DiscardPort out, int sentTotal) {
        send(slot, in); // with a cache: installs the decision
        long hits = forwarder.cache() == null ? 0 : forwarder.cache().hits();
        long outBefore = out.frames;
        long totalBefore = sw.framesSent();
        send(slot, in);
        TestSwitch.check(out.frames == outBefore + 1 && sw.framesSent() == totalBefore + sentTotal,
                "slot " + slot + " reaches " + out.name() + " and " + sentTotal + " ports");
        TestSwitch.check(forwarder.cache() == null || forwarder.cache().hits() == hits + 1, "slot " + slot + " hits");
    }

    private void send(int slot, int in) {
        frames.restore(slot);
        forwarder.receive(sw.ports[in], frames.buf, Frames.vnetOff(slot), frames.length[slot], -1, nowNs++);
    }

    @Benchmark
    public void unicast() {
        send(UNICAST, 0);
    }

    @Benchmark
    public void flood() {
        send(FLOOD, 0);
    }

    @Benchmark
    public void vlanPush() {
        send(PUSH, 0);
    }

    @Benchmark
    public void vlanPop() {
        send(POP, 2);
    }
}
