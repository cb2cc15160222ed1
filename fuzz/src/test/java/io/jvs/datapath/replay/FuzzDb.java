package io.jvs.datapath.replay;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.jvs.core.bridge.Bridge;
import io.jvs.core.bridge.BridgePort;
import io.jvs.core.bridge.Forwarder;
import io.jvs.datapath.control.ConfigDb;

/**
 * Lets the pipeline fuzz target build its switch from a db with the builder {@code jvs replay} uses
 * ({@link OfflineSwitch}, package-private, hence this class in its package).
 */
public final class FuzzDb {
    public record Built(List<Bridge> bridges, Map<String, BridgePort> ports, Forwarder forwarder,
                        java.util.function.LongConsumer clock) {
    }

    private FuzzDb() {
    }

    public static Built load(Path db) throws IOException, ReplayException {
        OfflineSwitch sw = OfflineSwitch.build(new ConfigDb(db).load());
        return new Built(List.copyOf(sw.bridges().values()), sw.ports(), sw.forwarder(), sw::advanceClock);
    }
}
