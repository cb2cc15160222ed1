package io.jvs.tests;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteOrder;

/**
 * Sends hand-made Ethernet frames out of a netdev in the test JVM's (root) namespace through an AF_PACKET socket.
 * The tests need this for frames the kernel will not build here, e.g. 802.1Q-tagged ones: this kernel has no
 * 8021q module and no bridge VLAN filtering.
 */
public final class RawFrames {
    private static final int AF_PACKET = 17;
    private static final int SOCK_RAW = 3;
    private static final int ETH_P_ALL = 0x0003;
    /** struct sockaddr_ll: family u16, protocol be16, ifindex i32, hatype u16, pkttype u8, halen u8, addr[8]. */
    private static final int SOCKADDR_LL_BYTES = 20;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle SOCKET = libc("socket",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle IF_NAMETOINDEX = libc("if_nametoindex",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MethodHandle SENDTO = libc("sendto",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = libc("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private RawFrames() {}

    @SuppressWarnings("restricted") // surefire runs the tests with --enable-native-access=ALL-UNNAMED
    private static MethodHandle libc(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), fd);
    }

    /** Sends each frame once out of {@code ifname}; fails the test if the kernel refuses one. */
    public static void send(String ifname, byte[]... frames) {
        try (Arena arena = Arena.ofConfined()) {
            int ifindex = (int) IF_NAMETOINDEX.invokeExact(arena.allocateFrom(ifname));
            if (ifindex == 0) {
                throw new AssertionError("no netdev " + ifname + " in the test's namespace");
            }
            int fd = (int) SOCKET.invokeExact(AF_PACKET, SOCK_RAW, (int) Short.reverseBytes((short) ETH_P_ALL));
            if (fd < 0) {
                throw new AssertionError("socket(AF_PACKET) failed (needs CAP_NET_RAW)");
            }
            try {
                MemorySegment addr = arena.allocate(SOCKADDR_LL_BYTES);
                addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_PACKET);
                addr.set(ValueLayout.JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) ETH_P_ALL);
                addr.set(ValueLayout.JAVA_INT, 4, ifindex);
                for (byte[] frame : frames) {
                    MemorySegment buf = arena.allocateFrom(ValueLayout.JAVA_BYTE, frame);
                    long sent = (long) SENDTO.invokeExact(fd, buf, (long) frame.length, 0, addr, SOCKADDR_LL_BYTES);
                    if (sent != frame.length) {
                        throw new AssertionError("sendto on " + ifname + " returned " + sent);
                    }
                }
            } finally {
                int ignored = (int) CLOSE.invokeExact(fd);
            }
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * A broadcast ARP request for {@code targetIp} from {@code srcMac}, carrying an 802.1Q tag for {@code vlan}:
     * dst(6) src(6) 0x8100 TCI(2) 0x0806 ARP(28), padded to the 60-byte minimum.
     */
    public static byte[] taggedArpRequest(int vlan, byte[] srcMac, byte[] senderIp, byte[] targetIp) {
        byte[] f = new byte[60];
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) 0xff;
        }
        System.arraycopy(srcMac, 0, f, 6, 6);
        f[12] = (byte) 0x81;
        f[13] = 0x00;
        f[14] = (byte) (vlan >> 8 & 0x0f);
        f[15] = (byte) vlan;
        f[16] = 0x08;
        f[17] = 0x06;
        int arp = 18;
        byte[] hdr = {0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01}; // Ethernet, IPv4, sizes, request
        System.arraycopy(hdr, 0, f, arp, hdr.length);
        System.arraycopy(srcMac, 0, f, arp + 8, 6);
        System.arraycopy(senderIp, 0, f, arp + 14, 4);
        System.arraycopy(targetIp, 0, f, arp + 24, 4);
        return f;
    }

    /**
     * A broadcast ARP request for {@code targetIp} from {@code srcMac}, untagged: dst(6) src(6) 0x0806 ARP(28),
     * padded to the 60-byte minimum.
     */
    public static byte[] arpRequest(byte[] srcMac, byte[] senderIp, byte[] targetIp) {
        byte[] tagged = taggedArpRequest(0, srcMac, senderIp, targetIp);
        byte[] f = new byte[60];
        System.arraycopy(tagged, 0, f, 0, 12);
        System.arraycopy(tagged, 16, f, 12, 44);
        return f;
    }
}
