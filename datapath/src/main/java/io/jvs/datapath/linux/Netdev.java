package io.jvs.datapath.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.function.Function;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Network device queries and settings through the classic SIOC* ioctls on an AF_INET datagram socket, in a named
 * namespace or (netns null) the caller's. Control path only: each call opens and closes its own socket.
 *
 * <pre>
 * struct ifreq (40 bytes)
 *   0  char ifr_name[16]     NUL-terminated, so at most 15 bytes of name
 *  16  union {
 *        int   ifr_ifindex / ifr_mtu
 *        short ifr_flags
 *        struct sockaddr ifr_hwaddr { u16 sa_family @16; u8 sa_data[14] @18 }   (MAC in sa_data[0..5])
 *      }
 * </pre>
 *
 * <p>A MAC is packed into the low 48 bits of a long, first byte on the wire most significant:
 * 02:00:00:00:00:01 is {@code 0x0200_0000_0001L}.
 */
public final class Netdev {
    /** Longest interface name the kernel accepts (IFNAMSIZ - 1). */
    public static final int MAX_NAME_BYTES = 15;

    static final int IFREQ_SIZE = 40;
    static final int IFR_NAME_SIZE = 16;
    static final int IFR_DATA_OFFSET = 16;

    private static final long SIOCGIFFLAGS = 0x8913;
    private static final long SIOCSIFFLAGS = 0x8914;
    private static final long SIOCGIFMTU = 0x8921;
    private static final long SIOCSIFMTU = 0x8922;
    private static final long SIOCSIFHWADDR = 0x8924;
    private static final long SIOCGIFHWADDR = 0x8927;
    private static final long SIOCGIFINDEX = 0x8933;
    private static final short IFF_UP = 0x1;
    private static final short ARPHRD_ETHER = 1;

    private Netdev() {
    }

    /** The interface index of {@code name}; throws "no such device: NAME" when it does not exist. */
    public static int ifindex(String netns, String name) throws IOException {
        return ioctl(netns, name, SIOCGIFINDEX, "SIOCGIFINDEX", null, req -> req.get(JAVA_INT, IFR_DATA_OFFSET));
    }

    /** Whether a device called {@code name} exists in the namespace. */
    public static boolean exists(String netns, String name) throws IOException {
        try {
            ifindex(netns, name);
            return true;
        } catch (NativeException e) {
            if (e.errno() == Errno.ENODEV) {
                return false;
            }
            throw e;
        }
    }

    public static int mtu(String netns, String name) throws IOException {
        return ioctl(netns, name, SIOCGIFMTU, "SIOCGIFMTU", null, req -> req.get(JAVA_INT, IFR_DATA_OFFSET));
    }

    public static void setMtu(String netns, String name, int mtu) throws IOException {
        ioctl(netns, name, SIOCSIFMTU, "SIOCSIFMTU", req -> req.set(JAVA_INT, IFR_DATA_OFFSET, mtu), null);
    }

    public static boolean isUp(String netns, String name) throws IOException {
        return ioctl(netns, name, SIOCGIFFLAGS, "SIOCGIFFLAGS", null,
            req -> (req.get(JAVA_SHORT, IFR_DATA_OFFSET) & IFF_UP) != 0);
    }

    /** Sets IFF_UP (read-modify-write of the flags, so the other flags stay as they are). */
    public static void setUp(String netns, String name) throws IOException {
        Netns.call(netns, () -> {
            int fd = LibC.socket(LibC.AF_INET, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment req = ifreq(arena, name);
                LibC.ioctl(fd, SIOCGIFFLAGS, req.address(), "SIOCGIFFLAGS " + name);
                short flags = req.get(JAVA_SHORT, IFR_DATA_OFFSET);
                req.set(JAVA_SHORT, IFR_DATA_OFFSET, (short) (flags | IFF_UP));
                LibC.ioctl(fd, SIOCSIFFLAGS, req.address(), "SIOCSIFFLAGS " + name);
                return null;
            } catch (NativeException e) {
                throw describe(e, netns, name);
            } finally {
                LibC.close(fd);
            }
        });
    }

