package io.jvs.datapath.linux;

import java.util.ArrayList;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.jvs.datapath.linux.LinuxTestSupport.assumeRoot;
import static io.jvs.datapath.linux.LinuxTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A veth pair vA/vB inside one test namespace; sockets are opened there through Netns.call. */
class PacketSocketTest {
    private static final int BURST = 8;
    private static final int SLOT = 2048;
    private static final int FRAME = PacketSocket.VNET_HDR_SIZE;
    private static final int ETHERTYPE_ARP = 0x0806;
    private static final int ETHERTYPE_TEST = 0x88B5;

    private LinuxTestSupport support;
    private final List<PacketSocket> sockets = new ArrayList<>();
    private final UnsafeBuffer slots = LinuxTestSupport.directBuffer(BURST * SLOT);
    private final UnsafeBuffer tx = LinuxTestSupport.directBuffer(SLOT);
    private final long[] slotAddresses = new long[BURST];
    private final int[] lengths = new int[BURST];
    private final int[] vlanTci = new int[BURST];
    private String ns;
    private String vethA;
    private String vethB;

    @BeforeEach
    void setUp() throws Exception {
        assumeRoot();
        support = new LinuxTestSupport();
        ns = support.namespace();
        String base = LinuxTestSupport.uniqueName("");
        vethA = base + "a";
        vethB = base + "b";
        run("ip", "-n", ns, "link", "add", vethA, "type", "veth", "peer", "name", vethB);
        run("ip", "-n", ns, "addr", "add", "10.202.0.1/24", "dev", vethA);
        run("ip", "-n", ns, "link", "set", vethA, "up");
        run("ip", "-n", ns, "link", "set", vethB, "up");
        for (int i = 0; i < BURST; i++) {
            slotAddresses[i] = slots.addressOffset() + (long) i * SLOT;
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        for (PacketSocket socket : sockets) {
            socket.close();
        }
        if (support != null) {
            support.close();
        }
    }

    private PacketSocket open(String ifname) throws Exception {
        PacketSocket socket = Netns.call(ns, () -> PacketSocket.open(ifname, BURST));
        sockets.add(socket);
        return socket;
    }

    @Test
    void shouldReceiveArpRequestInBurst() throws Exception {
        PacketSocket socket = open(vethB);
        assertEquals(vethB, socket.ifname());
        assertEquals(Netdev.ifindex(ns, vethB), socket.ifindex());
        assertEquals(2 * PacketSocket.RECEIVE_BUFFER_BYTES, socket.receiveBufferBytes(), "SO_RCVBUFFORCE as root");
        assertEquals(0, socket.receiveBurst(slotAddresses, SLOT, BURST, lengths, vlanTci), "empty: EAGAIN is 0");

        LinuxTestSupport.sendUdp(ns, "10.202.0.2");
        int slot = receive(socket, SLOT, ETHERTYPE_ARP, 5000);
        assertEquals(FRAME + 42, lengths[slot]);
        assertEquals(-1, vlanTci[slot]);
        UnsafeBuffer frame = slotView(slot);
        for (int i = 0; i < FRAME; i++) {
            assertEquals(0, frame.getByte(i), "virtio_net_hdr byte " + i);
        }
        assertEquals(Netdev.mac(ns, vethA), LinuxTestSupport.mac(frame, FRAME + 6), "sent by the peer");
    }

    @Test
    void shouldReturnStrippedVlanTagThroughAuxdata() throws Exception {
        PacketSocket sender = open(vethA);
        PacketSocket receiver = open(vethB);
        long src = LinuxTestSupport.randomMac();
        int tci = (3 << 13) | 100;
        int tagged = testFrame(src, tci, 64, 0);
        assertEquals(FRAME + tagged, sender.send(tx.addressOffset(), FRAME + tagged));

        int slot = receive(receiver, SLOT, ETHERTYPE_TEST, 5000);
        assertEquals(tci, vlanTci[slot], "TCI from tpacket_auxdata");
        assertEquals(FRAME + tagged - 4, lengths[slot], "the 4-byte tag is gone from the frame");
        assertEquals(src, LinuxTestSupport.mac(slotView(slot), FRAME + 6));
    }

    @Test
    void shouldReceiveSeveralFramesInOneCall() throws Exception {
        PacketSocket sender = open(vethA);
        PacketSocket receiver = open(vethB);
        long src = LinuxTestSupport.randomMac();
        for (int seq = 0; seq < BURST; seq++) {
            int length = testFrame(src, -1, 60 + seq, seq);
            assertEquals(FRAME + length, sender.send(tx.addressOffset(), FRAME + length));
        }
        int received = 0;
        int largestBurst = 0;
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (received < BURST && System.nanoTime() < deadline) {
            int n = receiver.receiveBurst(slotAddresses, SLOT, BURST, lengths, vlanTci);
            assertTrue(n >= 0, "receiveBurst: " + Errno.name(n));
            largestBurst = Math.max(largestBurst, n);
            for (int i = 0; i < n; i++) {
                UnsafeBuffer frame = slotView(i);
                if (LinuxTestSupport.mac(frame, FRAME + 6) != src) {
                    continue;
                }
                assertEquals(received, frame.getByte(FRAME + 14), "frames arrive in order");
                assertEquals(FRAME + 60 + received, lengths[i], "length of frame " + received);
                assertEquals(-1, vlanTci[i]);
                received++;
            }
        }
        assertEquals(BURST, received);
        assertTrue(largestBurst > 1, "all frames were queued, one recvmmsg should return several: " + largestBurst);
    }

    @Test
    void shouldReportTruncatedFrameAsMinusOne() throws Exception {
        PacketSocket sender = open(vethA);
        PacketSocket receiver = open(vethB);
        long src = LinuxTestSupport.randomMac();
        int length = testFrame(src, -1, 300, 0);
        assertEquals(FRAME + length, sender.send(tx.addressOffset(), FRAME + length));
        int slot = receive(receiver, 64, ETHERTYPE_TEST, 5000);
        assertEquals(-1, lengths[slot]);
        assertEquals(src, LinuxTestSupport.mac(slotView(slot), FRAME + 6), "the first 54 bytes are still there");
    }

    @Test
    void shouldReturnErrnoInsteadOfThrowingWhenDeviceVanishes() throws Exception {
        PacketSocket receiver = open(vethB);
        run("ip", "-n", ns, "link", "delete", vethA);
        // The unregister notifier sets sk_err = ENETDOWN and unbinds: reported once, then the socket is just empty.
        assertEquals(-Errno.ENETDOWN, receiver.receiveBurst(slotAddresses, SLOT, BURST, lengths, vlanTci));
        assertEquals(0, receiver.receiveBurst(slotAddresses, SLOT, BURST, lengths, vlanTci));
        int length = testFrame(LinuxTestSupport.randomMac(), -1, 60, 0);
        assertEquals(-Errno.ENXIO, receiver.send(tx.addressOffset(), FRAME + length), "bound ifindex is gone");
    }

    @Test
    void takeErrorReportsAVanishedDeviceOnceAndReadsNoFrame() throws Exception {
        PacketSocket receiver = open(vethB);
        PacketSocket sender = open(vethA);
        int length = testFrame(LinuxTestSupport.randomMac(), -1, 60, 0);
        assertEquals(FRAME + length, sender.send(tx.addressOffset(), FRAME + length));
        assertEquals(0, receiver.takeError(), "no error pending");
        // the frame is still queued: takeError read nothing
        assertTrue(receiver.receiveBurst(slotAddresses, SLOT, BURST, lengths, vlanTci) >= 1);
        run("ip", "-n", ns, "link", "delete", vethA);
        assertEquals(Errno.ENETDOWN, receiver.takeError());
        assertEquals(0, receiver.takeError(), "taken once");
    }

    @Test
    void shouldReportNetworkDownWhileDeviceIsDown() throws Exception {
        PacketSocket sender = open(vethA);
        run("ip", "-n", ns, "link", "set", vethA, "down");
        assertEquals(-Errno.ENETDOWN, sender.receiveBurst(slotAddresses, SLOT, BURST, lengths, vlanTci));
        int length = testFrame(LinuxTestSupport.randomMac(), -1, 60, 0);
        assertEquals(-Errno.ENETDOWN, sender.send(tx.addressOffset(), FRAME + length));
    }

    @Test
    void shouldFailToOpenOnUnknownDevice() {
        String missing = LinuxTestSupport.uniqueName("x");
        NativeException e = assertThrows(NativeException.class, () -> open(missing));
        assertTrue(e.getMessage().contains("no such device: " + missing), e.getMessage());
    }

    @Test
    void shouldRejectBurstLargerThanOpenedFor() throws Exception {
        PacketSocket socket = open(vethB);
        assertThrows(IllegalArgumentException.class,
            () -> socket.receiveBurst(new long[BURST + 1], SLOT, BURST + 1, new int[BURST + 1], new int[BURST + 1]));
        socket.close();
        socket.close();
        assertFalse(socket.fd() >= 0);
    }

    /**
     * Writes virtio header + test frame into {@code tx}: broadcast destination, {@code src}, an 802.1Q tag when
     * {@code tci >= 0}, ethertype 0x88B5, then {@code seq} and zeros up to {@code length} bytes. Returns the length.
     */
    /** Waits for the ring's head slot to be handed to us; its status. */
    private static int awaitRing(RxRing ring, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        while (!ring.ready()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("nothing arrived in the ring within " + timeoutMs + " ms");
            }
            Thread.sleep(1);
        }
        return ring.status();
    }

