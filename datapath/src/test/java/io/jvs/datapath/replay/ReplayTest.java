package io.jvs.datapath.replay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.jvs.core.pcap.PcapReader;
import io.jvs.core.pcap.PcapRecord;
import io.jvs.core.pcap.PcapWriter;
import io.jvs.datapath.control.BridgeConfig;
import io.jvs.datapath.control.ConfigDb;
import io.jvs.datapath.control.PortConfig;
import io.jvs.datapath.control.SwitchConfig;

/**
 * Two bridges joined by a patch pair that trunks VLANs 10 and 20:
 *
 * <pre>
 *   br0: h1 (system, tag=10)  h2 (system, tag=20)  p0 (patch, trunks=10,20) ---+
 *   br1: h3 (internal, tag=10)  h4 (system, trunks=10,20)  p1 (patch, trunks=10,20) ---+
 * </pre>
 *
 * Crafted captures go in on h1..h4; every port's output capture and counters.json are checked.
 */
class ReplayTest {
    static final long S = 1_000_000_000L;
    static final long T = 1_700_000_000L * S; // a plausible epoch time; the replay only uses differences
    static final long A = 0x02_00_00_00_00_0aL, B = 0x02_00_00_00_00_0bL, C = 0x02_00_00_00_00_0cL;
    static final long D = 0x02_00_00_00_00_0dL, E = 0x02_00_00_00_00_0eL, BCAST = 0xffff_ffff_ffffL;

    @TempDir
    Path dir;

    static SwitchConfig topology() {
        return new SwitchConfig(List.of(
                new BridgeConfig("br0", List.of(
                        new PortConfig("h1", PortConfig.SYSTEM, 10, null, null, null, null),
                        new PortConfig("h2", PortConfig.SYSTEM, 20, null, null, null, null),
                        new PortConfig("p0", PortConfig.PATCH, null, List.of(10, 20), null, null, Map.of("peer", "p1")))),
                new BridgeConfig("br1", List.of(
                        new PortConfig("h3", PortConfig.INTERNAL, 10, null, "ns3", null, null),
                        new PortConfig("h4", PortConfig.SYSTEM, null, List.of(10, 20), null, null, null),
                        new PortConfig("p1", PortConfig.PATCH, null, List.of(10, 20), null, null, Map.of("peer", "p0"))))));
    }

    /** An untagged 60-byte frame; {@code seed} makes payloads of otherwise equal frames differ. */
    static byte[] frame(long dst, long src, int etherType, int seed) {
        ByteBuffer f = ByteBuffer.allocate(60);
        f.putShort((short) (dst >>> 32)).putInt((int) dst).putShort((short) (src >>> 32)).putInt((int) src);
        f.putShort((short) etherType);
        while (f.hasRemaining()) {
            f.put((byte) (seed + f.position()));
        }
        return f.array();
    }

    static byte[] tagged(byte[] untagged, int vid) {
        ByteBuffer f = ByteBuffer.allocate(untagged.length + 4);
        f.put(untagged, 0, 12).putShort((short) 0x8100).putShort((short) vid).put(untagged, 12, untagged.length - 12);
        return f.array();
    }

    // The traffic, in the order the replay must forward it.
    static final byte[] F1 = frame(BCAST, A, 0x0806, 1); // h1 ARP request, VLAN 10
    static final byte[] F2 = frame(A, B, 0x0806, 2); // h3 ARP reply to A
    static final byte[] F3 = frame(B, A, 0x0800, 3); // h1 unicast to B
    static final byte[] F3B = frame(B, A, 0x0800, 4); // the same flow again: a flow cache hit
    static final byte[] F4 = tagged(frame(BCAST, E, 0x0800, 5), 10); // tagged on access port h2: dropped
    static final byte[] F5U = frame(BCAST, C, 0x0800, 6);
    static final byte[] F5 = tagged(F5U, 20); // h4 broadcast in VLAN 20, same time as F4
    static final byte[] F6 = frame(BCAST, B, 0x0800, 7); // h3 and h1 broadcast at the same time: the order of
    static final byte[] F7 = frame(BCAST, A, 0x0800, 8); // the --in options decides which goes first
    static final byte[] F8U = frame(A, D, 0x0800, 9);
    static final byte[] F8 = tagged(F8U, 10); // 400 s later: A has aged out, so this floods