    /** The hardware address, packed in the low 48 bits. */
    public static long mac(String netns, String name) throws IOException {
        return ioctl(netns, name, SIOCGIFHWADDR, "SIOCGIFHWADDR", null, req -> {
            long mac = 0;
            for (int i = 0; i < 6; i++) {
                mac = (mac << 8) | (req.get(JAVA_BYTE, IFR_DATA_OFFSET + 2 + i) & 0xFF);
            }
            return mac;
        });
    }

    /**
     * Sets the hardware address (ARPHRD_ETHER); the kernel refuses multicast and all-zero addresses with
     * EADDRNOTAVAIL.
     */
    public static void setMac(String netns, String name, long mac) throws IOException {
        ioctl(netns, name, SIOCSIFHWADDR, "SIOCSIFHWADDR", req -> {
            req.set(JAVA_SHORT, IFR_DATA_OFFSET, ARPHRD_ETHER);
            for (int i = 0; i < 6; i++) {
                req.set(JAVA_BYTE, IFR_DATA_OFFSET + 2 + i, (byte) (mac >>> (40 - 8 * i)));
            }
        }, null);
    }

    /** Formats a packed MAC as 02:00:00:00:00:01. */
    public static String formatMac(long mac) {
        StringBuilder s = new StringBuilder(17);
        for (int i = 0; i < 6; i++) {
            if (i > 0) {
                s.append(':');
            }
            int b = (int) (mac >>> (40 - 8 * i)) & 0xFF;
            s.append(Character.forDigit(b >>> 4, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return s.toString();
    }

    /**
     * Checks an interface name and returns its bytes: 1 to 15 bytes, no '/', NUL or whitespace (the kernel's
     * dev_valid_name rules).
     */
    static byte[] validateName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("interface name is empty");
        }
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("interface name \"" + name + "\" is " + bytes.length
                + " bytes long; Linux allows at most " + MAX_NAME_BYTES);
        }
        for (byte b : bytes) {
            if (b == '/' || b == ':' || b == 0 || Character.isWhitespace(b)) {
                throw new IllegalArgumentException("interface name \"" + name + "\" contains '/', ':' or a blank");
            }
        }
        return bytes;
    }

    /** A zeroed struct ifreq with {@code name} filled in. */
    static MemorySegment ifreq(Arena arena, String name) {
        byte[] bytes = validateName(name);
        MemorySegment req = arena.allocate(IFREQ_SIZE, 8);
        MemorySegment.copy(bytes, 0, req, JAVA_BYTE, 0, bytes.length);
        return req;
    }

    /** Reads the NUL-terminated name back out of an ifreq. */
    static String ifreqName(MemorySegment req) {
        return req.asSlice(0, IFR_NAME_SIZE).getString(0, StandardCharsets.UTF_8);
    }

    static NativeException describe(NativeException e, String netns, String name) {
        if (e.errno() == Errno.ENODEV) {
            return NativeException.withMessage(
                "no such device: " + name + (netns == null ? "" : " (netns " + netns + ")"), e.errno());
        }
        return e;
    }

    /**
     * Runs one SIOC* ioctl on a fresh AF_INET socket in the namespace: {@code fill} writes the request's union part
     * (null for getters), {@code read} takes the answer out of it (null for setters).
     */
    private static <T> T ioctl(String netns, String name, long request, String requestName,
                               Consumer<MemorySegment> fill, Function<MemorySegment, T> read) throws IOException {
        validateName(name);
        return Netns.call(netns, () -> {
            int fd = LibC.socket(LibC.AF_INET, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment req = ifreq(arena, name);
                if (fill != null) {
                    fill.accept(req);
                }
                LibC.ioctl(fd, request, req.address(), requestName + " " + name);
                return read == null ? null : read.apply(req);
            } catch (NativeException e) {
                throw describe(e, netns, name);
            } finally {
                LibC.close(fd);
            }
        });
    }
}
