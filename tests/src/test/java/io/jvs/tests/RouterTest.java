package io.jvs.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The network node of {@link KernelRouterTest}, with jvs' own userspace router instead of a qrouter namespace: one
 * router {@code r1} with a leg on each tenant VLAN of br-int ({@code type=router tag=N}) and a gateway leg on br-ex,
 * SNAT to the gateway leg's address, and a floating IP. VMs are internal ports in their own namespaces with static
 * addresses; the outside world is a namespace joined to br-ex by a veth (system port) with no route to the tenants.
 * Peer addresses are checked with a socat TCP server that answers each connection with the address it saw.
 * Waits are bounded; timing never decides pass or fail.
 */
class RouterTest {
    static final String BR_INT = "br-int";
    static final String BR_EX = "br-ex";
    static final String R = "r1";
    static final String EXT_PEER = "172.24.4.1";
    static final String ROUTER_EXT = "172.24.4.10";
    static final String FLOATING = "172.24.4.20";
    static final int PEER_PORT = 7000;

    @RegisterExtension
    final Lab lab = new Lab();

    @BeforeEach
    void root() {
        Lab.assumeRoot();
    }

    /** The whole node: what {@link #build} made. */
    record Node(JvsDaemon jvs, Lab.Host a, Lab.Host b, Lab.Host ext, String legA, String legB, String legEx) {
    }

