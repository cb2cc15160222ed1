package io.jvs.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import io.jvs.core.pcap.PcapFormat;
import io.jvs.core.pcap.PcapReader;
import io.jvs.core.pcap.PcapRecord;
import io.jvs.core.pcap.PcapWriter;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Arbitrary bytes as a pcap file: the reader must return records or throw PcapFormatException/IOException, nothing
 * else. Whatever it read is written back with PcapWriter (same byte order and resolution) and read again: the
 * records must survive the round trip.
 */
class PcapFuzzTest {
    @FuzzTest
    void pcapReader(byte[] data) throws IOException {
        List<PcapRecord> records = new ArrayList<>();
        PcapReader r;
        try {
            r = new PcapReader(new ByteArrayInputStream(data), "fuzz.pcap");
            for (PcapRecord rec; (rec = r.next()) != null; ) {
                assertTrue(rec.data().length <= PcapFormat.MAX_RECORD_LENGTH, "record of " + rec.data().length);
                assertTrue(rec.originalLength() >= 0 && rec.timestampNs() >= 0, rec.toString());
                records.add(rec);
                assertEquals(records.size(), r.recordsRead());
            }
        } catch (IOException expected) { // PcapFormatException is an IOException
            return;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PcapWriter w = new PcapWriter(out, r.byteOrder(), r.nanosecond(), r.linkType());
        List<PcapRecord> written = new ArrayList<>();
        for (PcapRecord rec : records) {
            // What the format can hold again: seconds in 32 bits, at most the writer's snaplen.
            if (rec.timestampNs() / 1_000_000_000L <= 0xffff_ffffL && rec.data().length <= PcapFormat.DEFAULT_SNAPLEN) {
                w.write(rec.timestampNs(), rec.data());
                written.add(rec);
            }
        }
        w.flush();
        PcapReader again = new PcapReader(new ByteArrayInputStream(out.toByteArray()), "again.pcap");
        assertEquals(r.byteOrder(), again.byteOrder());
        assertEquals(r.linkType(), again.linkType());
        for (PcapRecord rec : written) {
            PcapRecord back = again.next();
            long expectedNs = r.nanosecond() ? rec.timestampNs() : rec.timestampNs() / 1000 * 1000;
            assertEquals(expectedNs, back.timestampNs(), "timestamp after a round trip");
            assertArrayEquals(rec.data(), back.data(), "record bytes after a round trip");
        }
        assertNull(again.next());
    }
}
