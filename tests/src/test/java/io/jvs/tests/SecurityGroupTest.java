package io.jvs.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Security groups and port security on real TAPs (internal ports in namespaces, as a VM's TAP attached straight to
 * br-int): VM A has security on with an ingress rule for TCP 22 from 10.0.0.0/24; VM B (no security) connects to it.
 * Waits are "until a counter moved" polls with generous limits: timing never decides pass or fail.
 */
class SecurityGroupTest {
    static final String BR = "br0";

    @RegisterExtension
    final Lab lab = new Lab();

    @BeforeEach
    void root() {
        Lab.assumeRoot();
    }

    private Lab.Host vm(JvsDaemon jvs, String cidr, String mac) {
        Lab.Host h = lab.internalHost(cidr);
        jvs.ok("add-port", BR, h.port(), "type=internal", "netns=" + h.ns(), "mac=" + mac);
        lab.addAddress(h, cidr);
        return h;
    }

    /** A TCP server on host:port answering every connection with {@code reply}. */
    private void listen(Lab.Host h, int port, String reply) {
        Path log = lab.tempDir().resolve("socat-" + port + ".log");
        Process p = lab.backgroundInNs(h.ns(), log, "socat", "TCP4-LISTEN:" + port + ",bind=" + h.ip()
                + ",reuseaddr,fork", "SYSTEM:echo " + reply);
        await("socat listening on " + h.ip() + ":" + port, () -> {
            assertTrue(p.isAlive(), "socat exited:\n" + read(log));
            return !Sh.inNs(h.ns(), "ss", "-Hltn", "sport = :" + port).out().isBlank();
        });
    }

    /** Connects from {@code from} to to:port and returns socat's result (the server's reply on stdout). */
    private static Sh.Result connect(Lab.Host from, Lab.Host to, int port) {
        return Sh.run(Duration.ofSeconds(20), Map.of(), List.of("ip", "netns", "exec", from.ns(), "socat", "-u",
                "-T", "3", "TCP4:" + to.ip() + ":" + port + ",connect-timeout=3", "STDOUT"));
    }

    private static void connects(Lab.Host from, Lab.Host to, int port, String reply) {
        Sh.Result r = connect(from, to, port);
        assertEquals(0, r.exit(), "TCP " + from.ip() + " -> " + to.ip() + ":" + port + " must work:\n" + r);
        assertEquals(reply, r.out().strip());
    }

    private static void refused(Lab.Host from, Lab.Host to, int port) {
        Sh.Result r = connect(from, to, port);
        assertNotEquals(0, r.exit(), "TCP " + from.ip() + " -> " + to.ip() + ":" + port + " must not connect:\n" + r);
    }