    @Test
    void userspaceRouterRoutesNatsAndAnswersIcmp() {
        Node n = build();
        Lab.Host a = n.a();
        Lab.Host b = n.b();
        Lab.Host ext = n.ext();
        JvsDaemon jvs = n.jvs();

        // East-west: two VLANs meet only in the router; one hop (ttl 64 - 1), no NAT.
        Traffic.ping(a, b);
        Traffic.ping(b, a);
        Sh.Result one = Sh.inNs(a.ns(), "ping", "-n", "-c", "1", "-W", "2", b.ip()).check();
        assertTrue(one.out().contains("ttl=63"), "the reply must have crossed one router hop:\n" + one);
        peerEchoServer(b.ns(), b.ip());
        assertEquals(a.ip(), seenSource(a.ns(), b.ip(), jvs), "east-west traffic is routed, not NATed");
        System.out.println("[jvs-tests] east-west RTT through the userspace router: " + Traffic.warmRtt(a, b, 20));

        // SNAT: a VM without a floating IP reaches the outside world as the gateway leg's address.
        Traffic.ping(b, ext);
        peerEchoServer(ext.ns(), ext.ip());
        assertEquals(ROUTER_EXT, seenSource(b.ns(), ext.ip(), jvs),
                "the outside world must see the router's gateway address, not " + b.ip());
        String ct = jvs.ok("ct/show", R).out();
        assertTrue(ct.lines().anyMatch(l -> l.contains("tcp ") && l.contains("orig=" + b.ip() + ":")
                && l.contains("->" + ext.ip() + ":" + PEER_PORT) && l.contains("nat=" + ROUTER_EXT + ":")
                && l.contains(" snat")), "ct/show must list the SNATed connection:\n" + ct);

        // Floating IP: the outside world reaches VM a by it and a sees the real client; a leaves as the FIP.
        Lab.Host floating = new Lab.Host(a.ns(), a.dev(), FLOATING, a.port());
        Traffic.ping(ext, floating);
        peerEchoServer(a.ns(), a.ip());
        assertEquals(ext.ip(), seenSource(ext.ns(), FLOATING, jvs),
                "a connection to the floating IP must reach the VM with the client's own address");
        assertEquals(FLOATING, seenSource(a.ns(), ext.ip(), jvs), "the VM with a floating IP leaves as it");
        ct = jvs.ok("ct/show").out();
        assertTrue(ct.lines().anyMatch(l -> l.contains("orig=" + ext.ip() + ":") && l.contains("->" + FLOATING + ":"
                + PEER_PORT) && l.contains("->" + a.ip() + ":" + PEER_PORT) && l.contains(" dnat")),
                "ct/show must list the DNATed connection:\n" + ct);

        // jvs trace follows the frame into the router: route, next hop and its ARP state, SNAT on the gateway leg;
        // and from the outside, the floating IP's DNAT.
        String gwMac = Sh.inNs(b.ns(), "ip", "neigh", "show", "10.10.2.1").check().out().split("lladdr ")[1]
                .split("\\s+")[0];
        String tr = jvs.ok("trace", BR_INT, "in_port=" + b.port(), "dl_src=" + b.mac(), "dl_dst=" + gwMac,
                "nw_src=" + b.ip(), "nw_dst=" + ext.ip(), "nw_proto=6", "tp_dst=" + PEER_PORT).out();
        assertTrue(tr.contains("router " + R + ": route " + ext.ip() + " via connected out of leg " + n.legEx()) && tr.contains("SNAT to " + ROUTER_EXT) && tr.contains("next hop " + EXT_PEER + " is at"),
                "the trace must show the router's decision:\n" + tr);
        String extGwMac = Sh.inNs(ext.ns(), "ip", "neigh", "show", FLOATING).check().out().split("lladdr ")[1]
                .split("\\s+")[0];
        String trIn = jvs.ok("trace", BR_EX, "in_port=" + ext.port(), "dl_src=" + ext.mac(), "dl_dst=" + extGwMac,
                "nw_src=" + ext.ip(), "nw_dst=" + FLOATING).out();
        assertTrue(trIn.contains("DNAT floating IP " + FLOATING + " -> " + a.ip()) && trIn.contains("out of leg "
                + n.legA()), "the trace must show the floating IP's translation:\n" + trIn);

        // Bulk TCP through SNAT with the namespaces' default offloads (TSO super-frames are cut before the router).
        Traffic.Iperf r = Traffic.iperfTcp(lab, ext, b, 3);
        System.out.printf(Locale.ROOT, "[jvs-tests] VM -> userspace SNAT -> outside: iperf3 TCP 3 s: %.2f Gbit/s, %d "
                + "retransmits%n", r.gbitPerSecond(), r.retransmits());
        assertTrue(r.bytes() > 0, "iperf3 through the router moved no bytes: " + r);
        jvs.ok("router/show", R).out().lines().filter(l -> l.startsWith("  counters:") || l.startsWith("  drops:"))
                .forEach(l -> System.out.println("[jvs-tests] after iperf3, router/show" + l));

        // ICMP time exceeded from the router hop (what traceroute's first probe gets).
        Sh.Result ttl1 = Sh.inNs(a.ns(), "ping", "-n", "-c", "1", "-t", "1", "-W", "2", b.ip());
        assertTrue(ttl1.out().contains("From 10.10.1.1") && ttl1.out().contains("Time to live exceeded"),
                "a TTL-1 packet must draw time exceeded from the router's address 10.10.1.1:\n" + ttl1);

        // A route whose next hop never answers ARP: the router gives up and answers host unreachable.
        jvs.ok("router/add-route", R, "192.0.2.0/24", "10.10.2.200");
        Sh.Result unres = Sh.inNs(a.ns(), "ping", "-n", "-c", "1", "-W", "8", "192.0.2.1");
        assertTrue(unres.out().contains("Destination Host Unreachable"),
                "an unresolvable next hop must draw host unreachable:\n" + unres);

        // router/show: ports, routes, ARP cache, NAT rules.
        String show = jvs.ok("router/show", R).out();
        for (String expected : List.of(n.legA() + " ", "10.10.1.1/24", n.legB() + " ", n.legEx() + " ",
                "10.10.1.0/24 dev " + n.legA() + " (connected)", "192.0.2.0/24 via 10.10.2.200 dev " + n.legB(),
                "0.0.0.0/0 via " + EXT_PEER + " dev " + n.legEx() + " (gateway)",
                a.ip(), a.mac(), b.mac(), "10.10.2.200", "snat " + ROUTER_EXT, "fip " + FLOATING + " <-> " + a.ip())) {
            assertTrue(show.contains(expected), "router/show must mention '" + expected + "':\n" + show);
        }

        // Unsolicited inbound to a VM without a floating IP is dropped, even with a route pointing at the router.
        Sh.inNs(ext.ns(), "ip", "route", "add", "10.10.0.0/16", "via", ROUTER_EXT).check();
        Traffic.pingFails(ext, b, 3);
        show = jvs.ok("router/show", R).out();
        assertTrue(show.contains("nat_unsolicited="), "the drops must be counted as nat_unsolicited:\n" + show);

        String flushed = jvs.ok("ct/flush", R).out();
        assertTrue(flushed.startsWith("flushed "), flushed);
        assertTrue(jvs.ok("ct/show", R).out().contains(": 0 connections"), "ct/flush must empty the table");
    }

