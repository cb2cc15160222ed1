package io.jvs.datapath.reactor;

/**
 * Frames read on one reactor thread waiting for another thread to take them: a router's queue, drained by its owner.
 * Reading a device costs microseconds per burst while its consumer may need tens per frame, and the sender's kernel
 * cannot see this queue, so without a limit only losses slow the sender. When a burst leaves the backlog without room
 * for another burst of frames as big, the port that read the burst stops reading ({@code DevicePort}): its frames wait in
 * the kernel, which limits the sender as for any full device, until the backlog's owner has drained enough and
 * resumes it.
 */
public interface Backlog {
    /**
     * Any thread: the port behind {@code pause} has stopped reading. The backlog's owner ends the pause, on the port's
     * own thread, once it has room again; it must not miss a pause added while it drains (see the implementation).
     */
    void resumeWhenRoom(ReadPause pause);
}
