package io.jvs.datapath.linux;

import java.util.ArrayList;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.jvs.datapath.linux.LinuxTestSupport.assumeRoot;
import static io.jvs.datapath.linux.LinuxTestSupport.inNs;
import static io.jvs.datapath.linux.LinuxTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TapDeviceTest {
    private static final int ETHERTYPE_ARP = 0x0806;
    private static final int FRAME = TapDevice.VNET_HDR_SIZE;

    private LinuxTestSupport support;
    private final List<TapDevice> taps = new ArrayList<>();
    private final UnsafeBuffer buffer = LinuxTestSupport.directBuffer(2048);

    @BeforeEach
    void setUp() {
        assumeRoot();
        support = new LinuxTestSupport();
    }

    @AfterEach
    void tearDown() throws Exception {
        // Close the fds before deleting the namespaces: an open TAP fd keeps its namespace alive.
        for (TapDevice tap : taps) {
            tap.close();
        }
        if (support != null) {
            support.close();
        }
    }

    private TapDevice open(String name, String ns) throws Exception {
        TapDevice tap = TapDevice.open(name, ns);
        taps.add(tap);
        return tap;
    }

    @Test
    void shouldReadArpRequestWithConfiguredSourceMac() throws Exception {
        String ns = support.namespace();
        String name = LinuxTestSupport.uniqueName("t");
        TapDevice tap = open(name, ns);
        assertEquals(name, tap.name());
        assertEquals(ns, tap.netns());
        assertTrue(tap.fd() >= 0);
        long mac = LinuxTestSupport.randomMac();
        Netdev.setMac(ns, name, mac);
        Netdev.setUp(ns, name);
        assertEquals(0, tap.read(buffer.addressOffset(), buffer.capacity()), "nothing queued yet: EAGAIN reads as 0");

        inNs(ns, "ip", "addr", "add", "10.201.0.1/24", "dev", name);
        LinuxTestSupport.sendUdp(ns, "10.201.0.2");

        int n = readFrame(tap, ETHERTYPE_ARP, 5000);
        assertEquals(FRAME + 42, n, "ARP request: 14 + 28 bytes after the virtio header");
        for (int i = 0; i < TapDevice.VNET_HDR_SIZE; i++) {
            assertEquals(0, buffer.getByte(i), "virtio_net_hdr byte " + i + " (no offloads: all zero)");
        }
        assertEquals(0xFFFF_FFFF_FFFFL, LinuxTestSupport.mac(buffer, FRAME), "broadcast destination");
        assertEquals(mac, LinuxTestSupport.mac(buffer, FRAME + 6), "source MAC is the one we set");
        assertEquals(1, LinuxTestSupport.uint16(buffer, FRAME + 14 + 6), "ARP op request");
        assertEquals(0x0AC9_0002, Integer.reverseBytes(buffer.getInt(FRAME + 14 + 24)), "target IP 10.201.0.2");
    }

    @Test
    void shouldKeepPersistentTapAcrossCloseAndReattach() throws Exception {
        String ns = support.namespace();
        String name = LinuxTestSupport.uniqueName("t");
        TapDevice first = open(name, ns);
        Netdev.setUp(ns, name);
        inNs(ns, "ip", "addr", "add", "10.201.1.1/24", "dev", name);
        int ifindex = Netdev.ifindex(ns, name);
        first.close();
        first.close();

        assertTrue(Netdev.exists(ns, name), "a persistent TAP outlives its fd");
        assertEquals(ifindex, Netdev.ifindex(ns, name));
        assertTrue(run("ip", "-n", ns, "addr", "show", "dev", name).contains("10.201.1.1/24"), "address kept");

        TapDevice second = open(name, ns);
        assertEquals(ifindex, Netdev.ifindex(ns, name), "attached to the same netdev");
        LinuxTestSupport.sendUdp(ns, "10.201.1.2");
        assertTrue(readFrame(second, ETHERTYPE_ARP, 5000) > 0, "frames flow through the re-attached fd");

        second.destroy();
        assertFalse(Netdev.exists(ns, name), "destroy removes the netdev");
    }

    @Test
    void shouldWriteFrameIntoNamespace() throws Exception {
        String ns = support.namespace();
        String name = LinuxTestSupport.uniqueName("t");
        TapDevice tap = open(name, ns);
        Netdev.setUp(ns, name);
        int rxBefore = Integer.parseInt(run("ip", "netns", "exec", ns, "cat",
            "/sys/class/net/" + name + "/statistics/rx_packets").trim());
        buffer.setMemory(0, 64 + FRAME, (byte) 0);
        LinuxTestSupport.putMac(buffer, FRAME, 0xFFFF_FFFF_FFFFL);
        LinuxTestSupport.putMac(buffer, FRAME + 6, LinuxTestSupport.randomMac());
        buffer.putShort(FRAME + 12, Short.reverseBytes((short) 0x88B5));
        assertEquals(FRAME + 64, tap.write(buffer.addressOffset(), FRAME + 64));
        int rxAfter = Integer.parseInt(run("ip", "netns", "exec", ns, "cat",
            "/sys/class/net/" + name + "/statistics/rx_packets").trim());
        assertEquals(rxBefore + 1, rxAfter, "the kernel received the frame we wrote");
    }

    @Test
    void shouldNameMissingNamespace() {
        String missing = LinuxTestSupport.uniqueName("m");
        NativeException e = assertThrows(NativeException.class,
            () -> open(LinuxTestSupport.uniqueName("t"), missing));
        assertTrue(e.getMessage().contains(missing), e.getMessage());
    }

    @Test
    void shouldNameDeviceWhenNameBelongsToNonTap() throws Exception {
        String ns = support.namespace();
        String veth = LinuxTestSupport.uniqueName("v");
        run("ip", "-n", ns, "link", "add", veth, "type", "veth", "peer", "name", veth + "p");
        NativeException e = assertThrows(NativeException.class, () -> open(veth, ns));
        assertTrue(e.getMessage().contains(veth) && e.getMessage().contains("not a TAP"), e.getMessage());
        assertEquals(Errno.EINVAL, e.errno());
    }

    @Test
    void shouldKeepNamespaceAliveWhileTapFdIsOpen() throws Exception {
        String ns = support.namespace();
        String name = LinuxTestSupport.uniqueName("t");
        TapDevice tap = open(name, ns);
        Netdev.setUp(ns, name);
        run("ip", "netns", "delete", ns);
        support.forgetNamespace(ns);
        // The tun fd's socket holds a reference on the namespace it was opened in, so deleting the name only
        // orphans the namespace: the TAP lives on, reads see no frame and writes are accepted.
        buffer.setMemory(0, FRAME + 60, (byte) 0);
        assertEquals(0, tap.read(buffer.addressOffset(), buffer.capacity()));
        assertEquals(FRAME + 60, tap.write(buffer.addressOffset(), FRAME + 60));
        tap.destroy();
    }

    @Test
    void shouldReturnEbadfdAfterNetdevIsDeleted() throws Exception {
        String ns = support.namespace();
        String name = LinuxTestSupport.uniqueName("t");
        TapDevice tap = open(name, ns);
        Netdev.setUp(ns, name);
        run("ip", "-n", ns, "link", "delete", name);
        buffer.setMemory(0, FRAME + 60, (byte) 0);
        assertEquals(-Errno.EBADFD, tap.read(buffer.addressOffset(), buffer.capacity()));
        assertEquals(-Errno.EBADFD, tap.write(buffer.addressOffset(), FRAME + 60));
        tap.destroy();
        assertFalse(Netdev.exists(ns, name));
    }

    /** Reads frames until one of {@code ethertype} arrives; its length, or fails after {@code timeoutMs}. */
    private int readFrame(TapDevice tap, int ethertype, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        StringBuilder seen = new StringBuilder();
        while (System.nanoTime() < deadline) {
            int n = tap.read(buffer.addressOffset(), buffer.capacity());
            assertTrue(n >= 0, "read failed: " + Errno.name(n));
            if (n >= FRAME + 14 && LinuxTestSupport.uint16(buffer, FRAME + 12) == ethertype) {
                return n;
            }
            if (n > 0) {
                seen.append(' ').append(Integer.toHexString(LinuxTestSupport.uint16(buffer, FRAME + 12)));
            }
            if (n == 0) {
                Thread.sleep(1);
            }
        }
        throw new AssertionError("no frame of ethertype 0x" + Integer.toHexString(ethertype) + " within "
            + timeoutMs + " ms; saw" + seen);
    }
}
