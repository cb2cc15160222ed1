package io.jvs.datapath.metrics;

import java.math.BigDecimal;

/**
 * Writes the Prometheus text exposition format, version 0.0.4: per family a {@code # HELP} and a {@code # TYPE} line,
 * then its samples, each {@code name{label="value",...} number}. Families must be written one at a time, all
 * samples of one together (the format requires it). Label values are escaped (backslash, double quote, newline).
 */
final class PrometheusText {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StringBuilder sb = new StringBuilder(32 << 10);

    /** Starts a family; for a counter the name ends in {@code _total}. */
    PrometheusText family(String name, String type, String help) {
        if (type.equals("counter") && !name.endsWith("_total")) {
            throw new IllegalArgumentException("counter " + name + " must end in _total");
        }
        sb.append("# HELP ").append(name).append(' ');
        for (int i = 0; i < help.length(); i++) {
            char c = help.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> sb.append(c);
            }
        }
        sb.append('\n').append("# TYPE ").append(name).append(' ').append(type).append('\n');
        return this;
    }

    /** A sample; {@code labels} alternate names and values. */
    PrometheusText sample(String name, long value, String... labels) {
        labels(name, labels);
        sb.append(value).append('\n');
        return this;
    }

    PrometheusText sample(String name, double value, String... labels) {
        labels(name, labels);
        sb.append(number(value)).append('\n');
        return this;
    }

    private void labels(String name, String[] labels) {
        sb.append(name);
        if (labels.length > 0) {
            sb.append('{');
            for (int i = 0; i + 1 < labels.length; i += 2) {
                if (i > 0) {
                    sb.append(',');
                }
                sb.append(labels[i]).append("=\"");
                String v = labels[i + 1];
                for (int j = 0; j < v.length(); j++) {
                    char c = v.charAt(j);
                    switch (c) {
                        case '\\' -> sb.append("\\\\");
                        case '"' -> sb.append("\\\"");
                        case '\n' -> sb.append("\\n");
                        default -> sb.append(c);
                    }
                }
                sb.append('"');
            }
            sb.append('}');
        }
        sb.append(' ');
    }

    /** A number as Prometheus parses it: plain decimals, {@code +Inf}, {@code -Inf}, {@code NaN}. */
    static String number(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    @Override
    public String toString() {
        return sb.toString();
    }
}
