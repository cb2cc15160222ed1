package io.jvs.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code ./jvs install --root DIR} (DESTDIR-style: nothing lands on this host) lays out the launcher, the jars and
 * the systemd unit; the unit parses and, where systemd-analyze exists, passes {@code systemd-analyze verify}; the
 * installed launcher runs from its own lib/; installing again (an upgrade) keeps the db; uninstall removes the files
 * and keeps the db unless --purge.
 */
class InstallTest {
    @RegisterExtension
    final Lab lab = new Lab();

    private static Sh.Result jvs(String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of(JvsDaemon.launcher().toString()));
        cmd.addAll(List.of(args));
        return Sh.run(Sh.DEFAULT_TIMEOUT, JvsDaemon.ENV, cmd);
    }

    @Test
    void installsUpgradesAndUninstallsUnderARoot() throws Exception {
        Path root = lab.tempDir();
        jvs("install", "--root", root.toString()).check();
        Path prefix = root.resolve("opt/jvs");
        Path unit = root.resolve("etc/systemd/system/jvs.service");
        Path state = root.resolve("var/lib/jvs");
        assertTrue(Files.isExecutable(prefix.resolve("jvs")), "launcher");
        assertTrue(Files.isRegularFile(prefix.resolve("lib/jvs-datapath.jar")), "the daemon's jar");
        assertTrue(names(prefix.resolve("lib")).stream().anyMatch(n -> n.startsWith("netty-codec-http")),
                "its dependencies");
        assertTrue(Files.isRegularFile(prefix.resolve("scripts/install.sh")), "uninstall must work from the copy");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(state)), "db dir 0700");
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(unit)));

        Map<String, Map<String, String>> ini = parseUnit(Files.readString(unit, StandardCharsets.UTF_8));
        assertEquals("/opt/jvs/jvs daemon --rundir /run/jvs --db /var/lib/jvs/conf.json",
                ini.get("Service").get("ExecStart"));
        assertEquals("jvs", ini.get("Service").get("RuntimeDirectory"));
        assertEquals("jvs", ini.get("Service").get("StateDirectory"));
        assertEquals("multi-user.target", ini.get("Install").get("WantedBy"));
        assertFalse(Files.readString(unit).contains("@"), "every placeholder filled in");
        verifyWithSystemd(root, unit);

        // The installed copy runs from its own lib/ and never builds.
        Sh.Result help = installedJvs(prefix, "help");
        assertEquals(0, help.exit(), help.toString());
        assertTrue(help.out().contains("vlog/set"), help.out());
        Sh.Result noDaemon = installedJvs(prefix, "--rundir", lab.tempDir().toString(), "show");
        assertEquals(2, noDaemon.exit(), noDaemon.toString());
        assertTrue(noDaemon.err().startsWith("jvs: no daemon running"), noDaemon.err());

        // Upgrade: install again over it; the db stays.
        Files.writeString(state.resolve("conf.json"), "{\"bridges\":[]}\n");
        jvs("install", "--root", root.toString()).check();
        assertEquals("{\"bridges\":[]}\n", Files.readString(state.resolve("conf.json")));
        assertEquals(List.of("jvs"), names(root.resolve("opt")), "no leftovers of the swap");

        installedJvs(prefix, "uninstall", "--root", root.toString()).check();
        assertFalse(Files.exists(prefix));
        assertFalse(Files.exists(unit));
        assertTrue(Files.exists(state.resolve("conf.json")), "uninstall keeps the db");
        jvs("uninstall", "--root", root.toString(), "--purge").check();
        assertFalse(Files.exists(state));
    }

    @Test
    void refusesToReplaceADirectoryItDidNotInstall() throws Exception {
        Path root = lab.tempDir();
        Files.createDirectories(root.resolve("opt/jvs"));
        Files.writeString(root.resolve("opt/jvs/precious"), "x");
        Sh.Result r = jvs("install", "--root", root.toString());
        assertEquals(1, r.exit(), r.toString());
        r = jvs("uninstall", "--root", root.toString());
        assertEquals(1, r.exit(), r.toString());
        assertTrue(Files.exists(root.resolve("opt/jvs/precious")));
    }

    private static List<String> names(Path dir) throws java.io.IOException {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static Sh.Result installedJvs(Path prefix, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of(prefix.resolve("jvs").toString()));
        cmd.addAll(List.of(args));
        return Sh.run(Sh.DEFAULT_TIMEOUT, Map.of(), cmd);
    }

    /** A plain parse: sections, Key=Value lines, comments; fails on anything else. */
    static Map<String, Map<String, String>> parseUnit(String text) {
        Map<String, Map<String, String>> sections = new LinkedHashMap<>();
        Map<String, String> current = null;
        for (String line : text.lines().toList()) {
            if (line.isBlank() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.matches("\\[[A-Za-z]+]")) {
                current = new LinkedHashMap<>();
                sections.put(line.substring(1, line.length() - 1), current);
            } else if (current != null && line.matches("[A-Za-z]+=.*")) {
                int eq = line.indexOf('=');
                current.merge(line.substring(0, eq), line.substring(eq + 1), (a, b) -> a + "\n" + b);
            } else {
                throw new AssertionError("not a unit file line: " + line);
            }
        }
        assertEquals(List.of("Unit", "Service", "Install"), List.copyOf(sections.keySet()));
        return sections;
    }

    /**
     * systemd-analyze verify checks every directive and that ExecStart is executable; the unit names /opt/jvs, so a
     * copy pointing into the test root is verified (this host may not run systemd; verify does not need it to).
     */
    private static void verifyWithSystemd(Path root, Path unit) throws Exception {
        if (Sh.run("sh", "-c", "command -v systemd-analyze").exit() != 0) {
            System.out.println("[jvs-tests] install: systemd-analyze not installed, unit checked by the plain parse only");
            return;
        }
        Path check = Files.createDirectories(root.resolve("check")).resolve("jvs.service");
        Files.writeString(check, Files.readString(unit).replace("/opt/jvs/", root.resolve("opt/jvs") + "/"));
        Sh.Result r = Sh.run("systemd-analyze", "verify", check.toString());
        assertEquals(0, r.exit(), r.toString());
        assertEquals("", r.err().strip(), "systemd-analyze verify must not warn: " + r);
        Files.delete(check);
        System.out.println("[jvs-tests] install: systemd-analyze verify passed");
    }
}
