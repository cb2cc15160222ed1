package io.jvs.core.bridge;

import io.jvs.core.acl.PortFilter;

/**
 * What is attached to a port besides forwarding it: a running capture, a security filter. A port holds one of these
 * only while something is attached, else null ({@link BridgePort#hooks}), so a frame pays one field read and one
 * branch per port it enters or leaves for all of them together. Immutable: attaching or detaching either publishes
 * a new one.
 */
final class PortHooks {
    final PortCapture capture; // null: no capture on this port
    final PortFilter filter; // null: no security groups on this port

    private PortHooks(PortCapture capture, PortFilter filter) {
        this.capture = capture;
        this.filter = filter;
    }

    /** The hooks for this pair, or null when neither is attached. */
    static PortHooks of(PortCapture capture, PortFilter filter) {
        return capture == null && filter == null ? null : new PortHooks(capture, filter);
    }
}
