package io.jvs.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A system port whose netdev disappears under the running daemon goes down; the rest of the bridge keeps working. */
class DeletedNetdevTest {
    @RegisterExtension
    final Lab lab = new Lab();

    @BeforeEach
    void root() {
        Lab.assumeRoot();
    }

    @Test
    void deletedNetdevMarksPortDownAndOthersKeepForwarding() {
        JvsDaemon jvs = lab.daemon();
        Lab.Host a = lab.vethHost("10.0.0.1/24");
        Lab.Host b = lab.vethHost("10.0.0.2/24");
        Lab.Host c = lab.vethHost("10.0.0.3/24");
        jvs.ok("add-br", "br0");
        for (Lab.Host h : new Lab.Host[] {a, b, c}) {
            jvs.ok("add-port", "br0", h.port());
        }
        Traffic.ping(a, c);
        assertEquals("up", CliOutput.show(jvs.ok("show").out()).state("br0", c.port()));

        Sh.ok("ip", "link", "del", c.port());
        awaitState(jvs, c.port(), "down");

        Traffic.ping(a, b);
        Traffic.ping(b, a);
        assertEquals("up", CliOutput.show(jvs.ok("show").out()).state("br0", a.port()));
    }

    /** The daemon learns about the deletion asynchronously (netlink or a failed poll): give it up to 5 s. */
    private static void awaitState(JvsDaemon jvs, String port, String state) {
        String last = null;
        for (int i = 0; i < 25; i++) {
            last = jvs.ok("show").out();
            if (state.equals(CliOutput.show(last).state("br0", port))) {
                return;
            }
            JvsDaemon.sleep(200);
        }
        throw new AssertionError("port " + port + " not in state " + state + " within 5 s; show:\n" + last);
    }
}
