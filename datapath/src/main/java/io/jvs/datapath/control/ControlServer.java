package io.jvs.datapath.control;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import io.jvs.datapath.Log;

/**
 * The daemon's control socket, RUNDIR/jvs.sock (mode 0600: root only). Protocol, one exchange per connection, all
 * UTF-8: the client sends the command's arguments separated by NUL bytes (which no argv element can contain) and
 * shuts its output; the daemon answers {@code OK\n} followed by the output, or {@code ERROR\n} followed by one line.
 * Deliberately not JSON: the CLI is a short-lived JVM, and loading a JSON library costs it more than the whole
 * exchange. Commands run on the control executor, one at a time.
 *
 * <p>Nothing a client sends can stop the daemon or starve other clients: a request over {@link #MAX_REQUEST_BYTES}
 * or not valid UTF-8 gets an error reply; a client that does not finish its request within
 * {@link #REQUEST_DEADLINE_MS}, or does not read its reply within {@link #REPLY_DEADLINE_MS}, is disconnected; at
 * most {@link #MAX_CLIENTS} connections are served at once, the next {@link #MAX_REFUSALS} get an error reply, and
 * any beyond those are closed unanswered.
 */
public final class ControlServer implements AutoCloseable {
    public static final String SOCKET_NAME = "jvs.sock";
    static final int MAX_REQUEST_BYTES = 64 << 10;
    /** An oversized request is read and discarded up to this much, so that its sender can read the refusal. */
    static final long MAX_DISCARD_BYTES = 16L << 20;
    static final long REQUEST_DEADLINE_MS = 10_000;
    static final long REPLY_DEADLINE_MS = 10_000;
    static final int MAX_CLIENTS = 32;
    /** Clients over {@link #MAX_CLIENTS} that are told so; beyond these too, connections are closed unanswered. */
    static final int MAX_REFUSALS = 32;
    static final long REFUSAL_DEADLINE_MS = 1_000;

