package io.jvs.core.pcap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PcapRoundTripTest {
    static final long T0 = 1_700_000_000_123_456_789L; // ns since the epoch

    static byte[] frame(int length, int seed) {
        byte[] f = new byte[length];
        for (int i = 0; i < length; i++) {
            f[i] = (byte) (seed * 31 + i);
        }
        return f;
    }

    static byte[] write(ByteOrder order, boolean nanosecond, long[] timestamps, byte[][] frames) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PcapWriter w = new PcapWriter(bytes, order, nanosecond, PcapFormat.LINKTYPE_ETHERNET)) {
            for (int i = 0; i < frames.length; i++) {
                w.write(timestamps[i], frames[i]);
            }
        }
        return bytes.toByteArray();
    }

    static List<PcapRecord> readAll(byte[] file) throws IOException {
        List<PcapRecord> out = new ArrayList<>();
        try (PcapReader r = new PcapReader(new ByteArrayInputStream(file), "test.pcap")) {
            for (PcapRecord rec; (rec = r.next()) != null; ) {
                out.add(rec);
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"BIG_ENDIAN, false", "BIG_ENDIAN, true", "LITTLE_ENDIAN, false", "LITTLE_ENDIAN, true"})
    void shouldReadBackWhatWasWrittenInEveryVariant(String orderName, boolean nanosecond) throws IOException {
        ByteOrder order = orderName.equals("BIG_ENDIAN") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        long[] ts = {T0, T0 + 1, T0 + 2_000_000_000L};
        byte[][] frames = {frame(60, 1), frame(1514, 2), frame(0, 3)};
        byte[] file = write(order, nanosecond, ts, frames);

        int magic = ByteBuffer.wrap(file).order(order).getInt(0);
        assertEquals(nanosecond ? PcapFormat.MAGIC_NANOS : PcapFormat.MAGIC_MICROS, magic);
        try (PcapReader r = new PcapReader(new ByteArrayInputStream(file), "x")) {
            assertEquals(order, r.byteOrder());
            assertEquals(nanosecond, r.nanosecond());
            assertEquals(PcapFormat.LINKTYPE_ETHERNET, r.linkType());
            assertEquals(PcapFormat.DEFAULT_SNAPLEN, r.snaplen());
        }
        List<PcapRecord> recs = readAll(file);
        assertEquals(3, recs.size());
        for (int i = 0; i < 3; i++) {
            long expected = nanosecond ? ts[i] : ts[i] / 1000 * 1000;
            assertEquals(expected, recs.get(i).timestampNs(), "record " + i + " timestamp");
            assertArrayEquals(frames[i], recs.get(i).data(), "record " + i + " data");
            assertEquals(frames[i].length, recs.get(i).originalLength());
            assertFalse(recs.get(i).truncated());
        }
    }

    @Test
    void shouldWriteTheDefaultFormatByteForByte() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PcapWriter w = new PcapWriter(bytes)) {
            w.write(3_000_000_000L + 4_000_999L, new byte[] {(byte) 0xaa, (byte) 0xbb});
        }
        byte[] expected = {
            (byte) 0xd4, (byte) 0xc3, (byte) 0xb2, (byte) 0xa1, 2, 0, 4, 0, // magic (LE), version 2.4
            0, 0, 0, 0, 0, 0, 0, 0, // thiszone, sigfigs
            (byte) 0xff, (byte) 0xff, 0, 0, 1, 0, 0, 0, // snaplen 65535, Ethernet
            3, 0, 0, 0, (byte) 0xa0, 0x0f, 0, 0, // 3 s, 4000 us (the 999 ns are dropped)
            2, 0, 0, 0, 2, 0, 0, 0, // incl_len, orig_len
            (byte) 0xaa, (byte) 0xbb};
        assertArrayEquals(expected, bytes.toByteArray());
    }

    @Test
    void shouldCutFramesLongerThanTheSnaplenAndKeepTheirLength() throws IOException {
        byte[] file = write(ByteOrder.LITTLE_ENDIAN, false, new long[] {T0}, new byte[][] {frame(70_000, 9)});
        PcapRecord rec = readAll(file).get(0);
        assertEquals(PcapFormat.DEFAULT_SNAPLEN, rec.data().length);
        assertEquals(70_000, rec.originalLength());
        assertTrue(rec.truncated());
    }

    @Test
    void shouldRefuseARecordWhoseDataIsCutShort() throws IOException {
        byte[] file = write(ByteOrder.LITTLE_ENDIAN, false, new long[] {T0, T0}, new byte[][] {frame(60, 1), frame(60, 2)});
        byte[] cut = Arrays.copyOf(file, file.length - 10);
        PcapFormatException e = assertThrows(PcapFormatException.class, () -> readAll(cut));
        assertEquals("test.pcap: record 2 is truncated: its header says 60 bytes captured, the file ends after 50",
                e.getMessage());
    }

    @Test
    void shouldRefuseARecordWhoseHeaderIsCutShort() throws IOException {
        byte[] file = write(ByteOrder.BIG_ENDIAN, true, new long[] {T0}, new byte[][] {frame(60, 1)});
        byte[] cut = Arrays.copyOf(file, file.length + 5); // five bytes of a second record header
        PcapFormatException e = assertThrows(PcapFormatException.class, () -> readAll(cut));
        assertEquals("test.pcap: record 2 is truncated: the file ends 5 bytes into its 16-byte header", e.getMessage());
    }

    @Test
    void shouldRefuseATruncatedGlobalHeader() throws IOException {
        byte[] file = Arrays.copyOf(write(ByteOrder.LITTLE_ENDIAN, false, new long[0], new byte[0][]), 10);
        PcapFormatException e = assertThrows(PcapFormatException.class, () -> readAll(file));
        assertEquals("test.pcap: truncated pcap header (10 of 24 bytes)", e.getMessage());
    }

    @Test
    void shouldRefuseSomethingThatIsNotPcap() {
        byte[] text = "hello, this is not a capture".getBytes(StandardCharsets.US_ASCII);
        PcapFormatException e = assertThrows(PcapFormatException.class, () -> readAll(text));
        assertTrue(e.getMessage().startsWith("test.pcap: not a pcap file (magic 0x"), e.getMessage());
        byte[] pcapng = {0x0a, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0};
        e = assertThrows(PcapFormatException.class, () -> readAll(pcapng));
        assertTrue(e.getMessage().contains("pcapng"), e.getMessage());
    }

    @Test
    void shouldRefuseAbsurdCapturedLengths() throws IOException {
        byte[] file = write(ByteOrder.LITTLE_ENDIAN, false, new long[] {T0}, new byte[][] {frame(4, 1)});
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putInt(24 + 8, 0x7fff_0000);
        PcapFormatException e = assertThrows(PcapFormatException.class, () -> readAll(file));
        assertTrue(e.getMessage().startsWith("test.pcap: record 1 claims"), e.getMessage());
    }

    @Test
    void shouldReturnNullAtTheEndOfAnEmptyCapture() throws IOException {
        byte[] file = write(ByteOrder.LITTLE_ENDIAN, false, new long[0], new byte[0][]);
        assertEquals(24, file.length);
        try (PcapReader r = new PcapReader(new ByteArrayInputStream(file), "x")) {
            assertNull(r.next());
            assertEquals(0, r.recordsRead());
        }
    }

    /** The format is only right if the tools read it: tshark must list every frame, with its length, silently. */
    @Test
    void shouldBeOpenedByTshark(@TempDir Path dir) throws Exception {
        Path tshark = findOnPath("tshark");
        assumeTrue(tshark != null, "tshark is not installed (apt-get install tshark); the format check is skipped");
        long[] ts = {T0, T0 + 1_000_000L, T0 + 5_000_000_000L};
        byte[][] frames = {ethernet(60), ethernet(1514), ethernet(64)};
        Path file = dir.resolve("out.pcap");
        Files.write(file, write(ByteOrder.LITTLE_ENDIAN, false, ts, frames));
        Process p = new ProcessBuilder(tshark.toString(), "-n", "-r", file.toString(), "-T", "fields",
                "-e", "frame.len", "-e", "frame.time_epoch")
                .redirectError(dir.resolve("stderr").toFile())
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "tshark did not finish");
        String err = Files.readString(dir.resolve("stderr")).lines()
                .filter(l -> !l.contains("Running as user")) // tshark's warning when run as root
                .reduce("", (a, b) -> a + b + "\n");
        assertEquals(0, p.exitValue(), "tshark failed: " + err);
        assertEquals("", err, "tshark complained");
        List<String> lines = out.lines().toList();
        assertEquals(3, lines.size(), out);
        assertTrue(lines.get(0).startsWith("60\t1700000000.123456"), lines.get(0));
        assertTrue(lines.get(1).startsWith("1514\t1700000000.124456"), lines.get(1));
        assertTrue(lines.get(2).startsWith("64\t1700000005.123456"), lines.get(2));
    }

    static byte[] ethernet(int length) {
        byte[] f = frame(length, 7);
        byte[] header = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff,
            2, 0, 0, 0, 0, 1, (byte) 0x88, (byte) 0xb5}; // broadcast from a local MAC, local experimental ethertype
        System.arraycopy(header, 0, f, 0, header.length);
        return f;
    }

    static Path findOnPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir, program);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
