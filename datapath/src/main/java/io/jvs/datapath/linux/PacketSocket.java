package io.jvs.datapath.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * An AF_PACKET raw socket bound to one interface, receiving in bursts with one recvmmsg(2) per burst.
 *
 * <p>Every frame, in both directions, is prefixed by a 10-byte virtio_net_hdr (PACKET_VNET_HDR): the kernel uses it
 * to report GSO super-frames and partially checksummed frames (CHECKSUM_PARTIAL) that a local sender left to the
 * "hardware"; without it such frames would be forwarded with wrong checksums. The 802.1Q tag that the receive path
 * strips comes back through PACKET_AUXDATA. Our own transmissions are not looped back (PACKET_IGNORE_OUTGOING).
 *
 * <pre>
 * Preallocated once per socket, for maxBurst messages (x86-64 layouts):
 *
 * struct mmsghdr (64 bytes)                 struct iovec (16)       control buffer (CONTROL_SIZE bytes)
 *   0  void   *msg_name      = NULL           0 void *iov_base        0 u64 cmsg_len
 *   8  u32     msg_namelen   = 0              8 u64   iov_len         8 i32 cmsg_level  (SOL_PACKET)
 *  16  iovec  *msg_iov       = &amp;iov[i]                                  12 i32 cmsg_type   (PACKET_AUXDATA)
 *  24  u64     msg_iovlen    = 1                                       16 struct tpacket_auxdata (20 bytes)
 *  32  void   *msg_control   = &amp;ctl[i]                                     +0 u32 tp_status (0x10 VLAN_VALID)
 *  40  u64     msg_controllen (reset per call: the kernel shrinks it)        +16 u16 tp_vlan_tci
 *  48  i32     msg_flags     (MSG_TRUNC)
 *  56  u32     msg_len       (bytes received, virtio header included)
 * </pre>
 *
 * <p>Threading: receiveBurst and send each have their own errno segment, so one receiving and one sending thread may
 * share a socket.
 */
public final class PacketSocket implements AutoCloseable {
    /** Bytes of virtio_net_hdr in front of every frame. */
    public static final int VNET_HDR_SIZE = 10;
    public static final int DEFAULT_MAX_BURST = 32;
    /**
     * Receive buffer asked for (the 208 KiB default drops bursts, pitfall 4). With the receive ring it holds only the
     * GSO super-frames that did not fit a slot (TP_STATUS_COPY), each charged ~70 KB: when it is full the kernel cuts
     * the next one to the slot and we drop it (`truncated`), a lost 64 KB for a TCP sender. 16 MiB is ~240 of them,
     * ~18 ms of a 10 Gbit/s stream while the switch thread is descheduled (4 MiB lost a few per TCP run on the
     * shared 2-vCPU VM). Memory is only charged while frames wait.
     */
    public static final int RECEIVE_BUFFER_BYTES = 16 << 20;

    private static final int SOL_PACKET = 263;
    private static final int PACKET_AUXDATA = 8;
    private static final int PACKET_VNET_HDR = 15;
    private static final int PACKET_STATISTICS = 6;
    private static final int PACKET_IGNORE_OUTGOING = 23;
    private static final int ETH_P_ALL = 0x0003;
    private static final int TP_STATUS_VLAN_VALID = 0x10;

    private static final int SOCKADDR_LL_SIZE = 20;
    private static final int CMSG_HDR_SIZE = 16;
    private static final int AUXDATA_SIZE = 20;
    private static final int AUX_STATUS = 0;
    private static final int AUX_VLAN_TCI = 16;
    /** CMSG_SPACE(sizeof(tpacket_auxdata)) = 40, rounded up to leave room for one unexpected message. */
    private static final int CONTROL_SIZE = 64;

    private final String ifname;
    private final int ifindex;
    private final int maxBurst;
    // Auto arena: a close() racing with a receive on another thread must not free memory the kernel writes to.
    private final Arena arena = Arena.ofAuto();
    private final MemorySegment receiveState = LibC.allocateCallState(arena);
    private final MemorySegment sendState = LibC.allocateCallState(arena);
    private final MmsghdrArray messages;
    private final MemorySegment errorValue = arena.allocate(JAVA_INT);
    private final MemorySegment errorLength = arena.allocate(JAVA_INT);
    private final OwnedFd fd;
    private final RxRing ring; // null: frames are read with recvmmsg

    private PacketSocket(int fd, String ifname, int ifindex, int maxBurst, RxRing ring) {
        this.fd = new OwnedFd(fd);
        this.ring = ring;
        this.ifname = ifname;
        this.ifindex = ifindex;
        this.maxBurst = maxBurst;
        this.messages = new MmsghdrArray(arena, maxBurst, 0, CONTROL_SIZE);
    }

    /** Opens a socket on {@code ifname} in the current namespace, for bursts of up to {@link #DEFAULT_MAX_BURST}. */
    public static PacketSocket open(String ifname) throws IOException {
        return open(ifname, DEFAULT_MAX_BURST);
    }

