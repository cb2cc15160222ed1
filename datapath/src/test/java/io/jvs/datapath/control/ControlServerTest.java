package io.jvs.datapath.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.jvs.datapath.Datapath;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The control socket and the CLI against a daemon with no devices (no root needed). */
class ControlServerTest {
    @TempDir
    Path dir;
    Datapath datapath;
    ExecutorService control;
    ControlServer server;
    ConfigDb db;

    @BeforeEach
    void start() throws IOException {
        datapath = new Datapath(1);
        control = Executors.newSingleThreadExecutor();
        db = new ConfigDb(dir.resolve("conf.json"));
        server = new ControlServer(dir, control, new Controller(datapath, db, SwitchConfig.EMPTY));
        server.start();
    }

    @AfterEach
    void stop() {
        server.close();
        control.shutdownNow();
        datapath.close();
    }

    private record Run(int status, String out, String err) {
    }

    private Run cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> argv = new java.util.ArrayList<>(List.of("--rundir", dir.toString()));
        argv.addAll(List.of(args));
        int status = Cli.run(argv, new PrintStream(out, true), new PrintStream(err, true));
        return new Run(status, out.toString(), err.toString());
    }

    private String raw(byte[] request) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(server.socketPath()));
            ByteBuffer b = ByteBuffer.wrap(request);
            try {
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.shutdownOutput();
            } catch (IOException e) {
                // the daemon may stop reading an oversized request early; its reply is what matters
            }
            ByteArrayOutputStream reply = new ByteArrayOutputStream();
            ByteBuffer in = ByteBuffer.allocate(4096);
            while (ch.read(in) >= 0) {
                reply.write(in.array(), 0, in.position());
                in.clear();
            }
            return reply.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void socketShouldBeRootOnly() throws IOException {
        assertEquals(PosixFilePermissions.fromString("rw-------"),
                Files.getPosixFilePermissions(server.socketPath()));
    }

    @Test
    void shouldRunCommandsAndSaveTheDb() throws IOException {
        assertEquals(0, cli("add-br", "br0").status());
        assertEquals(0, cli("add-port", "br0", "p0", "type=patch", "options:peer=p1").status());
        assertEquals("br0\n", cli("list-br").out());
        assertEquals("p0\n", cli("list-ports", "br0").out());
        String show = cli("show").out();
        assertTrue(show.contains("Bridge br0") && show.contains("Port p0") && show.contains("type: patch"), show);
        assertEquals(db.load(), new ConfigDb(dir.resolve("conf.json")).load());
        assertEquals(1, db.load().bridges().get(0).ports().size());
    }

    @Test
    void badCommandsShouldGetOneLineAndChangeNothing() throws IOException {
        cli("add-br", "br0");
        String show = cli("show").out();
        byte[] dbBytes = Files.readAllBytes(dir.resolve("conf.json"));
        String[][] bad = {
            {"add-br", "br0"},
            {"del-br", "nope"},
            {"add-port", "nope", "p1", "type=internal"},
            {"add-port", "br0", "p1", "type=internal", "tag=0"},
            {"add-port", "br0", "p1", "type=internal", "tag=4095"},
            {"add-port", "br0", "p1", "type=internal", "trunks=10,5000"},
            {"add-port", "br0", "jvsnosuchdev0"},
            {"add-port", "br0", "p1", "type=patch"},
            {"add-port", "br0", "p1", "type=bogus"},
            {"add-port", "br0", "p1", "colour=blue"},
            {"add-port", "br0", "p1", "type=internal", "tag=5", "trunks=6"},
            {"add-port", "br0", "p1", "type=internal", "netns=jvs-no-such-ns"},
            {"add-port", "br0", "p1", "type=internal", "mac=01:00:5e:00:00:01"},
            {"del-port", "nope"},
            {"set", "port", "nope", "tag=5"},
            {"fdb/show", "nope"},
            {"dump-ports", "nope"},
            {"frobnicate"},
        };
        for (String[] args : bad) {
            Run r = cli(args);
            assertEquals(1, r.status(), String.join(" ", args));
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().startsWith("jvs: "), r.err());
        }
        assertEquals(show, cli("show").out());
        assertEquals(new String(dbBytes), new String(Files.readAllBytes(dir.resolve("conf.json"))));
    }

    @Test
    void shouldSayWhenNoDaemonRuns() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Cli.run(List.of("--rundir", dir.resolve("empty").toString(), "show"), System.out,
                new PrintStream(err, true));
        assertEquals(2, status);
        assertTrue(err.toString().startsWith("jvs: no daemon running"), err.toString());
    }

    @Test
    void shouldRefuseClientsBeyondTheLimitAndServeAgainWhenTheyLeave() throws IOException {
        List<SocketChannel> idle = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < ControlServer.MAX_CLIENTS; i++) {
                SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                ch.connect(UnixDomainSocketAddress.of(server.socketPath()));
                idle.add(ch); // connected, never sends: holds a slot until its deadline
            }
            String reply = "";
            for (int attempt = 0; attempt < 50 && !reply.startsWith("ERROR\ntoo many"); attempt++) {
                reply = raw("list-br".getBytes(StandardCharsets.UTF_8)); // the acceptor may still be catching up
            }
            assertTrue(reply.startsWith("ERROR\ntoo many control connections"), reply);
        } finally {
            for (SocketChannel ch : idle) {
                ch.close();
            }
        }
        Run r = cli("list-br");
        for (int attempt = 0; attempt < 50 && r.status() != 0; attempt++) {
            r = cli("list-br"); // the slots come back as the server notices the closed connections
        }
        assertEquals(0, r.status(), r.err());
    }

    @Test
    void shouldBindTheSocketWithoutLeavingItsPrivateDirectory() throws IOException {
        try (var files = Files.list(dir)) {
            assertEquals(List.of(ControlServer.SOCKET_NAME), files.map(p -> p.getFileName().toString())
                    .filter(n -> !n.equals("conf.json")).toList());
        }
    }

    @Test
    void shouldAnswerGarbageAndOversizedRequestsAndKeepServing() throws IOException {
        assertTrue(raw(new byte[] {(byte) 0xff, (byte) 0xfe, 0}).startsWith("ERROR\nmalformed request"));
        byte[] huge = new byte[ControlServer.MAX_REQUEST_BYTES + 100];
        java.util.Arrays.fill(huge, (byte) 'a');
        assertTrue(raw(huge).startsWith("ERROR\nrequest larger than"));
        assertTrue(raw(new byte[0]).startsWith("ERROR\nno command given"));
        assertEquals(0, cli("add-br", "br1").status());
    }
}
