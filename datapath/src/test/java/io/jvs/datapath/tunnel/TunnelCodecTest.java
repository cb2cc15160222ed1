package io.jvs.datapath.tunnel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;

import io.jvs.core.bridge.Bridge;
import io.jvs.core.bridge.DropReason;
import io.jvs.core.bridge.VlanKeyMap;
import io.jvs.core.packet.VirtioNetHeader;
import io.jvs.datapath.linux.Inet4;
import io.jvs.tunnel.GreHeader;
import io.jvs.tunnel.VxlanHeader;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * {@link TunnelEncoder} and {@link TunnelDecoder} between two hosts without sockets: what host A's encoder builds
 * is what host B's raw GRE socket or VXLAN UDP socket would hand its decoder (for GRE, behind a 20-byte IPv4
 * header). Covers the VLAN/key translation of {@code key=flow} ports, fixed keys, the GRE checksum and sequence
 * options, and every counted refusal.
 */
class TunnelCodecTest {
    static final int A = Inet4.parse("10.0.0.1");
    static final int B = Inet4.parse("10.0.0.2");
    static final int SRC = 64; // where frames to encode start (virtio header), with headroom like a pool slot

    final UnsafeBuffer src = new UnsafeBuffer(ByteBuffer.allocateDirect(70_000));
    final UnsafeBuffer wire = new UnsafeBuffer(ByteBuffer.allocateDirect(70_000));

    /** A frame with an optional 802.1Q tag (vid > 0) and a recognisable payload. */
    static byte[] frame(int vid, int payload) {
        ByteBuffer b = ByteBuffer.allocate(14 + (vid > 0 ? 4 : 0) + payload);
        b.putLong(0x0200_0000_0002_0200L).putInt(0x0000_0001); // dst 02:00:00:00:00:02, src 02:00:00:00:00:01
        if (vid > 0) {
            b.putShort((short) 0x8100).putShort((short) vid);
        }
        b.putShort((short) 0x0800);
        for (int i = 0; b.hasRemaining(); i++) {
            b.put((byte) (i * 31 + 7));
        }
        return b.array();
    }

    static byte[] untagged(byte[] tagged) {
        byte[] f = new byte[tagged.length - 4];
        System.arraycopy(tagged, 0, f, 0, 12);
        System.arraycopy(tagged, 16, f, 12, tagged.length - 16);
        return f;
    }

    /** Host A encodes {@code frame} on {@code out}; returns the datagram's offset in {@link #wire}, length in [1]. */
    int[] encode(TunnelPort out, byte[] frame) {
        src.setMemory(SRC, VirtioNetHeader.LENGTH, (byte) 0);
        src.putBytes(SRC + VirtioNetHeader.LENGTH, frame);
        int at = out.kind() == TunnelKind.GRE ? 100 + 20 : 100; // room for the IPv4 header a raw socket shows
        int n = TunnelEncoder.encode(out, src, SRC, frame.length + VirtioNetHeader.LENGTH, wire, at, 0);
        if (n > 0 && out.kind() == TunnelKind.GRE) {
            wire.setMemory(100, 20, (byte) 0);
            wire.putByte(100, (byte) 0x45);
            return new int[] {100, n + 20};
        }
        return new int[] {at, n};
    }

    static Bridge bridgeWith(TunnelPort p, VlanKeyMap map) {
        Bridge b = new Bridge("br-tun");
        b.addPort(p);
        b.setVlanKeyMap(map);
        return b;
    }

    static byte[] inner(TunnelDecoder d, UnsafeBuffer buf) {
        byte[] f = new byte[d.length() - VirtioNetHeader.LENGTH];
        buf.getBytes(d.vnetOffset() + VirtioNetHeader.LENGTH, f);
        return f;
    }

    @Test
    void flowPortsTranslateLocalVlansThroughTheKey() {
        TunnelPort outA = TunnelPort.detached("gre0", TunnelKind.GRE, B, TunnelPort.FLOW, false, false);
        bridgeWith(outA, VlanKeyMap.EMPTY.with(1, 100).with(2, 200));
        TunnelPort inB = TunnelPort.detached("gre0", TunnelKind.GRE, A, TunnelPort.FLOW, false, false);
        bridgeWith(inB, VlanKeyMap.EMPTY.with(5, 100).with(7, 200));
        byte[] f = frame(2, 100);
        int[] d = encode(outA, f);
        int greOff = d[0] + 20;
        assertEquals(GreHeader.FLAG_K, GreHeader.flags(wire, greOff));
        assertEquals(GreHeader.PROTO_TEB, GreHeader.protocol(wire, greOff));
        assertEquals(200, GreHeader.key(wire, greOff, GreHeader.FLAG_K));
        TunnelDecoder dec = new TunnelDecoder(TunnelKind.GRE);
        assertTrue(dec.decode(TunnelLookup.of(List.of(inB)), wire, d[0], d[1], A, 0));
        assertEquals(inB, dec.port());
        assertEquals(7, dec.vlanTci(), "key 200 is VLAN 7 on host B");
        assertArrayEquals(untagged(f), inner(dec, wire), "the inner frame leaves without its local tag");
        assertArrayEquals(new byte[10], bytes(wire, dec.vnetOffset(), 10));
    }

