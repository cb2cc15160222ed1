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
