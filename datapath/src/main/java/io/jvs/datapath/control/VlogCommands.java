package io.jvs.datapath.control;

import java.util.List;
import java.util.Map;

import io.jvs.datapath.Log;

/**
 * {@code vlog/set [COMPONENT] LEVEL} and {@code vlog/list}: the log levels, changed while the daemon runs (not
 * saved: a restarted daemon logs at the defaults again). A bad component or level changes nothing.
 */
final class VlogCommands {
    private VlogCommands() {
    }

    static String set(List<String> args) throws CommandException {
        if (args.isEmpty() || args.size() > 2) {
            throw new CommandException("usage: jvs vlog/set [COMPONENT] LEVEL (levels: error, warn, info, debug, off)");
        }
        String levelName = args.get(args.size() - 1);
        Log.Level level = Log.Level.parse(levelName);
        if (level == null) {
            throw new CommandException("unknown log level '" + levelName + "' (error, warn, info, debug, off)");
        }
        if (args.size() == 1) {
            Log.setAllLevels(level);
            Log.log(Log.Level.INFO, "control", "log level of every component set to " + level.label());
            return "";
        }
        String component = args.get(0);
        if (!Log.setLevel(component, level)) {
            throw new CommandException("unknown log component '" + component + "' (known: "
                    + String.join(", ", Log.levels().keySet()) + ")");
        }
        Log.log(Log.Level.INFO, "control", "log level of " + component + " set to " + level.label());
        return "";
    }

    static String list(List<String> args) throws CommandException {
        if (!args.isEmpty()) {
            throw new CommandException("usage: jvs vlog/list");
        }
        StringBuilder sb = new StringBuilder(String.format("%-12s %s%n", "component", "level"));
        for (Map.Entry<String, Log.Level> e : Log.levels().entrySet()) {
            sb.append(String.format("%-12s %s%n", e.getKey(), e.getValue().label()));
        }
        return sb.toString();
    }
}
