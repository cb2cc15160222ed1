package io.jvs.tests;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parsers for the CLI's human-readable outputs, kept in one place so that a format change on the daemon side is
 * one edit here. Each parser is lenient about indentation and extra lines and strict about what a test relies on.
 */
public final class CliOutput {
    private CliOutput() {}

    // ---- show ---------------------------------------------------------------------------------------------------

    /** {@code show}: bridge name -> port name -> attribute ("type", "tag", "trunks", "state", ...) -> value. */
    public record Show(Map<String, Map<String, Map<String, String>>> bridges) {
        public Map<String, String> port(String bridge, String port) {
            Map<String, Map<String, String>> ports = bridges.get(bridge);
            if (ports == null || !ports.containsKey(port)) {
                throw new AssertionError("show has no port " + port + " on bridge " + bridge + ": " + bridges);
            }
            return ports.get(port);
        }

        /** The port's state word: "up" or "down"; the daemon may add a reason in parentheses after it. */
        public String state(String bridge, String port) {
            String s = port(bridge, port).getOrDefault("state", "");
            return s.isEmpty() ? s : s.split("\\s+")[0];
        }

        /**
         * The configuration part only, for comparing topologies across a restart: drops attributes that describe the
         * running state (state, counters, ifindex, ...).
         */
        public Map<String, Map<String, Map<String, String>>> config() {
            Map<String, Map<String, Map<String, String>>> out = new LinkedHashMap<>();
            bridges.forEach((br, ports) -> {
                Map<String, Map<String, String>> ps = new LinkedHashMap<>();
                ports.forEach((p, attrs) -> {
                    Map<String, String> kept = new LinkedHashMap<>();
                    attrs.forEach((k, v) -> {
                        if (CONFIG_KEYS.contains(k)) {
                            kept.put(k, v);
                        }
                    });
                    ps.put(p, kept);
                });
                out.put(br, ps);
            });
            return out;
        }
    }

    private static final List<String> CONFIG_KEYS = List.of("type", "tag", "trunks", "options", "netns", "mac");
    private static final Pattern BRIDGE = Pattern.compile("^\\s*Bridge\\s+\"?([^\"\\s]+)\"?\\s*:?\\s*$");
    private static final Pattern PORT = Pattern.compile("^\\s*Port\\s+\"?([^\"\\s]+)\"?\\s*:?\\s*$");
    private static final Pattern ATTR = Pattern.compile("^\\s*([A-Za-z_][\\w-]*)\\s*:\\s*(.*?)\\s*$");

    public static Show show(String text) {
        Map<String, Map<String, Map<String, String>>> bridges = new LinkedHashMap<>();
        Map<String, Map<String, String>> ports = null;
        Map<String, String> attrs = null;
        for (String line : text.lines().toList()) {
            Matcher m;
            if ((m = BRIDGE.matcher(line)).matches()) {
                ports = new LinkedHashMap<>();
                bridges.put(m.group(1), ports);
                attrs = null;
            } else if ((m = PORT.matcher(line)).matches() && ports != null) {
                attrs = new LinkedHashMap<>();
                ports.put(m.group(1), attrs);
            } else if ((m = ATTR.matcher(line)).matches() && attrs != null) {
                attrs.put(m.group(1).toLowerCase(Locale.ROOT), m.group(2));
            }
        }
        return new Show(bridges);
    }

    // ---- dump-ports ---------------------------------------------------------------------------------------------

    /** One port's counters from {@code dump-ports}; {@code drops} holds only the reasons the daemon printed. */
    public record PortStats(String port, long rxPackets, long rxBytes, long txPackets, long txBytes, long txErrors,
                            Map<String, Long> drops) {
        public long drops(String reason) {
            return drops.getOrDefault(reason, 0L);
        }
    }

    private static final Pattern STATS_PORT = Pattern.compile("^\\s*port\\s+\"?([^\"\\s:]+)\"?\\s*:\\s*$");
    private static final Pattern RX = Pattern.compile("\\brx\\b[^\\n]*?packets=(\\d+)[^\\n]*?bytes=(\\d+)");
    private static final Pattern TX = Pattern.compile("\\btx\\b[^\\n]*?packets=(\\d+)[^\\n]*?bytes=(\\d+)");
    private static final Pattern ERRORS = Pattern.compile("\\berrors=(\\d+)");
    private static final Pattern PAIR = Pattern.compile("([A-Za-z_][\\w-]*)=(\\d+)");

