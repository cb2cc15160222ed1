package io.jvs.datapath.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.agrona.concurrent.UnsafeBuffer;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A PACKET_RX_RING (TPACKET_V2) on an AF_PACKET socket: the kernel copies each received frame into the next free
 * slot of a ring we share by mmap, in its receive softirq, instead of queueing it for a recvmmsg that copies it again
 * in our thread. The reactor reads frames where they lie and hands slots back by writing TP_STATUS_KERNEL.
 *
 * <p>Why V2 and not V3: a V3 block is handed to user space only when it is full or its retire timer fires (at least
 * a millisecond), which adds that much to a ping; a V2 slot is handed over frame by frame. Frames larger than a slot
 * (GSO super-frames) are not cut: PACKET_COPY_THRESH makes the kernel mark the slot TP_STATUS_COPY and queue the
 * whole frame on the socket, where recvmmsg reads it.
 *
 * <pre>
 * slot (FRAME_SIZE bytes):
 *   0  struct tpacket2_hdr: u32 tp_status, u32 tp_len, u32 tp_snaplen, u16 tp_mac, u16 tp_net, u32 tp_sec,
 *                           u32 tp_nsec, u16 tp_vlan_tci, u16 tp_vlan_tpid, u8 pad[4]          (32 bytes)
 *  32  struct sockaddr_ll                                                                  (20 bytes)
 *  ..  PACKET_RESERVE headroom (room for a VLAN push in place)
 *  tp_mac - 10  virtio_net_hdr (PACKET_VNET_HDR)
 *  tp_mac       the frame (tp_snaplen bytes; tp_len on the wire)
 * </pre>
 */
public final class RxRing {
    public static final int FRAME_SIZE = 2048;
    static final int BLOCK_SIZE = 64 << 10;
    /** Bytes reserved between the kernel's headers and the virtio header: the Forwarder's tag push needs 4. */
    static final int RESERVE = 64;

    public static final int TP_STATUS_KERNEL = 0, TP_STATUS_USER = 1, TP_STATUS_COPY = 2, TP_STATUS_VLAN_VALID = 0x10;
    private static final int TP_LEN = 4, TP_SNAPLEN = 8, TP_MAC = 12, TP_VLAN_TCI = 24;

    private static final int SOL_PACKET = 263;
    private static final int PACKET_RX_RING = 5, PACKET_COPY_THRESH = 7, PACKET_VERSION = 10, PACKET_RESERVE = 12;
    private static final int TPACKET_V2 = 1;

    private final long address;
    private final long length;
    private final int frames;
    private final UnsafeBuffer buffer;
    private int head;

    private RxRing(long address, long length, int frames) {
        this.address = address;
        this.length = length;
        this.frames = frames;
        this.buffer = new UnsafeBuffer(address, (int) length);
    }

    /**
     * Sets up a ring of {@code frames} slots on {@code fd} (before bind, after PACKET_VNET_HDR) and maps it.
     * {@code frames} is rounded up to whole blocks.
     */
    static RxRing create(int fd, int frames, String what) throws NativeException {
        int perBlock = BLOCK_SIZE / FRAME_SIZE;
        int blocks = Math.max(1, (frames + perBlock - 1) / perBlock);
        int total = blocks * perBlock;
        LibC.setsockoptInt(fd, SOL_PACKET, PACKET_VERSION, TPACKET_V2, "PACKET_VERSION " + what);
        LibC.setsockoptInt(fd, SOL_PACKET, PACKET_RESERVE, RESERVE, "PACKET_RESERVE " + what);
        LibC.setsockoptInt(fd, SOL_PACKET, PACKET_COPY_THRESH, 1, "PACKET_COPY_THRESH " + what);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment req = arena.allocate(16, 4); // struct tpacket_req
            req.set(JAVA_INT, 0, BLOCK_SIZE);
            req.set(JAVA_INT, 4, blocks);
            req.set(JAVA_INT, 8, FRAME_SIZE);
            req.set(JAVA_INT, 12, total);
            LibC.setsockoptBytes(fd, SOL_PACKET, PACKET_RX_RING, req, "PACKET_RX_RING " + what);
        }
        long length = (long) blocks * BLOCK_SIZE;
        long address = LibC.mmap(fd, length, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, "rx ring " + what);
        return new RxRing(address, length, total);
    }

    /** The ring's memory; frames are read (and edited in place) through it. */
    public UnsafeBuffer buffer() {
        return buffer;
    }

    public int frames() {
        return frames;
    }

    /** The slot the next frame will be in. */
    public int head() {
        return head;
    }

    private int base(int slot) {
        return slot * FRAME_SIZE;
    }

    /** The head slot's status with acquire semantics: its contents are visible once TP_STATUS_USER shows. */
    public int status() {
        return buffer.getIntVolatile(base(head));
    }

    public boolean ready() {
        return (status() & TP_STATUS_USER) != 0;
    }

    /** Bytes of the head frame on the wire. */
    public int wireLength() {
        return buffer.getInt(base(head) + TP_LEN);
    }

    /** Bytes of the head frame in the slot. */
    public int snapLength() {
        return buffer.getInt(base(head) + TP_SNAPLEN);
    }

    /** Offset in {@link #buffer()} of the head frame's virtio header (the frame follows it). */
    public int vnetOffset() {
        return base(head) + (buffer.getShort(base(head) + TP_MAC) & 0xffff) - 10;
    }

    /** The stripped 802.1Q TCI of the head frame, or -1. */
    public int vlanTci(int status) {
        return (status & TP_STATUS_VLAN_VALID) != 0 ? buffer.getShort(base(head) + TP_VLAN_TCI) & 0xffff : -1;
    }

    /** The stripped 802.1Q TCI of the frame whose virtio header is at {@code vnetOffset}, or -1. */
    public int vlanTci(int status, int vnetOffset) {
        int slotBase = vnetOffset - vnetOffset % FRAME_SIZE;
        return (status & TP_STATUS_VLAN_VALID) != 0 ? buffer.getShort(slotBase + TP_VLAN_TCI) & 0xffff : -1;
    }

    public void advance() {
        head = head + 1 == frames ? 0 : head + 1;
    }

    /** Hands {@code count} slots starting at {@code first} back to the kernel (release stores, in order). */
    public void release(int first, int count) {
        int slot = first;
        for (int i = 0; i < count; i++) {
            buffer.putIntOrdered(base(slot), TP_STATUS_KERNEL);
            slot = slot + 1 == frames ? 0 : slot + 1;
        }
    }

    void unmap() {
        LibC.munmap(address, length);
    }
}
