package io.jvs.datapath.replay;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.jvs.core.bridge.Bridge;
import io.jvs.core.bridge.BridgePort;
import io.jvs.core.bridge.DropReason;
import io.jvs.core.bridge.FlowCache;
import io.jvs.core.bridge.MacTable;
import io.jvs.core.bridge.PortCounters;
import io.jvs.core.packet.MacAddress;

/**
 * counters.json: the switch's counters after a replay. Keys come in a fixed order (bridges and ports in db order,
 * counters in the order below, drop reasons in {@link DropReason} order, MAC entries by VLAN then MAC) so that equal
 * replays give equal bytes.
 *
 * <pre>
 * { "frames_in": N,
 *   "flow_cache": { "hits": N, "misses": N },
 *   "bridges": { BR: { "learn_full": N,
 *                      "ports": { PORT: { "type", "rx_packets", "rx_bytes", "tx_packets", "tx_bytes",
 *                                         "tx_dropped", "tx_errors", "drops": { REASON: N, ... } } },
 *                      "mac_table": [ { "vlan", "mac", "port", "seen_ns" }, ... ] } } }
 * </pre>
 */
final class CountersJson {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private CountersJson() {
    }

    static Map<String, Object> of(OfflineSwitch sw, int framesIn) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("frames_in", framesIn);
        FlowCache cache = sw.forwarder().cache();
        Map<String, Object> flowCache = new LinkedHashMap<>();
        flowCache.put("hits", cache == null ? 0 : cache.hits());
        flowCache.put("misses", cache == null ? 0 : cache.misses());
        root.put("flow_cache", flowCache);
        Map<String, Object> bridges = new LinkedHashMap<>();
        for (Bridge b : sw.bridges().values()) {
            Map<String, Object> bridge = new LinkedHashMap<>();
            bridge.put("learn_full", b.learnFull());
            Map<String, Object> ports = new LinkedHashMap<>();
            for (BridgePort p : sw.ports().values()) {
                if (p.bridge() == b) {
                    ports.put(p.name(), port(p, sw.type(p.name())));
                }
            }
            bridge.put("ports", ports);
            bridge.put("mac_table", macTable(b));
            bridges.put(b.name(), bridge);
        }
        root.put("bridges", bridges);
        return root;
    }

    private static Map<String, Object> port(BridgePort p, String type) {
        PortCounters c = p.counters();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type);
        m.put("rx_packets", c.get(PortCounters.RX_PACKETS));
        m.put("rx_bytes", c.get(PortCounters.RX_BYTES));
        m.put("tx_packets", c.get(PortCounters.TX_PACKETS));
        m.put("tx_bytes", c.get(PortCounters.TX_BYTES));
        m.put("tx_dropped", c.get(PortCounters.TX_DROPPED));
        m.put("tx_errors", c.get(PortCounters.TX_ERRORS));
        Map<String, Object> drops = new LinkedHashMap<>();
        for (DropReason r : DropReason.values()) {
            drops.put(r.counterName(), c.drops(r));
        }
        m.put("drops", drops);
        return m;
    }

    private static List<Map<String, Object>> macTable(Bridge b) {
        List<MacTable.Entry> entries = new ArrayList<>();
        b.macTable().snapshot(entries::add);
        entries.sort(Comparator.comparingInt(MacTable.Entry::vlan).thenComparingLong(MacTable.Entry::mac));
        List<Map<String, Object>> out = new ArrayList<>();
        for (MacTable.Entry e : entries) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("vlan", e.vlan());
            m.put("mac", MacAddress.format(e.mac()));
            BridgePort p = b.port(e.port());
            m.put("port", p == null ? Integer.toString(e.port()) : p.name());
            m.put("seen_ns", e.seenNs());
            out.add(m);
        }
        return out;
    }

    static void write(OfflineSwitch sw, int framesIn, Path file) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(of(sw, framesIn));
        byte[] withNewline = java.util.Arrays.copyOf(bytes, bytes.length + 1);
        withNewline[bytes.length] = '\n';
        Files.write(file, withNewline);
    }
}
