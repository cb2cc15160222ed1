package io.jvs.datapath.capture;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import io.jvs.core.bridge.BridgePort;
import io.jvs.core.bridge.PortCapture;

/**
 * The running captures, by id. Control thread only. One capture per port at a time; finished ones are forgotten
 * once their status has been read (or when the next capture starts).
 */
public final class Captures {
    /** Captures running at once, over all ports: each holds an 8 MiB ring and a thread. */
    public static final int MAX = 8;

    private final Map<Integer, CaptureSession> sessions = new LinkedHashMap<>();
    private int nextId = 1;

    /**
     * Starts capturing {@code port} into {@code path}.
     *
     * @param directions {@link PortCapture#IN}, {@link PortCapture#OUT} or both
     * @throws IllegalStateException with a one-line reason when it cannot start
     */
    public CaptureSession start(BridgePort port, Path path, long count, int directions, boolean fifo) {
        sweep();
        for (CaptureSession s : sessions.values()) {
            if (s.port() == port) {
                throw new IllegalStateException("a capture already runs on port " + port.name());
            }
        }
        if (sessions.size() >= MAX) {
            throw new IllegalStateException(MAX + " captures already run");
        }
        CaptureSession s = new CaptureSession(nextId++, port, port.bridge().generation(), path, count, directions,
                fifo);
        sessions.put(s.id(), s);
        s.start();
        return s;
    }

    public CaptureSession get(int id) {
        return sessions.get(id);
    }

    /** Stops and forgets every capture of {@code port} (the port is being deleted). */
    public void stopPort(BridgePort port) {
        for (Iterator<CaptureSession> it = sessions.values().iterator(); it.hasNext();) {
            CaptureSession s = it.next();
            if (s.port() == port) {
                s.stop();
                it.remove();
            }
        }
    }

    public void stop(int id) {
        CaptureSession s = sessions.remove(id);
        if (s != null) {
            s.stop();
        }
    }

    public void stopAll() {
        sessions.values().forEach(CaptureSession::stop);
        sessions.clear();
    }

    private void sweep() {
        sessions.values().removeIf(CaptureSession::isDone);
    }
}
