package io.jvs.core.bridge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;

import io.jvs.core.packet.Checksum;
import io.jvs.core.packet.VirtioNetHeader;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ForwarderTest {
    static final long A = 0x02_00_00_00_00_0aL, B = 0x02_00_00_00_00_0bL, C = 0x02_00_00_00_00_0cL;
    static final long BCAST = 0xffff_ffff_ffffL;

    final Forwarder fwd = new Forwarder(0);
    final UnsafeBuffer buf = new UnsafeBuffer(ByteBuffer.allocateDirect(70_000));
    Bridge br;
    MemoryPort p1, p2, p3;

    final FlowGeneration generation = new FlowGeneration();

    @BeforeEach
    void setUp() {
        br = new Bridge("br0", generation);
        br.setOwner(0, Runnable::run, System::nanoTime);
        p1 = port(br, "p1");
        p2 = port(br, "p2");
        p3 = port(br, "p3");
    }

    static MemoryPort port(Bridge bridge, String name) {
        MemoryPort p = new MemoryPort(name, 1);
        bridge.addPort(p);
        return p;
    }

    /** An Ethernet frame: dst, src, optional 802.1Q tag (vid >= 0), ethertype 0x0800, payload bytes. */
    static byte[] frame(long dst, long src, int vid, int payloadLength) {
        int tag = vid >= 0 ? 4 : 0;
        ByteBuffer b = ByteBuffer.allocate(14 + tag + payloadLength);
        b.putShort((short) (dst >>> 32)).putInt((int) dst);
        b.putShort((short) (src >>> 32)).putInt((int) src);
        if (vid >= 0) {
            b.putShort((short) 0x8100).putShort((short) vid);
        }
        b.putShort((short) 0x0800);
        for (int i = 0; i < payloadLength; i++) {
            b.put((byte) i);
        }
        return b.array();
    }

    void send(BridgePort in, byte[] frame) {
        send(in, frame, -1);
    }

    void send(BridgePort in, byte[] frame, int auxTci) {
        int vnet = Forwarder.HEADROOM;
        buf.setMemory(vnet, 10, (byte) 0);
        buf.putBytes(vnet + 10, frame);
        fwd.receive(in, buf, vnet, frame.length + 10, auxTci, 1_000);
    }

    @Test
    void shouldFloodUnknownAndThenForwardLearnedUnicast() {
        byte[] f = frame(B, A, -1, 50);
        send(p1, f);
        assertEquals(0, p1.drain().size());
        assertArrayEquals(f, p2.drain().get(0));
        assertEquals(1, p3.drain().size());
        byte[] reply = frame(A, B, -1, 50);
        send(p2, reply);
        assertEquals(List.of(), p3.drain());
        assertArrayEquals(reply, p1.drain().get(0));
        assertEquals(p1.number(), br.macTable().lookup(MacTable.key(0, A)));
        assertEquals(p2.number(), br.macTable().lookup(MacTable.key(0, B)));
    }

    @Test
    void shouldKeepVlansApartAndTagOnTrunks() {
        p1.setVlan(VlanConfig.access(10));
        p2.setVlan(VlanConfig.access(20));
        p3.setVlan(VlanConfig.trunk(10, 20));
        send(p1, frame(BCAST, A, -1, 40));
        assertEquals(0, p2.drain().size());
        assertArrayEquals(frame(BCAST, A, 10, 40), p3.drain().get(0));
        // tagged VLAN 20 in on the trunk: untagged out on the VLAN-20 access port only
        send(p3, frame(BCAST, C, 20, 40));
        assertArrayEquals(frame(BCAST, C, -1, 40), p2.drain().get(0));
        assertEquals(0, p1.drain().size());
    }

    @Test
    void shouldTakeTheVlanFromAuxdataWhenTheKernelStrippedIt() {
        p1.setVlan(VlanConfig.trunk(30));
        p2.setVlan(VlanConfig.access(30));
        p3.setVlan(VlanConfig.access(31));
        send(p1, frame(BCAST, A, -1, 40), 30);
        assertArrayEquals(frame(BCAST, A, -1, 40), p2.drain().get(0));
        assertEquals(0, p3.drain().size());
    }

    @Test
    void shouldDropAndCountBadFrames() {
        p1.setVlan(VlanConfig.access(10));
        send(p1, frame(BCAST, A, 10, 40));
        assertEquals(1, p1.counters().drops(DropReason.TAGGED_ON_ACCESS));
        send(p2, new byte[10]);
        assertEquals(1, p2.counters().drops(DropReason.RUNT));
        byte[] truncated = new byte[16];
        truncated[12] = (byte) 0x81;
        send(p2, truncated);
        assertEquals(1, p2.counters().drops(DropReason.TRUNCATED_VLAN));
        send(p2, frame(BCAST, A, -1, 1501));
        assertEquals(1, p2.counters().drops(DropReason.OVERSIZE));
        send(p2, frame(A, BCAST, -1, 40));
        assertEquals(1, p2.counters().drops(DropReason.MULTICAST_SRC));
        p3.setVlan(VlanConfig.trunk(5));
        send(p3, frame(BCAST, C, 6, 40));
        assertEquals(1, p3.counters().drops(DropReason.VLAN_NOT_ALLOWED));
        assertEquals(0, p1.drain().size() + p2.drain().size() + p3.drain().size());
    }

    @Test
    void shouldNeverSendAFrameBackWhereItCameFrom() {
        send(p1, frame(BCAST, A, -1, 40));
        p2.drain();
        p3.drain();
        send(p2, frame(A, A + 100, -1, 40)); // learn A+100 on p2
        p1.drain();
        send(p2, frame(A + 100, B, -1, 40)); // destination learned on the input port
        assertEquals(1, p2.counters().drops(DropReason.DST_ON_IN_PORT));
        assertEquals(0, p1.drain().size() + p3.drain().size() + p2.drain().size());
    }

    @Test
    void shouldCrossPatchPortsWithTheirVlanModes() {
        Bridge br2 = new Bridge("br2", generation);
        br2.setOwner(0, Runnable::run, System::nanoTime);
        PatchPort pa = new PatchPort("pa", "pb", 1);
        PatchPort pb = new PatchPort("pb", "pa", 1);
        br.addPort(pa);
        br2.addPort(pb);
        PatchPort.connect(pa, pb);
        pa.setVlan(VlanConfig.trunk(10, 20));
        pb.setVlan(VlanConfig.trunk(10, 20));
        p1.setVlan(VlanConfig.access(10));
        p2.setVlan(VlanConfig.access(20));
        p3.setVlan(VlanConfig.access(30));
        MemoryPort q10 = port(br2, "q10");
        q10.setVlan(VlanConfig.access(10));
        MemoryPort q20 = port(br2, "q20");
        q20.setVlan(VlanConfig.access(20));
        send(p1, frame(BCAST, A, -1, 40));
        assertArrayEquals(frame(BCAST, A, -1, 40), q10.drain().get(0));
        assertEquals(0, q20.drain().size());
        send(q10, frame(A, B, -1, 40));
        assertArrayEquals(frame(A, B, -1, 40), p1.drain().get(0));
        assertEquals(pb.number(), br2.macTable().lookup(MacTable.key(10, A)));
        assertEquals(0, p2.drain().size() + p3.drain().size());
    }

    @Test
    void shouldStopAtAPatchLoop() {
        PatchPort a = new PatchPort("a", "b", 1);
        PatchPort b = new PatchPort("b", "a", 1);
        Bridge br2 = new Bridge("br2", generation);
        br2.setOwner(0, Runnable::run, System::nanoTime);
        PatchPort c = new PatchPort("c", "d", 1);
        PatchPort d = new PatchPort("d", "c", 1);
        br.addPort(a);
        br2.addPort(b);
        br.addPort(c);
        br2.addPort(d);
        PatchPort.connect(a, b);
        PatchPort.connect(c, d);
        send(p1, frame(BCAST, A, -1, 40));
        long loops = a.counters().drops(DropReason.PATCH_LOOP) + b.counters().drops(DropReason.PATCH_LOOP)
                + c.counters().drops(DropReason.PATCH_LOOP) + d.counters().drops(DropReason.PATCH_LOOP);
        assertTrue(loops > 0);
    }

    @Test
    void shouldCompleteAPartialChecksum() {
        // IPv4/UDP with the pseudo-header sum in the checksum field, as Linux leaves it for the NIC
        byte[] f = frame(B, A, -1, 20 + 8 + 16);
        ByteBuffer ip = ByteBuffer.wrap(f, 14, 44);
        ip.put((byte) 0x45).put((byte) 0).putShort((short) 44).putInt(0).put((byte) 64).put((byte) 17)
                .putShort((short) 0).putInt(0x0a000001).putInt(0x0a000002);
        ip.putShort((short) 1000).putShort((short) 2000).putShort((short) 24).putShort((short) 0);
        UnsafeBuffer fb = new UnsafeBuffer(f);
        long pseudo = Checksum.pseudoIpv4(fb, 14, 17, 24);
        int partial = Checksum.fold(pseudo);
        fb.putShort(14 + 20 + 6, (short) partial, java.nio.ByteOrder.BIG_ENDIAN);
        int vnet = Forwarder.HEADROOM;
        buf.setMemory(vnet, 10, (byte) 0);
        buf.putBytes(vnet + 10, f);
        buf.putByte(vnet, (byte) VirtioNetHeader.FLAG_NEEDS_CSUM);
        buf.putShort(vnet + 6, (short) 34, java.nio.ByteOrder.LITTLE_ENDIAN);
        buf.putShort(vnet + 8, (short) 6, java.nio.ByteOrder.LITTLE_ENDIAN);
        fwd.receive(p1, buf, vnet, f.length + 10, -1, 0);
        UnsafeBuffer out = new UnsafeBuffer(p2.drain().get(0));
        long sum = Checksum.pseudoIpv4(out, 14, 17, 24) + Checksum.sum(out, 34, 24);
        assertEquals(0xffff, Checksum.fold(sum));
    }

    /** A TCP/IPv4 super-frame as a TSO sender leaves it: IP total length covers it all, partial checksum. */
    static byte[] tcpSuperFrame(int payload) {
        byte[] f = frame(B, A, -1, 20 + 20 + payload);
        ByteBuffer ip = ByteBuffer.wrap(f, 14, 40);
        ip.put((byte) 0x45).put((byte) 0).putShort((short) (40 + payload)).putInt(0x1234_4000).put((byte) 64)
                .put((byte) 6).putShort((short) 0).putInt(0x0a000001).putInt(0x0a000002);
        ip.putShort((short) 1000).putShort((short) 2000).putInt(1).putInt(0).put((byte) 0x50).put((byte) 0x18)
                .putShort((short) 512).putInt(0);
        UnsafeBuffer fb = new UnsafeBuffer(f);
        fb.putShort(14 + 10, (short) io.jvs.core.packet.Checksum.finish(Checksum.sum(fb, 14, 20)),
                java.nio.ByteOrder.BIG_ENDIAN);
        fb.putShort(14 + 20 + 16, (short) Checksum.fold(Checksum.pseudoIpv4(fb, 14, 6, 20 + payload)),
                java.nio.ByteOrder.BIG_ENDIAN);
        return f;
    }

    void sendGso(BridgePort in, byte[] f, int gsoSize) {
        int vnet = Forwarder.HEADROOM;
        buf.setMemory(vnet, 10, (byte) 0);
        buf.putBytes(vnet + 10, f);
        buf.putByte(vnet, (byte) VirtioNetHeader.FLAG_NEEDS_CSUM);
        buf.putByte(vnet + 1, (byte) VirtioNetHeader.GSO_TCPV4);
        buf.putShort(vnet + 2, (short) 54, java.nio.ByteOrder.LITTLE_ENDIAN);
        buf.putShort(vnet + 4, (short) gsoSize, java.nio.ByteOrder.LITTLE_ENDIAN);
        buf.putShort(vnet + 6, (short) 34, java.nio.ByteOrder.LITTLE_ENDIAN);
        buf.putShort(vnet + 8, (short) 16, java.nio.ByteOrder.LITTLE_ENDIAN);
        fwd.receive(in, buf, vnet, f.length + 10, -1, 0);
    }

    @Test
    void shouldPassSuperFramesToPortsThatTakeThemAndSegmentForTheOthers() {
        p2.setAcceptsOffloads(true);
        p3.setVlan(VlanConfig.trunk(0 + 7)); // not carrying VLAN 0: out of this test
        MemoryPort p4 = port(br, "p4"); // plain port: needs segments
        byte[] f = tcpSuperFrame(10_000);
        sendGso(p1, f, 1448);
        byte[] passedHeader = p2.headers().get(0);
        List<byte[]> whole = p2.drain();
        assertEquals(1, whole.size());
        assertEquals(VirtioNetHeader.GSO_TCPV4, passedHeader[1]);
        assertEquals(1448, (passedHeader[4] & 0xff) | (passedHeader[5] & 0xff) << 8);
        assertArrayEquals(f, whole.get(0));
        List<byte[]> segments = p4.drain();
        assertEquals((10_000 + 1447) / 1448, segments.size());
        int payload = 0;
        for (byte[] s : segments) {
            assertTrue(s.length <= 14 + 40 + 1448);
            UnsafeBuffer sb = new UnsafeBuffer(s);
            int l4 = s.length - 34;
            assertEquals(0xffff, Checksum.fold(Checksum.pseudoIpv4(sb, 14, 6, l4) + Checksum.sum(sb, 34, l4)));
            payload += l4 - 20;
        }
        assertEquals(10_000, payload);
    }

    @Test
    void shouldSegmentSuperFramesForTaggedOutputs() {
        p2.setAcceptsOffloads(true);
        p2.setVlan(VlanConfig.trunk(5));
        p1.setVlan(VlanConfig.access(5));
        p3.setVlan(VlanConfig.access(6));
        sendGso(p1, tcpSuperFrame(3000), 1448);
        List<byte[]> headers = p2.headers();
        List<byte[]> out = p2.drain();
        assertEquals(3, headers.size());
        assertEquals(3, out.size());
        for (byte[] s : out) {
            assertEquals((byte) 0x81, s[12]); // tagged
            assertEquals(5, s[15]);
            // Every segment keeps its MACs (the segmenter reuses one header for all: a tag push must not stick).
            UnsafeBuffer sb = new UnsafeBuffer(s);
            assertEquals(B, io.jvs.core.packet.MacAddress.read(sb, 0));
            assertEquals(A, io.jvs.core.packet.MacAddress.read(sb, 6));
        }
        for (byte[] h : headers) {
            assertArrayEquals(new byte[10], h); // complete frames: no offload metadata
        }
    }

    @Test
    void shouldCountDropsOnOnePortPerReason() {
        p1.setUp(false, "test");
        send(p1, frame(BCAST, A, -1, 40));
        assertEquals(1, p1.counters().drops(DropReason.PORT_DOWN));
        assertEquals(1, p1.counters().get(PortCounters.RX_PACKETS));
        assertEquals(0, p2.drain().size());
    }

    @Test
    void captureAndFilterShareOnePortHooksAndDetachIndependently() {
        assertNull(p1.hooks, "nothing attached: no hooks at all");
        io.jvs.core.acl.PortFilter filter = new io.jvs.core.acl.PortFilter("p1", 1, 64);
        PortCapture capture = new PortCapture(PortCapture.IN | PortCapture.OUT, 1 << 16);
        p1.setFilter(filter);
        p1.setCapture(capture);
        assertSame(filter, p1.filter());
        assertSame(capture, p1.capture());
        p1.setFilter(null);
        assertNull(p1.filter());
        assertSame(capture, p1.capture(), "removing the filter keeps the capture");
        p1.setFilter(filter);
        p1.setCapture(null);
        assertSame(filter, p1.filter(), "ending the capture keeps the filter");
        p1.setFilter(null);
        assertNull(p1.hooks, "both detached: back to null");
    }
}
