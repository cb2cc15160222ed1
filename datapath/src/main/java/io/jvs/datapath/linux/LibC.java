package io.jvs.datapath.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;

import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Downcalls into glibc through java.lang.foreign, errno captured by the linker (the JVM may itself make system calls
 * between our call and a later read of errno, so reading errno afterwards would be unreliable).
 *
 * <p>Every handle takes a call-state segment (see {@link #allocateCallState}) as its first argument. Buffers are
 * passed as raw addresses typed {@code JAVA_LONG} (a pointer is a 64-bit integer in the x86-64 and AArch64 ABIs), so
 * the per-packet calls need no {@code MemorySegment} per call and allocate nothing: the caller keeps one call-state
 * segment per object (per thread that uses it) and the handles are static final, which lets the JIT inline them.
 *
 * <p>Two kinds of wrappers: the control-path ones ({@code open}, {@code ioctl}, ...) throw {@link NativeException};
 * the per-packet ones ({@link #read}, {@link #write}, {@link #send}, {@link #recvmmsg}) return {@code -errno}.
 *
 * <p>{@code Linker.Option.critical} is not used: it saves the thread-state transition (tens of ns) but a critical call
 * holds off safepoints for its duration, and it has not been measured here against the ~270 ns syscall floor.
 */
public final class LibC {
    public static final int O_RDONLY = 0;
    public static final int O_RDWR = 2;
    public static final int O_NONBLOCK = 0x800;
    public static final int O_CLOEXEC = 0x80000;
    public static final int F_GETFL = 3;
    public static final int F_SETFL = 4;
    public static final int AF_INET = 2;
    public static final int AF_PACKET = 17;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_NONBLOCK = 0x800;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int SOL_SOCKET = 1;
    public static final int SO_RCVBUF = 8;
    public static final int SO_ERROR = 4;
    public static final int SO_RCVBUFFORCE = 33;
    public static final int SO_SNDBUF = 7;
    public static final int SO_SNDBUFFORCE = 32;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int MSG_TRUNC = 0x20;
    public static final int CLONE_NEWNET = 0x40000000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LOOKUP = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE_LAYOUT = Linker.Option.captureStateLayout();
    private static final long ERRNO_OFFSET =
        CALL_STATE_LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final Linker.Option VARIADIC_FROM_2 = Linker.Option.firstVariadicArg(2);

    // int open(const char *path, int flags, ... /* mode_t mode */)
    private static final MethodHandle OPEN =
        downcall("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), ERRNO, VARIADIC_FROM_2);
    // int close(int fd)
    private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), ERRNO);
    // ssize_t read(int fd, void *buf, size_t count)
    private static final MethodHandle READ =
        downcall("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG), ERRNO);
    // ssize_t write(int fd, const void *buf, size_t count)
    private static final MethodHandle WRITE =
        downcall("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG), ERRNO);
    // int ioctl(int fd, unsigned long request, ...): the third argument either points to a struct or is a value.
    private static final MethodHandle IOCTL =
        downcall("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), ERRNO, VARIADIC_FROM_2);
    // int fcntl(int fd, int cmd, ...)
    private static final MethodHandle FCNTL =
        downcall("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), ERRNO, VARIADIC_FROM_2);
    // int socket(int domain, int type, int protocol)
    private static final MethodHandle SOCKET =
        downcall("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), ERRNO);
    // int bind(int fd, const struct sockaddr *addr, socklen_t len)
    private static final MethodHandle BIND =
        downcall("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT), ERRNO);
    // int setsockopt(int fd, int level, int name, const void *value, socklen_t len)
    private static final MethodHandle SETSOCKOPT = downcall("setsockopt",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT), ERRNO);
    // int getsockopt(int fd, int level, int name, void *value, socklen_t *len)
    private static final MethodHandle GETSOCKOPT = downcall("getsockopt",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), ERRNO);
    // int recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags, struct timespec *timeout)
    private static final MethodHandle RECVMMSG = downcall("recvmmsg",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG), ERRNO);
    // void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
    private static final MethodHandle MMAP = downcall("mmap",
        FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), ERRNO);
    // int munmap(void *addr, size_t len)
    private static final MethodHandle MUNMAP =
        downcall("munmap", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG), ERRNO);
    // int sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags)
    private static final MethodHandle SENDMMSG = downcall("sendmmsg",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT), ERRNO);
    // ssize_t send(int fd, const void *buf, size_t len, int flags)
    private static final MethodHandle SEND =
        downcall("send", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT), ERRNO);
    // ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *addr, socklen_t alen)
    private static final MethodHandle SENDTO = downcall("sendto",
        FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT), ERRNO);
    // int setns(int fd, int nstype)
    private static final MethodHandle SETNS =
        downcall("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), ERRNO);
    // unsigned int if_nametoindex(const char *name)
    private static final MethodHandle IF_NAMETOINDEX =
        downcall("if_nametoindex", FunctionDescriptor.of(JAVA_INT, ADDRESS), ERRNO);
    // char *strerror(int errnum): glibc returns a static string for every known errno.
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
        LOOKUP.find("strerror").orElseThrow(), FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private LibC() {
    }

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol = LOOKUP.find(name)
            .orElseThrow(() -> new UnsatisfiedLinkError("libc symbol not found: " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    /** A segment to receive errno; allocate one per object and thread that makes per-packet calls. */
    public static MemorySegment allocateCallState(Arena arena) {
        return arena.allocate(CALL_STATE_LAYOUT);
    }

    /** The errno the last call made with {@code callState} left behind. */
    public static int errno(MemorySegment callState) {
        return callState.get(JAVA_INT, ERRNO_OFFSET);
    }

    /** The C library's text for {@code errno}, e.g. "No such device". */
    public static String strerror(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.reinterpret(256).getString(0, StandardCharsets.UTF_8);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Per-packet calls: no allocation, no exception, -errno on failure.

    /** read(2): bytes read, or -errno. */
    public static long read(MemorySegment callState, int fd, long address, long length) {
        try {
            long n = (long) READ.invokeExact(callState, fd, address, length);
            return n >= 0 ? n : -errno(callState);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** write(2): bytes written, or -errno. */
    public static long write(MemorySegment callState, int fd, long address, long length) {
        try {
            long n = (long) WRITE.invokeExact(callState, fd, address, length);
            return n >= 0 ? n : -errno(callState);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** send(2): bytes sent, or -errno. */
    public static long send(MemorySegment callState, int fd, long address, long length, int flags) {
        try {
            long n = (long) SEND.invokeExact(callState, fd, address, length, flags);
            return n >= 0 ? n : -errno(callState);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** sendto(2): bytes sent, or -errno. */
    public static long sendto(MemorySegment callState, int fd, long address, long length, int flags,
                              long sockaddr, int sockaddrLength) {
        try {
            long n = (long) SENDTO.invokeExact(callState, fd, address, length, flags, sockaddr, sockaddrLength);
            return n >= 0 ? n : -errno(callState);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** sendmmsg(2): messages sent (possibly fewer than {@code count}), or -errno when the first one failed. */
    public static int sendmmsg(MemorySegment callState, int fd, long mmsghdrs, int count, int flags) {
        try {
            int n = (int) SENDMMSG.invokeExact(callState, fd, mmsghdrs, count, flags);
            return n >= 0 ? n : -errno(callState);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** recvmmsg(2) without timeout: messages received, or -errno. */
    public static int recvmmsg(MemorySegment callState, int fd, long mmsghdrs, int count, int flags) {
        try {
            int n = (int) RECVMMSG.invokeExact(callState, fd, mmsghdrs, count, flags, 0L);
            return n >= 0 ? n : -errno(callState);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Control-path calls: they allocate a little and throw NativeException.

    /** open(2) of {@code path}; the file descriptor. */
    public static int open(String path, int flags) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = allocateCallState(arena);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path), flags, 0);
            if (fd < 0) {
                throw NativeException.of("open " + path, errno(state));
            }
            return fd;
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** close(2); returns 0 or -errno (a failed close has nothing left to undo, so it does not throw). */
    public static int close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = allocateCallState(arena);
            int rc = (int) CLOSE.invokeExact(state, fd);
            return rc == 0 ? 0 : -errno(state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** ioctl(2) whose argument is a pointer ({@code argument} is its address) or a plain value; returns its result. */
    public static int ioctl(int fd, long request, long argument, String what) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = allocateCallState(arena);
            int rc = (int) IOCTL.invokeExact(state, fd, request, argument);
            if (rc < 0) {
                throw NativeException.of("ioctl " + what, errno(state));
            }
            return rc;
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** ioctl(2) returning -errno instead of throwing, for callers that branch on the errno. */
    public static int ioctlErrno(int fd, long request, long argument) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = allocateCallState(arena);
            int rc = (int) IOCTL.invokeExact(state, fd, request, argument);
            return rc < 0 ? -errno(state) : rc;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** fcntl(2) with an integer argument. */
    public static int fcntl(int fd, int cmd, long argument) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = allocateCallState(arena);
            int rc = (int) FCNTL.invokeExact(state, fd, cmd, argument);
            if (rc < 0) {
                throw NativeException.of("fcntl " + cmd, errno(state));
            }
            return rc;
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Sets O_NONBLOCK on {@code fd}, keeping its other status flags. */
    public static void setNonBlocking(int fd) throws NativeException {
        int flags = fcntl(fd, F_GETFL, 0);
        fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    }

    /** socket(2); the file descriptor. */
    public static int socket(int domain, int type, int protocol) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = allocateCallState(arena);
            int fd = (int) SOCKET.invokeExact(state, domain, type, protocol);
            if (fd < 0) {
                throw NativeException.of("socket(" + domain + ", " + type + ", " + protocol + ")", errno(state));
            }
            return fd;
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** bind(2) to the {@code length}-byte sockaddr at {@code sockaddr}. */
    public static void bind(int fd, MemorySegment sockaddr, int length, String what) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = allocateCallState(arena);
            int rc = (int) BIND.invokeExact(state, fd, sockaddr.address(), length);
            if (rc < 0) {
                throw NativeException.of("bind " + what, errno(state));
            }
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** setsockopt(2) with an int value; returns 0 or -errno, so callers can fall back (SO_RCVBUFFORCE). */
    public static int setsockoptInt(int fd, int level, int name, int value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = allocateCallState(arena);
            MemorySegment v = arena.allocateFrom(JAVA_INT, value);
            int rc = (int) SETSOCKOPT.invokeExact(state, fd, level, name, v.address(), 4);
            return rc < 0 ? -errno(state) : 0;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** setsockopt(2) with an int value, throwing on failure. */
    public static void setsockoptInt(int fd, int level, int name, int value, String what) throws NativeException {
        int rc = setsockoptInt(fd, level, name, value);
        if (rc < 0) {
            throw NativeException.of("setsockopt " + what, -rc);
        }
    }

    /**
     * getsockopt(2) into preallocated memory (no allocation: usable on a reactor thread): the int value at
     * {@code value}, or -errno. {@code length} must hold 4 (reset by the caller: the kernel writes it back).
     */
    public static int getsockoptInt(MemorySegment callState, int fd, int level, int name, long value, long length) {
        try {
            int rc = (int) GETSOCKOPT.invokeExact(callState, fd, level, name, value, length);
            return rc < 0 ? -errno(callState) : 0;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** getsockopt(2) of an int value. */
    public static int getsockoptInt(int fd, int level, int name, String what) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = allocateCallState(arena);
            MemorySegment v = arena.allocate(JAVA_INT);
            MemorySegment len = arena.allocateFrom(JAVA_INT, 4);
            int rc = getsockoptInt(state, fd, level, name, v.address(), len.address());
            if (rc < 0) {
                throw NativeException.of("getsockopt " + what, -rc);
            }
            return v.get(JAVA_INT, 0);
        }
    }

    /** getsockopt(2) of an 8-byte value (e.g. struct tpacket_stats, two u32), returned as its raw bytes. */
    public static long getsockoptLong(int fd, int level, int name, String what) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = allocateCallState(arena);
            MemorySegment v = arena.allocate(JAVA_LONG);
            MemorySegment len = arena.allocateFrom(JAVA_INT, 8);
            int rc = (int) GETSOCKOPT.invokeExact(state, fd, level, name, v.address(), len.address());
            if (rc < 0) {
                throw NativeException.of("getsockopt " + what, errno(state));
            }
            return v.get(JAVA_LONG, 0);
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static final int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1;

    /** mmap(2) of {@code length} bytes of {@code fd} at offset 0; the address. */
    public static long mmap(int fd, long length, int prot, int flags, String what) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = allocateCallState(arena);
            long addr = (long) MMAP.invokeExact(state, 0L, length, prot, flags, fd, 0L);
            if (addr == -1L) {
                throw NativeException.of("mmap " + what, errno(state));
            }
            return addr;
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** munmap(2); returns 0 or -errno. */
    public static int munmap(long address, long length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = allocateCallState(arena);
            int rc = (int) MUNMAP.invokeExact(state, address, length);
            return rc < 0 ? -errno(state) : rc;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** setsockopt(2) of a struct given as raw bytes. */
    public static void setsockoptBytes(int fd, int level, int name, MemorySegment value, String what)
            throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = allocateCallState(arena);
            int rc = (int) SETSOCKOPT.invokeExact(state, fd, level, name, value.address(), (int) value.byteSize());
            if (rc < 0) {
                throw NativeException.of("setsockopt " + what, errno(state));
            }
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** setns(2) of the calling thread into the namespace {@code fd} refers to. */
    public static void setns(int fd, int nstype, String what) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = allocateCallState(arena);
            int rc = (int) SETNS.invokeExact(state, fd, nstype);
            if (rc < 0) {
                throw NativeException.of("setns " + what, errno(state));
            }
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** if_nametoindex(3) in the calling thread's namespace; 0 when there is no such interface. */
    public static int ifNameToIndex(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = allocateCallState(arena);
            return (int) IF_NAMETOINDEX.invokeExact(state, arena.allocateFrom(name));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("unexpected exception from a downcall", t);
    }
}
