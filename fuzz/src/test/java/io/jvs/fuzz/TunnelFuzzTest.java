package io.jvs.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.core.packet.Ipv4Header;
import io.jvs.tunnel.GreDecap;
import io.jvs.tunnel.GreEncap;
import io.jvs.tunnel.GreHeader;
import io.jvs.tunnel.TunnelDropReason;
import io.jvs.tunnel.VxlanDecap;

import java.util.List;

import io.jvs.core.bridge.Bridge;
import io.jvs.core.bridge.Forwarder;
import io.jvs.core.bridge.MemoryPort;
import io.jvs.core.bridge.PortCounters;
import io.jvs.core.bridge.VlanConfig;
import io.jvs.core.bridge.VlanKeyMap;
import io.jvs.datapath.tunnel.TunnelDecoder;
import io.jvs.datapath.tunnel.TunnelKind;
import io.jvs.datapath.tunnel.TunnelLookup;
import io.jvs.datapath.tunnel.TunnelPort;

import org.agrona.concurrent.UnsafeBuffer;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The tunnel parsers. Arbitrary bytes as a GRE packet or a VXLAN payload: the decapsulator returns an inner frame
 * inside what it was given, or a code that names a counted drop reason; nothing throws. And encapsulation with
 * options chosen by the input, then decapsulation, gives back the inner frame and the key.
 */
class TunnelFuzzTest {
    private final GreDecap gre = new GreDecap();
    private final VxlanDecap vxlan = new VxlanDecap();

    private static UnsafeBuffer at(byte[] data, int offset) {
        UnsafeBuffer b = new UnsafeBuffer(new byte[offset + data.length + 64]);
        b.putBytes(offset, data);
        return b;
    }

    @FuzzTest
    void greDecap(byte[] data) {
        UnsafeBuffer b = at(data, 7);
        int r = gre.decapsulate(b, 7, data.length);
        if (r < 0) {
            assertNotNull(TunnelDropReason.ofCode(r));
        } else {
            assertTrue(r >= 7 + GreHeader.MIN_LENGTH && r + gre.innerLength() <= 7 + data.length,
                    "inner frame [" + r + ", +" + gre.innerLength() + ") outside the " + data.length + " bytes");
        }
    }

    @FuzzTest
    void vxlanDecap(byte[] data) {
        UnsafeBuffer b = at(data, 3);
        int r = vxlan.decapsulate(b, 3, data.length);
        if (r < 0) {
            assertNotNull(TunnelDropReason.ofCode(r));
        } else {
            assertTrue(r >= 3 && r + vxlan.innerLength() <= 3 + data.length);
            assertTrue(vxlan.vni() >= 0 && vxlan.vni() <= 0xffffff);
        }
    }

    @FuzzTest
    void greRoundTrip(FuzzedDataProvider in) {
        boolean withKey = in.consumeBoolean();
        long key = withKey ? in.consumeLong(0, 0xffff_ffffL) : GreEncap.NO_KEY;
        GreEncap encap = new GreEncap(in.consumeInt(), in.consumeInt(), key, in.consumeBoolean(), in.consumeBoolean(),
                in.consumeInt(1, 255), in.consumeInt(0, 63));
        byte[] inner = in.consumeRemainingAsBytes();
        int headroom = GreEncap.maxOverhead() + 5;
        UnsafeBuffer b = at(inner, headroom);
        int ip = encap.encapsulate(b, headroom, inner.length);
        if (ip == GreEncap.REJECTED) {
            assertTrue(inner.length < 14, "rejected a " + inner.length + "-byte frame");
            return;
        }
        int greOff = ip + Ipv4Header.MIN_LENGTH;
        int r = gre.decapsulate(b, greOff, Ipv4Header.totalLength(b, ip) - Ipv4Header.MIN_LENGTH);
        assertTrue(r >= 0, "own packet dropped: " + (r < 0 ? TunnelDropReason.ofCode(r) : ""));
        assertEquals(inner.length, gre.innerLength());
        assertEquals(withKey ? key : GreDecap.NO_KEY, gre.key());
        byte[] back = new byte[inner.length];
        b.getBytes(r, back);
        assertArrayEquals(inner, back);
    }

    /**
     * A datagram as host B's socket hands it over, from one of two remotes, to a bridge with a key=flow tunnel, a
     * fixed-key tunnel and a host port: the decoder either refuses it (counted) or gives a frame inside the datagram
     * that the Forwarder then takes without throwing; nothing is ever sent back into a tunnel.
     */
    @FuzzTest
    void tunnelIngress(FuzzedDataProvider in) {
        TunnelKind kind = in.consumeBoolean() ? TunnelKind.GRE : TunnelKind.VXLAN;
        TunnelPort flow = TunnelPort.detached("flow", kind, 1, TunnelPort.FLOW, false, false);
        TunnelPort fixed = TunnelPort.detached("fixed", kind, 2, in.consumeInt(0, 0xffffff), false, false);
        MemoryPort host = new MemoryPort("host", 1);
        host.setVlan(VlanConfig.trunk(1, 2, 3));
        Bridge bridge = new Bridge("br-tun");
        bridge.setOwner(0, Runnable::run, () -> 1L);
        bridge.addPort(flow);
        bridge.addPort(fixed);
        bridge.addPort(host);
        bridge.setVlanKeyMap(VlanKeyMap.EMPTY.with(1, in.consumeInt(0, 0xffffff)).with(2, 0x100_0000 + in.consumeInt(0, 9)));
        int source = in.consumeInt(0, 3);
        byte[] datagram = in.consumeRemainingAsBytes();
        int off = 80;
        UnsafeBuffer b = at(datagram, off);
        TunnelDecoder d = new TunnelDecoder(kind);
        if (!d.decode(TunnelLookup.of(List.of(flow, fixed)), b, off, datagram.length, source, 0)) {
            return;
        }
        assertTrue(d.port() == flow || d.port() == fixed);
        assertTrue(d.vnetOffset() >= off - 10 + 8 && d.vnetOffset() + d.length() <= off + datagram.length,
                "frame [" + d.vnetOffset() + ", +" + d.length() + ") outside the datagram at " + off);
        assertTrue(d.vlanTci() == -1 || d.vlanTci() == 1 || d.vlanTci() == 2);
        UnsafeBuffer big = new UnsafeBuffer(new byte[b.capacity() + 128]);
        big.putBytes(64, b, 0, b.capacity()); // the Forwarder wants its headroom before the virtio header
        new Forwarder(0).receive(d.port(), big, d.vnetOffset() + 64, d.length(), d.vlanTci(), 1);
        assertEquals(0, flow.counters().get(PortCounters.TX_PACKETS) + fixed.counters().get(PortCounters.TX_PACKETS));
    }
}
