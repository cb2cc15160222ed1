package io.jvs.datapath.linux;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.jvs.datapath.linux.LinuxTestSupport.assumeRoot;
import static io.jvs.datapath.linux.LinuxTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NetdevTest {
    private LinuxTestSupport support;
    private String ns;
    private String veth;

    @BeforeEach
    void setUp() throws Exception {
        assumeRoot();
        support = new LinuxTestSupport();
        ns = support.namespace();
        veth = LinuxTestSupport.uniqueName("a");
        run("ip", "-n", ns, "link", "add", veth, "type", "veth", "peer", "name", veth + "p");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (support != null) {
            support.close();
        }
    }

    @Test
    void shouldFailWithDeviceNameWhenIfindexOfUnknownDevice() {
        String missing = LinuxTestSupport.uniqueName("x");
        NativeException e = assertThrows(NativeException.class, () -> Netdev.ifindex(ns, missing));
        assertTrue(e.getMessage().contains("no such device: " + missing), e.getMessage());
        assertEquals(Errno.ENODEV, e.errno());
    }

    @Test
    void shouldFindIfindexInNamespaceOnly() throws Exception {
        int ifindex = Netdev.ifindex(ns, veth);
        assertTrue(ifindex > 1, "ifindex " + ifindex);
        assertTrue(run("ip", "-n", ns, "-o", "link", "show", veth).startsWith(ifindex + ": "));
        assertTrue(Netdev.exists(ns, veth));
        assertFalse(Netdev.exists(null, veth), "the device must not be visible outside its namespace");
        assertTrue(Netdev.exists(null, "lo"));
    }

    @Test
    void shouldRoundTripMac() throws Exception {
        long mac = 0x02_12_34_56_78_9AL;
        Netdev.setMac(ns, veth, mac);
        assertEquals(mac, Netdev.mac(ns, veth));
        assertTrue(run("ip", "-n", ns, "link", "show", veth).contains("02:12:34:56:78:9a"));
        assertEquals("02:12:34:56:78:9a", Netdev.formatMac(mac));
    }

    @Test
    void shouldRejectMulticastMac() {
        NativeException e = assertThrows(NativeException.class, () -> Netdev.setMac(ns, veth, 0x01_00_5E_00_00_01L));
        assertEquals(Errno.EADDRNOTAVAIL, e.errno());
        assertTrue(e.getMessage().contains("SIOCSIFHWADDR " + veth), e.getMessage());
    }

    @Test
    void shouldSetAndReadMtu() throws Exception {
        assertEquals(1500, Netdev.mtu(ns, veth));
        Netdev.setMtu(ns, veth, 1400);
        assertEquals(1400, Netdev.mtu(ns, veth));
    }

    @Test
    void shouldBringDeviceUp() throws Exception {
        assertFalse(Netdev.isUp(ns, veth));
        Netdev.setUp(ns, veth);
        assertTrue(Netdev.isUp(ns, veth));
    }

    @Test
    void shouldRejectNamesLongerThan15Bytes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> Netdev.ifindex(ns, "abcdefghijklmnop"));
        assertTrue(e.getMessage().contains("abcdefghijklmnop") && e.getMessage().contains("15"), e.getMessage());
    }

    @Test
    void shouldRunBodyInNamespaceOnItsOwnThread() throws Exception {
        Thread caller = Thread.currentThread();
        boolean sameThread = Netns.call(ns, () -> Thread.currentThread() == caller);
        assertFalse(sameThread);
        assertTrue(Netns.call(ns, () -> LibC.ifNameToIndex(veth) > 0));
        assertEquals(0, LibC.ifNameToIndex(veth), "the caller thread must stay in its own namespace");
        assertTrue(Netns.call(null, () -> Thread.currentThread() == caller));
    }

    @Test
    void shouldRethrowExceptionFromBody() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
            () -> Netns.call(ns, () -> {
                throw new IllegalStateException("boom");
            }));
        assertEquals("boom", e.getMessage());
    }

    @Test
    void shouldNameMissingNamespace() {
        String missing = LinuxTestSupport.uniqueName("m");
        assertFalse(Netns.exists(missing));
        assertTrue(Netns.exists(ns));
        NativeException e = assertThrows(NativeException.class, () -> Netns.call(missing, () -> 1));
        assertEquals("netns " + missing + ": no such namespace", e.getMessage());
        assertEquals(Errno.ENOENT, e.errno());
    }
}
