package io.jvs.core.bridge;

import java.util.ArrayList;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * A port with no device: what it transmits is kept in memory. It lets unit and property tests (and later the
 * offline replay) drive the real forwarding logic without root or kernel devices. It copies each frame, so it is not
 * for the forwarding path of a real switch.
 */
public final class MemoryPort extends BridgePort {
    private final List<byte[]> sent = new ArrayList<>();
    private final List<byte[]> headers = new ArrayList<>();
    private volatile boolean acceptsOffloads;
    private volatile boolean tunnel;

    public MemoryPort(String name, int threads) {
        super(name, threads);
    }

    @Override
    public int transmit(UnsafeBuffer buf, int offset, int length, int thread) {
        byte[] frame = new byte[length - 10];
        buf.getBytes(offset + 10, frame);
        byte[] header = new byte[10];
        buf.getBytes(offset, header);
        synchronized (sent) {
            sent.add(frame);
            headers.add(header);
        }
        return length;
    }

    /** The frames sent so far (without virtio headers), oldest first; clears the list and the headers. */
    public List<byte[]> drain() {
        synchronized (sent) {
            List<byte[]> copy = new ArrayList<>(sent);
            sent.clear();
            headers.clear();
            return copy;
        }
    }

    /** The virtio headers of the frames sent so far, in the same order as {@link #drain}; does not clear. */
    public List<byte[]> headers() {
        synchronized (sent) {
            return new ArrayList<>(headers);
        }
    }

    /** Makes this port take checksum-offload and GSO frames as they are, like a TAP or an AF_PACKET socket. */
    public void setAcceptsOffloads(boolean accepts) {
        this.acceptsOffloads = accepts;
    }

    @Override
    public boolean acceptsOffloads() {
        return acceptsOffloads;
    }

    /** Makes this port stand for a tunnel (split horizon applies between such ports). */
    public void setTunnel(boolean tunnel) {
        this.tunnel = tunnel;
    }

    @Override
    public boolean isTunnel() {
        return tunnel;
    }

    @Override
    public String type() {
        return "memory";
    }
}
