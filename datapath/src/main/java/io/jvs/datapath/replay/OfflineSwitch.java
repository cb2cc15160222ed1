package io.jvs.datapath.replay;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.agrona.concurrent.UnsafeBuffer;

import io.jvs.core.acl.AclRule;
import io.jvs.core.acl.PortAddresses;
import io.jvs.core.acl.PortFilter;
import io.jvs.core.bridge.Bridge;
import io.jvs.core.bridge.BridgePort;
import io.jvs.core.bridge.FlowGeneration;
import io.jvs.core.bridge.Forwarder;
import io.jvs.core.bridge.MemoryPort;
import io.jvs.core.bridge.PatchPort;
import io.jvs.core.packet.VirtioNetHeader;
import io.jvs.core.pcap.PcapFormat;
import io.jvs.datapath.Datapath;
import io.jvs.datapath.control.BridgeConfig;
import io.jvs.datapath.control.PortConfig;
import io.jvs.datapath.control.SwitchConfig;

/**
 * The datapath a db describes, built from the real forwarding logic with no devices: every system or internal port
 * is a {@link MemoryPort} with the port's VLAN mode, patch ports are real {@link PatchPort}s connected as the daemon
 * connects them, all bridges share one {@link FlowGeneration}, and one {@link Forwarder} (thread 0, with its flow
 * cache) forwards everything. Each bridge is owned by thread 0 with an executor that runs inline, so MAC learning is
 * immediate, and its clock is the virtual clock the caller advances. Single-threaded; not for a running switch.
 */
final class OfflineSwitch {
    static final int THREAD = 0;

    private final FlowGeneration generation = new FlowGeneration();
    private final Forwarder forwarder = new Forwarder(THREAD);
    private final Map<String, Bridge> bridges = new LinkedHashMap<>(); // db order
    private final Map<String, BridgePort> ports = new LinkedHashMap<>(); // db order
    private final Map<String, String> types = new LinkedHashMap<>();
    // Room for the Forwarder's headroom, a zero virtio header and the largest record a pcap may hold.
    private final UnsafeBuffer rx = new UnsafeBuffer(ByteBuffer.allocateDirect(
            Forwarder.HEADROOM + VirtioNetHeader.LENGTH + PcapFormat.MAX_RECORD_LENGTH));
    private long nowNs;
    private final List<PortFilter> filters = new ArrayList<>(); // ports with security=on
    private long agingSecond = Long.MIN_VALUE; // the whole second of the last aging pass

    private OfflineSwitch() {
    }

    /** Builds the switch, refusing a db the daemon could not run as it stands. */
    static OfflineSwitch build(SwitchConfig config) throws ReplayException {
        OfflineSwitch s = new OfflineSwitch();
        Set<String> bridgeNames = new HashSet<>();
        for (BridgeConfig bc : config.bridges()) {
            if (bc.name() == null || bc.name().isEmpty()) {
                throw new ReplayException("bad db: a bridge has no name");
            }
            if (!bridgeNames.add(bc.name())) {
                throw new ReplayException("bad db: bridge " + bc.name() + " appears twice");
            }
            Bridge bridge = new Bridge(bc.name(), s.generation);
            bridge.setOwner(THREAD, Runnable::run, s::now);
            s.bridges.put(bc.name(), bridge);
            for (PortConfig pc : bc.ports()) {
                s.addPort(bridge, pc);
            }
        }
        // Connect patch pairs whose ends name each other, as the daemon does; a lone end stays unconnected and
        // frames sent to it are counted as patch_unconnected.
        for (BridgePort p : s.ports.values()) {
            if (p instanceof PatchPort patch && patch.peer() == null
                    && s.ports.get(patch.peerName()) instanceof PatchPort peer
                    && patch.name().equals(peer.peerName()) && peer != patch) {
                PatchPort.connect(patch, peer);
            }
        }
        return s;
    }

