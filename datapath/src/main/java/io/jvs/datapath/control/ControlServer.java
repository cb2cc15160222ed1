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

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.jvs.datapath.Log;

/**
 * The daemon's control socket, RUNDIR/jvs.sock (mode 0600: root only). Protocol, one exchange per connection: the
 * client sends one JSON object {@code {"argv": [...]}} and shuts its output; the daemon answers with
 * {@code {"ok": true, "output": "..."}} or {@code {"ok": false, "error": "one line"}}. Requests over
 * {@link #MAX_REQUEST_BYTES} or not in that shape get an error reply; nothing a client sends can stop the daemon.
 * Commands run on the control executor, one at a time.
 */
public final class ControlServer implements AutoCloseable {
    public static final String SOCKET_NAME = "jvs.sock";
    static final int MAX_REQUEST_BYTES = 64 << 10;

    private final Path socketPath;
    private final ServerSocketChannel server;
    private final ExecutorService control;
    private final Controller controller;
    private final ObjectMapper json = ConfigDb.json();
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

    private void serve(SocketChannel client) throws IOException {
        ObjectNode reply = json.createObjectNode();
        try {
            List<String> argv = readRequest(client);
            String output = control.submit(() -> controller.execute(argv)).get(120, TimeUnit.SECONDS);
            reply.put("ok", true).put("output", output);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            reply.put("ok", false).put("error", cause instanceof CommandException ? cause.getMessage()
                    : "internal error: " + cause);
            if (!(cause instanceof CommandException)) {
                Log.error("control", "command failed", cause);
            }
        } catch (CommandException e) {
            reply.put("ok", false).put("error", e.getMessage());
        } catch (Exception e) {
            reply.put("ok", false).put("error", "internal error: " + e);
        }
        client.write(ByteBuffer.wrap(json.writeValueAsBytes(reply)));
    }

    private List<String> readRequest(SocketChannel client) throws IOException, CommandException {
        ByteBuffer buf = ByteBuffer.allocate(MAX_REQUEST_BYTES + 1);
        while (buf.hasRemaining() && client.read(buf) >= 0) {
            // read until the client shuts its output or the limit is passed
        }
        if (!buf.hasRemaining()) {
            throw new CommandException("request larger than " + MAX_REQUEST_BYTES + " bytes refused");
        }
        String text = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
        JsonNode node;
        try {
            node = json.readTree(text);
        } catch (IOException e) {
            throw new CommandException("malformed request: not JSON");
        }
        JsonNode argv = node == null ? null : node.get("argv");
        if (argv == null || !argv.isArray()) {
            throw new CommandException("malformed request: expected {\"argv\": [...]}");
        }
        List<String> list = new java.util.ArrayList<>();
        for (JsonNode a : argv) {
            if (!a.isTextual()) {
                throw new CommandException("malformed request: argv must hold strings");
            }
            list.add(a.asText());
        }
        return list;
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
