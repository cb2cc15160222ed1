package io.jvs.datapath;

import io.jvs.core.bridge.VlanKeyMap;
import io.jvs.datapath.capture.Captures;
import io.jvs.datapath.control.TunnelOptions;
import io.jvs.datapath.tunnel.TunnelPort;
import io.jvs.datapath.tunnel.Tunnels;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.jvs.core.bridge.Bridge;
import io.jvs.core.bridge.BridgePort;
import io.jvs.core.bridge.FlowGeneration;
import io.jvs.core.bridge.PatchPort;
import io.jvs.core.bridge.VlanConfig;
import io.jvs.core.packet.MacAddress;
import io.jvs.datapath.control.PortConfig;
import io.jvs.datapath.linux.Netdev;
import io.jvs.datapath.linux.Netns;
import io.jvs.datapath.port.DevicePort;
import io.jvs.datapath.port.InternalPort;
import io.jvs.datapath.port.SystemPort;
import io.jvs.datapath.reactor.Reactor;
import io.jvs.datapath.reactor.ReactorThread;
import io.jvs.datapath.router.RouterLegPort;
import io.jvs.datapath.router.Routers;

/**
 * The running switch: bridges, their ports, the reactor threads that move frames. Owned by the control thread: every
 * method here is called from it (commands, the restore at start, the port monitor), and publishes its changes to the
 * forwarding threads through the bridges' copy-on-write port arrays and volatile port fields. Work on a MAC table
 * (flush, aging) is handed to the bridge's owner thread.
 */
public final class Datapath implements AutoCloseable {
    private final Reactor reactor;
    private final FlowGeneration generation = new FlowGeneration(); // one for all bridges: patch ports join them
    private final Map<String, Bridge> bridges = new LinkedHashMap<>();
    private final Map<String, ReactorThread> bridgeOwners = new LinkedHashMap<>();
    private final Map<String, ScheduledFuture<?>> agingTasks = new LinkedHashMap<>();
    private final Map<String, BridgePort> ports = new LinkedHashMap<>();
    private final Tunnels tunnels;
    private final Routers routers;
    private final Captures captures = new Captures();

    public Datapath(int threads) {
        this(threads, Reactor.DEFAULT_BUSY_POLL_US);
    }

    public Datapath(int threads, int busyPollUs) {
        this.reactor = new Reactor(threads, busyPollUs);
        this.tunnels = new Tunnels(reactor);
        this.routers = new Routers(reactor);
    }

    public int threads() {
        return reactor.threadCount();
    }

    public List<ReactorThread> reactorThreads() {
        return reactor.threads();
    }

    public Collection<Bridge> bridges() {
        return bridges.values();
    }

    public Bridge bridge(String name) {
        return bridges.get(name);
    }

    public BridgePort port(String name) {
        return ports.get(name);
    }

    public void addBridge(String name) {
        Bridge bridge = new Bridge(name, generation);
        ReactorThread owner = reactor.nextForBridge();
        bridge.setOwner(owner.index(), owner.loop(), System::nanoTime);
        bridges.put(name, bridge);
        bridgeOwners.put(name, owner);
        agingTasks.put(name, owner.loop().scheduleAtFixedRate(() -> {
            try {
                bridge.macTable().expire(System.nanoTime());
            } catch (Throwable t) {
                Log.error("bridge", name + ": aging failed", t);
            }
        }, 1, 1, TimeUnit.SECONDS));
    }

    /** Deletes a bridge and its ports; internal ports' netdevs are deleted with them, as in Open vSwitch. */
    public void deleteBridge(String name) {
        Bridge bridge = bridges.get(name);
        if (bridge == null) {
            return;
        }
        for (BridgePort p : bridge.portList()) {
            deletePort(p.name());
        }
        agingTasks.remove(name).cancel(false);
        bridges.remove(name);
        bridgeOwners.remove(name);
    }

    /**
     * Creates and starts a port. With {@code strict}, a device that cannot be opened fails the call and nothing
     * changes (a CLI command); without, the port is added down and the monitor keeps trying (restoring the db at
     * start, when a veth may not exist yet).
     */
    public BridgePort addPort(String bridgeName, PortConfig pc, boolean strict) throws IOException {
        Bridge bridge = bridges.get(bridgeName);
        BridgePort port = switch (pc.type()) {
            case PortConfig.SYSTEM -> new SystemPort(pc.name(), reactor.nextForPort(), threads());
            case PortConfig.INTERNAL -> new InternalPort(pc.name(), pc.netns(),
                    pc.mac() == null ? -1 : MacAddress.parse(pc.mac()), reactor.nextForPort(), threads());
            case PortConfig.PATCH -> new PatchPort(pc.name(), pc.peer(), threads());
            case PortConfig.GRE, PortConfig.VXLAN -> {
                TunnelOptions t = TunnelOptions.of(pc);
                yield tunnels.addPort(pc.name(), t.kind(), t.local(), t.remote(), t.key(), t.checksum(),
                        t.sequence(), t.dstPort(), strict);
            }
            case PortConfig.ROUTER -> routers.newLeg(pc, threads());
            default -> throw new IllegalArgumentException("unknown port type " + pc.type());
        };
        port.setVlan(vlanOf(pc));
        if (port instanceof DevicePort dp) {
            try {
                dp.start();
            } catch (IOException e) {
                if (strict) {
                    throw e;
                }
                dp.setUp(false, e.getMessage());
                Log.warn("port", pc.name() + " is down: " + e.getMessage());
            }
        } else if (port instanceof PatchPort patch && ports.get(patch.peerName()) instanceof PatchPort peer
                && patch.name().equals(peer.peerName())) {
            PatchPort.connect(patch, peer);
        }
        bridge.addPort(port);
        ports.put(port.name(), port);
        if (port instanceof RouterLegPort leg) {
            routers.attach(leg);
        }
        return port;
    }

