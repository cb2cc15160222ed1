package io.jvs.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The daemon's log: every line is "time level component: message"; {@code vlog/set} changes a component's level at
 * run time (here: control at debug logs each command), {@code vlog/list} shows it, and a bad level or component is
 * one line on stderr and changes nothing.
 */
class LoggingTest {
    private static final Pattern LINE = Pattern.compile(
            "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z (ERROR|WARN|INFO|DEBUG) [a-z-]+: .*");

    @RegisterExtension
    final Lab lab = new Lab();

    @BeforeEach
    void root() {
        Lab.assumeRoot();
    }

    @Test
    void levelsChangeAtRunTimeAndEveryLineHasTimeLevelAndComponent() {
        JvsDaemon jvs = lab.daemon();
        String list = jvs.ok("vlog/list").out();
        assertTrue(list.lines().anyMatch(l -> l.matches("control +info")), list);

        jvs.ok("list-br");
        assertTrue(!jvs.log().contains("DEBUG control: command: list-br"), "debug is off by default");
        jvs.ok("vlog/set", "control", "debug");
        assertTrue(jvs.ok("vlog/list").out().lines().anyMatch(l -> l.matches("control +debug")));
        jvs.ok("list-br");
        assertTrue(jvs.log().contains("DEBUG control: command: list-br"), jvs.log());

        for (String[] bad : new String[][] {{"vlog/set", "control", "loud"}, {"vlog/set", "nosuch", "info"},
            {"vlog/set"}, {"vlog/list", "extra"}}) {
            String before = jvs.ok("vlog/list").out();
            Sh.Result r = jvs.cli(bad);
            assertEquals(1, r.exit(), r.toString());
            assertEquals(1, r.err().lines().count(), r.err());
            assertEquals(before, jvs.ok("vlog/list").out(), "a refused vlog/set must change nothing");
        }

        jvs.ok("vlog/set", "warn");
        assertTrue(jvs.ok("vlog/list").out().lines().skip(1).allMatch(l -> l.endsWith(" warn")));
        for (String line : jvs.log().lines().toList()) {
            if (!line.startsWith("---- jvs daemon start")) {
                assertTrue(LINE.matcher(line).matches(), "not time level component: message: '" + line + "'");
            }
        }
    }
}
