package io.jvs.tests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resource figures of a running daemon JVM: RSS, threads and open fds from /proc, heap used right after a full GC
 * from {@code jcmd} (the JDK running the tests, which is the daemon's JDK). Used by the robustness tests.
 */
public final class DaemonHealth {
    private static final Pattern HEAP_USED = Pattern.compile(" total \\d+K, used (\\d+)K");

    private DaemonHealth() {}

    /** {@code /proc/PID/status} field in kB (VmRSS) or count (Threads). */
    public static long status(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).strip().split("\\s+")[0]);
                }
            }
        } catch (java.io.IOException e) {
            throw new AssertionError("cannot read /proc/" + pid + "/status: " + e);
        }
        throw new AssertionError("no " + field + " in /proc/" + pid + "/status");
    }

    public static long rssKb(long pid) {
        return status(pid, "VmRSS");
    }

    public static long fds(long pid) {
        String[] l = Path.of("/proc/" + pid + "/fd").toFile().list();
        return l == null ? -1 : l.length;
    }

    /** Runs GC.run then GC.heap_info in one jcmd and returns the heap used after that full GC, in KiB. */
    public static long heapAfterGcKb(long pid) {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Path cmds;
        try {
            cmds = Files.createTempFile("jt-jcmd", ".txt");
            Files.writeString(cmds, "GC.run\nGC.heap_info\n");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        try {
            Sh.Result r = Sh.run(Duration.ofSeconds(60), Map.of(),
                    List.of(Files.isExecutable(jcmd) ? jcmd.toString() : "jcmd", Long.toString(pid), "-f", cmds.toString()))
                    .check();
            Matcher m = HEAP_USED.matcher(r.out());
            long used = 0;
            boolean any = false;
            while (m.find()) {
                used += Long.parseLong(m.group(1));
                any = true;
            }
            if (!any) {
                throw new AssertionError("no 'total NK, used NK' in GC.heap_info:\n" + r);
            }
            return used;
        } finally {
            cmds.toFile().delete();
        }
    }
}
