package io.jvs.core.pcap;

/**
 * One frame of a pcap file.
 *
 * @param timestampNs    capture time in nanoseconds since the epoch (microsecond files give multiples of 1000)
 * @param originalLength the frame's length on the wire; more than {@code data.length} when the capture cut it
 * @param data           the captured bytes
 */
public record PcapRecord(long timestampNs, int originalLength, byte[] data) {
    /** Whether the capture kept fewer bytes than the frame had. */
    public boolean truncated() {
        return originalLength > data.length;
    }
}
