package io.jvs.core.pcap;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reads a classic pcap file record by record: both magics (microsecond and nanosecond timestamps), both byte orders.
 * A file that ends inside a header or a record is refused with an error naming the file and the record (numbered
 * from 1, as Wireshark numbers frames), never read as if it had ended cleanly.
 */
public final class PcapReader implements Closeable {
    private final InputStream in;
    private final String name;
    private final ByteOrder order;
    private final boolean nanosecond;
    private final int snaplen;
    private final int linkType;
    private final ByteBuffer recordHeader = ByteBuffer.allocate(PcapFormat.RECORD_HEADER_LENGTH);
    private long recordNumber; // of the last record returned

    /**
     * Reads the global header.
     *
     * @param in   the file's bytes (buffer it: records are read in small pieces)
     * @param name what error messages call the file, usually its path
     */
    public PcapReader(InputStream in, String name) throws IOException {
        this.in = in;
        this.name = name;
        byte[] header = new byte[PcapFormat.GLOBAL_HEADER_LENGTH];
        int n = readFully(header);
        if (n < 4) {
            throw new PcapFormatException(name + ": not a pcap file (" + n + " bytes, shorter than the magic number)");
        }
        ByteBuffer h = ByteBuffer.wrap(header);
        int big = h.order(ByteOrder.BIG_ENDIAN).getInt(0);
        int little = h.order(ByteOrder.LITTLE_ENDIAN).getInt(0);
        if (big == PcapFormat.MAGIC_MICROS || big == PcapFormat.MAGIC_NANOS) {
            order = ByteOrder.BIG_ENDIAN;
            nanosecond = big == PcapFormat.MAGIC_NANOS;
        } else if (little == PcapFormat.MAGIC_MICROS || little == PcapFormat.MAGIC_NANOS) {
            order = ByteOrder.LITTLE_ENDIAN;
            nanosecond = little == PcapFormat.MAGIC_NANOS;
        } else if (big == PcapFormat.PCAPNG_MAGIC) {
            throw new PcapFormatException(name + ": a pcapng file; only classic pcap is read"
                    + " (convert it: editcap -F pcap IN OUT)");
        } else {
            throw new PcapFormatException(name + ": not a pcap file (magic " + String.format("0x%08x", big) + ")");
        }
        if (n < header.length) {
            throw new PcapFormatException(name + ": truncated pcap header (" + n + " of " + header.length + " bytes)");
        }
        h.order(order);
        snaplen = h.getInt(16);
        linkType = h.getInt(20);
    }

    public String name() {
        return name;
    }

    public ByteOrder byteOrder() {
        return order;
    }

    /** Whether timestamps carry nanoseconds (magic 0xa1b23c4d) rather than microseconds. */
    public boolean nanosecond() {
        return nanosecond;
    }

    public int snaplen() {
        return snaplen;
    }

    /** The link type of every record (1 = Ethernet). */
    public int linkType() {
        return linkType;
    }

    /** The next record, or null at the end of the file. */
    public PcapRecord next() throws IOException {
        long number = recordNumber + 1;
        int n = readFully(recordHeader.array());
        if (n == 0) {
            return null;
        }
        if (n < PcapFormat.RECORD_HEADER_LENGTH) {
            throw new PcapFormatException(name + ": record " + number + " is truncated: the file ends " + n
                    + " bytes into its " + PcapFormat.RECORD_HEADER_LENGTH + "-byte header");
        }
        ByteBuffer h = recordHeader.order(order);
        long seconds = Integer.toUnsignedLong(h.getInt(0));
        long fraction = Integer.toUnsignedLong(h.getInt(4));
        long capturedLength = Integer.toUnsignedLong(h.getInt(8));
        long originalLength = Integer.toUnsignedLong(h.getInt(12));
        if (capturedLength > PcapFormat.MAX_RECORD_LENGTH) {
            throw new PcapFormatException(name + ": record " + number + " claims " + capturedLength
                    + " captured bytes, more than the " + PcapFormat.MAX_RECORD_LENGTH + " a pcap record may hold");
        }
        byte[] data = new byte[(int) capturedLength];
        int got = readFully(data);
        if (got < data.length) {
            throw new PcapFormatException(name + ": record " + number + " is truncated: its header says "
                    + data.length + " bytes captured, the file ends after " + got);
        }
        recordNumber = number;
        long timestampNs = seconds * 1_000_000_000L + (nanosecond ? fraction : fraction * 1000);
        return new PcapRecord(timestampNs, (int) Math.min(originalLength, Integer.MAX_VALUE), data);
    }

    /** How many records {@link #next} has returned. */
    public long recordsRead() {
        return recordNumber;
    }

    /** Reads until {@code b} is full or the stream ends; returns how many bytes it got. */
    private int readFully(byte[] b) throws IOException {
        int off = 0;
        while (off < b.length) {
            int r = in.read(b, off, b.length - off);
            if (r < 0) {
                break;
            }
            off += r;
        }
        return off;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
