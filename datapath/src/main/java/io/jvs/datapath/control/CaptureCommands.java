package io.jvs.datapath.control;

import java.nio.file.Path;
import java.util.List;

import io.jvs.core.bridge.BridgePort;
import io.jvs.core.bridge.PortCapture;
import io.jvs.datapath.Datapath;
import io.jvs.datapath.capture.CaptureSession;

/**
 * The daemon side of {@code jvs capture} (the CLI drives these; see {@link CaptureCli}):
 * <pre>
 * capture/start PORT PATH COUNT in|out|both file|fifo   -> ID
 * capture/status ID                                    -> running|done WRITTEN DROPPED [ERROR]
 * capture/stop ID                                      -> WRITTEN DROPPED
 * </pre>
 */
final class CaptureCommands {
    private CaptureCommands() {
    }

    static String start(Datapath datapath, List<String> args) throws CommandException {
        if (args.size() != 5) {
            throw new CommandException("usage: jvs capture/start PORT PATH COUNT in|out|both file|fifo");
        }
        BridgePort port = datapath.port(args.get(0));
        if (port == null) {
            throw new CommandException("no port named " + args.get(0));
        }
        Path path = Path.of(args.get(1));
        if (!path.isAbsolute()) {
            throw new CommandException("capture path must be absolute: " + path);
        }
        long count;
        try {
            count = Long.parseLong(args.get(2));
        } catch (NumberFormatException e) {
            count = -1;
        }
        if (count < 0) {
            throw new CommandException("count '" + args.get(2) + "' is not a number >= 0");
        }
        int directions = switch (args.get(3)) {
            case "in" -> PortCapture.IN;
            case "out" -> PortCapture.OUT;
            case "both" -> PortCapture.IN | PortCapture.OUT;
            default -> throw new CommandException("direction must be in, out or both, not " + args.get(3));
        };
        boolean fifo = switch (args.get(4)) {
            case "fifo" -> true;
            case "file" -> false;
            default -> throw new CommandException("kind must be file or fifo, not " + args.get(4));
        };
        try {
            return datapath.captures().start(port, path, count, directions, fifo).id() + "\n";
        } catch (IllegalStateException e) {
            throw new CommandException(e.getMessage());
        }
    }

    private static CaptureSession session(Datapath datapath, List<String> args, String usage)
            throws CommandException {
        if (args.size() != 1) {
            throw new CommandException("usage: jvs " + usage);
        }
        try {
            CaptureSession s = datapath.captures().get(Integer.parseInt(args.get(0)));
            if (s != null) {
                return s;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new CommandException("no capture " + args.get(0));
    }

    static String status(Datapath datapath, List<String> args) throws CommandException {
        return session(datapath, args, "capture/status ID").status() + "\n";
    }

    static String stop(Datapath datapath, List<String> args) throws CommandException {
        CaptureSession s = session(datapath, args, "capture/stop ID");
        datapath.captures().stop(s.id());
        return s.written() + " " + s.dropped() + "\n";
    }
}