    /** Opens a socket on {@code ifname} in the current namespace (use {@link Netns#call} for another one). */
    public static PacketSocket open(String ifname, int maxBurst) throws IOException {
        return open(ifname, maxBurst, 0);
    }

    /**
     * Opens a socket on {@code ifname} in the current namespace with, when {@code ringFrames} &gt; 0, a receive ring
     * of that many slots ({@link #rxRing}); frames then arrive in the ring, and only frames too big for a slot
     * through {@link #receiveBurst}.
     */
    public static PacketSocket open(String ifname, int maxBurst, int ringFrames) throws IOException {
        if (maxBurst < 1 || maxBurst > 1024) {
            throw new IllegalArgumentException("maxBurst=" + maxBurst + " outside 1..1024");
        }
        int ifindex = Netdev.ifindex(null, ifname);
        // Protocol 0 at socket() time: the socket receives nothing until bind() names the protocol and the device,
        // so no frame from another interface slips into the queue in between.
        int fd = LibC.socket(LibC.AF_PACKET, LibC.SOCK_RAW | LibC.SOCK_NONBLOCK | LibC.SOCK_CLOEXEC, 0);
        RxRing ring = null;
        try {
            LibC.setsockoptInt(fd, SOL_PACKET, PACKET_VNET_HDR, 1, "PACKET_VNET_HDR " + ifname);
            LibC.setsockoptInt(fd, SOL_PACKET, PACKET_AUXDATA, 1, "PACKET_AUXDATA " + ifname);
            LibC.setsockoptInt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING " + ifname);
            SocketBuffers.setReceive(fd, RECEIVE_BUFFER_BYTES, ifname);
            ring = ringFrames > 0 ? RxRing.create(fd, ringFrames, ifname) : null;
            try (Arena scratch = Arena.ofConfined()) {
                MemorySegment sll = scratch.allocate(SOCKADDR_LL_SIZE, 8);
                sll.set(JAVA_SHORT, 0, (short) LibC.AF_PACKET);
                sll.set(JAVA_SHORT, 2, htons(ETH_P_ALL));
                sll.set(JAVA_INT, 4, ifindex);
                LibC.bind(fd, sll, SOCKADDR_LL_SIZE, ifname + " (ifindex " + ifindex + ")");
            }
            return new PacketSocket(fd, ifname, ifindex, maxBurst, ring);
        } catch (IOException | RuntimeException e) {
            LibC.close(fd);
            if (ring != null) {
                ring.unmap();
            }
            throw e;
        }
    }

    private static short htons(int value) {
        return Short.reverseBytes((short) value);
    }

    /**
     * Receives up to {@code count} frames with one non-blocking recvmmsg(2). Frame i is written to
     * {@code slotAddresses[i]} as virtio_net_hdr + frame, at most {@code slotCapacity} bytes.
     *
     * @param lengths filled with the bytes received including the virtio header, or -1 when the frame was longer than
     *                the slot and got truncated
     * @param vlanTci filled with the TCI of the 802.1Q tag the kernel stripped, or -1 when the frame had none
     * @return frames received, 0 when none is waiting, or -errno (-ENETDOWN once after the device went down or
     *         away: the error is reported once, then the socket just stays empty)
     */
    public int receiveBurst(long[] slotAddresses, int slotCapacity, int count, int[] lengths, int[] vlanTci) {
        if (count < 1 || count > maxBurst || count > slotAddresses.length || count > lengths.length
            || count > vlanTci.length) {
            throw new IllegalArgumentException("count=" + count + " outside 1..min(maxBurst " + maxBurst
                + ", array lengths)");
        }
        if (slotCapacity <= VNET_HDR_SIZE) {
            throw new IllegalArgumentException("slotCapacity=" + slotCapacity + " <= " + VNET_HDR_SIZE);
        }
        final MmsghdrArray messages = this.messages;
        for (int i = 0; i < count; i++) {
            messages.setIovec(i, slotAddresses[i], slotCapacity);
        }
        int n = messages.receive(receiveState, fd.get(), count);
        final MemorySegment controls = messages.controls;
        for (int i = 0; i < n; i++) {
            lengths[i] = messages.receivedLength(i);
            vlanTci[i] = vlanTci(controls, (long) i * CONTROL_SIZE, messages.controlLength(i));
        }
        return n;
    }

    /** Walks the control messages of one frame for PACKET_AUXDATA; the TCI when it says VLAN_VALID, else -1. */
    private static int vlanTci(MemorySegment controls, long base, long controlLength) {
        long end = Math.min(controlLength, CONTROL_SIZE);
        long offset = 0;
        while (offset + CMSG_HDR_SIZE <= end) {
            long cmsgLength = controls.get(JAVA_LONG, base + offset);
            if (cmsgLength < CMSG_HDR_SIZE || offset + cmsgLength > end) {
                return -1;
            }
            int level = controls.get(JAVA_INT, base + offset + 8);
            int type = controls.get(JAVA_INT, base + offset + 12);
            if (level == SOL_PACKET && type == PACKET_AUXDATA && cmsgLength >= CMSG_HDR_SIZE + AUXDATA_SIZE) {
                long aux = base + offset + CMSG_HDR_SIZE;
                int status = controls.get(JAVA_INT, aux + AUX_STATUS);
                return (status & TP_STATUS_VLAN_VALID) != 0
                    ? controls.get(JAVA_SHORT, aux + AUX_VLAN_TCI) & 0xFFFF
                    : -1;
            }
            offset += (cmsgLength + 7) & ~7L;
        }
        return -1;
    }

