package io.jvs.bench;

import io.jvs.core.bridge.Bridge;
import io.jvs.core.bridge.Forwarder;
import io.jvs.core.bridge.VlanConfig;
import io.jvs.core.packet.MacAddress;

/**
 * One bridge of {@link DiscardPort}s, owned by forwarding thread 0 (the thread every benchmark forwarder runs as, so
 * learning happens in place rather than through the learn queue), and a way to teach it where hosts live.
 */
final class TestSwitch {
    final Bridge bridge = new Bridge("br0");
    final DiscardPort[] ports;
    private final Frames scratch = new Frames();

    /** {@code vlans[i]} is port i's mode. */
    TestSwitch(VlanConfig... vlans) {
        bridge.setOwner(0, Runnable::run, System::nanoTime);
        ports = new DiscardPort[vlans.length];
        for (int i = 0; i < vlans.length; i++) {
            ports[i] = new DiscardPort("p" + i);
            ports[i].setVlan(vlans[i]);
            bridge.addPort(ports[i]);
        }
    }

    /** Sends one broadcast frame from {@code mac} on port {@code port} (tagged with {@code vid} if >= 0). */
    void teach(Forwarder f, int port, long mac, int vid) {
        scratch.put(0, MacAddress.BROADCAST, mac, vid, Frames.FRAME_BYTES);
        f.receive(ports[port], scratch.buf, Frames.vnetOff(0), scratch.length[0], -1, 0);
    }

    long framesSent() {
        long n = 0;
        for (DiscardPort p : ports) {
            n += p.frames;
        }
        return n;
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("benchmark setup is wrong: " + what);
        }
    }
}
