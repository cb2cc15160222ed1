package io.jvs.datapath.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

import io.jvs.core.bridge.Bridge;
import io.jvs.core.bridge.BridgePort;
import io.jvs.core.bridge.DropReason;
import io.jvs.core.bridge.FlowCache;
import io.jvs.core.bridge.PortCounters;
import io.jvs.datapath.Datapath;
import io.jvs.datapath.port.DevicePort;
import io.jvs.datapath.reactor.BurstTimer;
import io.jvs.datapath.reactor.ReactorThread;

import org.HdrHistogram.Histogram;

/**
 * The switch's families: per port (labels bridge, port), per bridge, per reactor thread (label thread). The same
 * numbers {@code dump-ports} and {@code dpctl/show} print, read the same way. Runs on the control thread, which owns
 * the datapath's maps; the counters themselves are the forwarding threads' plain per-thread rows, summed here.
 */
final class SwitchMetrics {
    /** Bucket bounds of the burst-time histogram, in seconds: 1 us to 10 ms, then +Inf. */
    static final double[] BURST_BUCKETS_S = {1e-6, 2e-6, 5e-6, 1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3,
        1e-2};

    private SwitchMetrics() {
    }

    private record PortRow(Bridge bridge, BridgePort port) {
        String[] labels() {
            return new String[] {"bridge", bridge.name(), "port", port.name()};
        }
    }

    static void write(PrometheusText out, Datapath datapath) {
        List<PortRow> ports = new ArrayList<>();
        for (Bridge b : datapath.bridges()) {
            for (BridgePort p : b.portList()) {
                ports.add(new PortRow(b, p));
            }
        }
        writePorts(out, ports);
        writeBridges(out, datapath);
        writeReactor(out, datapath.reactorThreads(), datapath);
    }

    private static void writePorts(PrometheusText out, List<PortRow> ports) {
        out.family("jvs_port_up", "gauge", "1 when the port is up, 0 when down (device missing, peer missing, ...)");
        for (PortRow r : ports) {
            out.sample("jvs_port_up", r.port().isUp() ? 1 : 0, "bridge", r.bridge().name(), "port", r.port().name(),
                    "type", r.port().type());
        }
        counter(out, ports, "jvs_port_rx_packets_total", "Frames received on the port.",
                p -> p.counters().get(PortCounters.RX_PACKETS));
        counter(out, ports, "jvs_port_rx_bytes_total", "Bytes received on the port (Ethernet frames, no virtio header).",
                p -> p.counters().get(PortCounters.RX_BYTES));
        counter(out, ports, "jvs_port_tx_packets_total", "Frames sent on the port.",
                p -> p.counters().get(PortCounters.TX_PACKETS));
        counter(out, ports, "jvs_port_tx_bytes_total", "Bytes sent on the port.",
                p -> p.counters().get(PortCounters.TX_BYTES));
        counter(out, ports, "jvs_port_tx_errors_total", "Transmits the device failed with an error.",
                p -> p.counters().get(PortCounters.TX_ERRORS));
        counter(out, ports, "jvs_port_tx_dropped_total",
                "Transmits refused for lack of room (EAGAIN, ENOBUFS): frame lost, port fine.",
                p -> p.counters().get(PortCounters.TX_DROPPED));
        out.family("jvs_port_drops_total", "counter",
                "Frames dropped by the switch, by reason (the drop reasons of jvs dump-ports).");
        for (PortRow r : ports) {
            PortCounters c = r.port().counters();
            for (DropReason reason : DropReason.values()) {
                out.sample("jvs_port_drops_total", c.drops(reason), "bridge", r.bridge().name(), "port",
                        r.port().name(), "reason", reason.counterName());
            }
        }
        List<PortRow> secured = ports.stream().filter(r -> r.port().filter() != null).toList();
        out.family("jvs_acl_rule_hits_total", "counter",
                "Connections (and untracked packets) a security-group rule allowed, ports with security on.");
        for (PortRow r : secured) {
            for (io.jvs.core.acl.AclRule rule : r.port().filter().rules()) {
                out.sample("jvs_acl_rule_hits_total", rule.hits(), "bridge", r.bridge().name(), "port",
                        r.port().name(), "rule", rule.id);
            }
        }
        out.family("jvs_acl_connections", "gauge", "Connections in the port's conntrack table (security on).");
        for (PortRow r : secured) {
            out.sample("jvs_acl_connections", r.port().filter().conntrack().size(), r.labels());
        }
        List<PortRow> devices = ports.stream().filter(r -> r.port() instanceof DevicePort).toList();
        counter(out, devices, "jvs_port_rx_kernel_drops_total",
                "Frames the kernel dropped before the switch read them (socket buffer full; system ports).",
                p -> ((DevicePort) p).rxKernelDrops());
        counter(out, devices, "jvs_port_rx_pauses_total",
                "Times the port stopped reading because a router queue it fed had no room for its next burst.",
                p -> ((DevicePort) p).pauses());
        counter(out, devices, "jvs_port_loop_errors_total",
                "Exceptions caught at the reactor loop boundary while receiving (a bug if ever non-zero).",
                p -> ((DevicePort) p).errors());
    }

