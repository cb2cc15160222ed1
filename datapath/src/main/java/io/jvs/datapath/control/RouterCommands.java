package io.jvs.datapath.control;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import io.jvs.core.bridge.BridgePort;
import io.jvs.core.conntrack.Conntrack;
import io.jvs.core.packet.Ipv4Header;
import io.jvs.core.packet.MacAddress;
import io.jvs.core.router.ArpCache;
import io.jvs.core.router.NatRules;
import io.jvs.core.router.RouteTable;
import io.jvs.core.router.RouterDropReason;
import io.jvs.core.router.RouterStage;
import io.jvs.datapath.Datapath;
import io.jvs.datapath.Log;
import io.jvs.datapath.linux.Netdev;
import io.jvs.datapath.linux.Netns;
import io.jvs.datapath.router.Router;
import io.jvs.datapath.router.RouterLegPort;
import io.jvs.datapath.router.Routers;

/**
 * The router commands ({@code add-router}, {@code del-router}, {@code add-port ... type=router}, {@code router/...},
 * {@code ct/...}), kept apart from {@link Controller}, which dispatches to them. Same rules: control thread only,
 * everything validated before anything changes, the datapath changed, then the configuration saved; a refused
 * command throws {@link CommandException} with its one line and changes nothing.
 *
 * <p>The running router ({@link Router}) re-derives its routes and NAT rules from the {@link RouterConfig} given to
 * {@link #apply} after every change, so the db and the datapath cannot drift apart.
 */