    @Test
    void ringShouldDeliverFramesInPlaceWithTheirTagAndHandSlotsBack() throws Exception {
        PacketSocket sender = open(vethA);
        PacketSocket receiver = Netns.call(ns, () -> PacketSocket.open(vethB, BURST, 64));
        sockets.add(receiver);
        RxRing ring = receiver.rxRing();
        assertTrue(ring.frames() >= 64);
        long src = LinuxTestSupport.randomMac();
        int tci = (5 << 13) | 42;
        for (int seq = 0; seq < 3 * ring.frames(); seq++) { // wraps around the ring twice
            int length = testFrame(src, seq == 7 ? tci : -1, 80, seq & 0x7f);
            assertEquals(FRAME + length, sender.send(tx.addressOffset(), FRAME + length));
            int slot = ring.head();
            int status = awaitRing(ring, 5000);
            UnsafeBuffer b = ring.buffer();
            int vnet = ring.vnetOffset();
            assertEquals(src, LinuxTestSupport.mac(b, vnet + FRAME + 6));
            if (seq == 7) {
                assertEquals(tci, ring.vlanTci(status), "TCI from the ring header");
                assertEquals(length - 4, ring.snapLength(), "the tag is stripped");
            } else {
                assertEquals(-1, ring.vlanTci(status));
                assertEquals(length, ring.snapLength());
            }
            assertEquals(seq & 0x7f, b.getByte(vnet + FRAME + 14));
            ring.advance();
            ring.release(slot, 1);
        }
    }

