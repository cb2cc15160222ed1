package io.jvs.core.packet;

import org.agrona.MutableDirectBuffer;

/**
 * Receives the segments {@link GsoSegmenter} builds. The buffer is the segmenter's scratch buffer and is
 * overwritten by the next segment, so an implementation must send or copy the segment before returning.
 */
@FunctionalInterface
public interface SegmentSink {
    /**
     * @param buf the scratch buffer; {@code off} is at least {@link GsoSegmenter#HEADROOM}, so the sink may write
     *            a VLAN tag and a virtio-net header in the bytes before {@code off} without copying the segment.
     * @param off offset of the segment's Ethernet header.
     * @param len length of the segment (Ethernet header to end of payload).
     */
    void accept(MutableDirectBuffer buf, int off, int len);
}
