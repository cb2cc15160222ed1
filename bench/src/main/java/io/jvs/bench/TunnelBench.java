package io.jvs.bench;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.jvs.core.bridge.Bridge;
import io.jvs.core.bridge.VlanKeyMap;
import io.jvs.core.packet.VirtioNetHeader;
import io.jvs.datapath.tunnel.TunnelDecoder;
import io.jvs.datapath.tunnel.TunnelEncoder;
import io.jvs.datapath.tunnel.TunnelKind;
import io.jvs.datapath.tunnel.TunnelLookup;
import io.jvs.datapath.tunnel.TunnelPort;
import io.jvs.tunnel.GreDecap;
import io.jvs.tunnel.GreEncap;

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
 * Tunnel encapsulation and decapsulation of one frame ({@code size} bytes, 64 or 1514):
 *
 * <ul>
 * <li>{@code greEncapHeaders} / {@code greDecapHeaders}: the tunnel module's flyweights alone, in place (outer IPv4
 * and GRE with a key written in front of the frame; the GRE header validated and the inner frame located).
 * <li>{@code encodeGreFlow} / {@code encodeVxlan}: what a tunnel port does per frame on transmit: the key looked up
 * from the frame's VLAN ({@code key=flow}), the header written and the frame copied (untagged) into the batch memory.
 * <li>{@code decodeGreFlow} / {@code decodeVxlan}: what the endpoint does per datagram on receive before the
 * Forwarder: decapsulation, port lookup by remote and key, key to local VLAN, the virtio header.
 * </ul>
 * Run with {@code -prof gc}: all of them are 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
        "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class TunnelBench {
    static final int REMOTE = 0x0a00_0002;

    @Param({"64", "1514"})
    public int size;

    private final UnsafeBuffer src = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
    private final UnsafeBuffer out = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
    private final UnsafeBuffer greRx = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
    private final UnsafeBuffer vxlanRx = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
    private final GreEncap encap = new GreEncap(0x0a00_0001, REMOTE, 100, false, false, 64, 0);
    private final GreDecap decap = new GreDecap();
    private TunnelPort greFlow;
    private TunnelPort vxlan;
    private TunnelLookup greLookup;
    private TunnelLookup vxlanLookup;
    private final TunnelDecoder greDecoder = new TunnelDecoder(TunnelKind.GRE);
    private final TunnelDecoder vxlanDecoder = new TunnelDecoder(TunnelKind.VXLAN);
    private int greLength;
    private int vxlanLength;
    private int taggedLength;

    @Setup
    public void setUp() {
        greFlow = TunnelPort.detached("gre0", TunnelKind.GRE, REMOTE, TunnelPort.FLOW, false, false);
        vxlan = TunnelPort.detached("vx0", TunnelKind.VXLAN, REMOTE, 42, false, false);
        Bridge b = new Bridge("br-tun");
        b.addPort(greFlow);
        b.addPort(vxlan);
        b.setVlanKeyMap(VlanKeyMap.EMPTY.with(1, 100).with(2, 200));
        greLookup = TunnelLookup.of(List.of(greFlow));
        vxlanLookup = TunnelLookup.of(List.of(vxlan));
        // A tagged (VLAN 1) TCP frame behind a zero virtio header at 64, as the Forwarder hands a trunk its frame.
        int tagged = Frames.writeTcpIpv4(src, 64 + VirtioNetHeader.LENGTH, Frames.mac(2), Frames.mac(1), 1, size, 0);
        taggedLength = VirtioNetHeader.LENGTH + tagged;
        Frames.writeTcpIpv4(out, 100, Frames.mac(2), Frames.mac(1), -1, size, 0);
        // What the sockets would hand over: GRE behind a 20-byte IPv4 header, VXLAN as the UDP payload.
        greLength = TunnelEncoder.encode(greFlow, src, 64, taggedLength, greRx, 100 + 20, 0) + 20;
        greRx.putByte(100, (byte) 0x45);
        vxlanLength = TunnelEncoder.encode(vxlan, src, 64, taggedLength, vxlanRx, 100, 0);
    }

    @Benchmark
    public int greEncapHeaders() {
        return encap.encapsulate(out, 100, size);
    }

    @Benchmark
    public int greDecapHeaders() {
        return decap.decapsulate(greRx, 120, greLength - 20);
    }

    @Benchmark
    public int encodeGreFlow() {
        return TunnelEncoder.encode(greFlow, src, 64, taggedLength, out, 200, 0);
    }

    @Benchmark
    public int encodeVxlan() {
        return TunnelEncoder.encode(vxlan, src, 64, taggedLength, out, 200, 0);
    }

    @Benchmark
    public int decodeGreFlow() {
        greDecoder.decode(greLookup, greRx, 100, greLength, REMOTE, 0);
        return greDecoder.vlanTci();
    }

    @Benchmark
    public int decodeVxlan() {
        vxlanDecoder.decode(vxlanLookup, vxlanRx, 100, vxlanLength, REMOTE, 0);
        return vxlanDecoder.length();
    }
}
