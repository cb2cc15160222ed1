package io.jvs.datapath;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;

/**
 * Sends what libraries log through java.util.logging (Netty does) to {@link Log}, so that the daemon's stderr keeps
 * one format, one line per event, instead of JUL's two-line records. Netty's lines go under component "netty",
 * anything else under "jvm".
 */
public final class JulToLog extends Handler {
    private JulToLog() {
    }

    /** Replaces the root logger's handlers (the console handler) with this one. */
    public static void install() {
        java.util.logging.Logger root = LogManager.getLogManager().getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        root.addHandler(new JulToLog());
    }

    @Override
    public void publish(LogRecord r) {
        String component = r.getLoggerName() != null && r.getLoggerName().startsWith("io.netty") ? "netty" : "jvm";
        int v = r.getLevel().intValue();
        Log.Level level = v >= Level.SEVERE.intValue() ? Log.Level.ERROR
                : v >= Level.WARNING.intValue() ? Log.Level.WARN
                : v >= Level.INFO.intValue() ? Log.Level.INFO : Log.Level.DEBUG;
        String message = r.getMessage() == null ? "" : r.getMessage();
        if (r.getParameters() != null && r.getParameters().length > 0) {
            try {
                message = java.text.MessageFormat.format(message, r.getParameters());
            } catch (IllegalArgumentException ignored) {
                // keep the pattern as it is
            }
        }
        if (r.getThrown() != null) {
            message += ": " + r.getThrown();
        }
        Log.log(level, component, r.getLoggerName() + ": " + message);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
}