    public static VlanConfig vlanOf(PortConfig pc) {
        if (pc.tag() != null) {
            return VlanConfig.access(pc.tag());
        }
        return VlanConfig.trunk(pc.trunks().stream().mapToInt(Integer::intValue).toArray());
    }

    /** Stops and removes a port; an internal port's netdev is deleted. */
    public void deletePort(String name) {
        BridgePort port = ports.remove(name);
        if (port == null) {
            return;
        }
        captures.stopPort(port);
        Bridge bridge = port.bridge();
        bridge.removePort(port);
        port.setUp(false, "deleted");
        reactor.quiesce();
        if (port instanceof DevicePort dp) {
            dp.stop(true);
        } else if (port instanceof PatchPort patch) {
            patch.disconnect();
        } else if (port instanceof TunnelPort tp) {
            tunnels.removePort(tp);
        } else if (port instanceof RouterLegPort leg) {
            routers.detach(leg);
        }
        int number = port.number();
        onOwner(bridge, () -> bridge.macTable().flushPort(number));
    }

    /** Changes a port's VLAN mode and forgets what was learned on it (its MACs may now sit in other VLANs). */
    public void setVlan(String name, VlanConfig vlan) {
        BridgePort port = ports.get(name);
        port.setVlan(vlan);
        Bridge bridge = port.bridge();
        onOwner(bridge, () -> bridge.macTable().flushPort(port.number()));
    }

    public int flushFdb(Bridge bridge) {
        return onOwner(bridge, () -> bridge.macTable().flush());
    }

    /** Runs {@code task} on the thread that owns the bridge's MAC table and waits for it. */
    public <T> T onOwner(Bridge bridge, Callable<T> task) {
        try {
            return bridgeOwners.get(bridge.name()).loop().submit(task).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("bridge " + bridge.name() + ": owner thread did not answer: " + e, e);
        }
    }

    /**
     * Brings back ports whose device vanished and has come back (control thread, every second). A system port
     * waits for its netdev to exist again; an internal port recreates its TAP once its namespace exists.
     */
    public void reviveDownPorts() {
        tunnels.reviveEndpoints();
        for (BridgePort p : new ArrayList<>(ports.values())) {
            if (!(p instanceof DevicePort dp)) {
                continue;
            }
            if (dp.isUp()) {
                // A TAP whose namespace was deleted lives on unnamed while we hold its fd, and reads stay empty
                // rather than fail: notice the namespace is gone, let the TAP go, and wait for the namespace.
                if (dp instanceof InternalPort && dp.netns() != null && !Netns.exists(dp.netns())) {
                    dp.setUp(false, "netns " + dp.netns() + " vanished");
                    reactor.quiesce();
                    dp.stop(true);
                    dp.setUp(false, "netns " + dp.netns() + " vanished");
                    Log.warn("port", dp.name() + " is down: netns " + dp.netns() + " vanished");
                }
                continue;
            }
            try {
                boolean present = dp instanceof SystemPort ? Netdev.exists(null, dp.name())
                        : dp.netns() == null || Netns.exists(dp.netns());
                if (present) {
                    reactor.quiesce(); // it went down on its reader's thread; others may still be sending to it
                    dp.stop(false);
                    dp.start();
                    Log.info("port", dp.name() + " is up again");
                }
            } catch (IOException e) {
                dp.setUp(false, e.getMessage());
            }
        }
    }

    /** Translates local VLAN {@code vlan} of {@code bridge} to tunnel key {@code key} ({@code -1}: unmap it). */
    public void setVlanKey(String bridgeName, int vlan, long key) {
        Bridge bridge = bridges.get(bridgeName);
        VlanKeyMap map = bridge.vlanKeyMap();
        bridge.setVlanKeyMap(key < 0 ? map.without(vlan) : map.with(vlan, key));
    }

    public Captures captures() {
        return captures;
    }

    public Tunnels tunnels() {
        return tunnels;
    }

    public Routers routers() {
        return routers;
    }

    public List<BridgePort> ports() {
        return new ArrayList<>(ports.values());
    }

    /** Stops every port without deleting internal ports' netdevs (they persist for the next daemon). */
    @Override
    public void close() {
        captures.stopAll();
        for (BridgePort p : ports.values()) {
            p.setUp(false, "daemon stopping");
        }
        reactor.quiesce();
        for (BridgePort p : ports.values()) {
            if (p instanceof DevicePort dp) {
                dp.stop(false);
            }
        }
        tunnels.closeAll();
        routers.stopAll();
        reactor.close();
    }
}
