package io.jvs.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code ./jvs demo} as a user runs it: all checks pass, {@code --keep} leaves the namespaces, a second run cleans
 * that up and passes again, and afterwards nothing is left. The demo runs under this test's name prefix
 * (JVS_DEMO_NAME) so it never touches a demo someone keeps running on this machine.
 */
class DemoScriptTest {
    private static final Pattern SUMMARY = Pattern.compile("(?m)^(\\d+) of (\\d+) checks passed$");

    @RegisterExtension
    final Lab lab = new Lab();

    @Test
    void demoPassesTwiceInARowWithKeepAndDown() {
        Lab.assumeRoot();
        String name = lab.name("d");
        try {
            Sh.Result kept = demo(name, "--keep");
            assertPassed(kept);
            assertTrue(kept.out().contains("./jvs demo --down"), "--keep must say how to remove it:\n" + kept);
            assertTrue(Sh.run("ip", "netns", "list").out().contains(name + "-a"), "--keep must leave " + name + "-a");

            Sh.Result again = demo(name);
            assertPassed(again);
            assertFalse(Sh.run("ip", "netns", "list").out().contains(name + "-"),
                    "without --keep the demo must remove its namespaces");
        } finally {
            demo(name, "--down");
        }
    }

    private static Sh.Result demo(String name, String... args) {
        List<String> cmd = new ArrayList<>(List.of(JvsDaemon.launcher().toString(), "demo"));
        cmd.addAll(List.of(args));
        return Sh.run(Duration.ofSeconds(180), Map.of("JVS_NO_BUILD", "1", "JVS_DEMO_NAME", name), cmd);
    }

    private static void assertPassed(Sh.Result r) {
        Matcher m = SUMMARY.matcher(r.out());
        assertTrue(m.find(), "no 'N of N checks passed' summary:\n" + r);
        r.out().lines().filter(l -> l.startsWith("✔") || l.startsWith("✘") || SUMMARY.matcher(l).matches())
                .forEach(l -> System.out.println("[jvs-tests] demo: " + l));
        assertEquals(m.group(2), m.group(1), "not all demo checks passed:\n" + r);
        assertEquals(0, r.exit(), "demo must exit 0 when all checks pass:\n" + r);
    }
}
