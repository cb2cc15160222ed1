package io.jvs.datapath.linux;

import java.io.IOException;

/**
 * A failed system call on the control path (opening devices, ioctls, namespace switches). The per-packet calls never
 * throw this; they return {@code -errno}.
 */
public final class NativeException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    private NativeException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    /** Message "op: strerror (errno N)", e.g. "ioctl SIOCGIFMTU eth0: No such device (errno 19)". */
    public static NativeException of(String op, int errno) {
        return new NativeException(op + ": " + LibC.strerror(errno) + " (errno " + errno + ")", errno);
    }

    /** A message written by the caller, for failures whose plain strerror would mislead ("no such namespace"). */
    public static NativeException withMessage(String message, int errno) {
        return new NativeException(message, errno);
    }

    /** The positive errno of the failed call. */
    public int errno() {
        return errno;
    }
}
