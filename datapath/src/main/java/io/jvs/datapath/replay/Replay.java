package io.jvs.datapath.replay;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.jvs.core.bridge.BridgePort;
import io.jvs.core.bridge.MemoryPort;
import io.jvs.core.bridge.PatchPort;
import io.jvs.core.pcap.PcapFormat;
import io.jvs.core.pcap.PcapReader;
import io.jvs.core.pcap.PcapRecord;
import io.jvs.core.pcap.PcapWriter;
import io.jvs.datapath.control.SwitchConfig;

/**
 * Offline replay: runs captured frames through the datapath a db describes and records what leaves every port.
 *
 * <p>Order and time. Every input frame is read first, then all are sorted by timestamp; equal timestamps keep the
 * order of the inputs as given, then the order inside each file (a stable sort). The timestamp is the virtual clock
 * the frame is forwarded at: MAC learning and aging see it, nothing reads the wall clock. What a frame causes is
 * written to each output port's file stamped with that frame's timestamp, in the order it left. Hence the same db and
 * captures give byte-identical outputs.
 */
public final class Replay {
    /** One {@code --in PORT=FILE}. */
    public record Input(String port, Path file) {
    }

    /** What a replay did, for the command's summary line. */
    public record Summary(int framesIn, long framesOut, int ports) {
    }

    private record Frame(long timestampNs, BridgePort port, byte[] data) {
    }

    private Replay() {
    }

    /**
     * Replays {@code inputs} through {@code config} and writes {@code outDir}/PORT.pcap for every port of the db
     * (empty when nothing left it) and {@code outDir}/counters.json.
     */
    public static Summary run(SwitchConfig config, List<Input> inputs, Path outDir) throws ReplayException {
        OfflineSwitch sw = OfflineSwitch.build(config);
        List<Frame> frames = readInputs(sw, inputs);
        frames.sort(Comparator.comparingLong(Frame::timestampNs)); // stable: ties keep input then file order

        try {
            Files.createDirectories(outDir);
        } catch (IOException e) {
            throw new ReplayException("cannot create the output directory " + outDir + ": " + e.getMessage());
        }
        Map<MemoryPort, PcapWriter> writers = new LinkedHashMap<>();
        long framesOut = 0;
        try {
            for (BridgePort p : sw.ports().values()) {
                PcapWriter w = new PcapWriter(new BufferedOutputStream(
                        Files.newOutputStream(outDir.resolve(p.name() + ".pcap")), 1 << 16));
                if (p instanceof MemoryPort mp) {
                    writers.put(mp, w);
                } else {
                    w.close(); // a patch port never transmits: its file stays empty
                }
            }
            for (Frame f : frames) {
                sw.advanceClock(f.timestampNs());
                sw.inject(f.port(), f.data());
                for (Map.Entry<MemoryPort, PcapWriter> e : writers.entrySet()) {
                    for (byte[] out : e.getKey().drain()) {
                        e.getValue().write(f.timestampNs(), out);
                        framesOut++;
                    }
                }
            }
            for (PcapWriter w : writers.values()) {
                w.close();
            }
            CountersJson.write(sw, frames.size(), outDir.resolve("counters.json"));
        } catch (IOException e) {
            throw new ReplayException("cannot write to " + outDir + ": " + e.getMessage());
        } finally {
            for (PcapWriter w : writers.values()) {
                try {
                    w.close();
                } catch (IOException ignored) {
                    // already reported by the write that failed, or closed above
                }
            }
        }
        return new Summary(frames.size(), framesOut, sw.ports().size());
    }

    private static List<Frame> readInputs(OfflineSwitch sw, List<Input> inputs) throws ReplayException {
        List<Frame> frames = new ArrayList<>();
        for (Input in : inputs) {
            BridgePort port = sw.ports().get(in.port());
            if (port == null) {
                throw new ReplayException("--in " + in.port() + "=" + in.file() + ": no port " + in.port()
                        + " in the db (ports: " + String.join(", ", sw.ports().keySet()) + ")");
            }
            if (port instanceof PatchPort) {
                throw new ReplayException("--in " + in.port() + "=" + in.file() + ": " + in.port()
                        + " is a patch port; frames enter on system or internal ports");
            }
            try (InputStream s = new BufferedInputStream(Files.newInputStream(in.file()), 1 << 16);
                    PcapReader r = new PcapReader(s, in.file().toString())) {
                if (r.linkType() != PcapFormat.LINKTYPE_ETHERNET) {
                    throw new ReplayException(in.file() + ": link type " + r.linkType()
                            + ", not Ethernet (1); capture on an Ethernet device, not 'any' or a tunnel");
                }
                for (PcapRecord rec; (rec = r.next()) != null; ) {
                    frames.add(new Frame(rec.timestampNs(), port, rec.data()));
                }
            } catch (java.nio.file.NoSuchFileException e) {
                throw new ReplayException("cannot read " + in.file() + ": no such file");
            } catch (IOException e) {
                throw new ReplayException(e instanceof io.jvs.core.pcap.PcapFormatException ? e.getMessage()
                        : "cannot read " + in.file() + ": " + e.getMessage());
            }
        }
        return frames;
    }
}
