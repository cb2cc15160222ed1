package io.jvs.datapath.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An IPv4 socket that carries tunnel packets between hosts: a raw socket of IP protocol 47 for GRE, or a UDP socket
 * on the VXLAN port. The kernel routes, resolves the next hop (holding packets in its neighbour queue meanwhile, so
 * the first packets of a flow are not lost) and fragments outer packets larger than the path allows
 * (IP_PMTUDISC_DONT); on receive it reassembles fragments before handing us the datagram.
 *
 * <p>A raw GRE socket receives the whole IPv4 packet, header included; a UDP socket receives the UDP payload. Both
 * report the sender's address. Bursts move through recvmmsg/sendmmsg with preallocated message headers:
 *
 * <pre>
 * struct mmsghdr (64 bytes)                struct sockaddr_in (16)
 *   0  void *msg_name   = &amp;addr[i]        0 u16 family (AF_INET)
 *   8  u32   msg_namelen = 16                2 u16 port (network order)
 *  16  iovec *msg_iov   = &amp;iov[i]          4 u32 address (network order)
 *  24  u64   msg_iovlen = 1
 *  48  i32   msg_flags, 56 u32 msg_len
 * </pre>
 */
public final class UnderlaySocket implements AutoCloseable {
    public static final int IPPROTO_GRE = 47;
    public static final int BUFFER_BYTES = 4 << 20;

    private static final int IPPROTO_IP = 0;
    private static final int IP_TTL = 2;
    private static final int IP_MTU_DISCOVER = 10;
    private static final int IP_PMTUDISC_DONT = 0;
    private static final int SO_REUSEADDR = 2;

    private static final int SOCKADDR_IN_SIZE = 16;

    private final String description;
    private final int maxBurst;
    private final Arena arena = Arena.ofAuto();
    private final MemorySegment receiveState = LibC.allocateCallState(arena);
    private final MmsghdrArray messages;
    private final OwnedFd fd;

    private UnderlaySocket(int fd, String description, int maxBurst) {
        this.fd = new OwnedFd(fd);
        this.description = description;
        this.maxBurst = maxBurst;
        messages = new MmsghdrArray(arena, maxBurst, SOCKADDR_IN_SIZE, 0);
    }

    /** A raw socket for IP protocol 47, bound to {@code localAddress} (0: any), in the current namespace. */
    public static UnderlaySocket openGre(int localAddress, int ttl, int maxBurst) throws IOException {
        return open(LibC.SOCK_RAW, IPPROTO_GRE, localAddress, 0, ttl, maxBurst,
                "gre " + Inet4.format(localAddress));
    }

    /** A UDP socket bound to {@code localAddress}:{@code port} (address 0: any), in the current namespace. */
    public static UnderlaySocket openUdp(int localAddress, int port, int ttl, int maxBurst) throws IOException {
        return open(LibC.SOCK_DGRAM, 0, localAddress, port, ttl, maxBurst,
                "udp " + Inet4.format(localAddress) + ":" + port);
    }