    /** The router, its legs, routes, gateway and floating IP come back from the db after a restart and carry traffic. */
    @Test
    void routerConfigurationSurvivesARestart() {
        Node n = build();
        JvsDaemon jvs = n.jvs();
        jvs.ok("router/add-route", R, "198.51.100.0/24", "10.10.2.254");
        String before = jvs.ok("router/show", R).out();
        jvs.stop();
        jvs.start();
        String after = jvs.ok("router/show", R).out();
        for (String line : List.of(n.legA(), "198.51.100.0/24 via 10.10.2.254", "(gateway)", "fip " + FLOATING,
                "snat " + ROUTER_EXT)) {
            assertTrue(after.contains(line), "after a restart router/show must still have '" + line + "':\n" + after
                    + "\nbefore:\n" + before);
        }
        assertEquals(portMac(before, n.legA()), portMac(after, n.legA()), "a leg keeps its MAC across restarts");
        Traffic.ping(n.a(), n.b());
        Traffic.ping(n.ext(), new Lab.Host(n.a().ns(), n.a().dev(), FLOATING, n.a().port()));

        // del-router takes its legs along; the db forgets it.
        jvs.ok("del-router", R);
        assertNotEquals(0, jvs.cli("router/show", R).exit());
        assertTrue(!jvs.ok("show").out().contains(n.legA()), "del-router must delete its legs");
        Traffic.pingFails(n.a(), n.b(), 2);
    }

    /**
     * {@code netns=}: traffic for the router's own addresses that the stage does not answer reaches a TCP server in
     * the namespace (through the TAP of the leg it arrived on), from a VM on the leg's subnet, from a VM on another
     * leg, and from the outside world to the gateway address; the namespace's answers leave through the router's
     * legs. Pings are still answered by the router itself, and routing and SNAT are unchanged.
     */
    @Test
    void routerBoundToANamespaceDeliversTrafficForItsOwnAddressesThere() {
        String ns = lab.netns();
        Node n = build(ns);
        JvsDaemon jvs = n.jvs();
        String addrs = Sh.inNs(ns, "ip", "-4", "-o", "addr", "show").check().out();
        for (String cidr : List.of("10.10.1.1/24", "10.10.2.1/24", ROUTER_EXT + "/24")) {
            assertTrue(addrs.contains("inet " + cidr + " "), "the namespace must hold " + cidr + " on a TAP:\n" + addrs);
        }
        String route = Sh.inNs(ns, "ip", "-4", "route", "show", "default").check().out();
        assertTrue(route.contains("via " + EXT_PEER + " dev " + n.legEx()), "default route via the gateway: " + route);
        String show = jvs.ok("router/show", R).out();
        assertTrue(show.contains("netns: " + ns + " (") && show.contains(" tap up"), show);

        Traffic.ping(n.a(), new Lab.Host(ns, n.legA(), "10.10.1.1", n.legA()));
        peerEchoServer(ns, "0.0.0.0");
        assertEquals(n.a().ip(), seenSource(n.a().ns(), "10.10.1.1", jvs), "from the leg's own subnet");
        assertEquals(n.b().ip(), seenSource(n.b().ns(), "10.10.1.1", jvs), "from another leg's subnet");
        assertEquals(n.ext().ip(), seenSource(n.ext().ns(), ROUTER_EXT, jvs), "from outside, to the gateway address");

        Traffic.ping(n.a(), n.b());
        peerEchoServer(n.ext().ns(), n.ext().ip());
        assertEquals(ROUTER_EXT, seenSource(n.b().ns(), n.ext().ip(), jvs), "SNAT is unchanged");
        show = jvs.ok("router/show", R).out();
        assertTrue(show.matches("(?s).*delivered=[1-9].*"), "router/show counts the deliveries:\n" + show);

        // A restarted daemon takes the namespace's TAPs back (they persist, like internal ports').
        jvs.stop();
        jvs.start();
        assertEquals(n.a().ip(), seenSource(n.a().ns(), "10.10.1.1", jvs), "after a restart");
        assertTrue(jvs.ok("router/show", R).out().contains(" tap up"), "the TAPs are up again");
        jvs.ok("del-router", R);
        assertTrue(Sh.inNs(ns, "ip", "-br", "link").out().lines().noneMatch(l -> l.startsWith(n.legA())),
                "del-router deletes the namespace's TAPs");
    }

