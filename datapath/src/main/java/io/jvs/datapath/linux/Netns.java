package io.jvs.datapath.linux;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * Runs code inside a named network namespace ({@code /run/netns/NAME}, as made by {@code ip netns add}).
 *
 * <p>setns(2) moves only the calling thread, and a JVM thread that was moved would keep the namespace for whatever
 * runs on it next, so the body runs on a fresh platform thread that dies afterwards. Sockets and file descriptors
 * opened there stay in that namespace and keep working from any thread.
 */
public final class Netns {
    private static final Path NETNS_DIR = Path.of("/run/netns");

    private Netns() {
    }

    /**
     * Runs {@code body} in namespace {@code netns} (null: on the caller thread, in its namespace) and returns its
     * result. IOExceptions and unchecked exceptions from the body are rethrown as they are; other checked exceptions
     * are wrapped in an IOException.
     *
     * @throws NativeException "netns NAME: no such namespace" when /run/netns/NAME does not exist
     */
    public static <T> T call(String netns, Callable<T> body) throws IOException {
        if (netns == null) {
            return invoke(body);
        }
        int nsFd = openNamespace(netns);
        try {
            Object[] result = new Object[1];
            Throwable[] failure = new Throwable[1];
            Thread thread = Thread.ofPlatform().name("netns-" + netns).start(() -> {
                try {
                    LibC.setns(nsFd, LibC.CLONE_NEWNET, netns);
                    result[0] = body.call();
                } catch (Throwable t) {
                    failure[0] = t;
                }
            });
            joinUninterruptibly(thread);
            if (failure[0] != null) {
                throw rethrow(failure[0]);
            }
            @SuppressWarnings("unchecked")
            T value = (T) result[0];
            return value;
        } finally {
            LibC.close(nsFd);
        }
    }

    /** Whether {@code /run/netns/NAME} exists. */
    public static boolean exists(String netns) {
        validate(netns);
        return Files.exists(NETNS_DIR.resolve(netns));
    }

    private static int openNamespace(String netns) throws NativeException {
        validate(netns);
        try {
            return LibC.open(NETNS_DIR.resolve(netns).toString(), LibC.O_RDONLY | LibC.O_CLOEXEC);
        } catch (NativeException e) {
            if (e.errno() == Errno.ENOENT) {
                throw NativeException.withMessage("netns " + netns + ": no such namespace", e.errno());
            }
            throw NativeException.withMessage("netns " + netns + ": " + e.getMessage(), e.errno());
        }
    }

    private static void validate(String netns) {
        if (netns.isEmpty() || netns.contains("/") || netns.equals(".") || netns.equals("..")) {
            throw new IllegalArgumentException("invalid namespace name: \"" + netns + "\"");
        }
    }

    private static <T> T invoke(Callable<T> body) throws IOException {
        try {
            return body.call();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // The body's thread always finishes (it runs no loop of ours), so an interrupt only has to be remembered.
    private static void joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static IOException rethrow(Throwable t) {
        if (t instanceof IOException io) {
            return io;
        }
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        if (t instanceof InterruptedException) {
            Thread.currentThread().interrupt();
            return new InterruptedIOException(t.getMessage());
        }
        return new IOException(t);
    }
}