    @Test
    void ringShouldHandFramesTooBigForASlotToTheSocket() throws Exception {
        run("ip", "-n", ns, "link", "set", vethA, "mtu", "9000");
        run("ip", "-n", ns, "link", "set", vethB, "mtu", "9000");
        PacketSocket sender = open(vethA);
        PacketSocket receiver = Netns.call(ns, () -> PacketSocket.open(vethB, BURST, 64));
        sockets.add(receiver);
        RxRing ring = receiver.rxRing();
        int length = 6000;
        int header = testFrame(LinuxTestSupport.randomMac(), -1, 64, 9);
        UnsafeBuffer big = LinuxTestSupport.directBuffer(FRAME + length);
        big.putBytes(0, tx, 0, FRAME + header); // the test frame's headers, then zeros up to 6000 bytes
        assertEquals(FRAME + length, sender.send(big.addressOffset(), FRAME + length));
        int status = awaitRing(ring, 5000);
        assertTrue((status & RxRing.TP_STATUS_COPY) != 0, "slot marked TP_STATUS_COPY");
        UnsafeBuffer slots8k = LinuxTestSupport.directBuffer(8192 + 64);
        long[] one = {slots8k.addressOffset()};
        assertEquals(1, receiver.receiveBurst(one, 8192, 1, lengths, vlanTci), "the whole frame waits on the socket");
        assertEquals(FRAME + length, lengths[0]);
        assertEquals(9, slots8k.getByte(FRAME + 14));
    }

    private int testFrame(long src, int tci, int length, int seq) {
        tx.setMemory(0, FRAME + length, (byte) 0);
        LinuxTestSupport.putMac(tx, FRAME, 0xFFFF_FFFF_FFFFL);
        LinuxTestSupport.putMac(tx, FRAME + 6, src);
        int offset = FRAME + 12;
        if (tci >= 0) {
            tx.putShort(offset, Short.reverseBytes((short) 0x8100));
            tx.putShort(offset + 2, Short.reverseBytes((short) tci));
            offset += 4;
        }
        tx.putShort(offset, Short.reverseBytes((short) ETHERTYPE_TEST));
        tx.putByte(offset + 2, (byte) seq);
        return length;
    }

    /** Receives until a frame of {@code ethertype} arrives; its slot index (lengths/vlanTci hold its metadata). */
    private int receive(PacketSocket socket, int slotCapacity, int ethertype, long timeoutMs) throws Exception {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        while (System.nanoTime() < deadline) {
            int n = socket.receiveBurst(slotAddresses, slotCapacity, BURST, lengths, vlanTci);
            assertTrue(n >= 0, "receiveBurst: " + Errno.name(n));
            for (int i = 0; i < n; i++) {
                if (LinuxTestSupport.uint16(slotView(i), FRAME + 12) == ethertype) {
                    return i;
                }
            }
            if (n == 0) {
                Thread.sleep(1);
            }
        }
        throw new AssertionError("no frame of ethertype 0x" + Integer.toHexString(ethertype) + " on "
            + socket.ifname() + " within " + timeoutMs + " ms");
    }

    private UnsafeBuffer slotView(int slot) {
        return new UnsafeBuffer(slots, slot * SLOT, SLOT);
    }
}