    /** Each bad router command: one line on stderr, non-zero exit, db and router/show unchanged. */
    @Test
    void badRouterCommandsChangeNothing() throws IOException {
        Node n = build();
        JvsDaemon jvs = n.jvs();
        byte[] db = Files.readAllBytes(jvs.db());
        String show = jvs.ok("router/show", R).out().replaceAll("(?m)^  (counters|drops):.*$", "").replaceAll("(?s)arp:.*nat:", "");
        List<List<String>> bad = List.of(
                List.of("add-router", R),
                List.of("add-router", "r2", "netns=" + lab.name("n")),
                List.of("add-router", "bad/name"),
                List.of("del-router", "nosuch"),
                List.of("add-port", BR_INT, lab.name("x"), "type=router", "options:router=nosuch", "options:ip=10.9.0.1/24"),
                List.of("add-port", BR_INT, lab.name("x"), "type=router", "options:router=" + R),
                List.of("add-port", BR_INT, lab.name("x"), "type=router", "options:router=" + R, "options:ip=10.10.1.7/24"),
                List.of("add-port", BR_INT, lab.name("x"), "type=router", "options:router=" + R, "options:ip=10.9.0.0/24"),
                List.of("add-port", BR_INT, lab.name("x"), "type=router", "options:router=" + R, "options:ip=10.9.0.1/24",
                        "trunks=1,2"),
                List.of("add-port", BR_INT, lab.name("x"), "type=router", "options:router=" + R, "options:ip=10.9.0.1/24",
                        "mac=01:00:00:00:00:01"),
                List.of("router/add-route", R, "0.0.0.0/0", "10.10.1.5"),
                List.of("router/add-route", R, "192.0.2.0/24", "10.99.0.1"),
                List.of("router/add-route", R, "192.0.2.0/33", "10.10.1.5"),
                List.of("router/add-route", R, "192.0.2.0/24"),
                List.of("router/del-route", R, "203.0.113.0/24"),
                List.of("router/set-gateway", R, n.legA() + "x", EXT_PEER),
                List.of("router/set-gateway", R, n.legEx(), "10.10.1.5"),
                List.of("router/add-fip", R, FLOATING, "10.10.2.100"),
                List.of("router/add-fip", R, "172.24.4.21", n.a().ip()),
                List.of("router/add-fip", R, ROUTER_EXT, "10.10.2.100"),
                List.of("router/add-fip", R, "not-an-ip", "10.10.2.100"),
                List.of("router/del-fip", R, "172.24.4.99"),
                List.of("router/show", "nosuch"),
                List.of("ct/show", "nosuch"),
                List.of("ct/flush", "a", "b"));
        for (List<String> cmd : bad) {
            Sh.Result r = jvs.cli(cmd.toArray(String[]::new));
            assertNotEquals(0, r.exit(), "must be refused: " + cmd + "\n" + r);
            assertEquals(1, r.err().strip().lines().count(), "exactly one line on stderr for " + cmd + ":\n" + r);
            assertTrue(java.util.Arrays.equals(db, Files.readAllBytes(jvs.db())), "the db changed after " + cmd);
            String now = jvs.ok("router/show", R).out().replaceAll("(?m)^  (counters|drops):.*$", "").replaceAll("(?s)arp:.*nat:", "");
            assertEquals(show, now, "router/show changed after " + cmd);
        }
    }

    // ---- building the node ----

    private Node build() {
        return build(null);
    }

