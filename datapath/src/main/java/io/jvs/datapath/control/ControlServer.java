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
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

import io.jvs.datapath.Log;

/**
 * The daemon's control socket, RUNDIR/jvs.sock (mode 0600: root only). Protocol, one exchange per connection, all
 * UTF-8: the client sends the command's arguments separated by NUL bytes (which no argv element can contain) and
 * shuts its output; the daemon answers {@code OK\n} followed by the output, or {@code ERROR\n} followed by one line.
 * Deliberately not JSON: the CLI is a short-lived JVM, and loading a JSON library costs it more than the whole
 * exchange. Requests over {@link #MAX_REQUEST_BYTES} or not valid UTF-8 get an error reply; nothing a client sends
 * can stop the daemon. Commands run on the control executor, one at a time.
 */
public final class ControlServer implements AutoCloseable {
    public static final String SOCKET_NAME = "jvs.sock";
    static final int MAX_REQUEST_BYTES = 64 << 10;

    private final Path socketPath;
    private final ServerSocketChannel server;
    private final ExecutorService control;
    private final Controller controller;
    private final Thread acceptor;
    private volatile boolean closing;

    public ControlServer(Path rundir, ExecutorService control, Controller controller) throws IOException {
        this.socketPath = rundir.resolve(SOCKET_NAME);
        this.control = control;
        this.controller = controller;
        Files.createDirectories(rundir);
        if (Files.exists(socketPath)) {
            if (isAlive(socketPath)) {
                throw new IOException("another jvs daemon is running on " + socketPath);
            }
            Files.delete(socketPath); // left behind by a daemon that died
        }
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socketPath));
        Files.setPosixFilePermissions(socketPath, PosixFilePermissions.fromString("rw-------"));
        acceptor = Thread.ofPlatform().name("jvs-control-accept").daemon(true).unstarted(this::acceptLoop);
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
                // One virtual thread per client: a client that never finishes its request blocks only itself.
                Thread.ofVirtual().name("jvs-control-client").start(() -> {
                    try (client) {
                        serve(client);
                    } catch (Throwable t) {
                        if (!closing) {
                            Log.warn("control", "client: " + t);
                        }
                    }
                });
            } catch (ClosedChannelException e) {
                return;
            } catch (Throwable t) {
                if (!closing) {
                    Log.error("control", "serving a client failed", t);
                }
            }
        }
    }

    static final String OK = "OK\n", ERROR = "ERROR\n";

    private void serve(SocketChannel client) throws IOException {
        String reply;
        try {
            List<String> argv = readRequest(client);
            reply = OK + control.submit(() -> controller.execute(argv)).get(120, TimeUnit.SECONDS);
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
        while (out.hasRemaining()) {
            client.write(out);
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
            while (discarded < (16L << 20) && client.read(buf.clear()) >= 0) {
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
