package io.jvs.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a broken or hostile local client can do to the control socket of a real daemon: garbage bytes, a 10 MB line,
 * half-closed connections (each way) and a client that never finishes. Each gets an error reply or is dropped, the
 * daemon keeps running, and {@code jvs show} still answers afterwards.
 */
class ControlSocketAbuseTest {
    /** The daemon's deadline for a complete request is 10 s; allow for a loaded machine. */
    static final long DROP_WITHIN_MS = 20_000;

    @RegisterExtension
    final Lab lab = new Lab();

    @BeforeEach
    void root() {
        Lab.assumeRoot();
    }

    private static SocketChannel connect(JvsDaemon jvs) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(jvs.rundir().resolve("jvs.sock")));
        return ch;
    }

    /** Sends {@code request}, half-closes, and reads the reply to the end. */
    private static String exchange(JvsDaemon jvs, byte[] request) throws IOException {
        try (SocketChannel ch = connect(jvs)) {
            ByteBuffer b = ByteBuffer.wrap(request);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.shutdownOutput();
            return readAll(ch);
        }
    }

    private static String readAll(SocketChannel ch) throws IOException {
        ByteArrayOutputStream reply = new ByteArrayOutputStream();
        ByteBuffer in = ByteBuffer.allocate(4096);
        while (ch.read(in) >= 0) {
            reply.write(in.array(), 0, in.position());
            in.clear();
        }
        return reply.toString(StandardCharsets.UTF_8);
    }

    private static void assertStillServing(JvsDaemon jvs, String after) {
        assertTrue(jvs.running(), "the daemon died after " + after + ":\n" + jvs.log());
        Sh.Result show = jvs.cli("show");
        assertEquals(0, show.exit(), "jvs show after " + after + ":\n" + show);
        assertTrue(show.out().contains("Bridge br0"), show.out());
    }

    @Test
    void garbageHugeLinesAndHalfClosedConnectionsLeaveTheDaemonServing() throws Exception {
        JvsDaemon jvs = lab.daemon();
        jvs.ok("add-br", "br0");
        Path socket = jvs.rundir().resolve("jvs.sock");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)),
                "the control socket must be 0600");
        try (var files = Files.list(jvs.rundir())) {
            assertEquals(0, files.filter(p -> p.getFileName().toString().startsWith(".jvs-")).count(),
                    "the private directory the socket was bound in must be gone");
        }

        // Garbage: random bytes (not UTF-8), then printable junk that is valid UTF-8 but no command.
        byte[] garbage = new byte[4096];
        new Random(42).nextBytes(garbage);
        garbage[0] = (byte) 0xff; // never valid UTF-8
        String reply = exchange(jvs, garbage);
        assertTrue(reply.startsWith("ERROR\nmalformed request"), reply);
        reply = exchange(jvs, "\u0001\u0002 ;rm -rf / \0\0\0".getBytes(StandardCharsets.UTF_8));
        assertTrue(reply.startsWith("ERROR\nunknown command"), reply);
        assertStillServing(jvs, "garbage");

        // A 10 MB line: refused with one line once it has been read (so the client sees why), not executed.
        byte[] huge = new byte[10 << 20];
        Arrays.fill(huge, (byte) 'a');
        huge[huge.length - 1] = '\n';
        reply = exchange(jvs, huge);
        assertTrue(reply.startsWith("ERROR\nrequest larger than"), reply);
        assertEquals(1, reply.substring("ERROR\n".length()).strip().lines().count(), reply);
        assertStillServing(jvs, "a 10 MB line");

        // Half-closed, the usual way round: a truncated command then EOF gets an error reply.
        reply = exchange(jvs, "add-b".getBytes(StandardCharsets.UTF_8));
        assertTrue(reply.startsWith("ERROR\nunknown command 'add-b'"), reply);
        reply = exchange(jvs, new byte[0]);
        assertTrue(reply.startsWith("ERROR\nno command given"), reply);

        // Half-closed the other way: the client will not read its reply (the daemon's write fails or is discarded).
        try (SocketChannel ch = connect(jvs)) {
            ch.shutdownInput();
            ch.write(ByteBuffer.wrap("list-br".getBytes(StandardCharsets.UTF_8)));
            ch.shutdownOutput();
            JvsDaemon.sleep(500);
        }
        assertStillServing(jvs, "a client that shut its input");

        // Never finishing the request (no EOF): dropped after the daemon's deadline, other clients served meanwhile.
        try (SocketChannel stuck = connect(jvs)) {
            stuck.write(ByteBuffer.wrap("show".getBytes(StandardCharsets.UTF_8)));
            long start = System.nanoTime();
            assertStillServing(jvs, "a client that never finishes (while it waits)");
            String answer = readAll(stuck); // returns at EOF, i.e. when the daemon drops us
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(answer.isEmpty() || answer.startsWith("ERROR\n"), answer);
            assertTrue(tookMs < DROP_WITHIN_MS, "dropped after " + tookMs + " ms");
            System.out.printf("[jvs-tests] control socket: a client that never finished was dropped after %d ms%n",
                    tookMs);
        }
        assertStillServing(jvs, "all of it");
        assertFalse(jvs.log().contains(" ERROR "), "no ERROR in the daemon's log:\n" + jvs.log());
    }
}
