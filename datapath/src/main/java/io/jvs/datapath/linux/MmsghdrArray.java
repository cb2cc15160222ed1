package io.jvs.datapath.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A preallocated array of {@code struct mmsghdr} ({@link Mmsghdr}) for moving a burst with one recvmmsg(2) or
 * sendmmsg(2): each message has its own iovec (one buffer) and, where the socket wants them, its own address
 * ({@code msg_name}) and control buffer. Linked once when allocated; a burst then writes only the iovecs and the
 * fields the kernel rewrites, so it allocates nothing. One thread at a time.
 */
final class MmsghdrArray {
    /** Message i's address (msg_name) at {@code i * nameSize}; null when the socket wants none. */
    final MemorySegment names;
    /** Message i's control buffer at {@code i * controlSize}; null when the socket wants none. */
    final MemorySegment controls;
    private final MemorySegment headers;
    private final MemorySegment iovecs;
    private final int nameSize;
    private final int controlSize;

    /** {@code count} messages, with {@code nameSize} bytes of address and {@code controlSize} of control (0: none). */
    MmsghdrArray(Arena arena, int count, int nameSize, int controlSize) {
        this.nameSize = nameSize;
        this.controlSize = controlSize;
        headers = arena.allocate((long) Mmsghdr.SIZE * count, 8);
        iovecs = arena.allocate((long) Mmsghdr.IOVEC_SIZE * count, 8);
        names = nameSize > 0 ? arena.allocate((long) nameSize * count, 8) : null;
        controls = controlSize > 0 ? arena.allocate((long) controlSize * count, 8) : null;
        for (int i = 0; i < count; i++) {
            long h = (long) i * Mmsghdr.SIZE;
            headers.set(JAVA_LONG, h + Mmsghdr.IOV, iovecs.address() + (long) i * Mmsghdr.IOVEC_SIZE);
            headers.set(JAVA_LONG, h + Mmsghdr.IOVLEN, 1L);
            if (names != null) {
                headers.set(JAVA_LONG, h + Mmsghdr.NAME, names.address() + (long) i * nameSize);
                headers.set(JAVA_INT, h + Mmsghdr.NAMELEN, nameSize);
            }
            if (controls != null) {
                headers.set(JAVA_LONG, h + Mmsghdr.CONTROL, controls.address() + (long) i * controlSize);
            }
        }
    }

    /** Sets message i's buffer to {@code length} bytes at {@code address}. */
    void setIovec(int i, long address, long length) {
        long v = (long) i * Mmsghdr.IOVEC_SIZE;
        iovecs.set(JAVA_LONG, v, address);
        iovecs.set(JAVA_LONG, v + 8, length);
    }

    /** The length of message i's buffer. */
    long iovecLength(int i) {
        return iovecs.get(JAVA_LONG, (long) i * Mmsghdr.IOVEC_SIZE + 8);
    }

    /**
     * Receives into the first {@code count} messages with one non-blocking recvmmsg(2): how many arrived, 0 when
     * none is waiting, or -errno.
     */
    int receive(MemorySegment callState, int fd, int count) {
        for (int i = 0; i < count; i++) {
            // The kernel shrinks these to what it wrote: give each message its whole buffers back.
            long h = (long) i * Mmsghdr.SIZE;
            headers.set(JAVA_INT, h + Mmsghdr.NAMELEN, nameSize);
            headers.set(JAVA_LONG, h + Mmsghdr.CONTROLLEN, controlSize);
            headers.set(JAVA_INT, h + Mmsghdr.FLAGS, 0);
        }
        int n = LibC.recvmmsg(callState, fd, headers.address(), count, LibC.MSG_DONTWAIT);
        return n == -Errno.EAGAIN ? 0 : n;
    }

    /** The bytes message i received, or -1 when it was longer than its buffer and got cut (MSG_TRUNC). */
    int receivedLength(int i) {
        long h = (long) i * Mmsghdr.SIZE;
        return (headers.get(JAVA_INT, h + Mmsghdr.FLAGS) & LibC.MSG_TRUNC) != 0 ? -1
            : headers.get(JAVA_INT, h + Mmsghdr.LEN);
    }

    /** The control bytes message i received. */
    long controlLength(int i) {
        return headers.get(JAVA_LONG, (long) i * Mmsghdr.SIZE + Mmsghdr.CONTROLLEN);
    }

    /**
     * Sends messages {@code from} to {@code from + n - 1} with one non-blocking sendmmsg(2): how many went out (the
     * first ones, in order), 0 when the socket or device queue is full (EAGAIN, ENOBUFS), or -errno when message
     * {@code from} itself was refused.
     */
    int send(MemorySegment callState, int fd, int from, int n) {
        int sent = LibC.sendmmsg(callState, fd, headers.address() + (long) from * Mmsghdr.SIZE, n, LibC.MSG_DONTWAIT);
        return sent == -Errno.EAGAIN || sent == -Errno.ENOBUFS ? 0 : sent;
    }
}
