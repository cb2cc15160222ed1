package io.jvs.datapath;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The daemon's log: one line per event on stderr, "time level component: message" (UTC, milliseconds). Each component
 * has its own level, changed at run time with {@code jvs vlog/set [COMPONENT] LEVEL} and listed with
 * {@code jvs vlog/list}; an event below its component's level costs one map lookup and nothing else. Events on the
 * forwarding path also go through {@link RateLimit} so a storm of bad frames cannot flood the log (counters keep the
 * exact numbers).
 */
public final class Log {
    /** Most severe first; an event is written when its level is at or above its component's level. */
    public enum Level {
        ERROR, WARN, INFO, DEBUG, OFF;

        private final String label = name().toLowerCase(Locale.ROOT);

        /** {@code error}, {@code warn}, ...: how {@code vlog/list} shows it and {@code vlog/set} takes it. */
        public String label() {
            return label;
        }

        boolean admits(Level event) {
            return this != OFF && event.ordinal() <= ordinal();
        }

        /** Parses a level name (also the Open vSwitch spellings err and dbg); null when it is none. */
        public static Level parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "error", "err" -> ERROR;
                case "warn", "warning" -> WARN;
                case "info" -> INFO;
                case "debug", "dbg" -> DEBUG;
                case "off" -> OFF;
                default -> null;
            };
        }
    }

    public static final Level DEFAULT_LEVEL = Level.INFO;

    /**
     * The components the daemon logs under, known before their first event so that {@code vlog/set} can name them
     * at any time. A component first used elsewhere is added when it logs (and then listed too).
     */
    static final String[] COMPONENTS = {"bridge", "control", "daemon", "jvm", "metrics", "netty", "port", "reactor",
        "router", "tunnel"};

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final Map<String, Level> LEVELS = new ConcurrentHashMap<>();

    static {
        for (String c : COMPONENTS) {
            LEVELS.put(c, DEFAULT_LEVEL);
        }
    }

    private Log() {
    }

    public static void debug(String component, String message) {
        log(Level.DEBUG, component, message);
    }

    public static void info(String component, String message) {
        log(Level.INFO, component, message);
    }

    public static void warn(String component, String message) {
        log(Level.WARN, component, message);
    }

    public static void error(String component, String message, Throwable t) {
        if (enabled(component, Level.ERROR)) {
            write(Level.ERROR, component, message + (t == null ? "" : ": " + t));
        }
    }

    /** Whether an event of this level would be written: lets callers skip building an expensive message. */
    public static boolean enabled(String component, Level level) {
        Level current = LEVELS.get(component);
        if (current == null) {
            current = LEVELS.computeIfAbsent(component, c -> DEFAULT_LEVEL);
        }
        return current.admits(level);
    }

    public static void log(Level level, String component, String message) {
        if (enabled(component, level)) {
            write(level, component, message);
        }
    }

    private static void write(Level level, String component, String message) {
        // One event, one line: a message (often an exception's) with line breaks would split it for grep and journald.
        String oneLine = message.indexOf('\n') < 0 && message.indexOf('\r') < 0 ? message
                : message.replace("\r", "\\r").replace("\n", "\\n");
        System.err.println(TIME.format(Instant.now()) + " " + level.name() + " " + component + ": " + oneLine);
    }

    /** Sets one component's level; false when no such component is known. */
    public static boolean setLevel(String component, Level level) {
        return LEVELS.computeIfPresent(component, (c, old) -> level) != null;
    }

    /** Sets every known component's level. */
    public static void setAllLevels(Level level) {
        LEVELS.replaceAll((c, old) -> level);
    }

    /** Every known component and its level, sorted by component. */
    public static Map<String, Level> levels() {
        return new TreeMap<>(LEVELS);
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
