package io.jvs.datapath.router;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code ip -n NS ...} for the few settings a router's namespace needs (the legs' addresses on their TAPs, the
 * default route via the gateway): control thread, rare, so the iproute2 binary is used rather than netlink.
 */
final class NamespaceIp {
    private NamespaceIp() {
    }

    static void run(String netns, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "-n", netns));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + ": timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", cmd) + ": interrupted", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + ": " + (out.isEmpty() ? "exit " + p.exitValue()
                    : out.lines().findFirst().orElse("")));
        }
    }
}
