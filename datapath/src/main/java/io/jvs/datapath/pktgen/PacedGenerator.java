package io.jvs.datapath.pktgen;

import java.io.IOException;

import io.jvs.core.packet.Checksum;
import io.jvs.core.packet.MacAddress;
import io.jvs.datapath.linux.PacketSocket;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Sends one 64-byte (or larger) IPv4/UDP frame over and over through an AF_PACKET socket at a fixed packet rate.
 *
 * <p>Why it exists: trafgen sends as fast as it can (its TX ring mode) or, rate-limited, one sendto per packet
 * with a sleep between, which tops out near 200 kpps on the lab VM. A switch's forwarding rate at a loss bound
 * (RFC 2544 style: the highest offered rate it forwards with less than X % loss) needs an offered rate that is
 * both exact and high. This one keeps a schedule (packets due = elapsed time x rate) and sends what is due in
 * sendmmsg bursts of up to 32, spinning between bursts, so the offered rate is right to within a burst whatever
 * the scheduler does. If it cannot keep up it says so: the rate it reports is what the kernel accepted.
 */
public final class PacedGenerator {
    static final int BURST = 32;

    private final PacketSocket socket;
    private final UnsafeBuffer frame;
    private final int length; // virtio header + frame

    private PacedGenerator(PacketSocket socket, UnsafeBuffer frame, int length) {
        this.socket = socket;
        this.frame = frame;
        this.length = length;
    }

    /** What a run did: frames the kernel accepted, frames it refused (a full queue), and the time it took. */
    public record Result(long sent, long refused, long elapsedNs) {
        public double ratePps() {
            return elapsedNs == 0 ? 0 : sent * 1e9 / elapsedNs;
        }
    }

    public static PacedGenerator open(String ifname, long srcMac, long dstMac, int srcIp, int dstIp,
            int frameBytes) throws IOException {
        PacketSocket s = PacketSocket.open(ifname, BURST, 0);
        int total = PacketSocket.VNET_HDR_SIZE + frameBytes;
        UnsafeBuffer b = new UnsafeBuffer(BufferUtil.allocateDirectAligned(Math.max(total, 64), 64));
        b.setMemory(0, b.capacity(), (byte) 0); // virtio header all zero: no offload asked
        writeUdpFrame(b, PacketSocket.VNET_HDR_SIZE, srcMac, dstMac, srcIp, dstIp, frameBytes);
        return new PacedGenerator(s, b, total);
    }

    /** Ethernet + IPv4 (TTL 64, checksum set) + UDP 4000 -> 9 (checksum 0: none, allowed over IPv4) + 0x41 fill. */
    static void writeUdpFrame(UnsafeBuffer b, int off, long srcMac, long dstMac, int srcIp, int dstIp,
            int frameBytes) {
        MacAddress.write(b, off, dstMac);
        MacAddress.write(b, off + 6, srcMac);
        b.putShort(off + 12, (short) 0x0800, java.nio.ByteOrder.BIG_ENDIAN);
        int ip = off + 14;
        int ipLength = frameBytes - 14;
        b.putByte(ip, (byte) 0x45);
        b.putShort(ip + 2, (short) ipLength, java.nio.ByteOrder.BIG_ENDIAN);
        b.putByte(ip + 8, (byte) 64);
        b.putByte(ip + 9, (byte) 17);
        b.putInt(ip + 12, srcIp, java.nio.ByteOrder.BIG_ENDIAN);
        b.putInt(ip + 16, dstIp, java.nio.ByteOrder.BIG_ENDIAN);
        Checksum.writeIpv4HeaderChecksum(b, ip);
        int udp = ip + 20;
        b.putShort(udp, (short) 4000, java.nio.ByteOrder.BIG_ENDIAN);
        b.putShort(udp + 2, (short) 9, java.nio.ByteOrder.BIG_ENDIAN);
        b.putShort(udp + 4, (short) (ipLength - 20), java.nio.ByteOrder.BIG_ENDIAN);
        b.setMemory(udp + 8, ipLength - 28, (byte) 0x41);
    }

    /**
     * Offers {@code ratePps} frames per second until {@code ratePps x durationNs} frames were offered; spins (one
     * core) while it runs. A generator that falls behind catches up in full bursts and takes longer: the rate in the
     * result is what the kernel accepted over the time it really took.
     */
    public Result run(long ratePps, long durationNs) {
        PacketSocket.TxBatch batch = socket.newTxBatch(BURST);
        long address = frame.addressOffset();
        long total = (long) (ratePps * (durationNs / 1e9));
        double perNs = ratePps / 1e9;
        long sent = 0;
        long attempted = 0;
        long start = System.nanoTime();
        long now = start;
        while (attempted < total) {
            long due = Math.min(total, (long) ((now - start) * perNs)) - attempted;
            if (due <= 0) {
                Thread.onSpinWait();
                now = System.nanoTime();
                continue;
            }
            int n = (int) Math.min(BURST, due);
            for (int i = 0; i < n; i++) {
                batch.add(address, length);
            }
            int r = batch.send();
            attempted += n;
            if (r > 0) {
                sent += r;
            }
            now = System.nanoTime();
        }
        return new Result(sent, attempted - sent, now - start);
    }

    public void close() {
        socket.close();
    }
}