    private static long drops(JvsDaemon jvs, Lab.Host h, String reason) {
        return CliOutput.dumpPorts(jvs.ok("dump-ports", BR).out()).get(h.port()).drops(reason);
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "waited 20 s for: " + what);
            JvsDaemon.sleep(100);
        }
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long hits(String aclShow, String id) {
        for (String line : aclShow.lines().toList()) {
            if (line.strip().startsWith("id=" + id + " ")) {
                return Long.parseLong(line.replaceAll(".* hits=(\\d+).*", "$1"));
            }
        }
        throw new AssertionError("no rule " + id + " in acl/show:\n" + aclShow);
    }

    @Test
    void statefulRulesDefaultGroupAndRuleChanges() throws Exception {
        JvsDaemon jvs = lab.daemon("--metrics", "127.0.0.1:0");
        jvs.ok("add-br", BR);
        Lab.Host a = vm(jvs, "10.0.0.1/24", "02:00:00:00:00:a1");
        Lab.Host b = vm(jvs, "10.0.0.2/24", "02:00:00:00:00:b2");
        Traffic.ping(b, a); // before security: everything passes
        jvs.ok("set", "port", a.port(), "security=on");
        assertEquals("ssh\n", jvs.ok("acl/add", a.port(), "ingress", "proto=tcp", "port=22", "remote=10.0.0.0/24",
                "id=ssh").out());
        listen(a, 22, "ssh-on-a");
        listen(a, 80, "web-on-a");
        listen(b, 80, "web-on-b");

        connects(b, a, 22, "ssh-on-a");
        refused(b, a, 80);
        assertTrue(drops(jvs, a, "sg_ingress") > 0, "the SYNs to :80 are counted");
        Traffic.pingFails(b, a, 3);
        String icmpId = jvs.ok("acl/add", a.port(), "ingress", "proto=icmp").out().strip();
        Traffic.ping(b, a);
        // A's own connection out: allowed by the default egress rule, its replies come back through conntrack
        // although no ingress rule allows TCP from port 80.
        connects(a, b, 80, "web-on-b");

        String show = jvs.ok("acl/show", a.port()).out();
        System.out.println("[jvs-tests] acl/show:\n" + show);
        assertTrue(show.contains("security=on"), show);
        assertTrue(show.contains("id=default-egress-ipv4 egress ethertype=ipv4"), show);
        assertTrue(show.contains("id=ssh ingress ethertype=ipv4 proto=tcp port=22 remote=10.0.0.0/24"), show);
        assertTrue(hits(show, "ssh") >= 1, show);
        assertTrue(hits(show, icmpId) >= 1, show);
        assertTrue(hits(show, "default-egress-ipv4") >= 1, show);
        // The same counters on the metrics endpoint (and the drop reasons with them).
        String text = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://" + jvs.metricsAddress() + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        MetricsText metrics = MetricsText.parse(text);
        assertEquals((double) hits(show, "ssh"), metrics.value("jvs_acl_rule_hits_total", "bridge", BR, "port",
                a.port(), "rule", "ssh"));
        assertTrue(metrics.value("jvs_acl_connections", "bridge", BR, "port", a.port()) >= 1);
        assertTrue(metrics.value("jvs_port_drops_total", "bridge", BR, "port", a.port(), "reason", "sg_ingress") > 0);

        // Rule changes while traffic flows: one ping process is one ICMP connection; deleting the rule that
        // allowed it ends it at once, adding it back lets the same ping through again.
        Path pingLog = lab.tempDir().resolve("ping.log");
        lab.backgroundInNs(b.ns(), pingLog, "ping", "-n", "-i", "0.1", "-w", "120", a.ip());
        await("replies to the running ping", () -> replies(pingLog) >= 3);
        long before = drops(jvs, a, "sg_ingress");
        jvs.ok("acl/del", a.port(), icmpId);
        // A reply to a request that passed just before the deletion may still be on its way: count from 10
        // denied requests (1 s of pings) on, then require 10 more denied and not one more reply.
        await("echo requests denied after acl/del", () -> drops(jvs, a, "sg_ingress") >= before + 10);
        long repliesAfterDelete = replies(pingLog);
        long denied = drops(jvs, a, "sg_ingress");
        await("more echo requests denied", () -> drops(jvs, a, "sg_ingress") >= denied + 10);
        assertEquals(repliesAfterDelete, replies(pingLog), "no echo request may pass once its rule is gone:\n"
                + read(pingLog));
        jvs.ok("acl/add", a.port(), "ingress", "proto=icmp", "icmp_type=8", "id=echo");
        await("replies again after acl/add", () -> replies(pingLog) >= repliesAfterDelete + 3);
        connects(b, a, 22, "ssh-on-a"); // the TCP rule was never touched

        // Persisted: a restarted daemon filters the same way.
        jvs.stop();
        jvs.start();
        String again = jvs.ok("acl/show", a.port()).out();
        assertTrue(again.contains("security=on") && again.contains("id=ssh ") && again.contains("id=echo ")
                && !again.contains("id=" + icmpId + " "), again);
        connects(b, a, 22, "ssh-on-a");
        refused(b, a, 80);
        jvs.ok("set", "port", a.port(), "security=off");
        connects(b, a, 80, "web-on-a");
    }

    /** IPv6 on in the VM's namespace, with a global address (no DAD wait). */
    private static void ipv6(Lab.Host h, String address) {
        Sh.inNs(h.ns(), "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=0", "net.ipv6.conf.default.disable_ipv6=0",
                "net.ipv6.conf." + h.dev() + ".disable_ipv6=0").check();
        Sh.inNs(h.ns(), "ip", "-6", "addr", "add", address + "/64", "dev", h.dev(), "nodad").check();
    }

    private Sh.Result connect6(Lab.Host from, String bind, String to, int port) {
        return Sh.run(Duration.ofSeconds(20), Map.of(), List.of("ip", "netns", "exec", from.ns(), "socat", "-u", "-T",
                "3", "TCP6:[" + to + "]:" + port + ",connect-timeout=3" + (bind == null ? "" : ",bind=[" + bind + "]"),
                "STDOUT"));
    }

    private void listen6(Lab.Host h, String address, int port, String reply) {
        Path log = lab.tempDir().resolve("socat6-" + port + ".log");
        Process p = lab.backgroundInNs(h.ns(), log, "socat", "TCP6-LISTEN:" + port + ",bind=[" + address
                + "],reuseaddr,fork", "SYSTEM:echo " + reply);
        await("socat listening on [" + address + "]:" + port, () -> {
            assertTrue(p.isAlive(), "socat exited:\n" + read(log));
            return !Sh.inNs(h.ns(), "ss", "-Hltn", "sport = :" + port).out().isBlank();
        });
    }

    /** IPv6: stateful rules and port security as for IPv4, with neighbour discovery through the filter. */
    @Test
    void ipv6StatefulRulesAndPortSecurity() {
        JvsDaemon jvs = lab.daemon();
        jvs.ok("add-br", BR);
        Lab.Host a = vm(jvs, "10.0.0.1/24", "02:00:00:00:00:a1");
        Lab.Host b = vm(jvs, "10.0.0.2/24", "02:00:00:00:00:b2");
        jvs.ok("set", "port", a.port(), "security=on", "allowed=02:00:00:00:00:a1,10.0.0.1,fd00::1");
        jvs.ok("acl/add", a.port(), "ingress", "ethertype=ipv6", "proto=tcp", "port=22", "remote=fd00::/64",
                "id=ssh6");
        ipv6(a, "fd00::1");
        ipv6(b, "fd00::2");
        listen6(a, "fd00::1", 22, "ssh6-on-a");
        listen6(a, "fd00::1", 80, "web6-on-a");
        listen6(b, "fd00::2", 80, "web6-on-b");

        Sh.Result r = connect6(b, null, "fd00::1", 22);
        assertEquals(0, r.exit(), "B -> [fd00::1]:22 must connect:\n" + r);
        assertEquals("ssh6-on-a", r.out().strip());
        r = connect6(b, null, "fd00::1", 80);
        assertNotEquals(0, r.exit(), "B -> [fd00::1]:80 must not connect:\n" + r);
        r = connect6(a, null, "fd00::2", 80); // out by the default rule, back through conntrack
        assertEquals(0, r.exit(), "A -> [fd00::2]:80 must connect:\n" + r);
        assertEquals("web6-on-b", r.out().strip());
        Sh.Result ping = Sh.inNs(b.ns(), "ping", "-6", "-n", "-c", "2", "-i", "0.2", "-W", "1", "fd00::1");
        assertNotEquals(0, ping.exit(), "no ICMPv6 rule yet:\n" + ping);
        jvs.ok("acl/add", a.port(), "ingress", "ethertype=ipv6", "proto=icmp", "icmp_type=128");
        Sh.inNs(b.ns(), "ping", "-6", "-n", "-c", "3", "-i", "0.2", "-w", "5", "fd00::1").check();

        // A source address A may not use.
        Sh.inNs(a.ns(), "ip", "-6", "addr", "add", "fd00::9/64", "dev", a.dev(), "nodad").check();
        long before = drops(jvs, a, "spoofed_ip");
        r = connect6(a, "fd00::9", "fd00::2", 80);
        assertNotEquals(0, r.exit(), "from fd00::9 nothing may leave:\n" + r);
        assertTrue(drops(jvs, a, "spoofed_ip") > before, "counted as spoofed_ip");
        System.out.println("[jvs-tests] acl/show (IPv6):\n" + jvs.ok("acl/show", a.port()).out());
    }

    /** Bad security commands: exit 1, one stderr line naming the problem, the db and acl/show unchanged. */
    @Test
    void badSecurityCommandsChangeNothing() throws IOException {
        JvsDaemon jvs = lab.daemon();
        jvs.ok("add-br", BR);
        Lab.Host a = vm(jvs, "10.0.0.1/24", "02:00:00:00:00:a1");
        jvs.ok("add-port", BR, "pp0", "type=patch", "options:peer=pp1");
        jvs.ok("set", "port", a.port(), "security=on", "allowed=02:00:00:00:00:a1,10.0.0.1");
        jvs.ok("acl/add", a.port(), "ingress", "proto=tcp", "port=22", "id=ssh");
        String p = a.port();
        String[][] bad = {
            {"acl/add", p, "sideways"}, {"acl/add", p, "ingress", "port=22"}, {"acl/add", p, "ingress", "proto=tcpp"},
            {"acl/add", p, "ingress", "proto=tcp", "port=0"}, {"acl/add", p, "ingress", "proto=tcp", "port=90-80"},
            {"acl/add", p, "ingress", "icmp_type=3"}, {"acl/add", p, "ingress", "remote=10.0.0.0/33"},
            {"acl/add", p, "ingress", "ethertype=ipv6", "remote=10.0.0.0/8"}, {"acl/add", p, "ingress", "id=ssh"},
            {"acl/add", p, "ingress", "colour=red"}, {"acl/add", "nosuchport", "ingress"},
            {"acl/add", "pp0", "ingress"}, {"acl/del", p, "nosuchrule"}, {"acl/del", p}, {"acl/show"},
            {"set", "port", p, "security=maybe"}, {"set", "port", p, "allowed=02:00:00:00:00:a1"},
            {"set", "port", p, "allowed=ff:ff:ff:ff:ff:ff,10.0.0.1"}, {"set", "port", p, "allowed=02:00:00:00:00:a1,10.0.0.300"},
        };
        byte[] db = Files.readAllBytes(jvs.db());
        String show = jvs.ok("acl/show", p).out();
        for (String[] args : bad) {
            Sh.Result r = jvs.cli(args);
            System.out.println("[jvs-tests] rejected: jvs " + String.join(" ", args) + "  ->  exit " + r.exit() + ": "
                    + r.err().strip());
            assertEquals(1, r.exit(), "must be refused:\n" + r);
            assertEquals(1, r.errLines().size(), "exactly one stderr line:\n" + r);
            assertTrue(java.util.Arrays.equals(db, Files.readAllBytes(jvs.db())), "db changed after " + List.of(args));
        }
        assertEquals(show, jvs.ok("acl/show", p).out());
    }

    private static long replies(Path pingLog) {
        return read(pingLog).lines().filter(l -> l.contains("bytes from")).count();
    }

    @Test
    void portSecurityDropsSpoofedAddressesAndDhcpServers() {
        JvsDaemon jvs = lab.daemon();
        jvs.ok("add-br", BR);
        Lab.Host a = vm(jvs, "10.0.0.1/24", "02:00:00:00:00:a1");
        Lab.Host b = vm(jvs, "10.0.0.2/24", "02:00:00:00:00:b2");
        Lab.Host c = vm(jvs, "10.0.0.3/24", "02:00:00:00:00:c3");
        jvs.ok("set", "port", a.port(), "security=on", "allowed=02:00:00:00:00:a1,10.0.0.1");
        jvs.ok("acl/add", a.port(), "ingress", "proto=icmp");
        Traffic.ping(a, b);
        Traffic.ping(b, a);

        // A takes another IP: its packets and its ARP are dropped and counted; back to its own, it talks again.
        Sh.inNs(a.ns(), "ip", "addr", "flush", "dev", a.dev()).check();
        Sh.inNs(a.ns(), "ip", "addr", "add", "10.0.0.9/24", "dev", a.dev()).check();
        Sh.inNs(a.ns(), "ip", "neigh", "flush", "dev", a.dev()).check();
        Sh.Result r = Sh.inNs(a.ns(), "ping", "-n", "-c", "3", "-i", "0.2", "-W", "1", b.ip());
        assertNotEquals(0, r.exit(), "a VM with a spoofed IP must not reach anyone:\n" + r);
        assertTrue(drops(jvs, a, "spoofed_arp") > 0, "its ARP requests from 10.0.0.9");
        Traffic.staticNeighbour(a, b); // now IP packets leave without ARP first
        Sh.inNs(a.ns(), "ping", "-n", "-c", "2", "-i", "0.2", "-W", "1", b.ip());
        assertTrue(drops(jvs, a, "spoofed_ip") > 0, "its IPv4 packets from 10.0.0.9");
        Sh.inNs(a.ns(), "ip", "addr", "flush", "dev", a.dev()).check();
        lab.addAddress(a, "10.0.0.1/24");
        Sh.inNs(a.ns(), "ip", "neigh", "flush", "dev", a.dev()).check();
        Traffic.ping(a, b);

        // A takes another MAC.
        Sh.inNs(a.ns(), "ip", "link", "set", "dev", a.dev(), "address", "02:00:00:00:00:a9").check();
        Sh.inNs(a.ns(), "ip", "neigh", "flush", "dev", a.dev()).check();
        r = Sh.inNs(a.ns(), "ping", "-n", "-c", "3", "-i", "0.2", "-W", "1", b.ip());
        assertNotEquals(0, r.exit(), "a VM with a spoofed MAC must not reach anyone:\n" + r);
        assertTrue(drops(jvs, a, "spoofed_mac") > 0);
        Sh.inNs(a.ns(), "ip", "link", "set", "dev", a.dev(), "address", "02:00:00:00:00:a1").check();
        Traffic.ping(a, b);

        // A spoofed ARP reply: A tells B that C's address is at A's MAC. B knows C already; its entry must stay.
        Traffic.ping(b, c);
        long before = drops(jvs, a, "spoofed_arp");
        String arp = "import socket,sys\n"
                + "s=socket.socket(socket.AF_PACKET,socket.SOCK_RAW)\n"
                + "s.bind((sys.argv[1],0))\n"
                + "src=bytes.fromhex('0200000000a1')\n"
                + "f=bytes.fromhex('0200000000b2')+src+bytes.fromhex('0806 0001 0800 06 04 0002'.replace(' ',''))"
                + "+src+bytes([10,0,0,3])+bytes.fromhex('0200000000b2')+bytes([10,0,0,2])\n"
                + "[s.send(f) for _ in range(5)]\n";
        Sh.inNs(a.ns(), "/usr/bin/python3", "-c", arp, a.dev()).check();
        await("5 spoofed ARP replies counted", () -> drops(jvs, a, "spoofed_arp") >= before + 5);
        String neigh = Sh.inNs(b.ns(), "ip", "neigh", "show", "10.0.0.3").check().out();
        assertTrue(neigh.contains("02:00:00:00:00:c3"), "B's entry for C must not move to A's MAC: " + neigh);
        Traffic.ping(b, c);

        // A second VM runs a DHCP server (its port lets DHCP requests in): it hears the client, its offers never
        // leave its port, and the client gets no lease.
        Lab.Host d = vm(jvs, "10.0.0.4/24", "02:00:00:00:00:d4");
        jvs.ok("set", "port", d.port(), "security=on", "allowed=02:00:00:00:00:d4,10.0.0.4");
        jvs.ok("acl/add", d.port(), "ingress", "proto=udp", "port=67", "id=dhcp-in");
        Path dir = lab.tempDir();
        Path log = dir.resolve("dnsmasq.log");
        Process dnsmasq = lab.backgroundInNs(d.ns(), log, "dnsmasq", "--no-daemon", "--conf-file=/dev/null",
                "--no-hosts", "--no-resolv", "--port=0", "--bind-interfaces", "--interface=" + d.dev(),
                "--except-interface=lo", "--pid-file=" + dir.resolve("dnsmasq.pid"),
                "--dhcp-leasefile=" + dir.resolve("leases"), "--dhcp-range=10.0.0.100,10.0.0.199,255.255.255.0,600",
                "--no-ping", "--log-dhcp"); // no ping check: it would delay the offer by seconds
        await("dnsmasq listening", () -> {
            assertTrue(dnsmasq.isAlive(), "dnsmasq exited:\n" + read(log));
            return !Sh.inNs(d.ns(), "ss", "-Hlun", "sport = :67").out().isBlank();
        });
        Lab.Host e = lab.internalHost("10.0.0.5/24");
        jvs.ok("add-port", BR, e.port(), "type=internal", "netns=" + e.ns());
        Sh.Result lease = udhcpc(e, 5, 2); // 10 s of DISCOVERs: the offers are made while the client listens
        assertNotEquals(0, lease.exit(), "the client got a lease from a VM's DHCP server:\n" + lease);
        await("dnsmasq heard the client and answered", () -> read(log).contains("DHCPDISCOVER")
                && read(log).contains("DHCPOFFER"));
        assertTrue(drops(jvs, d, "dhcp_server") > 0, "its offers are dropped and counted:\n" + read(log));
        System.out.println("[jvs-tests] dump-ports:\n" + jvs.ok("dump-ports", BR).out());
    }

    private Sh.Result udhcpc(Lab.Host h, int tries, int everySeconds) {
        Path script = lab.tempDir().resolve("udhcpc.script");
        try {
            Files.writeString(script, "#!/bin/sh\nexit 0\n", StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Sh.run(Duration.ofSeconds((long) tries * everySeconds + 20), Map.of(), List.of("ip", "netns", "exec",
                h.ns(), "busybox", "udhcpc", "-i", h.dev(), "-s", script.toString(), "-f", "-q", "-n",
                "-t", Integer.toString(tries), "-T", Integer.toString(everySeconds)));
    }
}
