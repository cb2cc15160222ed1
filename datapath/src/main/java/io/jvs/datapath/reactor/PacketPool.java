package io.jvs.datapath.reactor;

import java.nio.ByteBuffer;

import io.jvs.core.bridge.Forwarder;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * One reactor thread's receive slots: {@link #MAX_BURST} off-heap slots, each big enough for a 64 KiB GSO
 * super-frame behind its virtio-net header, with {@link Forwarder#HEADROOM} bytes in front for a VLAN push. Allocated
 * once when the thread starts; a burst reads into the slots, is forwarded, and the next burst reuses them.
 */
public final class PacketPool {
    /** Frames read per port per wake-up (Open vSwitch uses 32 too): bounds the work one busy port does before others. */
    public static final int MAX_BURST = 32;
    /** Bytes from a slot's virtio header to its end: header + the largest frame the kernel hands us. */
    public static final int SLOT_CAPACITY = 10 + 65535 + 18;
    private static final int SLOT_STRIDE = (Forwarder.HEADROOM + SLOT_CAPACITY + 63) & ~63;

    private final UnsafeBuffer buffer;
    private final long[] slotAddresses = new long[MAX_BURST];
    private final int[] slotOffsets = new int[MAX_BURST];

    public PacketPool() {
        ByteBuffer memory = ByteBuffer.allocateDirect(SLOT_STRIDE * MAX_BURST + 64);
        buffer = new UnsafeBuffer(memory);
        int align = (int) ((64 - (buffer.addressOffset() & 63)) & 63);
        for (int i = 0; i < MAX_BURST; i++) {
            slotOffsets[i] = align + i * SLOT_STRIDE + Forwarder.HEADROOM;
            slotAddresses[i] = buffer.addressOffset() + slotOffsets[i];
        }
    }

    /** The buffer all slots live in. */
    public UnsafeBuffer buffer() {
        return buffer;
    }

    /** Native addresses where slot i's virtio header starts (for read(2)/recvmmsg). Do not modify. */
    public long[] slotAddresses() {
        return slotAddresses;
    }

    /** Offset in {@link #buffer()} where slot i's virtio header starts. */
    public int slotOffset(int i) {
        return slotOffsets[i];
    }
}
