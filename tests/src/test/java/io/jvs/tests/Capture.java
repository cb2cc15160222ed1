package io.jvs.tests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * A packet capture on one netdev of a test namespace: {@code tcpdump --immediate-mode -U -w FILE} in the background
 * (registered with {@link Lab#background(Process)}, so it never outlives the test), stopped with SIGTERM, then read
 * back with tcpdump (text for failure messages) or tshark (Wireshark's dissectors, an independent decoder).
 *
 * <p>{@code --immediate-mode} matters as much as {@code -U}: without it libpcap takes packets from the kernel's ring
 * a block at a time (up to a second late), and whatever is still in the ring when SIGTERM arrives is lost, i.e. the
 * last second of traffic.
 */
public final class Capture {
    private final String ns;
    private final String dev;
    private final Path file;
    private final Path log;
    private final Process tcpdump;

    private Capture(String ns, String dev, Path file, Path log, Process tcpdump) {
        this.ns = ns;
        this.dev = dev;
        this.file = file;
        this.log = log;
        this.tcpdump = tcpdump;
    }

    /** Skips the test unless tshark is installed (package tshark; scripts/install-deps.sh installs it). */
    public static void assumeTshark() {
        Assumptions.assumeTrue(Sh.run("sh", "-c", "command -v tshark").ok(),
                "tshark is not installed (package tshark; scripts/install-deps.sh installs it)");
    }

    /** Starts capturing everything on {@code dev} in {@code ns}; returns once tcpdump says it is listening. */
    public static Capture start(Lab lab, String ns, String dev) {
        Path dir = lab.tempDir();
        Path file = dir.resolve(dev + ".pcap");
        Path log = dir.resolve("tcpdump.log");
        Process p;
        try {
            p = lab.background(new ProcessBuilder("ip", "netns", "exec", ns, "tcpdump", "--immediate-mode", "-U", "-n",
                    "-Z", "root", "-i", dev,
                    "-s", "0", "-w", file.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start tcpdump", e);
        }
        Capture c = new Capture(ns, dev, file, log, p);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!c.log().contains("listening on")) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("tcpdump on " + ns + "/" + dev + " did not start:\n" + c.log());
            }
            JvsDaemon.sleep(50);
        }
        return c;
    }

    /** Stops tcpdump (SIGTERM: it writes what it has and exits); safe to call twice. */
    public Capture stop() {
        if (tcpdump.isAlive()) {
            tcpdump.destroy();
            try {
                if (!tcpdump.waitFor(10, TimeUnit.SECONDS)) {
                    tcpdump.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return this;
    }

    public Path file() {
        return file;
    }

    private String log() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ")";
        }
    }

    /** The capture as {@code tcpdump -nn -vv -e} prints it (the whole packet, inner frame included): for messages. */
    public String text() {
        Sh.Result r = Sh.run("tcpdump", "-nn", "-vv", "-e", "-r", file.toString());
        return "---- " + ns + "/" + dev + " (" + file + ") ----\n" + r.out() + r.err();
    }

    /** Runs {@code tshark -r FILE ARGS...} and fails the test unless it exits 0; returns stdout. */
    public String tshark(String... args) {
        List<String> cmd = new ArrayList<>(List.of("tshark", "-r", file.toString()));
        cmd.addAll(List.of(args));
        return Sh.run(Duration.ofSeconds(60), Map.of(), cmd).check().out();
    }

    /**
     * {@code tshark -T fields} with {@code -E separator=|} and one line per packet matching {@code filter}: each row
     * holds the fields in order (empty string for an absent field; a field present twice, as in an inner and an
     * outer header, keeps tshark's comma-separated list).
     */
    public List<String[]> fields(String filter, String... fields) {
        List<String> args = new ArrayList<>(List.of("-Y", filter, "-T", "fields", "-E", "separator=|"));
        for (String f : fields) {
            args.add("-e");
            args.add(f);
        }
        return tshark(args.toArray(String[]::new)).lines().filter(l -> !l.isBlank())
                .map(l -> l.split("\\|", -1)).toList();
    }
}