    @Test
    void unmappedVlansAndKeysAreDroppedAndCounted() {
        TunnelPort outA = TunnelPort.detached("gre0", TunnelKind.GRE, B, TunnelPort.FLOW, false, false);
        bridgeWith(outA, VlanKeyMap.EMPTY.with(1, 100));
        assertEquals(0, encode(outA, frame(3, 50))[1]);
        assertEquals(0, encode(outA, frame(0, 50))[1], "untagged (VLAN 0) has no key either");
        assertEquals(2, outA.counters().drops(DropReason.VLAN_UNMAPPED));

        TunnelPort fixed = TunnelPort.detached("g", TunnelKind.GRE, B, 300, false, false);
        int[] d = encode(fixed, frame(0, 50));
        TunnelPort inB = TunnelPort.detached("gre0", TunnelKind.GRE, A, TunnelPort.FLOW, false, false);
        bridgeWith(inB, VlanKeyMap.EMPTY.with(5, 100));
        TunnelDecoder dec = new TunnelDecoder(TunnelKind.GRE);
        assertFalse(dec.decode(TunnelLookup.of(List.of(inB)), wire, d[0], d[1], A, 0));
        assertEquals(1, inB.counters().drops(DropReason.KEY_UNMAPPED));
    }

    @Test
    void fixedKeysPickTheirPortAndStrangersAreCounted() {
        TunnelPort k1 = TunnelPort.detached("k1", TunnelKind.VXLAN, A, 42, false, false);
        TunnelPort k2 = TunnelPort.detached("k2", TunnelKind.VXLAN, A, 43, false, false);
        TunnelLookup l = TunnelLookup.of(List.of(k1, k2));
        TunnelPort out = TunnelPort.detached("x", TunnelKind.VXLAN, B, 43, false, false);
        byte[] f = frame(9, 64); // a fixed-key port carries the inner tag as it is
        int[] d = encode(out, f);
        assertEquals(VxlanHeader.FLAG_I, VxlanHeader.flags(wire, d[0]));
        assertEquals(43, VxlanHeader.vni(wire, d[0]));
        TunnelDecoder dec = new TunnelDecoder(TunnelKind.VXLAN);
        assertTrue(dec.decode(l, wire, d[0], d[1], A, 0));
        assertEquals(k2, dec.port());
        assertEquals(-1, dec.vlanTci());
        assertArrayEquals(f, inner(dec, wire));

        d = encode(out, f);
        assertFalse(dec.decode(l, wire, d[0], d[1], B, 0), "no port tunnels to that sender");
        assertEquals(1, dec.unknownTunnel());
        wire.putByte(d[0], (byte) 0); // VXLAN without the I flag, from a stranger
        assertFalse(dec.decode(l, wire, d[0], d[1], B, 0));
        assertEquals(1, dec.malformedFromStrangers());
        assertFalse(dec.decode(l, wire, d[0], d[1], A, 0), "the same from a known remote counts on its port");
        assertEquals(1, k1.counters().drops(DropReason.TUNNEL_VXLAN_FLAGS));
    }

    @Test
    void greChecksumAndSequenceAreSentAndVerified() {
        TunnelPort out = TunnelPort.detached("g", TunnelKind.GRE, B, 7, true, true);
        TunnelPort in = TunnelPort.detached("g", TunnelKind.GRE, A, 7, false, false);
        TunnelLookup l = TunnelLookup.of(List.of(in));
        TunnelDecoder dec = new TunnelDecoder(TunnelKind.GRE);
        for (int seq = 0; seq < 3; seq++) {
            int[] d = encode(out, frame(0, 200 + seq));
            int greOff = d[0] + 20;
            int flags = GreHeader.flags(wire, greOff);
            assertEquals(GreHeader.FLAG_C | GreHeader.FLAG_K | GreHeader.FLAG_S, flags);
            assertEquals(seq, GreHeader.sequence(wire, greOff, flags));
            assertTrue(dec.decode(l, wire, d[0], d[1], A, 0));
        }
        int[] d = encode(out, frame(0, 300));
        wire.putByte(d[0] + d[1] - 1, (byte) (wire.getByte(d[0] + d[1] - 1) ^ 1)); // one flipped bit
        assertFalse(dec.decode(l, wire, d[0], d[1], A, 0));
        assertEquals(1, in.counters().drops(DropReason.TUNNEL_CHECKSUM));
        d = encode(out, frame(0, 300));
        assertFalse(dec.decode(l, wire, d[0], -1, A, 0), "a datagram the socket truncated");
        assertFalse(dec.decode(l, wire, d[0], 19, A, 0), "shorter than an IPv4 header");
        assertEquals(2, in.counters().drops(DropReason.TUNNEL_TRUNCATED));
    }

    static byte[] bytes(UnsafeBuffer b, int off, int len) {
        byte[] r = new byte[len];
        b.getBytes(off, r);
        return r;
    }
}
