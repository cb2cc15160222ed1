package io.jvs.tests;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the daemon's Prometheus text exposition (format 0.0.4): it fails on any line that is not a
 * {@code # HELP}, a {@code # TYPE} or a sample of the family declared last, on a value that does not parse as a
 * number, on a counter whose name does not end in {@code _total}, on a name without the {@code jvs_} prefix and on a
 * series given twice. Samples are keyed {@code name{k="v",...}} with labels sorted by name.
 */
public final class MetricsText {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") (.*)");
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");
    private static final Pattern SAMPLE = Pattern.compile("(" + NAME + ")(?:\\{(.*)})? (\\S+)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\[\\\\\"n])*)\"(,|$)");

    private final Map<String, String> types = new LinkedHashMap<>();
    private final Map<String, Double> samples = new LinkedHashMap<>();

    private MetricsText() {
    }

    public static MetricsText parse(String text) {
        MetricsText m = new MetricsText();
        if (!text.endsWith("\n")) {
            throw new AssertionError("exposition must end with a newline");
        }
        String family = null;
        String helped = null;
        int n = 0;
        for (String line : text.substring(0, text.length() - 1).split("\n", -1)) {
            n++;
            Matcher h = HELP.matcher(line);
            Matcher t = TYPE.matcher(line);
            Matcher s = SAMPLE.matcher(line);
            if (h.matches()) {
                helped = h.group(1);
            } else if (t.matches()) {
                String name = t.group(1);
                if (!name.equals(helped)) {
                    throw new AssertionError("line " + n + ": # TYPE " + name + " without its # HELP before it");
                }
                if (m.types.put(name, t.group(2)) != null) {
                    throw new AssertionError("line " + n + ": family " + name + " declared twice");
                }
                if (!name.startsWith("jvs_")) {
                    throw new AssertionError("line " + n + ": " + name + " lacks the jvs_ prefix");
                }
                if (t.group(2).equals("counter") && !name.endsWith("_total")) {
                    throw new AssertionError("line " + n + ": counter " + name + " must end in _total");
                }
                family = name;
            } else if (s.matches()) {
                String name = s.group(1);
                String type = family == null ? null : m.types.get(family);
                boolean belongs = name.equals(family) || ("histogram".equals(type) || "summary".equals(type))
                        && (name.equals(family + "_bucket") || name.equals(family + "_sum")
                                || name.equals(family + "_count"));
                if (!belongs) {
                    throw new AssertionError("line " + n + ": sample " + name + " outside its family (last declared: "
                            + family + "): " + line);
                }
                Map<String, String> labels = labels(s.group(2), n, line);
                if (name.endsWith("_bucket") && !labels.containsKey("le")) {
                    throw new AssertionError("line " + n + ": bucket without le: " + line);
                }
                double value = number(s.group(3), n, line);
                String key = key(name, labels);
                if (m.samples.put(key, value) != null) {
                    throw new AssertionError("line " + n + ": series given twice: " + key);
                }
            } else {
                throw new AssertionError("line " + n + ": not HELP, TYPE or a sample: '" + line + "'");
            }
        }
        return m;
    }

    private static Map<String, String> labels(String text, int n, String line) {
        Map<String, String> labels = new TreeMap<>();
        if (text == null) {
            return labels;
        }
        Matcher l = LABEL.matcher(text);
        int at = 0;
        while (at < text.length()) {
            if (!l.find(at) || l.start() != at) {
                throw new AssertionError("line " + n + ": bad labels: " + line);
            }
            if (labels.put(l.group(1), l.group(2)) != null) {
                throw new AssertionError("line " + n + ": label " + l.group(1) + " twice: " + line);
            }
            at = l.end();
        }
        return labels;
    }

    private static double number(String s, int n, String line) {
        switch (s) {
            case "+Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            case "NaN":
                return Double.NaN;
            default:
                try {
                    return Double.parseDouble(s);
                } catch (NumberFormatException e) {
                    throw new AssertionError("line " + n + ": value '" + s + "' is not a number: " + line);
                }
        }
    }

    /** {@code name{k="v",...}}, labels in name order (escaped as in the exposition). */
    public static String key(String name, Map<String, String> labels) {
        if (labels.isEmpty()) {
            return name;
        }
        StringBuilder sb = new StringBuilder(name).append('{');
        new TreeMap<>(labels).forEach((k, v) -> sb.append(k).append("=\"").append(v).append("\","));
        sb.setLength(sb.length() - 1);
        return sb.append('}').toString();
    }

    /** One sample's value; fails when the series is missing. */
    public double value(String name, String... labels) {
        Map<String, String> map = new TreeMap<>();
        for (int i = 0; i + 1 < labels.length; i += 2) {
            map.put(labels[i], labels[i + 1]);
        }
        String key = key(name, map);
        Double v = samples.get(key);
        if (v == null) {
            throw new AssertionError("no series " + key + " in the exposition (families: " + types.keySet() + ")");
        }
        return v;
    }

    public Set<String> families() {
        return types.keySet();
    }

    public String type(String family) {
        return types.get(family);
    }

    public Map<String, Double> samples() {
        return samples;
    }
}