    /** Writes the captures and the db; returns the arguments of the replay command (without --out). */
    List<String> prepare() throws IOException {
        Path db = dir.resolve("conf.json");
        new ConfigDb(db).save(topology());
        // h3 is given before h1 so that at t=3 s F6 (h3) is forwarded before F7 (h1).
        pcap("h3.in.pcap", new long[] {T + S + 100_000, T + 3 * S}, F2, F6);
        pcap("h1.in.pcap", new long[] {T + S, T + S + 200_000, T + S + 300_000, T + 3 * S}, F1, F3, F3B, F7);
        pcap("h2.in.pcap", new long[] {T + 2 * S}, F4);
        pcap("h4.in.pcap", new long[] {T + 400 * S, T + 2 * S}, F8, F5); // out of order in the file: sorted
        return List.of("--db", db.toString(),
                "--in", "h3=" + dir.resolve("h3.in.pcap"), "--in", "h1=" + dir.resolve("h1.in.pcap"),
                "--in", "h2=" + dir.resolve("h2.in.pcap"), "--in", "h4=" + dir.resolve("h4.in.pcap"));
    }

    void pcap(String name, long[] ts, byte[]... frames) throws IOException {
        try (PcapWriter w = new PcapWriter(Files.newOutputStream(dir.resolve(name)))) {
            for (int i = 0; i < frames.length; i++) {
                w.write(ts[i], frames[i]);
            }
        }
    }

    record Result(int status, String out, String err) {
    }