    /** {@code dump-ports BR}: port name -> counters. */
    public static Map<String, PortStats> dumpPorts(String text) {
        Map<String, PortStats> out = new LinkedHashMap<>();
        String port = null;
        List<String> block = new ArrayList<>();
        for (String line : text.lines().toList()) {
            Matcher m = STATS_PORT.matcher(line);
            if (m.matches()) {
                if (port != null) {
                    out.put(port, portStats(port, block));
                }
                port = m.group(1);
                block.clear();
            } else if (port != null) {
                block.add(line);
            }
        }
        if (port != null) {
            out.put(port, portStats(port, block));
        }
        return out;
    }

    private static PortStats portStats(String port, List<String> lines) {
        long rxP = -1, rxB = -1, txP = -1, txB = -1, txErr = 0;
        Map<String, Long> drops = new LinkedHashMap<>();
        for (String line : lines) {
            String l = line.strip();
            Matcher m;
            if (l.startsWith("rx") && (m = RX.matcher(l)).find()) {
                rxP = Long.parseLong(m.group(1));
                rxB = Long.parseLong(m.group(2));
            } else if (l.startsWith("tx") && (m = TX.matcher(l)).find()) {
                txP = Long.parseLong(m.group(1));
                txB = Long.parseLong(m.group(2));
                Matcher e = ERRORS.matcher(l);
                if (e.find()) {
                    txErr = Long.parseLong(e.group(1));
                }
            } else if (l.startsWith("drops")) {
                Matcher p = PAIR.matcher(l);
                while (p.find()) {
                    drops.put(p.group(1), Long.parseLong(p.group(2)));
                }
            }
        }
        if (rxP < 0 || txP < 0) {
            throw new AssertionError("dump-ports block for " + port + " lacks 'rx packets=N bytes=N' or "
                    + "'tx packets=N bytes=N':\n" + String.join("\n", lines));
        }
        return new PortStats(port, rxP, rxB, txP, txB, txErr, drops);
    }

    /** The bridge line of {@code dump-ports BR}: "bridge BR: N ports, mac entries USED/CAPACITY, learn_full=N". */
    public record BridgeStats(String bridge, int ports, int macEntries, int macCapacity, long learnFull) {}

    private static final Pattern BRIDGE_STATS = Pattern.compile(
            "^\\s*bridge\\s+\"?([^\"\\s:]+)\"?\\s*:\\s*(\\d+) ports?,\\s*mac entries (\\d+)/(\\d+),\\s*learn_full=(\\d+)");

    /** {@code dump-ports BR}: its bridge line (the port blocks are {@link #dumpPorts(String)}). */
    public static BridgeStats bridgeStats(String text) {
        for (String line : text.lines().toList()) {
            Matcher m = BRIDGE_STATS.matcher(line);
            if (m.find()) {
                return new BridgeStats(m.group(1), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                        Integer.parseInt(m.group(4)), Long.parseLong(m.group(5)));
            }
        }
        throw new AssertionError("dump-ports has no 'bridge BR: N ports, mac entries N/N, learn_full=N' line:\n" + text);
    }

    // ---- fdb/show -----------------------------------------------------------------------------------------------

    /** One learned MAC from {@code fdb/show}. */
    public record FdbEntry(String port, int vlan, String mac, long ageSeconds) {}

    /** {@code fdb/show BR}: skips the header line, then "port VLAN MAC Age" per line. */
    public static List<FdbEntry> fdb(String text) {
        List<FdbEntry> out = new ArrayList<>();
        for (String line : text.lines().toList()) {
            String[] f = line.strip().split("\\s+");
            if (f.length < 4 || !f[1].matches("\\d+") || !f[2].contains(":")) {
                continue; // header or blank
            }
            out.add(new FdbEntry(f[0], Integer.parseInt(f[1]), f[2].toLowerCase(Locale.ROOT),
                    f[3].matches("\\d+") ? Long.parseLong(f[3]) : -1));
        }
        return out;
    }
}
