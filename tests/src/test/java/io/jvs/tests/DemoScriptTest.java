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
 * {@code ./jvs demo} as a user runs it: the seed's two-node cloud is built, all checks pass (a check the build cannot
 * run yet, such as security groups before that stage exists, is printed as skipped and named in the summary), and
 * the demo exits 0; {@code --keep} leaves the namespaces running, a second run cleans that up and passes again, and
 * afterwards none of its namespaces, devices or processes is left. The demo runs under this test's name prefix
 * (JVS_DEMO_NAME) so it never touches a demo someone keeps running on this machine.
 */
class DemoScriptTest {
    private static final Pattern SUMMARY = Pattern.compile("(?m)^(\\d+) of (\\d+) checks passed( \\((\\d+) skipped.*\\))?$");
    /** Every check the demo makes, whichever router it uses; the security-group check may be skipped. */
    private static final List<String> CHECKS = List.of("topology:", "DHCP vm1:", "DHCP vm2:", "DHCP vm3:",
            "vm1 <-> vm2", "vm1 <-> vm3", "tunnel learning:", "vm1 -> external", "external -> vm1 by its floating IP",
            "iperf3 TCP", "ping RTT");

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
            String netns = Sh.run("ip", "netns", "list").out();
            for (String ns : List.of("-compute", "-network", "-external", "-vm1", "-qdhcp-a")) {
                assertTrue(netns.contains(name + ns), "--keep must leave " + name + ns + ":\n" + netns);
            }

            Sh.Result again = demo(name);
            assertPassed(again);
            assertFalse(Sh.run("ip", "netns", "list").out().contains(name + "-"),
                    "without --keep the demo must remove its namespaces");
            assertFalse(Sh.run("ip", "-o", "link", "show").out().contains(name + "-"),
                    "without --keep the demo must remove its devices");
            assertFalse(Sh.run("pgrep", "-af", "/tmp/" + name + ".").out().contains(name),
                    "without --keep the demo must stop its daemons and dnsmasqs");
        } finally {
            demo(name, "--down");
        }
    }

    private static Sh.Result demo(String name, String... args) {
        List<String> cmd = new ArrayList<>(List.of(JvsDaemon.launcher().toString(), "demo"));
        cmd.addAll(List.of(args));
        return Sh.run(Duration.ofSeconds(300), Map.of("JVS_NO_BUILD", "1", "JVS_DEMO_NAME", name), cmd);
    }

    private static void assertPassed(Sh.Result r) {
        Matcher m = SUMMARY.matcher(r.out());
        assertTrue(m.find(), "no 'N of N checks passed' summary:\n" + r);
        r.out().lines()
                .filter(l -> l.startsWith("✔") || l.startsWith("✘") || l.startsWith("- skipped") || SUMMARY.matcher(l).matches())
                .forEach(l -> System.out.println("[jvs-tests] demo: " + l));
        assertEquals(m.group(2), m.group(1), "not all demo checks passed:\n" + r);
        for (String c : CHECKS) {
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith("✔ " + c)), "check '" + c + "' did not pass:\n" + r);
        }
        // This build has the router stage and security groups: nothing may be skipped.
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("✔ security groups")),
                "the security-group check must pass:\n" + r);
        assertEquals(null, m.group(3), "no check may be skipped:\n" + r);
        assertTrue(r.out().contains("router: userspace"), "the demo must use the userspace router stage:\n" + r);
        assertEquals(0, r.exit(), "demo must exit 0 when all checks pass:\n" + r);
    }
}
