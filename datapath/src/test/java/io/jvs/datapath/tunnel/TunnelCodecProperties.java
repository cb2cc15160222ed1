package io.jvs.datapath.tunnel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;

import io.jvs.core.bridge.Bridge;
import io.jvs.core.bridge.VlanKeyMap;
import io.jvs.core.packet.VirtioNetHeader;

import org.agrona.concurrent.UnsafeBuffer;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Encoding on one host then decoding on the other gives back the frame, in the VLAN that the other host maps the
 * same key to, for every kind, option and frame.
 */
class TunnelCodecProperties {
    final UnsafeBuffer src = new UnsafeBuffer(ByteBuffer.allocateDirect(70_000));
    final UnsafeBuffer wire = new UnsafeBuffer(ByteBuffer.allocateDirect(70_000));

    @Property(tries = 300)
    void whatOneHostEncodesTheOtherDecodes(@ForAll boolean vxlan, @ForAll boolean flow, @ForAll boolean csum,
            @ForAll boolean seq, @ForAll @IntRange(min = 1, max = 4094) int vlanA,
            @ForAll @IntRange(min = 1, max = 4094) int vlanB, @ForAll @IntRange(min = 0, max = 0xffffff) int key,
            @ForAll @Size(min = 0, max = 1600) byte[] payload) {
        TunnelKind kind = vxlan ? TunnelKind.VXLAN : TunnelKind.GRE;
        boolean greOptions = !vxlan && csum;
        long portKey = flow ? TunnelPort.FLOW : key;
        TunnelPort out = TunnelPort.detached("out", kind, 2, portKey, greOptions, !vxlan && seq);
        TunnelPort in = TunnelPort.detached("in", kind, 1, portKey, false, false);
        Bridge a = new Bridge("a");
        a.addPort(out);
        a.setVlanKeyMap(VlanKeyMap.EMPTY.with(vlanA, key));
        Bridge b = new Bridge("b");
        b.addPort(in);
        b.setVlanKeyMap(VlanKeyMap.EMPTY.with(vlanB, key));

        // key=flow ports send frames tagged with the local VLAN (they are trunks); fixed-key ports take any frame.
        ByteBuffer f = ByteBuffer.allocate(14 + (flow ? 4 : 0) + payload.length);
        f.putLong(0x0200_0000_0002_0200L).putInt(0x0000_0001);
        if (flow) {
            f.putShort((short) 0x8100).putShort((short) vlanA);
        }
        f.putShort((short) 0x86dd).put(payload);
        byte[] frame = f.array();
        src.setMemory(0, 64, (byte) 0);
        src.putBytes(64 + VirtioNetHeader.LENGTH, frame);
        int at = 200;
        int n = TunnelEncoder.encode(out, src, 64, frame.length + VirtioNetHeader.LENGTH, wire, at, 0);
        assertTrue(n > 0);
        int off = at;
        if (kind == TunnelKind.GRE) {
            off = at - 20;
            wire.setMemory(off, 20, (byte) 0);
            wire.putByte(off, (byte) 0x45);
            n += 20;
        }
        TunnelDecoder d = new TunnelDecoder(kind);
        assertTrue(d.decode(TunnelLookup.of(List.of(in)), wire, off, n, 2 - 1, 0));
        byte[] inner = new byte[d.length() - VirtioNetHeader.LENGTH];
        wire.getBytes(d.vnetOffset() + VirtioNetHeader.LENGTH, inner);
        if (flow) {
            assertEquals(vlanB, d.vlanTci());
            byte[] want = new byte[frame.length - 4];
            System.arraycopy(frame, 0, want, 0, 12);
            System.arraycopy(frame, 16, want, 12, frame.length - 16);
            assertArrayEquals(want, inner);
        } else {
            assertEquals(-1, d.vlanTci());
            assertArrayEquals(frame, inner);
        }
    }
}
