package io.jvs.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code ./jvs bench} is a product feature, so CI runs its smallest form: {@code --quick --only tcp,pps --configs
 * jvs-veth --profile} (TCP through jvs, a 64-byte flood, then the profiled runs under JFR). It must exit 0, measure
 * traffic through jvs, write the report, the raw figures and a JFR profile with its summary per workload, and leave
 * none of its namespaces behind. The figures themselves are not judged: this is a noisy shared machine, and
 * performance is read from benchmarks, not from tests. The bench names its own namespaces ({@code jvb<hex>}) and
 * holds a machine-wide lock; when someone else is benchmarking here the test is skipped rather than wait.
 */
class BenchSmokeTest {
    private static final Pattern PREFIX = Pattern.compile("bench (jvb[0-9a-f]{4}):");

    @RegisterExtension
    final Lab lab = new Lab();

    @Test
    void quickBenchMeasuresJvsAndProfilesIt() throws IOException {
        Lab.assumeRoot();
        Path out = lab.tempDir().resolve("bench");
        Sh.Result r = Sh.run(Duration.ofSeconds(300), Map.of("JVS_NO_BUILD", "1"),
                List.of(JvsDaemon.launcher().toString(), "bench", "--quick", "--only", "tcp,pps", "--configs",
                        "jvs-veth", "--profile", "--out", out.toString()));
        Assumptions.assumeFalse(r.exit() == 2 && r.err().contains("another bench.sh is measuring"),
                "another benchmark holds the bench lock on this machine");
        assertEquals(0, r.exit(), "bench must exit 0:\n" + r);

        String tsv = read(out.resolve("raw/results.tsv"));
        assertTrue(figure(tsv, "tcp1_gbps") > 0, "no TCP throughput through jvs:\n" + tsv);
        assertTrue(figure(tsv, "pps_rx") > 0, "no 64-byte frames through jvs:\n" + tsv);
        String md = read(out.resolve("results.md"));
        assertTrue(md.contains("jvs-veth"), "results.md has no jvs row:\n" + md);
        assertTrue(Files.size(out.resolve("results.json")) > 0, "no results.json");
        assertTrue(md.contains("Where the jvs daemons' CPU went"), "results.md has no profile digest:\n" + md);

        for (String w : List.of("tcp1", "tcp4", "pps")) {
            Path jfr = out.resolve("profiles/jvs-veth/" + w + ".jfr");
            assertTrue(Files.size(jfr) > 0, "no JFR recording " + jfr);
            String summary = read(out.resolve("profiles/jvs-veth/" + w + ".txt"));
            assertTrue(summary.contains("digest: ") && summary.contains("jvs-reactor"),
                    "the " + w + " profile saw no reactor thread:\n" + summary);
            System.out.println("[jvs-tests] bench profile " + w + ": "
                    + summary.lines().filter(l -> l.startsWith("digest: ")).findFirst().orElse("?"));
        }
        assertTrue(figure(read(out.resolve("raw/jvs-veth/profiled/results.tsv")), "pps_rx") > 0,
                "the profiled flood moved nothing");

        Matcher m = PREFIX.matcher(r.err() + r.out());
        assertTrue(m.find(), "the bench did not name its prefix:\n" + r);
        assertFalse(Sh.run("ip", "netns", "list").out().contains(m.group(1)),
                "the bench left namespaces " + m.group(1) + "*");
    }

    /** The first run's value of a jvs-veth metric in raw/results.tsv (config, metric, run, value). */
    private static double figure(String tsv, String metric) {
        return tsv.lines().map(l -> l.split("\t")).filter(f -> f.length == 4 && f[0].equals("jvs-veth")
                && f[1].equals(metric)).mapToDouble(f -> Double.parseDouble(f[3])).findFirst().orElse(0);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException("missing bench output " + p, e);
        }
    }
}