    private static UnderlaySocket open(int type, int protocol, int local, int port, int ttl, int maxBurst,
            String what) throws IOException {
        int fd = LibC.socket(LibC.AF_INET, type | LibC.SOCK_NONBLOCK | LibC.SOCK_CLOEXEC, protocol);
        try {
            // No DF: an outer packet bigger than the path MTU is fragmented (here or by a router) instead of lost.
            LibC.setsockoptInt(fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT, "IP_MTU_DISCOVER " + what);
            LibC.setsockoptInt(fd, IPPROTO_IP, IP_TTL, ttl, "IP_TTL " + what);
            SocketBuffers.setReceive(fd, BUFFER_BYTES, what);
            SocketBuffers.setSend(fd, BUFFER_BYTES, what);
            LibC.setsockoptInt(fd, LibC.SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR " + what);
            try (Arena scratch = Arena.ofConfined()) {
                MemorySegment sin = scratch.allocate(SOCKADDR_IN_SIZE, 8);
                writeSockaddr(sin, 0, local, port);
                LibC.bind(fd, sin, SOCKADDR_IN_SIZE, what);
            }
            return new UnderlaySocket(fd, what, maxBurst);
        } catch (IOException | RuntimeException e) {
            LibC.close(fd);
            throw e;
        }
    }

    private static void writeSockaddr(MemorySegment seg, long off, int address, int port) {
        seg.set(JAVA_SHORT, off, (short) LibC.AF_INET);
        seg.set(JAVA_SHORT, off + 2, Short.reverseBytes((short) port));
        seg.set(JAVA_INT, off + 4, Integer.reverseBytes(address));
        seg.set(JAVA_LONG, off + 8, 0L);
    }

    /**
     * Receives up to {@code count} datagrams with one non-blocking recvmmsg(2), datagram i at
     * {@code slotAddresses[i] + skip}, at most {@code capacity} bytes.
     *
     * @param lengths filled with each datagram's length, or -1 when it was longer than {@code capacity}
     * @param sources filled with each sender's IPv4 address (first octet most significant)
     * @return datagrams received, 0 when none is waiting, or -errno
     */
    public int receiveBurst(long[] slotAddresses, int skip, int capacity, int count, int[] lengths, int[] sources) {
        if (count < 1 || count > maxBurst) {
            throw new IllegalArgumentException("count=" + count + " outside 1.." + maxBurst);
        }
        final MmsghdrArray messages = this.messages;
        for (int i = 0; i < count; i++) {
            messages.setIovec(i, slotAddresses[i] + skip, capacity);
        }
        int n = messages.receive(receiveState, fd.get(), count);
        final MemorySegment names = messages.names;
        for (int i = 0; i < n; i++) {
            lengths[i] = messages.receivedLength(i);
            sources[i] = Integer.reverseBytes(names.get(JAVA_INT, (long) i * SOCKADDR_IN_SIZE + 4));
        }
        return n;
    }

    /**
     * A transmit batch for one thread: datagrams added with {@link #add} leave in one sendmmsg(2) at {@link #send},
     * each to its own destination. The memory added must stay unchanged until then.
     */
    public final class TxBatch {
        private final MemorySegment state = LibC.allocateCallState(arena);
        private final MmsghdrArray msgs;
        private final int capacity;
        private int count;

        private TxBatch(int capacity) {
            this.capacity = capacity;
            msgs = new MmsghdrArray(arena, capacity, SOCKADDR_IN_SIZE, 0);
        }

        /** Queues {@code length} bytes at {@code address} for {@code address}:{@code port}; false when full. */
        public boolean add(long address, int length, int destination, int port) {
            if (count == capacity) {
                return false;
            }
            msgs.setIovec(count, address, length);
            writeSockaddr(msgs.names, (long) count * SOCKADDR_IN_SIZE, destination, port);
            count++;
            return true;
        }

        public int size() {
            return count;
        }

        public boolean isFull() {
            return count == capacity;
        }

        /**
         * Sends {@code n} queued datagrams starting at position {@code from} with one sendmmsg(2): how many went out
         * (the first ones, in order), 0 when the socket buffer is full (EAGAIN, ENOBUFS), or -errno when datagram
         * {@code from} itself was refused (e.g. EMSGSIZE, EHOSTUNREACH): the caller may skip it and go on.
         */
        public int send(int from, int n) {
            if (n <= 0) {
                return 0;
            }
            return msgs.send(state, fd.get(), from, n);
        }

        /** Forgets everything queued. */
        public void clear() {
            count = 0;
        }
    }

    /** A new transmit batch of up to {@code capacity} datagrams, for one thread. */
    public TxBatch newTxBatch(int capacity) {
        return new TxBatch(capacity);
    }

    public int fd() {
        return fd.get();
    }

    public int maxBurst() {
        return maxBurst;
    }

    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return "UnderlaySocket[" + description + " fd " + fd + "]";
    }
}
