package io.jvs.datapath.control;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.jvs.core.acl.AclRule;
import io.jvs.core.acl.PortAddresses;
import io.jvs.core.acl.PortFilter;
import io.jvs.core.bridge.BridgePort;
import io.jvs.core.conntrack.Conntrack;
import io.jvs.datapath.Datapath;
import io.jvs.datapath.Log;
import io.jvs.datapath.port.DevicePort;
import io.jvs.datapath.reactor.ReactorThread;

/**
 * The security-group commands: {@code acl/add}, {@code acl/del}, {@code acl/show} and the {@code security=} and
 * {@code allowed=} settings of {@code set port}. Control thread, like every command; the {@link PortFilter} of a port
 * with security on is attached to its {@link BridgePort}, owned by the port's reactor thread (its conntrack writer),
 * which also runs the filter's periodic poll (queued work, connection expiry) once a second.
 *
 * <p>The db keeps the rules in their canonical text ({@link AclRule#toString}); a port that never had rules gets the
 * default group's two egress rules the first time security or a rule is configured on it.
 */
final class AclCommands {
    interface Commit {
        void commit(SwitchConfig next) throws CommandException;
    }

    private final Datapath datapath;
    private final Supplier<SwitchConfig> config;
    private final Commit commit;
    private final Map<String, PortFilter> filters = new HashMap<>();
    private final Map<String, ScheduledFuture<?>> polls = new HashMap<>();

    AclCommands(Datapath datapath, Supplier<SwitchConfig> config, Commit commit) {
        this.datapath = datapath;
        this.config = config;
        this.commit = commit;
    }

    /** Whether {@code set port PORT ARGS} is about security (every setting is security= or allowed=). */
    static boolean handlesSet(List<String> settings) {
        return !settings.isEmpty()
                && settings.stream().allMatch(s -> s.startsWith("security=") || s.startsWith("allowed="));
    }

    String execute(String cmd, List<String> args) throws CommandException {
        return switch (cmd) {
            case "acl/add" -> add(args);
            case "acl/del" -> del(args);
            case "acl/show" -> show(args);
            default -> throw new CommandException("unknown command '" + cmd + "'");
        };
    }

    private PortConfig securablePort(String name) throws CommandException {
        PortConfig pc = config.get().port(name).orElseThrow(() -> new CommandException("no port named " + name));
        if (!pc.type().equals(PortConfig.SYSTEM) && !pc.type().equals(PortConfig.INTERNAL)) {
            throw new CommandException("security groups apply to system and internal ports, not " + pc.type()
                    + " port " + name);
        }
        return pc;
    }

    private List<AclRule> parseStored(List<String> stored) {
        List<AclRule> rules = new ArrayList<>();
        if (stored == null) {
            rules.addAll(PortFilter.defaultRules(datapath.threads()));
        } else {
            for (String text : stored) {
                rules.add(AclRule.parse(text, datapath.threads()));
            }
        }
        return rules;
    }

    /** The live rules (with their counters) when security is on, else the stored ones. */
    private List<AclRule> currentRules(PortConfig pc) {
        PortFilter f = filters.get(pc.name());
        return f != null ? f.rules() : parseStored(pc.acl());
    }

    private static List<String> texts(List<AclRule> rules) {
        return rules.stream().map(AclRule::toString).toList();
    }

    private String add(List<String> args) throws CommandException {
        if (args.size() < 2) {
            throw new CommandException("usage: jvs acl/add PORT ingress|egress [ethertype=ipv4|ipv6] "
                    + "[proto=tcp|udp|icmp|NUMBER] [port=MIN[-MAX]] [icmp_type=T] [remote=CIDR] [id=NAME]");
        }
        PortConfig pc = securablePort(args.get(0));
        List<AclRule> rules = new ArrayList<>(currentRules(pc));
        int n = 1;
        while (hasId(rules, "r" + n)) {
            n++;
        }
        AclRule rule;
        try {
            rule = AclRule.parse(args.subList(1, args.size()), "r" + n, datapath.threads());
        } catch (IllegalArgumentException e) {
            throw new CommandException(e.getMessage());
        }
        if (hasId(rules, rule.id)) {
            throw new CommandException("port " + pc.name() + " already has a rule with id " + rule.id);
        }
        rules.add(rule);
        PortFilter f = filters.get(pc.name());
        if (f != null) {
            f.setRules(rules); // new connections see it at once
        }
        commit.commit(config.get().replacePort(pc.withSecurity(pc.securityOn(), pc.allowed(), texts(rules))));
        return rule.id + "\n";
    }

    private static boolean hasId(List<AclRule> rules, String id) {
        return rules.stream().anyMatch(r -> r.id.equals(id));
    }

    private String del(List<String> args) throws CommandException {
        if (args.size() != 2) {
            throw new CommandException("usage: jvs acl/del PORT ID");
        }
        PortConfig pc = securablePort(args.get(0));
        List<AclRule> rules = new ArrayList<>(currentRules(pc));
        AclRule gone = rules.stream().filter(r -> r.id.equals(args.get(1))).findFirst()
                .orElseThrow(() -> new CommandException("port " + pc.name() + " has no rule with id " + args.get(1)));
        rules.remove(gone);
        PortFilter f = filters.get(pc.name());
        if (f != null) {
            f.setRules(rules);
            // The connections it allowed end now: their next packets meet the remaining rules.
            onOwner(f, () -> f.endConnections(gone));
        }
        commit.commit(config.get().replacePort(pc.withSecurity(pc.securityOn(), pc.allowed(), texts(rules))));
        return "";
    }