    /** @param netns the namespace to bind the router to, or null */
    private Node build(String netns) {
        JvsDaemon jvs = lab.daemon();
        jvs.ok("add-br", BR_INT);
        jvs.ok("add-br", BR_EX);
        if (netns == null) {
            jvs.ok("add-router", R);
        } else {
            jvs.ok("add-router", R, "netns=" + netns);
        }
        // With a namespace each leg gets a TAP of its name there: register the names for cleanup.
        String legA = netns == null ? lab.name("qr") : lab.internalPort("qr");
        String legB = netns == null ? lab.name("qr") : lab.internalPort("qr");
        String legEx = netns == null ? lab.name("qg") : lab.internalPort("qg");
        jvs.ok("add-port", BR_INT, legA, "type=router", "options:router=" + R, "options:ip=10.10.1.1/24", "tag=1");
        jvs.ok("add-port", BR_INT, legB, "type=router", "options:router=" + R, "options:ip=10.10.2.1/24", "tag=2");
        jvs.ok("add-port", BR_EX, legEx, "type=router", "options:router=" + R, "options:ip=" + ROUTER_EXT + "/24");
        Lab.Host a = vm(jvs, 1, "10.10.1.100");
        Lab.Host b = vm(jvs, 2, "10.10.2.100");
        Lab.Host ext = lab.vethHost(EXT_PEER + "/24");
        jvs.ok("add-port", BR_EX, ext.port());
        jvs.ok("router/set-gateway", R, legEx, EXT_PEER);
        jvs.ok("router/add-fip", R, FLOATING, a.ip());
        assertNotEquals(0, Sh.inNs(ext.ns(), "ip", "route", "get", "10.10.1.100").exit(),
                "the outside world must have no route to the tenant subnets, or NAT would prove nothing");
        return new Node(jvs, a, b, ext, legA, legB, legEx);
    }

    /** A VM: an internal port in its own namespace on br-int with tag {@code vlan}, address ip/24, default via .1. */
    private Lab.Host vm(JvsDaemon jvs, int vlan, String ip) {
        Lab.Host h = lab.internalHost(ip + "/24");
        jvs.ok("add-port", BR_INT, h.port(), "type=internal", "netns=" + h.ns(), "tag=" + vlan);
        lab.addAddress(h, ip + "/24");
        Sh.inNs(h.ns(), "ip", "link", "set", h.dev(), "up").check();
        String gw = ip.substring(0, ip.lastIndexOf('.')) + ".1";
        Sh.inNs(h.ns(), "ip", "route", "add", "default", "via", gw).check();
        return h;
    }

    private static String portMac(String show, String leg) {
        return show.lines().filter(l -> l.strip().startsWith(leg + " ")).findFirst()
                .map(l -> l.replaceAll(".* mac ([0-9a-f:]{17}).*", "$1")).orElse("(no line for " + leg + ")");
    }

    // ---- peers (as in KernelRouterTest) ----

    private void peerEchoServer(String ns, String ip) {
        Path log = lab.tempDir().resolve("socat.log");
        Process p = lab.backgroundInNs(ns, log, "socat", "TCP4-LISTEN:" + PEER_PORT + ",bind=" + ip + ",reuseaddr,fork",
                "SYSTEM:echo $SOCAT_PEERADDR");
        awaitListening(ns, PEER_PORT, p, log);
    }

    private static String seenSource(String ns, String ip, JvsDaemon jvs) {
        Sh.Result r = Sh.run(Duration.ofSeconds(30), Map.of(), List.of("ip", "netns", "exec", ns, "socat", "-u",
                "-T", "10", "TCP4:" + ip + ":" + PEER_PORT + ",connect-timeout=10", "STDOUT"));
        assertEquals(0, r.exit(), "TCP from " + ns + " to " + ip + ":" + PEER_PORT + " failed:\n" + r
                + "\nrouter/show:\n" + jvs.cli("router/show", R).out() + "\nct/show:\n" + jvs.cli("ct/show").out());
        return r.out().strip();
    }

    private static void awaitListening(String ns, int port, Process p, Path log) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (!Sh.inNs(ns, "ss", "-Hltn", "sport = :" + port).out().isBlank()) {
                return;
            }
            assertTrue(p.isAlive(), "server exited early:\n" + read(log));
            JvsDaemon.sleep(50);
        }
        throw new AssertionError("nothing listening on port " + port + " in " + ns + " after 10 s:\n" + read(log));
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "(no " + file + ")";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