    private static void counter(PrometheusText out, List<PortRow> ports, String name, String help,
            ToLongFunction<BridgePort> value) {
        out.family(name, "counter", help);
        for (PortRow r : ports) {
            out.sample(name, value.applyAsLong(r.port()), r.labels());
        }
    }

    private static void writeBridges(PrometheusText out, Datapath datapath) {
        out.family("jvs_bridge_ports", "gauge", "Ports on the bridge.");
        for (Bridge b : datapath.bridges()) {
            out.sample("jvs_bridge_ports", b.portList().size(), "bridge", b.name());
        }
        out.family("jvs_bridge_mac_entries", "gauge", "MAC table entries (learned addresses).");
        for (Bridge b : datapath.bridges()) {
            out.sample("jvs_bridge_mac_entries", b.macTable().size(), "bridge", b.name());
        }
        out.family("jvs_bridge_mac_capacity", "gauge", "MAC table capacity; when full new MACs are not learned.");
        for (Bridge b : datapath.bridges()) {
            out.sample("jvs_bridge_mac_capacity", b.macTable().capacity(), "bridge", b.name());
        }
        out.family("jvs_bridge_mac_learn_full_total", "counter", "MACs not learned because the table was full.");
        for (Bridge b : datapath.bridges()) {
            out.sample("jvs_bridge_mac_learn_full_total", b.learnFull(), "bridge", b.name());
        }
        out.family("jvs_bridge_mac_learn_queue_full_total", "counter",
                "Learn requests lost because the MAC table owner's queue was full (learned from a later frame).");
        for (Bridge b : datapath.bridges()) {
            out.sample("jvs_bridge_mac_learn_queue_full_total", b.learnQueueFull(), "bridge", b.name());
        }
    }

    private static void writeReactor(PrometheusText out, List<ReactorThread> threads, Datapath datapath) {
        out.family("jvs_reactor_ports", "gauge", "Ports whose receive side the reactor thread runs.");
        for (ReactorThread t : threads) {
            long n = datapath.ports().stream()
                    .filter(p -> p instanceof DevicePort dp && dp.reactorIndex() == t.index()).count();
            out.sample("jvs_reactor_ports", n, "thread", Integer.toString(t.index()));
        }
        out.family("jvs_flow_cache_hits_total", "counter", "Frames whose decision came from the thread's flow cache.");
        for (ReactorThread t : threads) {
            FlowCache c = t.forwarder().cache();
            if (c != null) {
                out.sample("jvs_flow_cache_hits_total", c.hits(), "thread", Integer.toString(t.index()));
            }
        }
        out.family("jvs_flow_cache_misses_total", "counter", "Frames decided by the slow path (then cached).");
        for (ReactorThread t : threads) {
            FlowCache c = t.forwarder().cache();
            if (c != null) {
                out.sample("jvs_flow_cache_misses_total", c.misses(), "thread", Integer.toString(t.index()));
            }
        }
        out.family("jvs_flow_cache_entries", "gauge", "Entries in the thread's flow cache.");
        for (ReactorThread t : threads) {
            FlowCache c = t.forwarder().cache();
            if (c != null) {
                out.sample("jvs_flow_cache_entries", c.entries(), "thread", Integer.toString(t.index()));
            }
        }
        out.family("jvs_flow_cache_capacity", "gauge", "Slots in the thread's flow cache.");
        for (ReactorThread t : threads) {
            FlowCache c = t.forwarder().cache();
            if (c != null) {
                out.sample("jvs_flow_cache_capacity", c.size(), "thread", Integer.toString(t.index()));
            }
        }
        String burst = "jvs_reactor_burst_seconds";
        out.family(burst, "histogram", "Time a reactor thread spends per I/O event: one port's burst read, forwarded"
                + " and sent (HdrHistogram, 2 significant digits).");
        for (ReactorThread t : threads) {
            String thread = Integer.toString(t.index());
            BurstTimer timer = t.burstTimer();
            Histogram h = timer.total();
            for (double le : BURST_BUCKETS_S) {
                long count = h.getCountBetweenValues(0, (long) (le * 1e9));
                out.sample(burst + "_bucket", count, "thread", thread, "le", PrometheusText.number(le));
            }
            out.sample(burst + "_bucket", h.getTotalCount(), "thread", thread, "le", "+Inf");
            out.sample(burst + "_sum", timer.sumNs() / 1e9, "thread", thread);
            out.sample(burst + "_count", h.getTotalCount(), "thread", thread);
        }
    }
}