    private final Path socketPath;
    private final ServerSocketChannel server;
    private final ExecutorService control;
    private final CommandHandler commands;
    private final Thread acceptor;
    private final Semaphore clients = new Semaphore(MAX_CLIENTS);
    private final Semaphore refusals = new Semaphore(MAX_REFUSALS);
    private final Log.RateLimit clientLog = new Log.RateLimit(20);
    // Closes the channels of clients past their deadline: closing unblocks the virtual thread stuck reading them.
    private final ScheduledExecutorService deadlines = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("jvs-control-deadline").daemon(true).unstarted(r));
    private volatile boolean closing;

    public ControlServer(Path rundir, ExecutorService control, Controller controller) throws IOException {
        this(rundir, control, controller::execute);
    }

    public ControlServer(Path rundir, ExecutorService control, CommandHandler commands) throws IOException {
        this.socketPath = rundir.resolve(SOCKET_NAME);
        this.control = control;
        this.commands = commands;
        if (!Files.isDirectory(rundir)) {
            Files.createDirectories(rundir, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
        }
        if (Files.exists(socketPath)) {
            if (isAlive(socketPath)) {
                throw new IOException("another jvs daemon is running on " + socketPath);
            }
            Files.delete(socketPath); // left behind by a daemon that died
        }
        server = bindPrivately(rundir, socketPath);
        acceptor = Thread.ofPlatform().name("jvs-control-accept").daemon(true).unstarted(this::acceptLoop);
    }

    /**
     * Binds the socket where nobody else can reach it yet, a fresh 0700 directory, makes it 0600, and only then
     * renames it into place: bound directly at its final path it would stand open under the process umask until the
     * chmod, and a client connected in that window would keep its connection.
     */
    private static ServerSocketChannel bindPrivately(Path rundir, Path socketPath) throws IOException {
        Path privateDir = Files.createTempDirectory(rundir, ".jvs-", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        Path staged = privateDir.resolve("s");
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.bind(UnixDomainSocketAddress.of(staged));
            Files.setPosixFilePermissions(staged, PosixFilePermissions.fromString("rw-------"));
            Files.move(staged, socketPath, StandardCopyOption.ATOMIC_MOVE);
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            Files.deleteIfExists(staged);
            throw e;
        } finally {
            Files.deleteIfExists(privateDir);
        }
    }

    public void start() {
        acceptor.start();
    }

    public Path socketPath() {
        return socketPath;
    }

    private static boolean isAlive(Path socket) {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            return ch.isConnected();
        } catch (IOException e) {
            return false;
        }
    }

    private void acceptLoop() {
        while (!closing) {
            try {
                SocketChannel client = server.accept();
                if (clients.tryAcquire()) {
                    handle(client, clients, this::serve);
                } else if (refusals.tryAcquire()) {
                    handle(client, refusals, this::refuse);
                } else {
                    client.close(); // flooded: even the refusals are busy
                }
            } catch (ClosedChannelException e) {
                return;
            } catch (Throwable t) {
                if (!closing) {
                    Log.error("control", "accepting a client failed", t);
                    pause(); // e.g. out of fds: do not spin on an error that repeats at once
                }
            }
        }
    }

    /** A misbehaving client can connect as fast as it likes: what it costs the log is bounded. */
    private void warnRateLimited(String message) {
        long suppressed = clientLog.admit(System.nanoTime());
        if (suppressed >= 0) {
            Log.warn("control", message + (suppressed > 0 ? " (" + suppressed + " similar suppressed)" : ""));
        }
    }

    private interface ClientTask {
        void run(SocketChannel client) throws IOException;
    }

    /** One virtual thread per client: a client that never finishes its request blocks only itself. */
    private void handle(SocketChannel client, Semaphore slot, ClientTask task) throws IOException {
        Runnable body = () -> {
            try (client) {
                task.run(client);
            } catch (Throwable t) {
                if (!closing) {
                    warnRateLimited("client dropped: " + t);
                }
            } finally {
                slot.release();
            }
        };
        try {
            Thread.ofVirtual().name("jvs-control-client").start(body);
        } catch (Throwable t) { // no thread for it (out of memory): the slot and the fd must not leak
            slot.release();
            client.close();
            throw t;
        }
    }

    /**
     * A client over the limit still gets a reply, after its request was read (up to the size limit, within a short
     * deadline): closing a unix socket with unread data resets it, and the client would never see why.
     */
    private void refuse(SocketChannel client) throws IOException {
        ScheduledFuture<?> deadline = deadline(client, REFUSAL_DEADLINE_MS);
        try {
            ByteBuffer sink = ByteBuffer.allocate(4096);
            long read = 0;
            int n;
            while (read <= MAX_REQUEST_BYTES && (n = client.read(sink.clear())) >= 0) {
                read += n;
            }
            client.write(ByteBuffer.wrap((ERROR + "too many control connections (" + MAX_CLIENTS
                    + " being served), try again").getBytes(StandardCharsets.UTF_8)));
        } finally {
            deadline.cancel(false);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Closes {@code client} unless the returned task is cancelled within {@code ms}. */
    private ScheduledFuture<?> deadline(SocketChannel client, long ms) {
        return deadlines.schedule(() -> {
            try {
                client.close();
            } catch (IOException ignored) {
                // closed anyway
            }
        }, ms, TimeUnit.MILLISECONDS);
    }

    static final String OK = "OK\n", ERROR = "ERROR\n";

    private void serve(SocketChannel client) throws IOException {
        String reply;
        try {
            List<String> argv;
            ScheduledFuture<?> readDeadline = deadline(client, REQUEST_DEADLINE_MS);
            try {
                argv = readRequest(client);
            } catch (ClosedChannelException e) { // includes the deadline's asynchronous close
                warnRateLimited("client dropped: no complete request within " + REQUEST_DEADLINE_MS + " ms");
                return;
            } finally {
                readDeadline.cancel(false);
            }
            reply = OK + control.submit(() -> commands.execute(argv)).get(120, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof CommandException) {
                reply = ERROR + cause.getMessage();
            } else {
                Log.error("control", "command failed", cause);
                reply = ERROR + "internal error: " + cause;
            }
        } catch (CommandException e) {
            reply = ERROR + e.getMessage();
        } catch (Exception e) {
            reply = ERROR + "internal error: " + e;
        }
        ByteBuffer out = ByteBuffer.wrap(reply.getBytes(StandardCharsets.UTF_8));
        ScheduledFuture<?> writeDeadline = deadline(client, REPLY_DEADLINE_MS);
        try {
            while (out.hasRemaining()) {
                client.write(out);
            }
        } finally {
            writeDeadline.cancel(false);
        }
    }

    private List<String> readRequest(SocketChannel client) throws IOException, CommandException {
        ByteBuffer buf = ByteBuffer.allocate(MAX_REQUEST_BYTES + 1);
        while (buf.hasRemaining() && client.read(buf) >= 0) {
            // read until the client shuts its output or the limit is passed
        }
        if (!buf.hasRemaining()) {
            // Read (and discard) the rest first, up to a bound: closing with unread data would reset the
            // connection and the client would never see why it was refused.
            long discarded = 0;
            while (discarded < MAX_DISCARD_BYTES && client.read(buf.clear()) >= 0) {
                discarded += buf.position();
            }
            throw new CommandException("request larger than " + MAX_REQUEST_BYTES + " bytes refused");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(buf.flip()).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new CommandException("malformed request: not UTF-8");
        }
        return text.isEmpty() ? List.of() : List.of(text.split("\0", -1));
    }

    @Override
    public void close() {
        closing = true;
        deadlines.shutdownNow();
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            Files.deleteIfExists(socketPath);
        } catch (IOException ignored) {
            // a stale socket is detected and replaced by the next daemon
        }
    }
}