    private String show(List<String> args) throws CommandException {
        if (args.size() != 1) {
            throw new CommandException("usage: jvs acl/show PORT");
        }
        PortConfig pc = securablePort(args.get(0));
        PortFilter f = filters.get(pc.name());
        StringBuilder sb = new StringBuilder();
        sb.append("port ").append(pc.name()).append(": security=").append(pc.securityOn() ? "on" : "off")
                .append(" allowed=").append(pc.allowed() == null ? "any" : pc.allowed()).append('\n');
        sb.append("defaults: ingress denied, egress denied unless a rule allows; replies and related ICMP errors of "
                + "allowed connections allowed both ways (conntrack); ARP, IPv6 ND/MLD, DHCP requests out and "
                + "DHCP replies in allowed; DHCP server replies from this port dropped\n");
        sb.append("rules:\n");
        List<AclRule> rules = currentRules(pc);
        if (rules.isEmpty()) {
            sb.append("  none\n");
        }
        for (AclRule r : rules) {
            sb.append(String.format("  id=%s %s hits=%d%n", r.id, r.toString().substring(0,
                    r.toString().lastIndexOf(" id=")), r.hits()));
        }
        if (f != null) {
            Conntrack ct = f.conntrack();
            sb.append(String.format("conntrack: connections=%d/%d created=%d expired=%d table_full=%d "
                    + "queue_full=%d%n", ct.size(), ct.capacity(), ct.created(), ct.expired(), ct.tableFullDrops(),
                    f.queueFull()));
        }
        return sb.toString();
    }

    String set(String name, List<String> settings) throws CommandException {
        PortConfig pc = securablePort(name);
        Map<String, String> kv = new LinkedHashMap<>();
        for (String s : settings) {
            int eq = s.indexOf('=');
            if (kv.put(s.substring(0, eq), s.substring(eq + 1)) != null) {
                throw new CommandException(s.substring(0, eq) + " given twice");
            }
        }
        boolean on = pc.securityOn();
        if (kv.containsKey("security")) {
            on = switch (kv.get("security")) {
                case "on" -> true;
                case "off" -> false;
                default -> throw new CommandException("security=" + kv.get("security") + ": on or off");
            };
        }
        String allowed = pc.allowed();
        PortAddresses addresses = null;
        if (kv.containsKey("allowed")) {
            try {
                addresses = PortAddresses.parse(kv.get("allowed"));
            } catch (IllegalArgumentException e) {
                throw new CommandException(e.getMessage());
            }
            allowed = addresses.toString();
        } else if (allowed != null) {
            addresses = PortAddresses.parse(allowed);
        }
        List<AclRule> rules = currentRules(pc);
        PortConfig next = pc.withSecurity(on, allowed, texts(rules));
        PortFilter f = filters.get(name);
        if (on && f == null) {
            enable(next, rules);
        } else if (!on && f != null) {
            disable(name);
        } else if (f != null) {
            f.setAllowed(addresses);
        }
        commit.commit(config.get().replacePort(next));
        return "";
    }

    /** Daemon start: turns security on for a restored port that had it. */
    void restore(PortConfig pc) {
        if (!pc.securityOn()) {
            return;
        }
        try {
            enable(pc, parseStored(pc.acl()));
        } catch (RuntimeException | CommandException e) {
            Log.error("control", "restoring security of port " + pc.name() + " failed", e);
        }
    }

    /** Before a port is deleted. */
    void portDeleted(String name) {
        if (filters.containsKey(name)) {
            disable(name);
        }
    }

    private void enable(PortConfig pc, List<AclRule> rules) throws CommandException {
        if (!(datapath.port(pc.name()) instanceof DevicePort dp)) {
            throw new CommandException("port " + pc.name() + " is not running");
        }
        ReactorThread owner = datapath.reactorThreads().get(dp.reactorIndex());
        PortFilter f = new PortFilter(pc.name(), datapath.threads());
        f.setOwner(owner.index(), owner.loop(), System::nanoTime);
        f.setRules(rules);
        f.setAllowed(pc.allowed() == null ? null : PortAddresses.parse(pc.allowed()));
        filters.put(pc.name(), f);
        dp.setFilter(f);
        polls.put(pc.name(), owner.loop().scheduleAtFixedRate(() -> {
            try {
                f.poll(System.nanoTime());
            } catch (Throwable t) {
                Log.error("acl", pc.name() + ": conntrack poll failed", t);
            }
        }, 1, 1, TimeUnit.SECONDS));
    }

    private void disable(String name) {
        BridgePort p = datapath.port(name);
        if (p != null) {
            p.setFilter(null);
        }
        filters.remove(name);
        ScheduledFuture<?> poll = polls.remove(name);
        if (poll != null) {
            poll.cancel(false);
        }
    }

    private void onOwner(PortFilter f, Runnable task) throws CommandException {
        try {
            datapath.reactorThreads().get(f.ownerThread()).loop().submit(task).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new CommandException("port " + f.portName() + ": owner thread did not answer: " + e);
        }
    }
}
