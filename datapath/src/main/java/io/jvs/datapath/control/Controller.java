package io.jvs.datapath.control;

import io.jvs.datapath.tunnel.TunnelEndpoint;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import io.jvs.core.bridge.Bridge;
import io.jvs.core.bridge.BridgePort;
import io.jvs.core.bridge.DropReason;
import io.jvs.core.bridge.MacTable;
import io.jvs.core.bridge.PatchPort;
import io.jvs.core.bridge.PortCounters;
import io.jvs.core.bridge.VlanConfig;
import io.jvs.core.packet.MacAddress;
import io.jvs.datapath.Datapath;
import io.jvs.datapath.Log;
import io.jvs.datapath.linux.Netdev;
import io.jvs.datapath.linux.Netns;
import io.jvs.datapath.port.DevicePort;
import io.jvs.datapath.port.SystemPort;

/**
 * Executes CLI commands against the running {@link Datapath} and the stored configuration. Runs on the control
 * thread only, one command at a time. Each command is validated completely before anything changes; then the
 * datapath is changed (which may still fail, e.g. a TAP cannot be created, and then changes nothing); then the new
 * configuration is saved. A refused command throws {@link CommandException} with the one line to print.
 */
public final class Controller {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:@-]{1,64}");

    private final Datapath datapath;
    private final ConfigDb db;
    private SwitchConfig config;
    private final AclCommands acl;
    private final RouterCommands routers;

    public Controller(Datapath datapath, ConfigDb db, SwitchConfig config) {
        this.datapath = datapath;
        this.db = db;
        this.config = config;
        this.acl = new AclCommands(datapath, () -> this.config, this::commit);
        this.routers = new RouterCommands(this, datapath);
    }

    /** Builds the datapath from the stored configuration (daemon start). Devices that are missing come up later. */
    public void restore() {
        routers.restoreRouters(); // before the ports: router legs join their router
        for (BridgeConfig b : config.bridges()) {
            datapath.addBridge(b.name());
            b.vlanMap().forEach((vlan, key) -> datapath.setVlanKey(b.name(), vlan, key));
            for (PortConfig p : b.ports()) {
                try {
                    datapath.addPort(b.name(), p, false);
                    acl.restore(p);
                } catch (IOException | RuntimeException e) {
                    Log.error("control", "restoring port " + p.name() + " failed", e);
                }
            }
        }
        routers.restoreRouterState();
        Log.info("control", "restored " + config.bridges().size() + " bridge(s) from " + db.file());
    }

    public String execute(List<String> argv) throws CommandException {
        if (argv.isEmpty()) {
            throw new CommandException("no command given (try: jvs help)");
        }
        String cmd = argv.get(0);
        List<String> args = argv.subList(1, argv.size());
        return switch (cmd) {
            case "add-br" -> addBridge(args);
            case "del-br" -> delBridge(args);
            case "add-port" -> addPort(args);
            case "del-port" -> delPort(args);
            case "set" -> set(args);
            case "list-br" -> String.join("", config.bridges().stream().map(b -> b.name() + "\n").toList());
            case "list-ports" -> listPorts(args);
            case "show" -> Show.show(config, datapath, db.file());
            case "fdb/show" -> fdbShow(args);
            case "fdb/flush" -> fdbFlush(args);
            case "dump-ports" -> dumpPorts(args);
            case "dpctl/show" -> dpctlShow(args);
            case "trace" -> {
                try {
                    yield io.jvs.datapath.trace.PacketTrace.run(datapath, args);
                } catch (IllegalArgumentException | IllegalStateException e) {
                    throw new CommandException(e.getMessage());
                }
            }
            case "capture/start" -> CaptureCommands.start(datapath, args);
            case "capture/status" -> CaptureCommands.status(datapath, args);
            case "capture/stop" -> CaptureCommands.stop(datapath, args);
            case "add-vlan-map" -> addVlanMap(args);
            case "del-vlan-map" -> delVlanMap(args);
            case "acl/add", "acl/del", "acl/show" -> acl.execute(cmd, args);
            default -> routers.execute(cmd, args); // add-router, router/..., ct/...; refuses unknown commands
        };
    }

    private static void arity(List<String> args, int min, int max, String usage) throws CommandException {
        if (args.size() < min || args.size() > max) {
            throw new CommandException("usage: jvs " + usage);
        }
    }

    private BridgeConfig bridgeConfig(String name) throws CommandException {
        return config.bridge(name).orElseThrow(() -> new CommandException("no bridge named " + name));
    }

    void commit(SwitchConfig next) throws CommandException {
        try {
            db.save(next);
        } catch (IOException e) {
            // The datapath already changed; keep it and the in-memory config in step and say the db is stale.
            config = next;
            throw new CommandException("applied, but saving the db failed: " + e.getMessage());
        }
        config = next;
    }

    private static void checkName(String what, String name) throws CommandException {
        if (!NAME.matcher(name).matches()) {
            throw new CommandException("invalid " + what + " name '" + name
                    + "' (1-64 of letters, digits, _ . : @ -)");
        }
    }

    private String addBridge(List<String> args) throws CommandException {
        arity(args, 1, 1, "add-br BR");
        String name = args.get(0);
        checkName("bridge", name);
        if (config.bridge(name).isPresent()) {
            throw new CommandException("a bridge named " + name + " already exists");
        }
        if (config.port(name).isPresent()) {
            throw new CommandException("a port named " + name + " already exists");
        }
        datapath.addBridge(name);
        commit(config.withBridge(new BridgeConfig(name, List.of())));
        return "";
    }

    private String delBridge(List<String> args) throws CommandException {
        arity(args, 1, 1, "del-br BR");
        bridgeConfig(args.get(0)).ports().forEach(p -> acl.portDeleted(p.name()));
        datapath.deleteBridge(args.get(0));
        commit(config.withoutBridge(args.get(0)));
        return "";
    }

    private String addPort(List<String> args) throws CommandException {
        if (args.size() < 2) {
            throw new CommandException("usage: jvs add-port BR PORT [type=system|internal|tap|patch|gre|vxlan] "
                    + "[tag=VLAN] [trunks=V1,V2,...] [netns=NS] [mac=MAC] [options:peer=PORT] "
                    + "[options:remote_ip=IP] [options:local_ip=IP] [options:key=N|flow] [options:csum=true] "
                    + "[options:seq=true] [options:dst_port=N]");
        }
        if (args.contains("type=" + PortConfig.ROUTER)) {
            return routers.addPort(args);
        }
        String bridge = args.get(0);
        String name = args.get(1);
        bridgeConfig(bridge);
        checkName("port", name);
        if (config.port(name).isPresent()) {
            throw new CommandException("a port named " + name + " already exists on bridge "
                    + config.bridgeOfPort(name).map(BridgeConfig::name).orElse("?"));
        }
        if (config.bridge(name).isPresent()) {
            throw new CommandException("a bridge named " + name + " already exists");
        }
        List<String> allowed = new ArrayList<>(List.of("type", "tag", "trunks", "netns", "mac", "options:peer"));
        TunnelOptions.NAMES.forEach(o -> allowed.add("options:" + o));
        Map<String, String> kv = keyValues(args.subList(2, args.size()), allowed);
        String type = kv.getOrDefault("type", PortConfig.SYSTEM);
        if (type.equals("tap")) {
            type = PortConfig.INTERNAL;
        }
        if (!List.of(PortConfig.SYSTEM, PortConfig.INTERNAL, PortConfig.PATCH, PortConfig.GRE, PortConfig.VXLAN)
                .contains(type)) {
            throw new CommandException("unknown port type '" + type + "' (system, internal, tap, patch, gre or vxlan)");
        }
        boolean tunnel = type.equals(PortConfig.GRE) || type.equals(PortConfig.VXLAN);
        Map<String, String> tunnelOptions = new LinkedHashMap<>();
        for (String o : TunnelOptions.NAMES) {
            if (kv.containsKey("options:" + o)) {
                if (!tunnel) {
                    throw new CommandException("options:" + o + " applies to gre and vxlan ports only");
                }
                tunnelOptions.put(o, kv.get("options:" + o));
            }
        }
        Integer tag = kv.containsKey("tag") ? parseVlan(kv.get("tag")) : null;
        List<Integer> trunks = kv.containsKey("trunks") ? parseTrunks(kv.get("trunks")) : List.of();
        if (tag != null && kv.containsKey("trunks")) {
            throw new CommandException("tag and trunks are exclusive: a port is either an access port or a trunk");
        }
        String netns = kv.get("netns");
        String mac = kv.get("mac");
        String peer = kv.get("options:peer");
        if (!type.equals(PortConfig.INTERNAL) && (netns != null || mac != null)) {
            throw new CommandException((netns != null ? "netns=" : "mac=") + " applies to internal ports only");
        }
        if (!type.equals(PortConfig.PATCH) && peer != null) {
            throw new CommandException("options:peer applies to patch ports only");
        }
        if (mac != null) {
            long m = parseMac(mac);
            if (MacAddress.isMulticast(m) || MacAddress.isZero(m)) {
                throw new CommandException("mac=" + mac + " is not a unicast address");
            }
            mac = MacAddress.format(m);
        }
        boolean hasNetdev = type.equals(PortConfig.SYSTEM) || type.equals(PortConfig.INTERNAL);
        if (hasNetdev && name.getBytes().length > Netdev.MAX_NAME_BYTES) {
            throw new CommandException("port name " + name + " is longer than a netdev name can be (15 bytes)");
        }
        switch (type) {
            case PortConfig.SYSTEM -> requireNetdev(name);
            case PortConfig.INTERNAL -> {
                if (netns != null && !Netns.exists(netns)) {
                    throw new CommandException("no network namespace named " + netns);
                }
            }
            case PortConfig.PATCH -> checkPeer(name, peer);
            case PortConfig.GRE, PortConfig.VXLAN -> {
                try {
                    TunnelOptions.parse(type, tunnelOptions);
                } catch (IllegalArgumentException e) {
                    throw new CommandException(e.getMessage());
                }
            }
            default -> throw new AssertionError(type);
        }
        Map<String, String> options = peer != null ? Map.of("peer", peer) : tunnelOptions;
        PortConfig pc = new PortConfig(name, type, tag, trunks, netns, mac, options);
        try {
            datapath.addPort(bridge, pc, true);
        } catch (IOException e) {
            throw new CommandException("cannot add port " + name + ": " + e.getMessage());
        } catch (RuntimeException e) {
            throw new CommandException("cannot add port " + name + ": " + e);
        }
        commit(config.withPort(bridge, pc));
        return "";
    }

    private String addVlanMap(List<String> args) throws CommandException {
        arity(args, 3, 3, "add-vlan-map BR VLAN KEY");
        BridgeConfig b = bridgeConfig(args.get(0));
        int vlan = parseVlan(args.get(1));
        long key;
        try {
            key = Long.parseLong(args.get(2));
        } catch (NumberFormatException e) {
            throw new CommandException("key '" + args.get(2) + "' is not a number");
        }
        try {
            b.vlanKeyMap().with(vlan, key); // validates: range, and the key not taken by another VLAN
        } catch (IllegalArgumentException e) {
            throw new CommandException(e.getMessage());
        }
        datapath.setVlanKey(b.name(), vlan, key);
        commit(config.replaceBridge(b.withVlanMapping(vlan, key)));
        return "";
    }

    private String delVlanMap(List<String> args) throws CommandException {
        arity(args, 2, 2, "del-vlan-map BR VLAN");
        BridgeConfig b = bridgeConfig(args.get(0));
        int vlan = parseVlan(args.get(1));
        if (!b.vlanMap().containsKey(vlan)) {
            throw new CommandException("bridge " + b.name() + " has no key for VLAN " + vlan);
        }
        datapath.setVlanKey(b.name(), vlan, -1);
        commit(config.replaceBridge(b.withVlanMapping(vlan, -1)));
        return "";
    }

    private void requireNetdev(String name) throws CommandException {
        try {
            if (!Netdev.exists(null, name)) {
                throw new CommandException("no network device named " + name
                        + " (type=system attaches an existing netdev; type=internal creates one)");
            }
        } catch (IOException e) {
            throw new CommandException("cannot look up network device " + name + ": " + e.getMessage());
        }
    }

    private void checkPeer(String name, String peer) throws CommandException {
        if (peer == null) {
            throw new CommandException("patch port " + name + " needs options:peer=PORT");
        }
        checkName("peer port", peer);
        if (peer.equals(name)) {
            throw new CommandException("patch port " + name + " cannot be its own peer");
        }
        var existing = config.port(peer);
        if (existing.isPresent()) {
            PortConfig other = existing.get();
            if (!PortConfig.PATCH.equals(other.type())) {
                throw new CommandException("peer " + peer + " is a " + other.type() + " port, not a patch port");
            }
            if (!name.equals(other.peer())) {
                throw new CommandException("peer " + peer + " is already peered with " + other.peer());
            }
        }
    }

    private String delPort(List<String> args) throws CommandException {
        arity(args, 1, 2, "del-port [BR] PORT");
        String name = args.get(args.size() - 1);
        BridgeConfig owner = config.bridgeOfPort(name)
                .orElseThrow(() -> new CommandException("no port named " + name));
        if (args.size() == 2 && !owner.name().equals(args.get(0))) {
            bridgeConfig(args.get(0));
            throw new CommandException("port " + name + " is on bridge " + owner.name() + ", not " + args.get(0));
        }
        acl.portDeleted(name);
        datapath.deletePort(name);
        commit(config.withoutPort(name));
        return "";
    }

    private String set(List<String> args) throws CommandException {
        if (args.size() < 3 || !args.get(0).equals("port")) {
            throw new CommandException("usage: jvs set port PORT tag=VLAN|trunks=V1,V2,...|security=on|off|"
                    + "allowed=MAC,IP[,IP...]");
        }
        String name = args.get(1);
        if (AclCommands.handlesSet(args.subList(2, args.size()))) {
            return acl.set(name, args.subList(2, args.size()));
        }
        PortConfig pc = config.port(name).orElseThrow(() -> new CommandException("no port named " + name));
        Map<String, String> kv = keyValues(args.subList(2, args.size()), List.of("tag", "trunks"));
        if (kv.containsKey("tag") && kv.containsKey("trunks")) {
            throw new CommandException("tag and trunks are exclusive: a port is either an access port or a trunk");
        }
        PortConfig next = kv.containsKey("tag") ? pc.withVlan(parseVlan(kv.get("tag")), List.of())
                : pc.withVlan(null, parseTrunks(kv.get("trunks")));
        datapath.setVlan(name, Datapath.vlanOf(next));
        commit(config.replacePort(next));
        return "";
    }

    private String listPorts(List<String> args) throws CommandException {
        arity(args, 1, 1, "list-ports BR");
        StringBuilder sb = new StringBuilder();
        for (PortConfig p : bridgeConfig(args.get(0)).ports()) {
            sb.append(p.name()).append('\n');
        }
        return sb.toString();
    }

    private Bridge runningBridge(String name) throws CommandException {
        bridgeConfig(name);
        return datapath.bridge(name);
    }

    private String fdbShow(List<String> args) throws CommandException {
        arity(args, 1, 1, "fdb/show BR");
        Bridge bridge = runningBridge(args.get(0));
        List<MacTable.Entry> entries = new ArrayList<>();
        bridge.macTable().snapshot(entries::add);
        entries.sort((a, b) -> a.vlan() != b.vlan() ? Integer.compare(a.vlan(), b.vlan())
                : Long.compare(a.mac(), b.mac()));
        long now = System.nanoTime();
        StringBuilder sb = new StringBuilder(" port  VLAN  MAC                Age\n");
        for (MacTable.Entry e : entries) {
            BridgePort p = bridge.port(e.port());
            sb.append(String.format(" %-5s %4d  %s  %3d%n", p == null ? "?" : p.name(), e.vlan(),
                    MacAddress.format(e.mac()), Math.max(0, (now - e.seenNs()) / 1_000_000_000L)));
        }
        return sb.toString();
    }

    private String fdbFlush(List<String> args) throws CommandException {
        arity(args, 0, 1, "fdb/flush [BR]");
        List<Bridge> targets = new ArrayList<>();
        if (args.isEmpty()) {
            targets.addAll(datapath.bridges());
        } else {
            targets.add(runningBridge(args.get(0)));
        }
        int removed = 0;
        for (Bridge b : targets) {
            removed += datapath.flushFdb(b);
        }
        return "table successfully flushed (" + removed + " entries)\n";
    }

    private String dumpPorts(List<String> args) throws CommandException {
        arity(args, 1, 1, "dump-ports BR");
        Bridge bridge = runningBridge(args.get(0));
        StringBuilder sb = new StringBuilder();
        MacTable t = bridge.macTable();
        sb.append(String.format("bridge %s: %d ports, mac entries %d/%d, learn_full=%d, learn_queue_full=%d%n",
                bridge.name(), bridge.portList().size(), t.size(), t.capacity(), bridge.learnFull(),
                bridge.learnQueueFull()));
        for (BridgePort p : bridge.portList()) {
            PortCounters c = p.counters();
            sb.append("port ").append(p.name()).append(":\n");
            sb.append(String.format("    rx packets=%d bytes=%d drops=%d%s%s%n", c.get(PortCounters.RX_PACKETS),
                    c.get(PortCounters.RX_BYTES), c.totalDrops(), p instanceof SystemPort sp
                            ? " kernel_drops=" + sp.rxKernelDrops() : "",
                    p instanceof DevicePort dp && dp.pauses() != 0 ? " paused=" + dp.pauses() : ""));
            sb.append(String.format("    tx packets=%d bytes=%d errors=%d dropped=%d%n",
                    c.get(PortCounters.TX_PACKETS), c.get(PortCounters.TX_BYTES), c.get(PortCounters.TX_ERRORS),
                    c.get(PortCounters.TX_DROPPED)));
            StringBuilder drops = new StringBuilder();
            for (DropReason r : DropReason.values()) {
                long n = c.drops(r);
                if (n != 0) {
                    drops.append(' ').append(r.counterName()).append('=').append(n);
                }
            }
            if (p instanceof DevicePort dp && dp.errors() != 0) {
                drops.append(" loop_errors=").append(dp.errors());
            }
            sb.append("    drops:").append(drops.isEmpty() ? " none" : drops).append('\n');
        }
        return sb.toString();
    }

    /** Per reactor thread: its ports and its flow cache's hits, misses and entries. */
    private String dpctlShow(List<String> args) throws CommandException {
        arity(args, 0, 0, "dpctl/show");
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("datapath: %d reactor threads, %d bridges, %d ports%n", datapath.threads(),
                datapath.bridges().size(), datapath.ports().size()));
        for (io.jvs.datapath.reactor.ReactorThread t : datapath.reactorThreads()) {
            var cache = t.forwarder().cache();
            List<String> names = new ArrayList<>();
            for (BridgePort p : datapath.ports()) {
                if (p instanceof DevicePort dp && dp.reactorIndex() == t.index()) {
                    names.add(p.name());
                }
            }
            for (TunnelEndpoint ep : datapath.tunnels().endpoints()) {
                if (ep.reactorIndex() == t.index()) {
                    names.add(ep.toString());
                }
            }
            sb.append(String.format("thread %d: ports %s%n", t.index(), names.isEmpty() ? "-" : String.join(",", names)));
            if (cache == null) {
                sb.append("    flow cache: off\n");
            } else {
                long hits = cache.hits();
                long misses = cache.misses();
                sb.append(String.format("    flow cache: hits=%d misses=%d hit_ratio=%.1f%% entries=%d/%d%n", hits,
                        misses, hits + misses == 0 ? 0.0 : 100.0 * hits / (hits + misses), cache.entries(),
                        cache.size()));
            }
        }
        for (TunnelEndpoint ep : datapath.tunnels().endpoints()) {
            sb.append(String.format("%s: %s, tunnels %d, unknown_tunnel=%d malformed_from_strangers=%d "
                    + "receive_errors=%d loop_errors=%d%n", ep, ep.isOpen() ? "open" : "down (" + ep.downReason() + ")",
                    ep.portCount(), ep.unknownTunnel(), ep.malformedFromStrangers(), ep.receiveErrors(),
                    ep.loopErrors()));
        }
        return sb.toString();
    }

    // --- argument parsing -----------------------------------------------------------------------------------

    private static Map<String, String> keyValues(List<String> args, List<String> allowed) throws CommandException {
        Map<String, String> kv = new LinkedHashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                throw new CommandException("expected KEY=VALUE, got '" + a + "'");
            }
            String key = a.substring(0, eq);
            if (!allowed.contains(key)) {
                throw new CommandException("unknown setting '" + key + "' (allowed: " + String.join(", ", allowed)
                        + ")");
            }
            if (kv.put(key, a.substring(eq + 1)) != null) {
                throw new CommandException(key + " given twice");
            }
        }
        return kv;
    }

    static int parseVlan(String s) throws CommandException {
        int v;
        try {
            v = Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw new CommandException("VLAN '" + s + "' is not a number");
        }
        if (v < 1 || v > VlanConfig.MAX_VID) {
            throw new CommandException("VLAN " + v + " out of range 1..4094");
        }
        return v;
    }

    static List<Integer> parseTrunks(String s) throws CommandException {
        if (s.isBlank()) {
            throw new CommandException("trunks= needs at least one VLAN");
        }
        List<Integer> list = new ArrayList<>();
        for (String part : s.split(",")) {
            int v = parseVlan(part);
            if (!list.contains(v)) {
                list.add(v);
            }
        }
        list.sort(null);
        return list;
    }

    private static long parseMac(String s) throws CommandException {
        try {
            return MacAddress.parse(s);
        } catch (IllegalArgumentException e) {
            throw new CommandException("mac=" + s + " is not a MAC address (aa:bb:cc:dd:ee:ff)");
        }
    }

    public SwitchConfig config() {
        return config;
    }

    static String stateOf(BridgePort p) {
        if (p instanceof PatchPort patch && patch.peer() == null) {
            return "down (peer " + patch.peerName() + " missing)";
        }
        if (p.isUp()) {
            return "up";
        }
        return p.downReason().isEmpty() ? "down" : "down (" + p.downReason() + ")";
    }
}
