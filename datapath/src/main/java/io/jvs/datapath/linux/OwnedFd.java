package io.jvs.datapath.linux;

/**
 * A file descriptor owned by one object (a socket, a TAP): read without a lock by the threads that use it, closed
 * exactly once however many threads call {@link #close} (the fd number is then -1, so a late user gets EBADF rather
 * than writing to whatever the kernel gave that number to next).
 */
final class OwnedFd {
    private volatile int fd;

    OwnedFd(int fd) {
        this.fd = fd;
    }

    /** The fd, or -1 once closed. */
    int get() {
        return fd;
    }

    /** Closes the fd if this call is the first; returns whether it was. */
    boolean close() {
        int f;
        synchronized (this) {
            f = fd;
            fd = -1;
        }
        if (f < 0) {
            return false;
        }
        LibC.close(f);
        return true;
    }

    @Override
    public String toString() {
        return Integer.toString(fd);
    }
}
