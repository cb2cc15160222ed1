package io.jvs.datapath;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The daemon's log: one line per event on stderr, "time level component: message". Events on the forwarding path go
 * through {@link RateLimit} so a storm of bad frames cannot flood the log (counters keep the exact numbers).
 */
public final class Log {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private Log() {
    }

    public static void info(String component, String message) {
        write("INFO", component, message);
    }

    public static void warn(String component, String message) {
        write("WARN", component, message);
    }

    public static void error(String component, String message, Throwable t) {
        write("ERROR", component, message + (t == null ? "" : ": " + t));
    }

    private static void write(String level, String component, String message) {
        System.err.println(TIME.format(Instant.now()) + " " + level + " " + component + ": " + message);
    }

    /** Allows at most {@code perMinute} events a minute; the rest are counted and reported with the next one. */
    public static final class RateLimit {
        private final int perMinute;
        private long windowStartNs;
        private int inWindow;
        private long suppressed;

        public RateLimit(int perMinute) {
            this.perMinute = perMinute;
        }

        /** Returns -1 when the event must not be logged, else how many were suppressed before it. */
        public synchronized long admit(long nowNs) {
            if (nowNs - windowStartNs > 60_000_000_000L) {
                windowStartNs = nowNs;
                inWindow = 0;
            }
            if (inWindow >= perMinute) {
                suppressed++;
                return -1;
            }
            inWindow++;
            long s = suppressed;
            suppressed = 0;
            return s;
        }
    }
}
