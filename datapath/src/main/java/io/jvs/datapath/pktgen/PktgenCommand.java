package io.jvs.datapath.pktgen;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;

import io.jvs.core.packet.MacAddress;
import io.jvs.datapath.linux.Inet4;
import io.jvs.datapath.linux.Netdev;

/**
 * {@code jvs pktgen DEV --dst-mac MAC --src-ip IP --dst-ip IP --rate PPS [--seconds S] [--size BYTES]}: offers a
 * fixed rate of UDP frames on DEV (run it inside the sender's namespace). Prints one line:
 * {@code sent N refused M seconds T rate R}. Used by {@code jvs bench} to find the highest rate a switch forwards
 * with little loss; see {@link PacedGenerator} for why trafgen does not do here.
 */
public final class PktgenCommand {
    static final String USAGE = """
            usage: jvs pktgen DEV --dst-mac MAC --src-ip IP --dst-ip IP --rate PPS [--seconds S] [--size BYTES]
              offers PPS frames per second (UDP 4000 -> 9, BYTES bytes without FCS, default 60) on DEV for S seconds
              (default 3) through an AF_PACKET socket, in paced bursts of up to 32; spins on one core while it runs
            """;

    private PktgenCommand() {
    }

    public static int run(List<String> args, PrintStream out, PrintStream err) {
        String dev = null;
        Long dstMac = null;
        Integer srcIp = null;
        Integer dstIp = null;
        long rate = -1;
        double seconds = 3;
        int size = 60;
        try {
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                if (a.equals("--help") || a.equals("help")) {
                    out.print(USAGE);
                    return 0;
                }
                if (!a.startsWith("--")) {
                    if (dev != null) {
                        throw new IllegalArgumentException("one device only (got " + dev + " and " + a + ")");
                    }
                    dev = a;
                    continue;
                }
                if (i + 1 == args.size()) {
                    throw new IllegalArgumentException(a + " needs a value");
                }
                String v = args.get(++i);
                switch (a) {
                    case "--dst-mac" -> dstMac = MacAddress.parse(v);
                    case "--src-ip" -> srcIp = Inet4.parse(v);
                    case "--dst-ip" -> dstIp = Inet4.parse(v);
                    case "--rate" -> rate = Long.parseLong(v);
                    case "--seconds" -> seconds = Double.parseDouble(v);
                    case "--size" -> size = Integer.parseInt(v);
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            if (dev == null || dstMac == null || srcIp == null || dstIp == null || rate < 0) {
                throw new IllegalArgumentException("DEV, --dst-mac, --src-ip, --dst-ip and --rate are needed");
            }
            if (rate < 1 || rate > 100_000_000L) {
                throw new IllegalArgumentException("--rate " + rate + " out of range 1..100000000");
            }
            if (!(seconds > 0 && seconds <= 3600)) {
                throw new IllegalArgumentException("--seconds " + seconds + " out of range (0, 3600]");
            }
            if (size < 60 || size > 1514) {
                throw new IllegalArgumentException("--size " + size + " out of range 60..1514");
            }
        } catch (IllegalArgumentException e) {
            err.println("jvs pktgen: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
        PacedGenerator g;
        try {
            long srcMac = Netdev.mac(null, dev);
            g = PacedGenerator.open(dev, srcMac, dstMac, srcIp, dstIp, size);
        } catch (IOException | RuntimeException e) {
            err.println("jvs pktgen: cannot open " + dev + ": " + e.getMessage());
            return 1;
        }
        try {
            PacedGenerator.Result r = g.run(rate, (long) (seconds * 1e9));
            out.printf("sent %d refused %d seconds %.3f rate %.0f%n", r.sent(), r.refused(), r.elapsedNs() / 1e9,
                    r.ratePps());
            return 0;
        } finally {
            g.close();
        }
    }
}