    private void addPort(Bridge bridge, PortConfig pc) throws ReplayException {
        String name = pc.name();
        if (name == null || name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
            throw new ReplayException("bad db: bridge " + bridge.name() + " has a port named \"" + name
                    + "\", which cannot name an output file");
        }
        if (ports.containsKey(name)) {
            throw new ReplayException("bad db: port " + name + " appears twice (port names are unique across bridges)");
        }
        String type = pc.type() == null ? PortConfig.SYSTEM : pc.type();
        BridgePort port = switch (type) {
            // A router leg is recorded like a device: what the bridge sends to the router (the router is not run).
            case PortConfig.SYSTEM, PortConfig.INTERNAL, PortConfig.ROUTER -> new MemoryPort(name, 1);
            case PortConfig.GRE, PortConfig.VXLAN -> {
                // The capture of a tunnel port holds the inner frames as the bridge sees them (for key=flow: tagged
                // with the local VLAN); only split horizon makes it differ from a system port here.
                MemoryPort tunnel = new MemoryPort(name, 1);
                tunnel.setTunnel(true);
                yield tunnel;
            }
            case PortConfig.PATCH -> {
                if (pc.peer() == null || pc.peer().isEmpty()) {
                    throw new ReplayException("bad db: patch port " + name + " has no options:peer");
                }
                yield new PatchPort(name, pc.peer(), 1);
            }
            default -> throw new ReplayException("bad db: port " + name + " has unknown type " + type);
        };
        if (pc.tag() != null && !pc.trunks().isEmpty()) {
            throw new ReplayException("bad db: port " + name + " has both tag and trunks");
        }
        try {
            port.setVlan(Datapath.vlanOf(pc));
        } catch (IllegalArgumentException e) {
            throw new ReplayException("bad db: port " + name + ": " + e.getMessage());
        }
        if (pc.securityOn()) {
            if (!(port instanceof MemoryPort)) {
                throw new ReplayException("bad db: port " + name + ": security applies to system and internal ports");
            }
            // Filtered as the daemon does, with conntrack on the virtual clock (expired in advanceClock).
            PortFilter f = new PortFilter(name, 1);
            f.setOwner(THREAD, Runnable::run, this::now);
            try {
                List<AclRule> rules = new ArrayList<>();
                if (pc.acl() == null) {
                    rules.addAll(PortFilter.defaultRules(1));
                } else {
                    for (String text : pc.acl()) {
                        rules.add(AclRule.parse(text, 1));
                    }
                }
                f.setRules(rules);
                f.setAllowed(pc.allowed() == null ? null : PortAddresses.parse(pc.allowed()));
            } catch (IllegalArgumentException e) {
                throw new ReplayException("bad db: port " + name + ": " + e.getMessage());
            }
            port.setFilter(f);
            filters.add(f);
        }
        bridge.addPort(port);
        ports.put(name, port);
        types.put(name, type);
    }

    /**
     * Moves the virtual clock to {@code timeNs} and, each time it enters a new whole second, ages every bridge's MAC
     * table as the daemon's once-a-second task does. Time never goes backwards here: inputs are sorted first.
     */
    void advanceClock(long timeNs) {
        nowNs = timeNs;
        long second = Math.floorDiv(timeNs, 1_000_000_000L);
        if (second > agingSecond) {
            agingSecond = second;
            for (Bridge b : bridges.values()) {
                b.macTable().expire(timeNs);
            }
            for (PortFilter f : filters) {
                f.poll(timeNs);
            }
        }
    }

    /**
     * Forwards one frame (no virtio header) as received on {@code in} at the current virtual time; what it causes
     * is left in the memory ports for the caller to drain.
     */
    void inject(BridgePort in, byte[] frame) {
        int vnetOff = Forwarder.HEADROOM;
        rx.setMemory(vnetOff, VirtioNetHeader.LENGTH, (byte) 0); // a plain frame with a complete checksum
        rx.putBytes(vnetOff + VirtioNetHeader.LENGTH, frame);
        forwarder.receive(in, rx, vnetOff, VirtioNetHeader.LENGTH + frame.length, -1, nowNs);
        forwarder.flush();
    }

    long now() {
        return nowNs;
    }

    Forwarder forwarder() {
        return forwarder;
    }

    /** Bridges by name, in db order. */
    Map<String, Bridge> bridges() {
        return Collections.unmodifiableMap(bridges);
    }

    /** Every port by name, in db order. */
    Map<String, BridgePort> ports() {
        return Collections.unmodifiableMap(ports);
    }

    /** The db type of a port: system, internal or patch. */
    String type(String portName) {
        return types.get(portName);
    }
}
