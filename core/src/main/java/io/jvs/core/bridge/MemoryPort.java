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

    public MemoryPort(String name, int threads) {
        super(name, threads);
    }

    @Override
    public int transmit(UnsafeBuffer buf, int offset, int length, int thread) {
        byte[] frame = new byte[length - 10];
        buf.getBytes(offset + 10, frame);
        synchronized (sent) {
            sent.add(frame);
        }
        return length;
    }

    /** The frames sent so far (without virtio headers), oldest first; clears the list. */
    public List<byte[]> drain() {
        synchronized (sent) {
            List<byte[]> copy = new ArrayList<>(sent);
            sent.clear();
            return copy;
        }
    }

    @Override
    public String type() {
        return "memory";
    }
}
