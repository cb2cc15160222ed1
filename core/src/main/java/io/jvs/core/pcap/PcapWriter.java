package io.jvs.core.pcap;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Writes a classic pcap file. The default form is what the replay writes and every tool reads: microsecond
 * timestamps, little-endian, Ethernet, snaplen 65535. The other forms exist so tests can produce every variant the
 * reader accepts.
 */
public final class PcapWriter implements Closeable {
    private final OutputStream out;
    private final boolean nanosecond;
    private final int snaplen;
    private final ByteBuffer recordHeader;

    /** Microsecond, little-endian, Ethernet, snaplen 65535. Writes the global header now. */
    public PcapWriter(OutputStream out) throws IOException {
        this(out, ByteOrder.LITTLE_ENDIAN, false, PcapFormat.LINKTYPE_ETHERNET);
    }

    /** Writes the global header now. {@code out} should be buffered: each record is two writes. */
    public PcapWriter(OutputStream out, ByteOrder order, boolean nanosecond, int linkType) throws IOException {
        this.out = out;
        this.nanosecond = nanosecond;
        this.snaplen = PcapFormat.DEFAULT_SNAPLEN;
        this.recordHeader = ByteBuffer.allocate(PcapFormat.RECORD_HEADER_LENGTH).order(order);
        ByteBuffer h = ByteBuffer.allocate(PcapFormat.GLOBAL_HEADER_LENGTH).order(order);
        h.putInt(nanosecond ? PcapFormat.MAGIC_NANOS : PcapFormat.MAGIC_MICROS)
                .putShort((short) PcapFormat.VERSION_MAJOR)
                .putShort((short) PcapFormat.VERSION_MINOR)
                .putInt(0) // thiszone: timestamps are UTC
                .putInt(0) // sigfigs
                .putInt(snaplen)
                .putInt(linkType);
        out.write(h.array());
    }

    /**
     * Appends one frame. Frames longer than the snaplen are cut to it, with the full length kept as the original
     * length, as a capture would. Timestamps before 1970 or after 2106 do not fit the format and are refused.
     */
    public void write(long timestampNs, byte[] frame, int off, int length) throws IOException {
        long seconds = Math.floorDiv(timestampNs, 1_000_000_000L);
        long nanos = Math.floorMod(timestampNs, 1_000_000_000L);
        if (seconds < 0 || seconds > 0xffff_ffffL) {
            throw new IllegalArgumentException("timestamp " + timestampNs + " ns does not fit a pcap record");
        }
        int captured = Math.min(length, snaplen);
        recordHeader.clear();
        recordHeader.putInt((int) seconds)
                .putInt((int) (nanosecond ? nanos : nanos / 1000))
                .putInt(captured)
                .putInt(length);
        out.write(recordHeader.array());
        out.write(frame, off, captured);
    }

    public void write(long timestampNs, byte[] frame) throws IOException {
        write(timestampNs, frame, 0, frame.length);
    }

    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
