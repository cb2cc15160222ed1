package io.jvs.tunnel;

import static io.jvs.tunnel.TestFrames.LOCAL;
import static io.jvs.tunnel.TestFrames.REMOTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import io.jvs.core.packet.Ipv4Header;
import io.jvs.core.packet.UdpHeader;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class VxlanTest {
    private static final int HEADROOM = VxlanEncap.maxOverhead() + 2;

    @Test
    void shouldRoundTripRandomFrames() {
        final Random random = new Random(7);
        final VxlanEncap encap = new VxlanEncap(LOCAL, REMOTE, 0xabcdef, VxlanHeader.DEFAULT_PORT, 64, 10);
        final VxlanDecap decap = new VxlanDecap();
        for (int i = 0; i < 200; i++) {
            final int len = 14 + random.nextInt(9000);
            final UnsafeBuffer buf = TestFrames.frameWithHeadroom(random, HEADROOM, len);
            final byte[] inner = TestFrames.copy(buf, HEADROOM, len);
            final int ipOff = encap.encapsulate(buf, HEADROOM, len);
            assertEquals(2, ipOff);

            assertTrue(TestFrames.ipv4ChecksumValid(buf, ipOff));
            assertEquals(36 + len, Ipv4Header.totalLength(buf, ipOff));
            assertEquals(i, Ipv4Header.id(buf, ipOff));
            assertEquals(Ipv4Header.PROTO_UDP, Ipv4Header.protocol(buf, ipOff));
            assertEquals(10 << 2, Ipv4Header.tos(buf, ipOff));
            assertEquals(LOCAL, Ipv4Header.src(buf, ipOff));
            assertEquals(REMOTE, Ipv4Header.dst(buf, ipOff));
            final int udpOff = ipOff + 20;
            assertEquals(4789, UdpHeader.dstPort(buf, udpOff));
            assertEquals(VxlanEncap.sourcePort(buf, HEADROOM), UdpHeader.srcPort(buf, udpOff));
            assertEquals(16 + len, UdpHeader.datagramLength(buf, udpOff));
            assertEquals(0, UdpHeader.checksum(buf, udpOff));

            final int vxlanOff = udpOff + UdpHeader.LENGTH;
            assertEquals(HEADROOM, decap.decapsulate(buf, vxlanOff, UdpHeader.datagramLength(buf, udpOff) - 8));
            assertEquals(len, decap.innerLength());
            assertEquals(0xabcdef, decap.vni());
            assertArrayEquals(inner, TestFrames.copy(buf, HEADROOM, len));
        }
    }

    @Test
    void shouldSpreadSourcePortsOverTheDynamicRangeAndKeepThemPerFlow() {
        final Random random = new Random(3);
        final UnsafeBuffer buf = new UnsafeBuffer(new byte[14]);
        final Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            random.nextBytes(buf.byteArray());
            final int port = VxlanEncap.sourcePort(buf, 0);
            assertTrue(port >= 49152 && port <= 65535, "port " + port);
            assertEquals(port, VxlanEncap.sourcePort(buf, 0));
            ports.add(port);
        }
        assertTrue(ports.size() > 900, "distinct ports " + ports.size());
        // The ethertype is not part of the flow: only the MACs pick the port.
        final int before = VxlanEncap.sourcePort(buf, 0);
        buf.putShort(12, (short) 0x1234);
        assertEquals(before, VxlanEncap.sourcePort(buf, 0));
    }

    @Test
    void shouldReachEveryVxlanDropReason() {
        final VxlanDecap decap = new VxlanDecap();
        final UnsafeBuffer buf = new UnsafeBuffer(new byte[40]);
        VxlanHeader.setFlags(buf, 0, VxlanHeader.FLAG_I);
        assertEquals(TunnelDropReason.TRUNCATED, TunnelDropReason.ofCode(decap.decapsulate(buf, 0, 21)));
        assertEquals(8, decap.decapsulate(buf, 0, 22));
        VxlanHeader.setFlags(buf, 0, 0xf7);
        assertEquals(TunnelDropReason.VXLAN_FLAGS, TunnelDropReason.ofCode(decap.decapsulate(buf, 0, 22)));
    }

    @Test
    void shouldRejectBadFramesAndSettings() {
        final VxlanEncap encap = new VxlanEncap(LOCAL, REMOTE, 1, 4789, 64, 0);
        final UnsafeBuffer buf = new UnsafeBuffer(new byte[70_000]);
        assertEquals(VxlanEncap.REJECTED, encap.encapsulate(buf, 35, 60));
        assertEquals(VxlanEncap.REJECTED, encap.encapsulate(buf, 36, 13));
        assertEquals(VxlanEncap.REJECTED, encap.encapsulate(buf, 36, 0xffff - 35));
        assertEquals(0, encap.encapsulate(buf, 36, 0xffff - 36));
        assertEquals("vni=16777216 outside 0..16777215", assertThrows(IllegalArgumentException.class,
            () -> new VxlanEncap(LOCAL, REMOTE, 1 << 24, 4789, 64, 0)).getMessage());
        assertEquals("dstPort=0 outside 1..65535", assertThrows(IllegalArgumentException.class,
            () -> new VxlanEncap(LOCAL, REMOTE, 1, 0, 64, 0)).getMessage());
    }
}