final class RouterCommands {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:@-]{1,64}");

    private final Controller controller;
    private final Datapath datapath;

    RouterCommands(Controller controller, Datapath datapath) {
        this.controller = controller;
        this.datapath = datapath;
    }

    private SwitchConfig config() {
        return controller.config();
    }

    /** Daemon start, before the bridges' ports (legs need their router): creates the routers. */
    void restoreRouters() {
        for (RouterConfig rc : config().routers()) {
            datapath.routers().add(rc.name(), rc.netns());
        }
    }

    /** Daemon start, after the bridges' ports: gives each router its routes, gateway and floating IPs. */
    void restoreRouterState() {
        for (RouterConfig rc : config().routers()) {
            try {
                apply(rc);
            } catch (RuntimeException | CommandException e) {
                Log.error("control", "restoring router " + rc.name() + " failed", e);
            }
        }
    }

    /** Runs a router command, or refuses an unknown command. */
    String execute(String cmd, List<String> args) throws CommandException {
        return switch (cmd) {
            case "add-router" -> addRouter(args);
            case "del-router" -> delRouter(args);
            case "router/add-route" -> addRoute(args);
            case "router/del-route" -> delRoute(args);
            case "router/set-gateway" -> setGateway(args);
            case "router/add-fip" -> addFip(args);
            case "router/del-fip" -> delFip(args);
            case "router/show" -> show(args);
            case "ct/show" -> ctShow(args);
            case "ct/flush" -> ctFlush(args);
            default -> throw new CommandException("unknown command '" + cmd + "' (try: jvs help)");
        };
    }

    // ------------------------------------------------------------------ routers

    private String addRouter(List<String> args) throws CommandException {
        if (args.isEmpty() || args.size() > 2) {
            throw new CommandException("usage: jvs add-router R [netns=NS]");
        }
        String name = args.get(0);
        checkName("router", name);
        if (config().router(name).isPresent()) {
            throw new CommandException("a router named " + name + " already exists");
        }
        String netns = null;
        if (args.size() == 2) {
            String a = args.get(1);
            if (!a.startsWith("netns=") || a.length() == "netns=".length()) {
                throw new CommandException("usage: jvs add-router R [netns=NS]");
            }
            netns = a.substring("netns=".length());
            if (!Netns.exists(netns)) {
                throw new CommandException("no network namespace named " + netns);
            }
        }
        RouterConfig rc = new RouterConfig(name, netns);
        datapath.routers().add(name, netns);
        controller.commit(config().withRouter(rc));
        return "";
    }

    private String delRouter(List<String> args) throws CommandException {
        arity(args, 1, 1, "del-router R");
        RouterConfig rc = routerConfig(args.get(0));
        SwitchConfig next = config();
        for (PortConfig leg : config().legsOf(rc.name())) {
            datapath.deletePort(leg.name());
            next = next.withoutPort(leg.name());
        }
        datapath.routers().remove(rc.name());
        controller.commit(next.withoutRouter(rc.name()));
        return "";
    }

    /** {@code add-port BR PORT type=router options:router=R options:ip=CIDR [tag=VLAN] [mac=MAC]}. */
    String addPort(List<String> args) throws CommandException {
        String usage = "usage: jvs add-port BR PORT type=router options:router=R options:ip=CIDR [tag=VLAN] [mac=MAC]";
        if (args.size() < 2) {
            throw new CommandException(usage);
        }
        String bridge = args.get(0);
        String name = args.get(1);
        if (config().bridge(bridge).isEmpty()) {
            throw new CommandException("no bridge named " + bridge);
        }
        checkName("port", name);
        if (config().port(name).isPresent()) {
            throw new CommandException("a port named " + name + " already exists on bridge "
                    + config().bridgeOfPort(name).map(BridgeConfig::name).orElse("?"));
        }
        if (config().bridge(name).isPresent()) {
            throw new CommandException("a bridge named " + name + " already exists");
        }
        Map<String, String> kv = new LinkedHashMap<>();
        for (String a : args.subList(2, args.size())) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                throw new CommandException("expected KEY=VALUE, got '" + a + "'");
            }
            String key = a.substring(0, eq);
            if (!List.of("type", "options:router", "options:ip", "tag", "mac").contains(key)) {
                throw new CommandException("setting '" + key + "' does not apply to router ports (allowed: type, "
                        + "options:router, options:ip, tag, mac)");
            }
            if (kv.put(key, a.substring(eq + 1)) != null) {
                throw new CommandException(key + " given twice");
            }
        }
        String routerName = kv.get("options:router");
        if (routerName == null) {
            throw new CommandException("a router port needs options:router=R");
        }
        RouterConfig rc = routerConfig(routerName);
        Router router = datapath.routers().get(rc.name());
        if (rc.netns() != null && name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > Netdev.MAX_NAME_BYTES) {
            throw new CommandException("port name " + name + " is longer than a netdev name can be (15 bytes): router "
                    + rc.name() + " gives each port a TAP of that name in netns " + rc.netns());
        }
        String ip = kv.get("options:ip");
        if (ip == null) {
            throw new CommandException("a router port needs options:ip=CIDR (its address and subnet, e.g. 10.0.0.1/24)");
        }
        int[] cidr = cidr("options:ip", ip);
        int address = cidr[0];
        int length = cidr[1];
        if (length < 1 || length > 32) {
            throw new CommandException("options:ip=" + ip + ": prefix length must be 1..32");
        }
        int hostBits = 32 - length;
        int host = hostBits == 32 ? address : address & ((1 << hostBits) - 1);
        if (hostBits >= 2 && (host == 0 || host == (1 << hostBits) - 1)) {
            throw new CommandException("options:ip=" + ip + " is the subnet's network or broadcast address");
        }
        if (address == 0 || (address >>> 28) >= 14 || (address >>> 24) == 127) {
            throw new CommandException("options:ip=" + ip + " is not a unicast host address");
        }
        for (RouterLegPort other : router.legs()) {
            int shorter = Math.min(length, other.prefixLength());
            if (RouteTable.mask(address, shorter) == RouteTable.mask(other.address(), shorter)) {
                throw new CommandException("options:ip=" + ip + " overlaps " + other.cidr() + " of router "
                        + rc.name() + "'s port " + other.name());
            }
        }
        Integer tag = null;
        if (kv.containsKey("tag")) {
            tag = Controller.parseVlan(kv.get("tag"));
        }
        long mac;
        if (kv.containsKey("mac")) {
            try {
                mac = MacAddress.parse(kv.get("mac"));
            } catch (IllegalArgumentException e) {
                throw new CommandException("mac=" + kv.get("mac") + " is not a MAC address (aa:bb:cc:dd:ee:ff)");
            }
            if (MacAddress.isMulticast(mac) || MacAddress.isZero(mac)) {
                throw new CommandException("mac=" + kv.get("mac") + " is not a unicast address");
            }
        } else {
            mac = Routers.randomMac(); // stored, so the leg keeps its MAC across restarts
        }
        PortConfig pc = new PortConfig(name, PortConfig.ROUTER, tag, List.of(), null, MacAddress.format(mac),
                Map.of("router", rc.name(), "ip", Ipv4Header.formatAddress(address) + "/" + length));
        try {
            datapath.addPort(bridge, pc, true);
        } catch (IOException | RuntimeException e) {
            throw new CommandException("cannot add port " + name + ": " + e.getMessage());
        }
        controller.commit(config().withPort(bridge, pc));
        apply(rc); // static routes waiting for a leg on their next hop's subnet may apply now
        return "";
    }

    // ------------------------------------------------------------------ routes, gateway, floating IPs

    private String addRoute(List<String> args) throws CommandException {
        arity(args, 3, 3, "router/add-route R PREFIX NEXTHOP");
        RouterConfig rc = routerConfig(args.get(0));
        int[] prefix = cidr("prefix", args.get(1));
        if (prefix[1] == 0) {
            throw new CommandException("the default route is the gateway's: use router/set-gateway R PORT NEXTHOP");
        }
        int nextHop = address("next hop", args.get(2));
        Router router = datapath.routers().get(rc.name());
        RouterLegPort leg = router.legFor(nextHop);
        if (leg == null) {
            throw new CommandException("next hop " + args.get(2) + " is on none of router " + rc.name()
                    + "'s subnets");
        }
        if (leg.address() == nextHop) {
            throw new CommandException("next hop " + args.get(2) + " is router " + rc.name() + "'s own address");
        }
        String canonical = Ipv4Header.formatAddress(RouteTable.mask(prefix[0], prefix[1])) + "/" + prefix[1];
        RouterConfig next = rc.withRoute(new RouterConfig.Route(canonical, Ipv4Header.formatAddress(nextHop)));
        return change(next);
    }

    private String delRoute(List<String> args) throws CommandException {
        arity(args, 2, 2, "router/del-route R PREFIX");
        RouterConfig rc = routerConfig(args.get(0));
        int[] prefix = cidr("prefix", args.get(1));
        String canonical = Ipv4Header.formatAddress(RouteTable.mask(prefix[0], prefix[1])) + "/" + prefix[1];
        List<RouterConfig.Route> routes = rc.routes().stream().filter(r -> !r.prefix().equals(canonical)).toList();
        if (routes.size() == rc.routes().size()) {
            throw new CommandException("router " + rc.name() + " has no route to " + canonical);
        }
        return change(rc.withRoutes(routes));
    }

    private String setGateway(List<String> args) throws CommandException {
        arity(args, 3, 3, "router/set-gateway R PORT NEXTHOP");
        RouterConfig rc = routerConfig(args.get(0));
        RouterLegPort leg = legOf(rc, args.get(1));
        int nextHop = address("next hop", args.get(2));
        if (RouteTable.mask(nextHop, leg.prefixLength()) != RouteTable.mask(leg.address(), leg.prefixLength())
                || nextHop == leg.address()) {
            throw new CommandException("next hop " + args.get(2) + " is not another host on port " + leg.name()
                    + "'s subnet " + leg.cidr());
        }
        return change(rc.withGateway(new RouterConfig.Gateway(leg.name(), Ipv4Header.formatAddress(nextHop))));
    }

    private String addFip(List<String> args) throws CommandException {
        arity(args, 3, 3, "router/add-fip R FLOATING_IP INTERNAL_IP");
        RouterConfig rc = routerConfig(args.get(0));
        if (rc.gateway() == null) {
            throw new CommandException("router " + rc.name() + " has no gateway: router/set-gateway first");
        }
        int fip = address("floating IP", args.get(1));
        int internal = address("internal IP", args.get(2));
        Router router = datapath.routers().get(rc.name());
        for (RouterLegPort l : router.legs()) {
            if (l.address() == fip || l.address() == internal) {
                throw new CommandException(Ipv4Header.formatAddress(l.address()) + " is router " + rc.name()
                        + "'s own address (port " + l.name() + ")");
            }
        }
        String f = Ipv4Header.formatAddress(fip);
        String in = Ipv4Header.formatAddress(internal);
        for (RouterConfig.Fip x : rc.fips()) {
            if (x.floatingIp().equals(f)) {
                throw new CommandException("floating IP " + f + " is already mapped to " + x.internalIp());
            }
            if (x.internalIp().equals(in)) {
                throw new CommandException(in + " already has floating IP " + x.floatingIp());
            }
        }
        List<RouterConfig.Fip> fips = new ArrayList<>(rc.fips());
        fips.add(new RouterConfig.Fip(f, in));
        return change(rc.withFips(fips));
    }

    private String delFip(List<String> args) throws CommandException {
        arity(args, 2, 2, "router/del-fip R FLOATING_IP");
        RouterConfig rc = routerConfig(args.get(0));
        String f = Ipv4Header.formatAddress(address("floating IP", args.get(1)));
        List<RouterConfig.Fip> fips = rc.fips().stream().filter(x -> !x.floatingIp().equals(f)).toList();
        if (fips.size() == rc.fips().size()) {
            throw new CommandException("router " + rc.name() + " has no floating IP " + f);
        }
        return change(rc.withFips(fips));
    }

    /** Validates {@code next} completely, applies it to the running router, saves it. */
    private String change(RouterConfig next) throws CommandException {
        check(next);
        apply(next);
        controller.commit(config().replaceRouter(next));
        return "";
    }

    /** Throws when the running router would refuse {@code rc} (NAT rules that do not build). */
    private void check(RouterConfig rc) throws CommandException {
        Router router = datapath.routers().get(rc.name());
        RouterLegPort gw = rc.gateway() == null ? null : legOrNull(router, rc.gateway().port());
        if (gw == null) {
            return;
        }
        try {
            NatRules.Builder b = NatRules.builder(gw.index()).snat(gw.address(), 1024, 65535);
            for (RouterConfig.Fip f : rc.fips()) {
                b.floatingIp(Ipv4Header.parseAddress(f.floatingIp()), Ipv4Header.parseAddress(f.internalIp()));
            }
            b.build();
        } catch (IllegalArgumentException e) {
            throw new CommandException(e.getMessage());
        }
    }

    /** Gives the running router what {@code rc} says (routes, gateway, floating IPs). */
    private void apply(RouterConfig rc) throws CommandException {
        Router router = datapath.routers().get(rc.name());
        List<int[]> routes = new ArrayList<>();
        for (RouterConfig.Route r : rc.routes()) {
            int[] p = Routers.parseCidr(r.prefix());
            routes.add(new int[] {p[0], p[1], Ipv4Header.parseAddress(r.nexthop())});
        }
        List<int[]> fips = new ArrayList<>();
        for (RouterConfig.Fip f : rc.fips()) {
            fips.add(new int[] {Ipv4Header.parseAddress(f.floatingIp()), Ipv4Header.parseAddress(f.internalIp())});
        }
        RouterConfig.Gateway g = rc.gateway();
        try {
            router.configure(routes, g == null ? null : g.port(), g == null ? 0 : Ipv4Header.parseAddress(g.nexthop()),
                    fips);
        } catch (IllegalArgumentException e) {
            throw new CommandException("router " + rc.name() + ": " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------ display

    private String show(List<String> args) throws CommandException {
        arity(args, 1, 1, "router/show R");
        RouterConfig rc = routerConfig(args.get(0));
        Router router = datapath.routers().get(rc.name());
        RouterStage stage = router.stage();
        StringBuilder sb = new StringBuilder();
        sb.append("router ").append(rc.name()).append(" (owner thread ").append(router.ownerThread())
                .append(", conntrack zone ").append(router.zone()).append(")\n");
        if (rc.netns() == null) {
            sb.append("  netns: none (traffic to the router's own addresses other than ARP and ICMP echo is dropped)\n");
        } else {
            sb.append("  netns: ").append(rc.netns()).append(" (traffic to the router's own addresses other than ARP "
                    + "and ICMP echo is delivered there through a TAP per port, named like the port; delivered=")
                    .append(stage.delivered()).append(" not_delivered=").append(router.localDropped()).append(")\n");
        }
        sb.append("  ports:\n");
        for (RouterLegPort l : router.legs()) {
            String tap = "";
            if (rc.netns() != null) {
                tap = l.hostTap() != null ? " tap " + Controller.stateOf(l.hostTap())
                        : " tap down (" + l.hostTapError() + ")";
            }
            sb.append(String.format("    %-15s %s on %s%s mac %s %s%s%n", l.name(), l.cidr(),
                    l.bridge() == null ? "?" : l.bridge().name(), l.vlan().isAccess() ? " tag " + l.vlan().tag() : "",
                    MacAddress.format(l.mac()), Controller.stateOf(l), tap));
        }
        sb.append("  routes:\n");
        List<RouteTable.Route> routes = new ArrayList<>();
        stage.routes().forEach(routes::add);
        routes.sort(Comparator.comparingInt(RouteTable.Route::length).reversed()
                .thenComparing(r -> Integer.toUnsignedLong(r.prefix())));
        for (RouteTable.Route r : routes) {
            sb.append("    ").append(Ipv4Header.formatAddress(r.prefix())).append('/').append(r.length())
                    .append(r.connected() ? " dev " : " via " + Ipv4Header.formatAddress(r.nextHop()) + " dev ")
                    .append(legName(router, r.port())).append(r.connected() ? " (connected)" : "")
                    .append(r.length() == 0 ? " (gateway)" : "").append('\n');
        }
        for (RouterConfig.Route r : rc.routes()) {
            if (router.legFor(Ipv4Header.parseAddress(r.nexthop())) == null) {
                sb.append("    ").append(r.prefix()).append(" via ").append(r.nexthop())
                        .append(" (inactive: next hop on no port's subnet)\n");
            }
        }
        sb.append("  arp:\n");
        List<ArpCache.Entry> arp = router.onOwner(() -> {
            List<ArpCache.Entry> list = new ArrayList<>();
            stage.arp().forEach(list::add);
            return list;
        });
        arp.sort(Comparator.comparingInt(ArpCache.Entry::port).thenComparing(e -> Integer.toUnsignedLong(e.ip())));
        for (ArpCache.Entry e : arp) {
            String state = switch (e.state()) {
                case ArpCache.INCOMPLETE -> "incomplete";
                case ArpCache.REACHABLE -> "reachable";
                default -> "stale";
            };
            sb.append(String.format("    %-15s %-17s %-15s %s%s%n", Ipv4Header.formatAddress(e.ip()),
                    e.state() == ArpCache.INCOMPLETE ? "(unresolved)" : MacAddress.format(e.mac()),
                    legName(router, e.port()), state, e.queued() > 0 ? " queued=" + e.queued() : ""));
        }
        sb.append("  nat:\n");
        RouterLegPort gw = router.gatewayLeg();
        if (rc.gateway() == null || gw == null) {
            sb.append("    no gateway: no NAT").append(rc.fips().isEmpty() ? "" : " (floating IPs inactive)")
                    .append('\n');
        } else {
            NatRules nat = stage.natRules();
            sb.append("    gateway ").append(gw.name()).append(" via ").append(rc.gateway().nexthop())
                    .append(": snat ").append(Ipv4Header.formatAddress(nat.snatAddress())).append(" ports ")
                    .append(nat.portMin()).append('-').append(nat.portMax()).append('\n');
        }
        for (RouterConfig.Fip f : rc.fips()) {
            sb.append("    fip ").append(f.floatingIp()).append(" <-> ").append(f.internalIp()).append('\n');
        }
        sb.append(String.format("  counters: forwarded=%d icmp_sent=%d icmp_rate_limited=%d connections=%d/%d "
                + "queue_full=%d input_pauses=%d timer_resumes=%d emit_dropped=%d arp_queue_full=%d ct_table_full=%d "
                + "gso_whole=%d gso_cut=%d%n",
                stage.forwarded(), stage.icmpSent(), stage.icmpRateLimited(), stage.conntrack().size(),
                stage.conntrack().capacity(), router.queueFull(), router.pauses(), router.timerResumes(),
                router.emitDropped(), stage.arp().queueFullDrops(),
                stage.conntrack().tableFullDrops(), stage.gsoWhole(), stage.gsoSegmented()));
        StringBuilder drops = new StringBuilder();
        for (RouterDropReason r : RouterDropReason.values()) {
            long n = stage.drops(r);
            if (n != 0) {
                drops.append(' ').append(r.name().toLowerCase(java.util.Locale.ROOT)).append('=').append(n);
            }
        }
        sb.append("  drops:").append(drops.isEmpty() ? " none" : drops).append('\n');
        return sb.toString();
    }

    private String ctShow(List<String> args) throws CommandException {
        arity(args, 0, 1, "ct/show [R]");
        StringBuilder sb = new StringBuilder();
        for (Router router : targets(args)) {
            List<Conntrack.Connection> list = router.onOwner(() -> {
                List<Conntrack.Connection> l = new ArrayList<>();
                router.stage().conntrack().forEach(l::add);
                return l;
            });
            sb.append("router ").append(router.name()).append(": ").append(list.size()).append(" connections\n");
            long now = System.nanoTime();
            for (Conntrack.Connection c : list) {
                sb.append("    ").append(protoName(c.proto())).append(' ')
                        .append(io.jvs.core.conntrack.CtState.name(c.state()))
                        .append(" orig=").append(endpoint(c.origSrc(), c.origSrcPort())).append("->")
                        .append(endpoint(c.origDst(), c.origDstPort()));
                if (c.natted()) {
                    sb.append(" nat=").append(endpoint(c.natSrc(), c.natSrcPort())).append("->")
                            .append(endpoint(c.natDst(), c.natDstPort()));
                    sb.append(c.natSrc() != c.origSrc() ? " snat" : "").append(c.natDst() != c.origDst() ? " dnat" : "");
                }
                sb.append(" packets=").append(c.packetsOriginal()).append('/').append(c.packetsReply())
                        .append(" bytes=").append(c.bytesOriginal()).append('/').append(c.bytesReply())
                        .append(" expires_in=").append(Math.max(0, (c.expiresNs() - now) / 1_000_000_000L))
                        .append("s\n");
            }
        }
        return sb.toString();
    }

    private String ctFlush(List<String> args) throws CommandException {
        arity(args, 0, 1, "ct/flush [R]");
        int removed = 0;
        for (Router router : targets(args)) {
            removed += router.onOwner(() -> router.stage().conntrack().flushAll());
        }
        return "flushed " + removed + " connections\n";
    }

    private List<Router> targets(List<String> args) throws CommandException {
        if (args.isEmpty()) {
            return new ArrayList<>(datapath.routers().all());
        }
        return List.of(datapath.routers().get(routerConfig(args.get(0)).name()));
    }

    private static String protoName(int proto) {
        return switch (proto) {
            case Ipv4Header.PROTO_TCP -> "tcp";
            case Ipv4Header.PROTO_UDP -> "udp";
            case Ipv4Header.PROTO_ICMP -> "icmp";
            default -> "proto" + proto;
        };
    }

    private static String endpoint(int address, int port) {
        return Ipv4Header.formatAddress(address) + ":" + port;
    }

    private static String legName(Router router, int index) {
        BridgePort p = router.leg(index);
        return p == null ? "port" + index : p.name();
    }

    // ------------------------------------------------------------------ helpers

    private RouterConfig routerConfig(String name) throws CommandException {
        return config().router(name).orElseThrow(() -> new CommandException("no router named " + name));
    }

    private RouterLegPort legOf(RouterConfig rc, String port) throws CommandException {
        RouterLegPort leg = legOrNull(datapath.routers().get(rc.name()), port);
        if (leg == null) {
            throw new CommandException("port " + port + " is not a port of router " + rc.name());
        }
        return leg;
    }

    private static RouterLegPort legOrNull(Router router, String port) {
        for (RouterLegPort l : router.legs()) {
            if (l.name().equals(port)) {
                return l;
            }
        }
        return null;
    }

    private static void arity(List<String> args, int min, int max, String usage) throws CommandException {
        if (args.size() < min || args.size() > max) {
            throw new CommandException("usage: jvs " + usage);
        }
    }

    private static void checkName(String what, String name) throws CommandException {
        if (!NAME.matcher(name).matches()) {
            throw new CommandException("invalid " + what + " name '" + name
                    + "' (1-64 of letters, digits, _ . : @ -)");
        }
    }

    private static int address(String what, String text) throws CommandException {
        try {
            return Ipv4Header.parseAddress(text);
        } catch (IllegalArgumentException e) {
            throw new CommandException(what + " '" + text + "' is not an IPv4 address (a.b.c.d)");
        }
    }

    private static int[] cidr(String what, String text) throws CommandException {
        try {
            return Routers.parseCidr(text);
        } catch (IllegalArgumentException e) {
            throw new CommandException(what + " '" + text + "': " + e.getMessage());
        }
    }
}
