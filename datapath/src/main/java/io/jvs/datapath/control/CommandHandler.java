package io.jvs.datapath.control;

import java.util.List;

/** Runs one control-socket request (the CLI's argv) on the control thread and returns what the CLI prints. */
@FunctionalInterface
public interface CommandHandler {
    String execute(List<String> argv) throws CommandException;
}
