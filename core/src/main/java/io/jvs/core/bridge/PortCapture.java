package io.jvs.core.bridge;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLong;

import io.jvs.core.packet.EthernetHeader;
import io.jvs.core.packet.VlanHeader;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * A live copy of what one port receives and sends ({@code jvs capture}), attached to the port while a capture runs
 * ({@link BridgePort#setCapture}). Forwarding threads copy each frame, as it is on the wire (with its 802.1Q tag,
 * also one the kernel stripped on receive), into a bounded many-to-one ring (no lock, no allocation; when the
 * reader falls behind, frames are counted in {@link #dropped} instead); one reader drains it to a pcap file. While
 * any capture runs nothing is installed in the flow caches ({@link FlowGeneration#capturing}; starting one bumped
 * the generation), so every frame takes the slow path and patch hops, which a cached decision replays without
 * visiting, are seen too.
 */
public final class PortCapture {
    public static final int IN = 1;
    public static final int OUT = 2;
    /** Bytes kept per frame (the largest frame a port hands us). */
    public static final int SNAPLEN = 65535 + VlanHeader.LENGTH;
    private static final int HEADER = 12; // timestamp (8) + original length (4)

    private final int directions;
    private final ManyToOneRingBuffer ring;
    private final AtomicLong dropped = new AtomicLong();
    private final long wallBaseNs = System.currentTimeMillis() * 1_000_000L;
    private final long monoBaseNs = System.nanoTime();

    /** @param directions {@link #IN}, {@link #OUT} or both */
    public PortCapture(int directions, int ringBytes) {
        this.directions = directions;
        this.ring = new ManyToOneRingBuffer(new UnsafeBuffer(
                ByteBuffer.allocateDirect(ringBytes + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    /** A frame received on the port: {@code auxTci} is the tag the kernel stripped (-1: none), put back here. */
    public void received(DirectBuffer buf, int off, int len, int auxTci) {
        if ((directions & IN) != 0) {
            copy(IN, buf, off, len, auxTci);
        }
    }

    /** A frame sent on the port, exactly as sent. */
    public void sent(DirectBuffer buf, int off, int len) {
        if ((directions & OUT) != 0) {
            copy(OUT, buf, off, len, -1);
        }
    }

    /** A frame that crossed the port untagged inside the switch and is on the wire with VID {@code wireVid} (-1: untagged). */
    public void crossed(int direction, DirectBuffer buf, int off, int len, int wireVid, int pcp) {
        if ((directions & direction) != 0) {
            copy(direction, buf, off, len, wireVid < 0 ? -1 : VlanHeader.tci(pcp, wireVid));
        }
    }

    private void copy(int direction, DirectBuffer buf, int off, int len, int tci) {
        int wire = tci >= 0 && len >= EthernetHeader.LENGTH ? len + VlanHeader.LENGTH : len;
        int kept = Math.min(wire, SNAPLEN);
        int index = ring.tryClaim(direction, HEADER + kept);
        if (index <= 0) {
            dropped.incrementAndGet();
            return;
        }
        MutableDirectBuffer b = ring.buffer();
        b.putLong(index, wallBaseNs + (System.nanoTime() - monoBaseNs));
        b.putInt(index + 8, wire);
        int at = index + HEADER;
        if (wire != len) {
            b.putBytes(at, buf, off, 12); // MACs, then the tag, then the rest
            b.putShort(at + 12, (short) EthernetHeader.ETH_P_8021Q, ByteOrder.BIG_ENDIAN);
            b.putShort(at + 14, (short) tci, ByteOrder.BIG_ENDIAN);
            b.putBytes(at + 16, buf, off + 12, kept - 16);
        } else {
            b.putBytes(at, buf, off, kept);
        }
        ring.commit(index);
    }

    /** What the reader is given for each frame. */
    public interface Reader {
        void frame(int direction, long timestampNs, int originalLength, DirectBuffer buf, int off, int keptLength);
    }

    /** Hands up to {@code limit} frames to {@code reader} (the one reading thread); returns how many. */
    public int drain(Reader reader, int limit) {
        return ring.read((MessageHandler) (type, buffer, index, length) -> reader.frame(type, buffer.getLong(index),
                buffer.getInt(index + 8), buffer, index + HEADER, length - HEADER), limit);
    }

    /** Frames not copied because the ring was full. */
    public long dropped() {
        return dropped.get();
    }
}
