package io.jvs.datapath.linux;

/**
 * Socket buffer sizes past the net.core.rmem_max / wmem_max cap when the process may (CAP_NET_ADMIN, through
 * SO_RCVBUFFORCE / SO_SNDBUFFORCE), else as large as the cap lets the plain option make them.
 */
final class SocketBuffers {
    private SocketBuffers() {
    }

    static void setReceive(int fd, int bytes, String what) throws NativeException {
        set(fd, LibC.SO_RCVBUFFORCE, LibC.SO_RCVBUF, bytes, "SO_RCVBUF", what);
    }

    static void setSend(int fd, int bytes, String what) throws NativeException {
        set(fd, LibC.SO_SNDBUFFORCE, LibC.SO_SNDBUF, bytes, "SO_SNDBUF", what);
    }

    private static void set(int fd, int force, int plain, int bytes, String plainName, String what)
            throws NativeException {
        if (LibC.setsockoptInt(fd, LibC.SOL_SOCKET, force, bytes) < 0) {
            // No CAP_NET_ADMIN: the kernel caps the plain option at the sysctl without failing.
            LibC.setsockoptInt(fd, LibC.SOL_SOCKET, plain, bytes, plainName + " " + what);
        }
    }
}
