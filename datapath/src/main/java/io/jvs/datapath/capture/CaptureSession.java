package io.jvs.datapath.capture;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import io.jvs.core.bridge.BridgePort;
import io.jvs.core.bridge.FlowGeneration;
import io.jvs.core.bridge.PortCapture;
import io.jvs.core.pcap.PcapWriter;
import io.jvs.datapath.Log;

/**
 * One running {@code jvs capture}: a {@link PortCapture} attached to the port, and a thread of its own that drains it
 * into a pcap file (or a FIFO the CLI reads and copies to its stdout). It ends after {@code count} frames, on
 * {@link #stop}, when the reader of a FIFO goes away, or when the CLI that started it stops asking for its status
 * (a killed CLI must not leave a capture running: file captures expire {@link #IDLE_NS} after the last status).
 */
public final class CaptureSession {
    static final long IDLE_NS = 10_000_000_000L;
    private static final int RING_BYTES = 8 << 20;

    private final int id;
    private final BridgePort port;
    private final FlowGeneration generation;
    private final Path path;
    private final long count; // 0: until stopped
    private final boolean fifo;
    private final PortCapture capture;
    private final AtomicLong written = new AtomicLong();
    private final Thread thread;
    private volatile boolean stopping;
    private volatile boolean done;
    private volatile long lastStatusNs = System.nanoTime();
    private volatile String error;

    CaptureSession(int id, BridgePort port, FlowGeneration generation, Path path, long count, int directions,
            boolean fifo) {
        this.id = id;
        this.port = port;
        this.generation = generation;
        this.path = path;
        this.count = count;
        this.fifo = fifo;
        this.capture = new PortCapture(directions, RING_BYTES);
        this.thread = Thread.ofPlatform().daemon().name("jvs-capture-" + id).unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    private void run() {
        boolean attached = false;
        try (OutputStream file = new FileOutputStream(path.toFile()); // a FIFO: blocks until the CLI opens it
             PcapWriter pcap = new PcapWriter(new java.io.BufferedOutputStream(file, 1 << 16),
                     ByteOrder.LITTLE_ENDIAN, true, 1)) {
            pcap.flush(); // the file header: a reader sees a valid (empty) capture at once
            // Attached only now: a CLI that never opened its FIFO must not leave the port captured.
            port.setCapture(capture);
            generation.captureCount(1);
            attached = true;
            byte[] frame = new byte[PortCapture.SNAPLEN];
            while (!stopping && (count == 0 || written.get() < count)) {
                if (!fifo && System.nanoTime() - lastStatusNs > IDLE_NS) {
                    break; // the CLI that started it is gone
                }
                int n = capture.drain((dir, ts, original, buf, off, kept) -> {
                    if (count != 0 && written.get() >= count) {
                        return;
                    }
                    buf.getBytes(off, frame, 0, kept);
                    try {
                        pcap.write(ts, frame, 0, kept);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    written.incrementAndGet();
                }, 64);
                if (n == 0) {
                    pcap.flush();
                    LockSupport.parkNanos(2_000_000);
                }
            }
            pcap.flush();
        } catch (IOException | java.io.UncheckedIOException e) {
            // A FIFO whose reader left (EPIPE) ends the capture; anything else is reported by status.
            if (!fifo) {
                error = e.getMessage();
                Log.warn("capture", "capture " + id + " on " + port.name() + " failed: " + e.getMessage());
            }
        } finally {
            if (attached) {
                port.setCapture(null);
                generation.captureCount(-1);
            }
            done = true;
        }
    }

    public int id() {
        return id;
    }

    public BridgePort port() {
        return port;
    }

    /** "running|done WRITTEN DROPPED[ ERROR]"; counts as a sign of life from the CLI. */
    public String status() {
        lastStatusNs = System.nanoTime();
        return (done ? "done" : "running") + " " + written() + " " + dropped()
                + (error == null ? "" : " " + error);
    }

    /** Frames written to the output so far. */
    public long written() {
        return written.get();
    }

    /** Frames the capture ring had no room for (the writer fell behind). */
    public long dropped() {
        return capture.dropped();
    }

    public boolean isDone() {
        return done;
    }

    /** Ends the capture and waits (briefly) for the file to be complete. */
    public void stop() {
        stopping = true;
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