    static Result replay(List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = ReplayCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static List<PcapRecord> read(Path file) throws IOException {
        List<PcapRecord> out = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file); PcapReader r = new PcapReader(in, file.toString())) {
            for (PcapRecord rec; (rec = r.next()) != null; ) {
                out.add(rec);
            }
        }
        return out;
    }

    static void assertFrames(Path file, long[] ts, byte[]... frames) throws IOException {
        List<PcapRecord> recs = read(file);
        assertEquals(frames.length, recs.size(), file.getFileName() + " frame count");
        for (int i = 0; i < frames.length; i++) {
            assertEquals(ts[i], recs.get(i).timestampNs(), file.getFileName() + " frame " + (i + 1) + " time");
            assertArrayEquals(frames[i], recs.get(i).data(), file.getFileName() + " frame " + (i + 1));
        }
    }

    @Test
    void shouldForwardAcrossThePatchPairWithVlansAndRecordEveryPort() throws IOException {
        List<String> args = new ArrayList<>(prepare());
        Path out = dir.resolve("out");
        args.addAll(List.of("--out", out.toString()));
        Result r = replay(args);
        assertEquals(0, r.status(), r.err());
        assertEquals("", r.err());
        assertEquals("replayed 9 frames, 12 left 6 ports; wrote " + out + "\n", r.out());

        // F1 floods VLAN 10: across the patch to h3 untagged and h4 tagged, never to h2 (VLAN 20).
        // F2 and F3 are unicast along learned entries; F8 floods because aging at t=400 s forgot A.
        assertFrames(out.resolve("h1.pcap"), new long[] {T + S + 100_000, T + 3 * S, T + 400 * S}, F2, F6, F8U);
        assertFrames(out.resolve("h2.pcap"), new long[] {T + 2 * S}, F5U);
        assertFrames(out.resolve("h3.pcap"),
                new long[] {T + S, T + S + 200_000, T + S + 300_000, T + 3 * S, T + 400 * S}, F1, F3, F3B, F7, F8U);
        assertFrames(out.resolve("h4.pcap"), new long[] {T + S, T + 3 * S, T + 3 * S},
                tagged(F1, 10), tagged(F6, 10), tagged(F7, 10));
        assertFrames(out.resolve("p0.pcap"), new long[0]);
        assertFrames(out.resolve("p1.pcap"), new long[0]);

        JsonNode c = new ObjectMapper().readTree(out.resolve("counters.json").toFile());
        assertEquals(9, c.get("frames_in").asLong());
        JsonNode br0 = c.get("bridges").get("br0").get("ports");
        JsonNode br1 = c.get("bridges").get("br1").get("ports");
        assertEquals(List.of("h1", "h2", "p0"), fieldNames(br0));
        assertEquals(List.of("h3", "h4", "p1"), fieldNames(br1));
        assertCounters(br0.get("h1"), "system", 4, 4 * 60, 3, 3 * 60);
        assertCounters(br0.get("h2"), "system", 1, 64, 1, 60);
        assertCounters(br1.get("h3"), "internal", 2, 2 * 60, 5, 5 * 60);
        assertCounters(br1.get("h4"), "system", 2, 2 * 64, 3, 3 * 64);
        assertEquals(1, br0.get("h2").get("drops").get("tagged_on_access").asLong());
        assertEquals(0, br0.get("h1").get("drops").get("tagged_on_access").asLong());
        assertEquals(io.jvs.core.bridge.DropReason.COUNT, br0.get("h2").get("drops").size());
        // Every frame is looked up (the drop of F4 is a cached decision too); only F3B repeats an earlier flow.
        assertEquals(1, c.get("flow_cache").get("hits").asLong(), "F3B should hit the flow cache: " + c);
        assertEquals(8, c.get("flow_cache").get("misses").asLong(), c.toString());
        // After the aging pass at t=400 s only D (learned by F8) remains, on each bridge.
        assertEquals("[{\"vlan\":10,\"mac\":\"02:00:00:00:00:0d\",\"port\":\"p0\",\"seen_ns\":" + (T + 400 * S) + "}]",
                c.get("bridges").get("br0").get("mac_table").toString());
        assertEquals("[{\"vlan\":10,\"mac\":\"02:00:00:00:00:0d\",\"port\":\"h4\",\"seen_ns\":" + (T + 400 * S) + "}]",
                c.get("bridges").get("br1").get("mac_table").toString());
    }

    static List<String> fieldNames(JsonNode n) {
        List<String> names = new ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }

    static void assertCounters(JsonNode port, String type, long rxPackets, long rxBytes, long txPackets, long txBytes) {
        assertEquals(type, port.get("type").asText(), port.toString());
        assertEquals(rxPackets, port.get("rx_packets").asLong(), "rx_packets " + port);
        assertEquals(rxBytes, port.get("rx_bytes").asLong(), "rx_bytes " + port);
        assertEquals(txPackets, port.get("tx_packets").asLong(), "tx_packets " + port);
        assertEquals(txBytes, port.get("tx_bytes").asLong(), "tx_bytes " + port);
        assertEquals(0, port.get("tx_dropped").asLong(), port.toString());
        assertEquals(0, port.get("tx_errors").asLong(), port.toString());
    }

    @Test
    void shouldGiveByteIdenticalOutputsWhenReplayedTwice() throws IOException {
        List<String> args = prepare();
        for (String run : List.of("a", "b")) {
            List<String> a = new ArrayList<>(args);
            a.addAll(List.of("--out", dir.resolve(run).toString()));
            assertEquals(0, replay(a).status());
        }
        List<String> names;
        try (Stream<Path> files = Files.list(dir.resolve("a"))) {
            names = files.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertEquals(List.of("counters.json", "h1.pcap", "h2.pcap", "h3.pcap", "h4.pcap", "p0.pcap", "p1.pcap"), names);
        for (String name : names) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("a").resolve(name)),
                    Files.readAllBytes(dir.resolve("b").resolve(name)), name + " differs between two replays");
        }
    }

    @Test
    void shouldRefuseAnUnknownPort() throws IOException {
        prepare();
        Result r = replay(List.of("--db", dir.resolve("conf.json").toString(), "--in", "eth9=" + dir.resolve("h1.in.pcap"),
                "--out", dir.resolve("o").toString()));
        assertOneLineError(r, 1, "jvs replay: --in eth9=");
        assertTrue(r.err().contains("no port eth9 in the db (ports: h1, h2, p0, h3, h4, p1)"), r.err());
    }

    @Test
    void shouldRefuseAMissingOrTruncatedCapture() throws IOException {
        List<String> args = new ArrayList<>(prepare());
        Path missing = dir.resolve("nope.pcap");
        Result r = replay(List.of("--db", dir.resolve("conf.json").toString(), "--in", "h1=" + missing,
                "--out", dir.resolve("o").toString()));
        assertOneLineError(r, 1, "jvs replay: cannot read " + missing + ": no such file");

        byte[] whole = Files.readAllBytes(dir.resolve("h1.in.pcap"));
        Path cut = dir.resolve("cut.pcap");
        Files.write(cut, java.util.Arrays.copyOf(whole, whole.length - 7));
        r = replay(List.of("--db", dir.resolve("conf.json").toString(), "--in", "h1=" + cut,
                "--out", dir.resolve("o").toString()));
        assertOneLineError(r, 1, "jvs replay: " + cut + ": record 4 is truncated");
    }

    @Test
    void shouldRefuseANonEthernetCapture() throws IOException {
        prepare();
        Path raw = dir.resolve("raw.pcap");
        try (PcapWriter w = new PcapWriter(Files.newOutputStream(raw), ByteOrder.LITTLE_ENDIAN, false, 101)) {
            w.write(T, new byte[20]);
        }
        Result r = replay(List.of("--db", dir.resolve("conf.json").toString(), "--in", "h1=" + raw,
                "--out", dir.resolve("o").toString()));
        assertOneLineError(r, 1, "jvs replay: " + raw + ": link type 101, not Ethernet (1)");
    }

    @Test
    void shouldRefuseABadDb() throws IOException {
        prepare();
        Path db = dir.resolve("bad.json");
        Files.writeString(db, "{\"bridges\": [ {\"name\": \"br0\", \"ports\": [ {\"name\": ");
        Result r = replay(List.of("--db", db.toString(), "--in", "h1=" + dir.resolve("h1.in.pcap"),
                "--out", dir.resolve("o").toString()));
        assertOneLineError(r, 1, "jvs replay: bad db: cannot read the db " + db);

        new ConfigDb(db).save(new SwitchConfig(List.of(new BridgeConfig("br0",
                List.of(new PortConfig("h1", PortConfig.SYSTEM, 5000, null, null, null, null))))));
        r = replay(List.of("--db", db.toString(), "--in", "h1=" + dir.resolve("h1.in.pcap"),
                "--out", dir.resolve("o").toString()));
        assertOneLineError(r, 1, "jvs replay: bad db: port h1: VLAN 5000 out of range 1..4094");

        r = replay(List.of("--db", dir.resolve("absent.json").toString(), "--in", "h1=x.pcap", "--out", "o"));
        assertOneLineError(r, 1, "jvs replay: bad db: " + dir.resolve("absent.json") + " is not a file");
    }

    @Test
    void shouldRefuseABadCommandLine() {
        assertOneLineError(replay(List.of("--db", "x.json", "--out", "o")), 2, "jvs replay: needs --db");
        assertOneLineError(replay(List.of("--db", "x.json", "--in", "h1", "--out", "o")), 2,
                "jvs replay: --in takes PORT=FILE.pcap, not h1");
        assertOneLineError(replay(List.of("--frobnicate")), 2, "jvs replay: unknown argument --frobnicate");
    }

    static void assertOneLineError(Result r, int status, String prefix) {
        assertEquals(status, r.status(), r.err());
        assertTrue(r.err().startsWith(prefix), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().endsWith("\n"), r.err());
    }
}
