package io.jvs.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The CLI's plain configuration commands and what they leave on disk, without traffic. */
class CliBasicsTest {
    @RegisterExtension
    final Lab lab = new Lab();

    @BeforeEach
    void root() {
        Lab.assumeRoot();
    }

    @Test
    void listsSetsDeletesAndKeepsSocketPrivate() throws Exception {
        JvsDaemon jvs = lab.daemon();
        Path socket = jvs.rundir().resolve("jvs.sock");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)),
                "the control socket must be 0600");

        Lab.Host a = lab.vethHost("10.0.0.1/24");
        Lab.Host t = lab.internalHost("10.0.0.2/24");
        jvs.ok("add-br", "br0");
        jvs.ok("add-br", "br1");
        jvs.ok("add-port", "br0", a.port(), "trunks=10,20");
        jvs.ok("add-port", "br1", t.port(), "type=tap", "netns=" + t.ns()); // tap is an alias of internal
        assertEquals(Set.of("br0", "br1"), Set.copyOf(jvs.ok("list-br").out().lines().toList()));
        assertEquals(List.of(a.port()), jvs.ok("list-ports", "br0").out().lines().toList());
        assertEquals(List.of(t.port()), jvs.ok("list-ports", "br1").out().lines().toList());
        assertTrue(Files.size(jvs.db()) > 0, "db must be written on change");

        CliOutput.Show show = CliOutput.show(jvs.ok("show").out());
        assertEquals("system", show.port("br0", a.port()).get("type"));
        assertEquals("10,20", show.port("br0", a.port()).get("trunks"));
        assertEquals("internal", show.port("br1", t.port()).get("type"));

        jvs.ok("set", "port", a.port(), "tag=30");
        show = CliOutput.show(jvs.ok("show").out());
        assertEquals("30", show.port("br0", a.port()).get("tag"));
        assertFalse(show.port("br0", a.port()).containsKey("trunks"), "an access port has no trunks");

        jvs.ok("del-port", t.port());
        assertTrue(jvs.ok("list-ports", "br1").out().isBlank());
        Sh.Result gone = Sh.inNs(t.ns(), "ip", "link", "show", "dev", t.dev());
        assertTrue(gone.exit() != 0, "del-port must delete an internal port's TAP:\n" + gone);
        jvs.ok("del-br", "br1");
        assertEquals(List.of("br0"), jvs.ok("list-br").out().lines().toList());
        jvs.ok("fdb/flush");
        jvs.ok("fdb/flush", "br0");
    }
}
