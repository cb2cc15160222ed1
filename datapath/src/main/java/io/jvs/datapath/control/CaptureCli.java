package io.jvs.datapath.control;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code jvs capture PORT [-w FILE.pcap] [-c COUNT] [--in|--out]}: what the datapath receives and sends on a port
 * (patch and tunnel ports included, which tcpdump cannot see) as pcap, like tcpdump: to FILE, or to stdout for
 * {@code | tshark -r -}; until COUNT frames or Ctrl-C. The daemon writes the pcap itself (capture/start); to stdout it
 * writes into a FIFO this CLI made and copies out. A file capture is kept alive by this CLI polling its status, so a
 * killed CLI does not leave it running.
 */
final class CaptureCli {
    private CaptureCli() {
    }

    static int run(Path socket, List<String> args, PrintStream out, PrintStream err) {
        String port = null;
        Path file = null;
        long count = 0;
        String direction = "both";
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "-w" -> {
                    if (++i == args.size()) {
                        return usage(err);
                    }
                    file = args.get(i).equals("-") ? null : Path.of(args.get(i)).toAbsolutePath();
                }
                case "-c" -> {
                    if (++i == args.size()) {
                        return usage(err);
                    }
                    try {
                        count = Long.parseLong(args.get(i));
                    } catch (NumberFormatException e) {
                        count = -1;
                    }
                    if (count <= 0) {
                        err.println("jvs: -c needs a number > 0, not " + args.get(i));
                        return 2;
                    }
                }
                case "--in" -> direction = "in";
                case "--out" -> direction = "out";
                default -> {
                    if (a.startsWith("-") || port != null) {
                        return usage(err);
                    }
                    port = a;
                }
            }
        }
        if (port == null) {
            return usage(err);
        }
        Path fifo = null;
        try {
            if (file == null) {
                fifo = Files.createTempDirectory("jvs-capture-").resolve("pcap");
                Process mk = new ProcessBuilder("mkfifo", "-m", "600", fifo.toString()).inheritIO().start();
                if (mk.waitFor() != 0) {
                    err.println("jvs: cannot make a FIFO at " + fifo);
                    return 2;
                }
            }
            String reply = Cli.request(socket, List.of("capture/start", port, (file != null ? file : fifo).toString(),
                    Long.toString(count), direction, file != null ? "file" : "fifo"));
            if (!reply.startsWith(ControlServer.OK)) {
                err.println("jvs: " + reply.substring(reply.startsWith(ControlServer.ERROR)
                        ? ControlServer.ERROR.length() : 0).strip());
                return 1;
            }
            String id = reply.substring(ControlServer.OK.length()).strip();
            AtomicBoolean finished = new AtomicBoolean();
            Thread stopper = new Thread(() -> {
                if (!finished.get()) {
                    try {
                        Cli.request(socket, List.of("capture/stop", id));
                    } catch (IOException ignored) {
                        // the daemon is gone: so is the capture
                    }
                }
            });
            Runtime.getRuntime().addShutdownHook(stopper); // Ctrl-C ends the capture cleanly
            String last = "";
            if (fifo != null) {
                try (InputStream in = Files.newInputStream(fifo)) {
                    in.transferTo(out); // until the daemon closes its end: COUNT reached or stopped
                }
                out.flush();
                last = Cli.request(socket, List.of("capture/status", id));
            } else {
                while (true) {
                    last = Cli.request(socket, List.of("capture/status", id));
                    if (!last.startsWith(ControlServer.OK) || last.contains("done")) {
                        break;
                    }
                    Thread.sleep(200);
                }
            }
            finished.set(true);
            String[] st = last.startsWith(ControlServer.OK)
                    ? last.substring(ControlServer.OK.length()).strip().split(" ", 4) : new String[0];
            if (st.length >= 3) {
                err.println(st[1] + " packets captured, " + st[2] + " dropped by the capture ring"
                        + (st.length > 3 ? " (" + st[3] + ")" : ""));
                return st.length > 3 ? 1 : 0;
            }
            return 0;
        } catch (IOException e) {
            err.println("jvs: capture failed: " + e.getMessage());
            return 2;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 2;
        } finally {
            if (fifo != null) {
                try {
                    Files.deleteIfExists(fifo);
                    Files.deleteIfExists(fifo.getParent());
                } catch (IOException ignored) {
                    // a temp dir left in /tmp
                }
            }
        }
    }

    private static int usage(PrintStream err) {
        err.println("usage: jvs capture PORT [-w FILE.pcap] [-c COUNT] [--in|--out]");
        return 2;
    }
}
