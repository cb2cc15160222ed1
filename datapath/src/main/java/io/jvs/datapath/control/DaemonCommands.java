package io.jvs.datapath.control;

import java.util.List;
import java.util.function.Supplier;

import io.jvs.datapath.Log;

/**
 * The control socket's commands about the daemon itself (log levels, the metrics endpoint), answered here so that
 * the switch's own commands stay in {@link Controller}; anything else goes to it. Control thread only.
 */
public final class DaemonCommands implements CommandHandler {
    private final Controller controller;
    private final Supplier<String> metricsAddress;

    /** @param metricsAddress the metrics endpoint's URL, or null when it is off */
    public DaemonCommands(Controller controller, Supplier<String> metricsAddress) {
        this.controller = controller;
        this.metricsAddress = metricsAddress;
    }

    @Override
    public String execute(List<String> argv) throws CommandException {
        if (Log.enabled("control", Log.Level.DEBUG)) {
            Log.debug("control", "command: " + String.join(" ", argv));
        }
        String cmd = argv.isEmpty() ? "" : argv.get(0);
        List<String> args = argv.isEmpty() ? argv : argv.subList(1, argv.size());
        return switch (cmd) {
            case "vlog/set" -> VlogCommands.set(args);
            case "vlog/list" -> VlogCommands.list(args);
            case "metrics/show" -> {
                if (!args.isEmpty()) {
                    throw new CommandException("usage: jvs metrics/show");
                }
                String url = metricsAddress.get();
                yield (url == null ? "off" : url) + "\n";
            }
            default -> controller.execute(argv);
        };
    }
}
