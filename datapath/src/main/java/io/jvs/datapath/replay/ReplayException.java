package io.jvs.datapath.replay;

/** A replay that cannot start or go on: a bad db, an unknown port, an unreadable capture. One line for stderr. */
public final class ReplayException extends Exception {
    public ReplayException(String message) {
        super(message);
    }
}
