package io.jvs.datapath.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A persistent TAP device with a non-blocking file descriptor, frames prefixed by a 10-byte virtio_net_hdr.
 *
 * <pre>
 * every frame read or written:
 *   0  virtio_net_hdr (10 bytes: flags u8, gso_type u8, hdr_len u16, gso_size u16, csum_start u16, csum_offset u16)
 *  10  Ethernet frame (no FCS)
 * </pre>
 *
 * <p>Offloads are off until {@link #setOffloads} is called (TUNSETOFFLOAD): until then the kernel hands us complete,
 * MTU-sized frames with full checksums and an all-zero header. With offloads on, the header carries partial-checksum
 * and GSO metadata and frames may be 64 KiB super-frames. Writes may carry such metadata either way.
 *
 * <p>The TAP is made persistent: closing the fd (or the process dying) leaves the netdev and its addresses in place,
 * and {@link #open} with the same name in the same namespace attaches to it again. {@link #destroy} removes it.
 *
 * <p>Threading: {@link #read} and {@link #write} each keep their own errno capture segment, so one reader thread and
 * one writer thread may use a device at the same time; two readers (or two writers) may not.
 */
public final class TapDevice implements AutoCloseable {
    /** Bytes of virtio_net_hdr in front of every frame (the kernel default; TUNSETVNETHDRSZ is pinned to it). */
    public static final int VNET_HDR_SIZE = 10;

    private static final String TUN_PATH = "/dev/net/tun";
    private static final long TUNSETIFF = 0x400454caL;
    private static final long TUNSETPERSIST = 0x400454cbL;
    private static final long TUNSETVNETHDRSZ = 0x400454d8L;
    private static final long TUNSETOFFLOAD = 0x400454d0L;
    /** TUNSETOFFLOAD flags: checksum offload, TSO for IPv4/IPv6 (with ECN), UDP segmentation offload (Linux 6.2+). */
    public static final int TUN_F_CSUM = 0x01, TUN_F_TSO4 = 0x02, TUN_F_TSO6 = 0x04, TUN_F_TSO_ECN = 0x08,
            TUN_F_USO4 = 0x20, TUN_F_USO6 = 0x40;
    private static final short IFF_TAP = 0x0002;
    private static final short IFF_NO_PI = 0x1000;
    private static final short IFF_VNET_HDR = 0x4000;

    private final String name;
    private final String netns;
    // Auto arena: a close() racing with a read on another thread must not free memory the kernel is writing to.
    private final Arena arena = Arena.ofAuto();
    private final MemorySegment readState = LibC.allocateCallState(arena);
    private final MemorySegment writeState = LibC.allocateCallState(arena);
    private final OwnedFd fd;

    private TapDevice(int fd, String name, String netns) {
        this.fd = new OwnedFd(fd);
        this.name = name;
        this.netns = netns;
    }

    /**
     * Creates TAP {@code name} in namespace {@code netns} (null: the current one), or attaches to the existing
     * persistent TAP of that name there.
     *
     * @throws NativeException naming the device when the name belongs to a device that is not a TAP, or is busy;
     *                         naming the namespace when it does not exist
     */
    public static TapDevice open(String name, String netns) throws IOException {
        Netdev.validateName(name);
        return Netns.call(netns, () -> {
            int fd = LibC.open(TUN_PATH, LibC.O_RDWR | LibC.O_CLOEXEC);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment req = Netdev.ifreq(arena, name);
                req.set(JAVA_SHORT, Netdev.IFR_DATA_OFFSET, (short) (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR));
                int rc = LibC.ioctlErrno(fd, TUNSETIFF, req.address());
                if (rc < 0) {
                    throw setIffFailure(name, netns, -rc);
                }
                String actualName = Netdev.ifreqName(req);
                // A persistent TAP keeps the header size an earlier owner set; pin it to the size we frame with.
                MemorySegment size = arena.allocateFrom(JAVA_INT, VNET_HDR_SIZE);
                LibC.ioctl(fd, TUNSETVNETHDRSZ, size.address(), "TUNSETVNETHDRSZ " + actualName);
                LibC.setNonBlocking(fd);
                LibC.ioctl(fd, TUNSETPERSIST, 1L, "TUNSETPERSIST " + actualName);
                return new TapDevice(fd, actualName, netns);
            } catch (IOException | RuntimeException e) {
                LibC.close(fd);
                throw e;
            }
        });
    }

    private static NativeException setIffFailure(String name, String netns, int errno) {
        String where = netns == null ? "" : " in netns " + netns;
        return switch (errno) {
            case Errno.EINVAL -> NativeException.withMessage("TUNSETIFF " + name + ": device " + name + where
                + " exists and is not a TAP (or has other queue flags) (errno " + errno + ")", errno);
            case Errno.EBUSY -> NativeException.withMessage("TUNSETIFF " + name + ": TAP " + name + where
                + " is already attached to another file descriptor (errno " + errno + ")", errno);
            default -> NativeException.of("TUNSETIFF " + name + where, errno);
        };
    }

    /**
     * Tells the kernel which offloads we handle (TUNSETOFFLOAD): the TAP netdev then advertises them and its stack
     * hands us partial checksums and GSO super-frames instead of doing the work itself. Returns -errno when the
     * kernel refuses the combination (older kernels lack USO), else 0.
     */
    public int setOffloads(int flags) {
        return LibC.ioctlErrno(fd.get(), TUNSETOFFLOAD, flags);
    }

    public int fd() {
        return fd.get();
    }

    /** The device name the kernel gave (equal to the name asked for). */
    public String name() {
        return name;
    }

    /** The namespace the device was opened in, null for the namespace of the process. */
    public String netns() {
        return netns;
    }

    /**
     * Reads one frame into {@code [address, address + capacity)}: virtio_net_hdr + frame.
     *
     * @return bytes read including the 10-byte header, 0 when no frame is waiting, -errno on error
     *         (-EBADFD once the netdev is gone)
     */
    public int read(long address, int capacity) {
        long n = LibC.read(readState, fd.get(), address, capacity);
        return n == -Errno.EAGAIN ? 0 : (int) n;
    }

    /**
     * Writes one frame, {@code length} bytes starting with the 10-byte virtio_net_hdr.
     *
     * @return bytes written, 0 when the device cannot take it now, -errno on error (e.g. -EIO while the device is
     *         down, -EINVAL for a malformed frame)
     */
    public int write(long address, int length) {
        long n = LibC.write(writeState, fd.get(), address, length);
        return n == -Errno.EAGAIN ? 0 : (int) n;
    }

    /** Closes the fd; the persistent netdev and its configuration stay. Idempotent. */
    @Override
    public void close() {
        fd.close();
    }

    /** Clears the persist flag and closes the fd, which removes the netdev. */
    public void destroy() throws NativeException {
        int f = fd.get();
        if (f < 0) {
            throw NativeException.withMessage("destroy " + name + ": already closed", Errno.EBADF);
        }
        int rc = LibC.ioctlErrno(f, TUNSETPERSIST, 0L);
        close();
        // EBADFD: the netdev is already gone (unregistered under us), which is what destroy wants anyway.
        if (rc < 0 && rc != -Errno.EBADFD) {
            throw NativeException.of("TUNSETPERSIST 0 " + name, -rc);
        }
    }

    @Override
    public String toString() {
        return "TapDevice[" + name + (netns == null ? "" : " netns " + netns) + " fd " + fd + "]";
    }
}