    /**
     * Sends one frame: {@code length} bytes at {@code address}, starting with the 10-byte virtio_net_hdr.
     *
     * @return bytes sent, 0 when the socket or device queue is full (EAGAIN, ENOBUFS), -errno otherwise
     *         (-ENETDOWN while the device is down, -ENXIO once it was deleted, -EMSGSIZE above the MTU)
     */
    public int send(long address, int length) {
        long n = LibC.send(sendState, fd.get(), address, length, LibC.MSG_DONTWAIT);
        return n == -Errno.EAGAIN || n == -Errno.ENOBUFS ? 0 : (int) n;
    }

    /**
     * A transmit batch for one thread: frames queued with {@link #add} go out in one sendmmsg(2) at {@link #send}.
     * Each thread that transmits on the socket uses its own batch (the mmsghdr array and errno segment are not
     * shared). The queued memory must stay unchanged until {@link #send}.
     */
    public final class TxBatch {
        private final MemorySegment state = LibC.allocateCallState(arena);
        private final MmsghdrArray msgs;
        private final int capacity;
        private int count;

        private TxBatch(int capacity) {
            this.capacity = capacity;
            msgs = new MmsghdrArray(arena, capacity, 0, 0);
        }

        /** Queues {@code length} bytes at {@code address} (virtio header first); false when the batch is full. */
        public boolean add(long address, int length) {
            if (count == capacity) {
                return false;
            }
            msgs.setIovec(count, address, length);
            count++;
            return true;
        }

        public int size() {
            return count;
        }

        /** The socket this batch sends on (a reopened port gets a new socket and new batches). */
        public PacketSocket socket() {
            return PacketSocket.this;
        }

        public int capacity() {
            return capacity;
        }

        /** The length queued at position i. */
        public int length(int i) {
            return (int) msgs.iovecLength(i);
        }

        /**
         * Sends everything queued and empties the batch. Returns how many frames went out (the first ones, in
         * order), or -errno when the first could not go (the device is gone or down); EAGAIN/ENOBUFS count as 0 sent.
         */
        public int send() {
            int n = count;
            count = 0;
            if (n == 0) {
                return 0;
            }
            return msgs.send(state, fd.get(), 0, n);
        }
    }

    /** A new transmit batch of up to {@code capacity} frames, for one thread. */
    public TxBatch newTxBatch(int capacity) {
        return new TxBatch(capacity);
    }

    public int fd() {
        return fd.get();
    }

    public int ifindex() {
        return ifindex;
    }

    public String ifname() {
        return ifname;
    }

    public int maxBurst() {
        return maxBurst;
    }

    /** The receive buffer the kernel granted (SO_RCVBUF reads back twice the bytes asked for: bookkeeping room). */
    public int receiveBufferBytes() throws NativeException {
        return LibC.getsockoptInt(fd.get(), LibC.SOL_SOCKET, LibC.SO_RCVBUF, "SO_RCVBUF " + ifname);
    }

    /**
     * Frames the kernel dropped because this socket's receive buffer was full, since the last call (reading
     * PACKET_STATISTICS resets the kernel's counters). Control thread only.
     */
    /**
     * Takes the socket's pending error (SO_ERROR, e.g. ENETDOWN when the device went away): 0 when there is none,
     * else the errno, or -errno if getsockopt itself failed. Reads no frame. Receiving thread only (it uses the
     * receive side's preallocated memory).
     */
    public int takeError() {
        errorLength.set(JAVA_INT, 0, 4);
        int rc = LibC.getsockoptInt(receiveState, fd.get(), LibC.SOL_SOCKET, LibC.SO_ERROR, errorValue.address(),
                errorLength.address());
        return rc < 0 ? rc : errorValue.get(JAVA_INT, 0);
    }

    public long takeKernelDrops() throws NativeException {
        long stats = LibC.getsockoptLong(fd.get(), SOL_PACKET, PACKET_STATISTICS, "PACKET_STATISTICS " + ifname);
        return stats >>> 32; // struct tpacket_stats { u32 tp_packets; u32 tp_drops; } on a little-endian host
    }

    /** Closes the socket. Idempotent. */
    @Override
    public void close() {
        if (fd.close() && ring != null) {
            ring.unmap();
        }
    }

    /** The receive ring, or null when the socket was opened without one. */
    public RxRing rxRing() {
        return ring;
    }

    @Override
    public String toString() {
        return "PacketSocket[" + ifname + " ifindex " + ifindex + " fd " + fd + "]";
    }
}
