package io.jvs.tests;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;

/**
 * Every bad command is rejected with a non-zero exit and exactly one stderr line naming the problem, and changes
 * nothing: {@code show} and the db file bytes are the same afterwards.
 */
class BadCommandTest {
    @RegisterExtension
    final Lab lab = new Lab();

    /** A rejected command and a word its one-line error must contain (the offending name or value). */
    private record Bad(String names, String... args) {}

    @Test
    void badCommandsAreRejectedAndChangeNothing() throws Exception {
        Lab.assumeRoot();
        JvsDaemon jvs = lab.daemon();
        Lab.Host h1 = lab.vethHost("10.0.0.1/24");
        Lab.Host spare = lab.vethHost("10.0.0.2/24"); // a real netdev that is not attached
        String missingDev = lab.name("x"); // never created
        String missingNs = lab.name("m"); // never created
        String orphanTap = lab.internalHost("10.0.0.3/24").port(); // registered for cleanup in case it leaks
        jvs.ok("add-br", "br0");
        jvs.ok("add-br", "br1");
        jvs.ok("add-port", "br0", h1.port(), "tag=10");

        List<Bad> bad = List.of(
                new Bad("br0", "add-br", "br0"),
                new Bad("nosuchbr", "del-br", "nosuchbr"),
                new Bad("nosuchbr", "add-port", "nosuchbr", spare.port()),
                new Bad(h1.port(), "add-port", "br0", h1.port()),
                new Bad(h1.port(), "add-port", "br1", h1.port()),
                new Bad(missingDev, "add-port", "br0", missingDev),
                new Bad(missingDev, "add-port", "br0", missingDev, "type=system"),
                new Bad("0", "add-port", "br0", spare.port(), "tag=0"),
                new Bad("4095", "add-port", "br0", spare.port(), "tag=4095"),
                new Bad("4095", "add-port", "br0", spare.port(), "trunks=10,4095"),
                new Bad("0", "add-port", "br0", spare.port(), "trunks=0,10"),
                new Bad("peer", "add-port", "br0", lab.name("p"), "type=patch"),
                new Bad(missingNs, "add-port", "br0", orphanTap, "type=internal", "netns=" + missingNs),
                new Bad("nosuchport", "del-port", "nosuchport"),
                new Bad("nosuchport", "set", "port", "nosuchport", "tag=5"),
                new Bad("0", "set", "port", h1.port(), "tag=0"),
                new Bad("4095", "set", "port", h1.port(), "tag=4095"),
                new Bad("5000", "set", "port", h1.port(), "trunks=10,5000"),
                new Bad("nosuchbr", "list-ports", "nosuchbr"),
                new Bad("nosuchbr", "fdb/show", "nosuchbr"),
                new Bad("nosuchbr", "fdb/flush", "nosuchbr"),
                new Bad("nosuchbr", "dump-ports", "nosuchbr"));

        // The db bytes are compared after every command (a file read, cheap); show once at the end, because each
        // CLI call costs a JVM start and a change that survives to the end shows up there anyway.
        String show = jvs.ok("show").out();
        byte[] db = Files.readAllBytes(jvs.db());
        List<Executable> checks = new ArrayList<>();
        for (Bad b : bad) {
            Sh.Result r = jvs.cli(b.args());
            byte[] dbNow = Files.readAllBytes(jvs.db());
            System.out.println("[jvs-tests] rejected: jvs " + String.join(" ", b.args()) + "  ->  exit " + r.exit()
                    + ": " + r.err().strip());
            checks.add(() -> assertRejected(r, b.names()));
            checks.add(() -> assertArrayEquals(db, dbNow, "db file changed after " + String.join(" ", b.args())));
        }
        String showAfter = jvs.ok("show").out();
        checks.add(() -> assertEquals(show, showAfter, "show changed after the bad commands"));
        assertAll(checks);
    }

    @Test
    void cliWithoutDaemonFailsWithOneLine() {
        Path empty = lab.tempDir();
        for (String[] args : new String[][] {{"list-br"}, {"show"}, {"add-br", "br0"}}) {
            assertRejected(JvsDaemon.cli(empty, args), null);
        }
    }

    private static void assertRejected(Sh.Result r, String names) {
        assertNotEquals(0, r.exit(), "must fail:\n" + r);
        assertNotEquals(Sh.TIMED_OUT, r.exit(), "must fail fast, not hang:\n" + r);
        assertEquals(1, r.errLines().size(), "must print exactly one stderr line:\n" + r);
        assertTrue(!r.errLines().getFirst().isBlank(), "the stderr line must say something:\n" + r);
        if (names != null) {
            assertTrue(r.errLines().getFirst().contains(names), "the error must name '" + names + "':\n" + r);
        }
    }
}
