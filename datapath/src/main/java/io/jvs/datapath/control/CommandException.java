package io.jvs.datapath.control;

/** A command the daemon refuses; its message is the one line the CLI prints. The configuration is left as it was. */
public final class CommandException extends Exception {
    public CommandException(String message) {
        super(message, null, false, false);
    }
}
