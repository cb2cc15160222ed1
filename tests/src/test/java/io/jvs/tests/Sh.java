package io.jvs.tests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs one command with a timeout and captures its exit code, stdout and stderr.
 *
 * <p>Output goes to temporary files rather than pipes, so a chatty command can never block on a full pipe
 * while we wait for it to exit.
 */
public final class Sh {
    /** What most commands here get: namespace and link changes take milliseconds, a CLI call a JVM start. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    /** Exit code reported when the command was killed because it ran past its timeout. */
    public static final int TIMED_OUT = -1;

    private Sh() {}

    /** The outcome of one command; {@link #toString()} prints everything needed to reproduce it by hand. */
    public record Result(List<String> command, int exit, String out, String err) {
        public boolean ok() {
            return exit == 0;
        }

        /** Non-empty stderr lines, trailing newline ignored. */
        public List<String> errLines() {
            return err.isEmpty() ? List.of() : err.lines().toList();
        }

        /** Throws an AssertionError with the command, exit code and both outputs unless it exited 0. */
        public Result check() {
            if (exit != 0) {
                throw new AssertionError("command failed:\n" + this);
            }
            return this;
        }

        @Override
        public String toString() {
            return "$ " + String.join(" ", command) + "\n"
                    + (exit == TIMED_OUT ? "exit: killed after timeout" : "exit: " + exit) + "\n"
                    + "stdout:\n" + indent(out) + "stderr:\n" + indent(err);
        }

        private static String indent(String s) {
            return s.isEmpty() ? "  (empty)\n" : s.lines().map(l -> "  " + l + "\n").reduce("", String::concat);
        }
    }

    /** Runs the command with the default timeout; never throws on a non-zero exit. */
    public static Result run(String... command) {
        return run(DEFAULT_TIMEOUT, Map.of(), Arrays.asList(command));
    }

    /** Runs the command with the default timeout and fails the test unless it exits 0. */
    public static Result ok(String... command) {
        return run(command).check();
    }

    /** Runs the command inside network namespace {@code ns} (via {@code ip netns exec}). */
    public static Result inNs(String ns, String... command) {
        String[] full = new String[command.length + 4];
        full[0] = "ip";
        full[1] = "netns";
        full[2] = "exec";
        full[3] = ns;
        System.arraycopy(command, 0, full, 4, command.length);
        return run(full);
    }

    /**
     * Runs the command with extra environment variables; after {@code timeout} it and its descendants are killed
     * and the result carries exit code {@link #TIMED_OUT}.
     */
    public static Result run(Duration timeout, Map<String, String> env, List<String> command) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("jt-sh", ".out");
            err = Files.createTempFile("jt-sh", ".err");
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            pb.environment().putAll(env);
            Process p = pb.start();
            int exit;
            if (p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                exit = p.exitValue();
            } else {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                exit = TIMED_OUT;
            }
            return new Result(List.copyOf(command), exit,
                    Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // A leftover temp file is harmless.
            }
        }
    }
}
