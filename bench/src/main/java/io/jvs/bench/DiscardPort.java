package io.jvs.bench;

import io.jvs.core.bridge.BridgePort;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * A port that accepts every frame and does nothing with it but count: what the switch costs per frame without any
 * syscall behind it. {@link #frames} lets a benchmark's setup check that its frames really reach this port.
 */
final class DiscardPort extends BridgePort {
    long frames;
    long bytes;

    DiscardPort(String name) {
        super(name, 1);
    }

    @Override
    public int transmit(UnsafeBuffer buf, int offset, int length, int thread) {
        frames++;
        bytes += length;
        return length;
    }

    @Override
    public String type() {
        return "discard";
    }
}
