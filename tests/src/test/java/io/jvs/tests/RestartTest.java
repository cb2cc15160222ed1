package io.jvs.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The database survives a daemon restart, and so do internal ports: their TAP netdevs (persistent) stay in their
 * namespaces with their addresses while no daemon runs, and the next daemon takes them back.
 */
class RestartTest {
    @RegisterExtension
    final Lab lab = new Lab();

    @BeforeEach
    void root() {
        Lab.assumeRoot();
    }

    @Test
    void topologyAndInternalPortsSurviveRestart() throws Exception {
        JvsDaemon jvs = lab.daemon();
        Lab.Host a = lab.internalHost("10.0.0.1/24");
        Lab.Host b = lab.vethHost("10.0.0.2/24");
        Lab.Host c = lab.vethHost("10.0.0.3/24");
        jvs.ok("add-br", "br0");
        jvs.ok("add-br", "br1");
        jvs.ok("add-port", "br0", a.port(), "type=internal", "netns=" + a.ns(), "tag=7");
        lab.addAddress(a, "10.0.0.1/24");
        jvs.ok("add-port", "br0", b.port(), "tag=7");
        jvs.ok("add-port", "br0", c.port(), "trunks=7,8");
        jvs.ok("set", "port", c.port(), "tag=7"); // now an access port on VLAN 7 like the others
        Traffic.ping(a, b);
        String showBefore = jvs.ok("show").out();

        assertEquals(0, exitAfterSigterm(jvs.stop()), "the daemon should exit cleanly on SIGTERM");

        assertTrue(Files.exists(jvs.db()), "db " + jvs.db() + " must exist after the daemon stopped");
        Sh.Result link = Sh.inNs(a.ns(), "ip", "link", "show", "dev", a.dev());
        assertEquals(0, link.exit(), "internal port's TAP must survive the daemon in its namespace:\n" + link);
        Sh.Result addr = Sh.inNs(a.ns(), "ip", "-4", "addr", "show", "dev", a.dev()).check();
        assertTrue(addr.out().contains("10.0.0.1/24"), "the TAP must keep its address:\n" + addr);

        jvs.start();
        String showAfter = jvs.ok("show").out();
        assertEquals(CliOutput.show(showBefore).config(), CliOutput.show(showAfter).config(),
                "show must list the same topology after a restart\nbefore:\n" + showBefore + "\nafter:\n" + showAfter);
        assertEquals("7", CliOutput.show(showAfter).port("br0", c.port()).get("tag"),
                "'set port' must be persisted too");
        assertEquals("up", CliOutput.show(showAfter).state("br0", a.port()),
                "the restarted daemon must take the internal port back");
        Traffic.ping(a, b);
        Traffic.ping(c, a);
    }

    /** A JVM ended by SIGTERM exits with 143 unless a handler calls exit(0); both count as a clean stop. */
    private static int exitAfterSigterm(int status) {
        return status == 143 ? 0 : status;
    }
}
