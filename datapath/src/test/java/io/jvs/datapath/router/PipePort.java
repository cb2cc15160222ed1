package io.jvs.datapath.router;

import java.io.IOException;
import java.nio.ByteBuffer;

import io.jvs.datapath.port.DevicePort;
import io.jvs.datapath.reactor.PacketPool;
import io.jvs.datapath.reactor.ReactorThread;
import io.netty.channel.unix.FileDescriptor;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * A device port whose device is a pipe: each byte {@link #offer}ed stands for one frame waiting in the kernel, and a
 * burst reads up to {@link PacketPool#MAX_BURST} of them and forwards the frames {@link Frames} writes for them. It
 * drives the real reactor path of a device port (epoll, bursts, pausing and resuming the reads) without root or
 * network devices. What the switch sends to it is discarded.
 */
final class PipePort extends DevicePort {
    /** Writes frame number {@code seq} (virtio header first) at {@code vnetOff}; returns its length with the header. */
    interface Frames {
        int write(UnsafeBuffer buf, int vnetOff, int seq);
    }

    private final Frames frames;
    private final ByteBuffer tokens = ByteBuffer.allocateDirect(PacketPool.MAX_BURST);
    private volatile FileDescriptor[] pipe;
    private volatile int read; // the reactor thread writes

    PipePort(String name, ReactorThread reactor, int threads, Frames frames) {
        super(name, reactor, threads);
        this.frames = frames;
    }

    @Override
    protected int openDevice() throws IOException {
        FileDescriptor[] p = FileDescriptor.pipe(); // both ends non-blocking
        pipe = p;
        return p[0].intValue();
    }

    @Override
    protected void closeDevice(boolean destroy) {
        FileDescriptor[] p = pipe;
        pipe = null;
        if (p == null) {
            return;
        }
        for (FileDescriptor fd : p) {
            try {
                fd.close();
            } catch (IOException e) {
                // closing a pipe end does not fail in a way a test could act on
            }
        }
    }

    @Override
    protected void receiveBurst(ReactorThread t, long nowNs) {
        int n;
        try {
            n = pipe[0].read(tokens, 0, PacketPool.MAX_BURST); // 0: nothing waiting
        } catch (IOException e) {
            markDown("read failed: " + e.getMessage());
            return;
        }
        PacketPool pool = t.pool();
        for (int i = 0; i < n; i++) {
            t.lengths[i] = frames.write(pool.buffer(), pool.slotOffset(i), read++);
        }
        forwardSlots(t, Math.max(n, 0), null, nowNs);
    }

    /** Makes {@code n} more frames wait to be read (any thread; at most 4096 at a time, so the write is atomic). */
    void offer(int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocateDirect(n);
        if (pipe[1].write(b, 0, n) != n) {
            throw new IOException("the pipe took fewer than " + n + " bytes");
        }
    }

    /** Frames read so far. */
    int read() {
        return read;
    }

    @Override
    public int transmit(UnsafeBuffer buf, int offset, int length, int thread) {
        return length;
    }

    @Override
    public String type() {
        return "pipe";
    }
}
