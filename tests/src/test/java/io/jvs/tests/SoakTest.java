package io.jvs.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code ./jvs soak --seconds 30}: iperf3 TCP and a UDP flood through one daemon while heap after GC, RSS, fds,
 * threads and the counters are sampled; the script's verdict decides (exit 0), and it must leave nothing behind.
 */
class SoakTest {
    @RegisterExtension
    final Lab lab = new Lab();

    @BeforeEach
    void root() {
        Lab.assumeRoot();
    }

    @Test
    void soak30Seconds() {
        long t = System.nanoTime();
        Sh.Result r = Sh.run(Duration.ofSeconds(150), JvsDaemon.ENV,
                List.of(JvsDaemon.launcher().toString(), "soak", "--seconds", "30"));
        System.out.printf("[jvs-tests] soak 30 s (%.0f s wall):%n%s", (System.nanoTime() - t) / 1e9,
                r.out().lines().map(l -> "[jvs-tests]   " + l + "\n").reduce("", String::concat));
        assertEquals(0, r.exit(), "./jvs soak --seconds 30 failed:\n" + r);
        assertTrue(r.out().contains("soak: PASS"), "no PASS verdict:\n" + r);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("TCP (jvk[0-9a-f]{4})a->").matcher(r.out());
        assertTrue(m.find(), "no namespace prefix in the soak output:\n" + r);
        String prefix = m.group(1);
        assertTrue(Sh.run("ip", "netns", "list").out().lines().noneMatch(l -> l.startsWith(prefix)),
                "soak left namespaces " + prefix + "* behind: " + Sh.run("ip", "netns", "list").out());
        assertTrue(Sh.run("ls", "/tmp").out().lines().noneMatch(l -> l.startsWith("jvs-soak." + prefix)),
                "soak left its work directory /tmp/jvs-soak." + prefix + ".* behind");
    }
}
