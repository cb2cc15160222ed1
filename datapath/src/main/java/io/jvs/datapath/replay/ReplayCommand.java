package io.jvs.datapath.replay;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.jvs.datapath.control.ConfigDb;
import io.jvs.datapath.control.SwitchConfig;

/**
 * {@code jvs replay --db CONF.json --in PORT=FILE.pcap [--in ...] --out DIR}. Like the CLI, a failure is one line
 * on stderr and a non-zero exit: 2 for a bad command line, 1 when the db, a capture or the output cannot be used.
 */
public final class ReplayCommand {
    static final String USAGE = """
            usage: jvs replay --db CONF.json --in PORT=FILE.pcap [--in PORT=FILE.pcap ...] --out DIR
              builds the switch CONF.json describes with in-memory ports, forwards the frames of each capture as
              received on PORT in timestamp order, and writes DIR/PORT.pcap for every port and DIR/counters.json
            """;

    private ReplayCommand() {
    }

    public static int run(List<String> args, PrintStream out, PrintStream err) {
        Path db = null;
        Path outDir = null;
        List<Replay.Input> inputs = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--help") || a.equals("help")) {
                out.print(USAGE);
                return 0;
            }
            String option = a;
            String value;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                option = a.substring(0, eq);
                value = a.substring(eq + 1);
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                value = null;
            }
            switch (option) {
                case "--db", "--out", "--in" -> {
                    if (value == null) {
                        err.println("jvs replay: " + option + " needs a value (try: jvs replay --help)");
                        return 2;
                    }
                }
                default -> {
                    err.println("jvs replay: unknown argument " + a + " (try: jvs replay --help)");
                    return 2;
                }
            }
            switch (option) {
                case "--db" -> db = Path.of(value);
                case "--out" -> outDir = Path.of(value);
                default -> {
                    int sep = value.indexOf('=');
                    if (sep <= 0 || sep == value.length() - 1) {
                        err.println("jvs replay: --in takes PORT=FILE.pcap, not " + value);
                        return 2;
                    }
                    inputs.add(new Replay.Input(value.substring(0, sep), Path.of(value.substring(sep + 1))));
                }
            }
        }
        if (db == null || outDir == null || inputs.isEmpty()) {
            err.println("jvs replay: needs --db, at least one --in and --out (try: jvs replay --help)");
            return 2;
        }
        try {
            if (!Files.isRegularFile(db)) {
                throw new ReplayException("bad db: " + db + " is not a file");
            }
            SwitchConfig config;
            try {
                config = new ConfigDb(db).load();
            } catch (IOException e) {
                throw new ReplayException("bad db: " + firstLine(e.getMessage()));
            }
            Replay.Summary s = Replay.run(config, inputs, outDir);
            out.println("replayed " + s.framesIn() + " frames, " + s.framesOut() + " left " + s.ports()
                    + " ports; wrote " + outDir);
            return 0;
        } catch (ReplayException e) {
            err.println("jvs replay: " + firstLine(e.getMessage()));
            return 1;
        }
    }

    /** Jackson's messages span lines (a source excerpt); stderr gets one. */
    private static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl).strip();
    }
}
