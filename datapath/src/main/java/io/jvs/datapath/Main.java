package io.jvs.datapath;

import java.util.Arrays;
import java.util.List;

import io.jvs.datapath.control.Cli;
import io.jvs.datapath.control.Daemon;
import io.jvs.datapath.pktgen.PktgenCommand;
import io.jvs.datapath.replay.ReplayCommand;

/**
 * Entry point behind ./jvs: {@code daemon ...} runs the switch, {@code replay ...} runs captures through a db offline,
 * anything else is a CLI command.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        List<String> list = Arrays.asList(args);
        int status;
        if (!list.isEmpty() && list.get(0).equals("daemon")) {
            try {
                status = Daemon.run(list.subList(1, list.size()));
            } catch (IllegalArgumentException e) {
                System.err.println(e.getMessage());
                status = 2;
            }
        } else if (!list.isEmpty() && list.get(0).equals("replay")) {
            status = ReplayCommand.run(list.subList(1, list.size()), System.out, System.err);
        } else if (!list.isEmpty() && list.get(0).equals("pktgen")) {
            status = PktgenCommand.run(list.subList(1, list.size()), System.out, System.err);
        } else {
            status = Cli.run(list, System.out, System.err);
        }
        System.out.flush();
        System.exit(status);
    }
}
