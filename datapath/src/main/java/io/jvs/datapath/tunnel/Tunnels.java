package io.jvs.datapath.tunnel;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.jvs.datapath.reactor.Reactor;

/**
 * The datapath's tunnel endpoints: one per (kind, local address, UDP port), created with the first tunnel port
 * that needs it and closed with the last. Control thread only.
 */
public final class Tunnels {
    private final Reactor reactor;
    private final Map<String, TunnelEndpoint> endpoints = new LinkedHashMap<>();

    public Tunnels(Reactor reactor) {
        this.reactor = reactor;
    }

    private static String id(TunnelKind kind, int local, int udpPort) {
        return kind + "/" + local + "/" + udpPort;
    }

    /**
     * Creates a tunnel port on the endpoint it needs, opening the endpoint when it is new. With {@code strict} a
     * socket that cannot be opened fails the call and nothing changes; without, the port is created down and
     * {@link #reviveEndpoints} keeps trying.
     *
     * @throws IllegalArgumentException when another port already has the same remote and key
     */
    public TunnelPort addPort(String name, TunnelKind kind, int local, int remote, long key, boolean checksum,
            boolean sequence, int udpPort, boolean strict) throws IOException {
        String id = id(kind, local, kind == TunnelKind.VXLAN ? udpPort : 0);
        TunnelEndpoint ep = endpoints.get(id);
        boolean created = ep == null;
        if (created) {
            ep = new TunnelEndpoint(kind, local, kind == TunnelKind.VXLAN ? udpPort : 0, reactor.nextForPort(),
                    reactor.threadCount());
        }
        TunnelPort clash = ep.conflict(remote, key);
        if (clash != null) {
            throw new IllegalArgumentException("port " + clash.name() + " already tunnels to the same remote with "
                    + "the same key");
        }
        TunnelPort port = new TunnelPort(name, ep, remote, key, checksum, sequence, reactor.threadCount());
        try {
            ep.open();
        } catch (IOException e) {
            if (strict) {
                throw e;
            }
            port.setUp(false, e.getMessage());
        }
        ep.attach(port);
        if (created) {
            endpoints.put(id, ep);
        }
        return port;
    }

    /** Detaches a port; its endpoint closes when it was the last (after the datapath quiesced senders). */
    public void removePort(TunnelPort port) {
        TunnelEndpoint ep = port.endpoint();
        ep.detach(port);
        if (!ep.hasPorts()) {
            ep.close("no tunnel ports");
            endpoints.values().remove(ep);
        }
    }

    /** Opens endpoints whose socket could not be opened before (e.g. the local address was not there yet). */
    public void reviveEndpoints() {
        for (TunnelEndpoint ep : endpoints.values()) {
            if (ep.isOpen()) {
                continue;
            }
            try {
                ep.open();
                for (TunnelPort p : ep.ports()) {
                    p.setUp(true, "");
                }
            } catch (IOException e) {
                for (TunnelPort p : ep.ports()) {
                    p.setUp(false, e.getMessage());
                }
            }
        }
    }

    public List<TunnelEndpoint> endpoints() {
        return new ArrayList<>(endpoints.values());
    }

    /** Closes every endpoint (daemon stop, after the reactor quiesced). */
    public void closeAll() {
        for (TunnelEndpoint ep : endpoints.values()) {
            ep.close("daemon stopping");
        }
        endpoints.clear();
    }
}
