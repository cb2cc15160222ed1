package io.jvs.tests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One {@code ./jvs daemon} process with its own run directory and database, and the CLI that talks to it.
 *
 * <p>The daemon's stdout and stderr go to {@code RUNDIR/daemon.log}; {@link Lab} prints that log when a test fails.
 * A daemon can be stopped and started again on the same run directory and database (the restart test does that);
 * the log then holds both runs, separated by a marker line.
 */
public final class JvsDaemon {
    /** How long the daemon may take to show its control socket and answer {@code list-br}. */
    public static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    /** How long the daemon may take to exit after SIGTERM. */
    public static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);

    /** The build already produced the jars: the launcher must not check sources or rebuild under the tests. */
    static final Map<String, String> ENV = Map.of("JVS_NO_BUILD", "1");

    /**
     * What every test daemon gets unless the test says otherwise: no metrics endpoint, since several daemons run at
     * once and the default port (9477) would be taken by the first. A test that scrapes passes
     * {@code --metrics 127.0.0.1:0} and reads the port from {@link #metricsAddress()}.
     */
    static final List<String> DEFAULT_OPTIONS = List.of("--metrics", "off");

    private final Path rundir;
    private final String netns; // null: the root namespace
    private final List<String> options;
    private Process process;
    private int starts;

    JvsDaemon(Path rundir) {
        this(rundir, DEFAULT_OPTIONS);
    }

    /** @param options extra {@code jvs daemon} options, replacing {@link #DEFAULT_OPTIONS} */
    JvsDaemon(Path rundir, List<String> options) {
        this(rundir, null, options);
    }

    /**
     * A daemon that runs inside network namespace {@code netns} (a "host" of a multi-host test; null: the root
     * namespace) with extra options replacing {@link #DEFAULT_OPTIONS}.
     */
    JvsDaemon(Path rundir, String netns, List<String> options) {
        this.rundir = rundir;
        this.netns = netns;
        this.options = List.copyOf(options);
    }

    /** The jvs checkout whose launcher we run, from the {@code jvs.root} system property set in tests/pom.xml. */
    public static Path root() {
        String root = System.getProperty("jvs.root");
        if (root == null) {
            throw new IllegalStateException("system property jvs.root is not set (tests/pom.xml sets it)");
        }
        return Path.of(root).toAbsolutePath().normalize();
    }

    public static Path launcher() {
        return root().resolve("jvs");
    }

    public Path rundir() {
        return rundir;
    }

    public Path db() {
        return rundir.resolve("conf.json");
    }

    public Path logFile() {
        return rundir.resolve("daemon.log");
    }

    /** The daemon JVM's PID (the launcher execs java), for /proc and jcmd. */
    public long pid() {
        if (!running()) {
            throw new IllegalStateException("daemon not running in " + rundir);
        }
        return process.pid();
    }

    /** The metrics endpoint's {@code HOST:PORT}, from RUNDIR/metrics.addr (written once it listens). */
    public String metricsAddress() {
        try {
            return Files.readString(rundir.resolve("metrics.addr"), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new AssertionError("no metrics address in " + rundir + " (daemon started with "
                    + options + "?): " + e, e);
        }
    }

    public boolean running() {
        return process != null && process.isAlive();
    }

    /** Starts the daemon and waits until it is ready: control socket present and {@code list-br} exits 0. */
    public JvsDaemon start() {
        if (running()) {
            throw new IllegalStateException("daemon already running in " + rundir);
        }
        try {
            Files.writeString(logFile(), "---- jvs daemon start #" + (++starts) + " ----\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            List<String> cmd = new ArrayList<>();
            if (netns != null) {
                cmd.addAll(List.of("ip", "netns", "exec", netns)); // execs the launcher: same PID
            }
            cmd.addAll(List.of(launcher().toString(), "daemon",
                    "--rundir", rundir.toString(), "--db", db().toString(), "--threads", "2"));
            cmd.addAll(options);
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .directory(root().toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            pb.environment().putAll(ENV);
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + launcher(), e);
        }
        awaitReady();
        return this;
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Path socket = rundir.resolve("jvs.sock");
        Sh.Result last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("jvs daemon exited with status " + process.exitValue()
                        + " before it was ready; log:\n" + log());
            }
            if (Files.exists(socket)) {
                last = cli("list-br");
                if (last.ok()) {
                    return;
                }
            }
            sleep(200);
        }
        throw new AssertionError("jvs daemon not ready within " + READY_TIMEOUT.toSeconds() + " s (socket "
                + socket + (Files.exists(socket) ? " exists" : " missing") + ")"
                + (last == null ? "" : "; last list-br:\n" + last) + "\nlog:\n" + log());
    }

    /** Runs {@code ./jvs --rundir RUNDIR ARGS...}; never throws on a non-zero exit. */
    public Sh.Result cli(String... args) {
        return cli(rundir, args);
    }

    /** Runs the CLI against any run directory, e.g. an empty one where no daemon listens. */
    public static Sh.Result cli(Path rundir, String... args) {
        List<String> cmd = new ArrayList<>(List.of(launcher().toString(), "--rundir", rundir.toString()));
        cmd.addAll(List.of(args));
        return Sh.run(Sh.DEFAULT_TIMEOUT, ENV, cmd);
    }

    /** Runs the CLI and fails the test unless it exits 0. */
    public Sh.Result ok(String... args) {
        return cli(args).check();
    }

    /** Sends SIGTERM and waits; fails the test if the daemon does not exit in time (it is then killed). */
    public int stop() {
        if (process == null) {
            return 0;
        }
        Process p = process;
        process = null;
        p.destroy(); // SIGTERM; the launcher execs java, so this is the JVM itself.
        try {
            if (p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                return p.exitValue();
            }
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new AssertionError("jvs daemon did not exit within " + STOP_TIMEOUT.toSeconds()
                + " s of SIGTERM (killed); log:\n" + log());
    }

    /** Cleanup path: stop without failing, SIGKILL if SIGTERM is not enough. */
    void kill() {
        try {
            stop();
        } catch (AssertionError e) {
            System.err.println("[jvs-tests] " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    public String log() {
        try {
            return Files.exists(logFile()) ? Files.readString(logFile(), StandardCharsets.UTF_8) : "(no log)";
        } catch (IOException e) {
            return "(cannot read " + logFile() + ": " + e + ")";
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
