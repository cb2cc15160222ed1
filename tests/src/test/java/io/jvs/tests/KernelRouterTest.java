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
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The seed's network node (shared/notes/topology.md) built on jvs the way a user builds it today, with the kernel
 * doing everything above layer 2, unchanged: jvs only switches (br-int with a local VLAN per tenant network, br-ex),
 * while namespaces hold the rest.
 *
 * <ul>
 *   <li>qdhcp: one namespace per tenant network, its internal port on br-int tagged with the network's local VLAN,
 *       running the real dnsmasq (foreground, {@code --conf-file=/dev/null}, its own pid and lease files in a temp
 *       dir, bound to its port only, DNS off). VMs are internal ports in their own namespaces and get their address
 *       and default route from the real busybox udhcpc, through the switch.</li>
 *   <li>qrouter: one namespace with a qr- port per tenant network on br-int (tag = the network's VLAN, address = the
 *       subnet's gateway), a qg- port on br-ex, {@code ip_forward=1}, and iptables NAT as the Neutron L3 agent sets it
 *       up: SNAT of tenant traffic leaving by qg- to the router's external address, and a floating IP as a /32 on qg-
 *       with DNAT in and SNAT out.</li>
 *   <li>the outside world: a namespace joined to br-ex by a veth (the seed's eth1). It has no route to any tenant
 *       subnet, so every answer a VM receives from it went through the router's NAT.</li>
 * </ul>
 *
 * Peer addresses are checked with a tiny socat TCP server that answers each connection with the source address it
 * saw. Lease and retry waits are bounded; timing never decides pass or fail.
 */
class KernelRouterTest {
    static final String BR_INT = "br-int";
    static final String BR_EX = "br-ex";
    /** The external network: the outside world's address, the router's gateway (qg-) address, a floating IP. */
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

    /** (1) Two VMs on one tenant network get leases from the network's dnsmasq and reach each other. */
    @Test
    void vmsOnATenantNetworkGetLeasesFromDnsmasqInQdhcp() {
        JvsDaemon jvs = bridges();
        Network net = network(jvs, 1, "10.10.1");
        Lab.Host vm1 = vm(jvs, net);
        Lab.Host vm2 = vm(jvs, net);

        assertNotEquals(vm1.ip(), vm2.ip(), "dnsmasq gave both VMs the same address");
        String leases = read(net.leases());
        for (Lab.Host vm : List.of(vm1, vm2)) {
            assertTrue(leases.lines().anyMatch(l -> l.contains(" " + vm.mac() + " " + vm.ip() + " ")),
                    "dnsmasq's lease file must hold " + vm.mac() + " -> " + vm.ip() + ":\n" + leases);
        }
        Traffic.ping(vm1, vm2);
        Traffic.ping(vm2, vm1);

        // The DHCP broadcast stays in its VLAN: a VM on VLAN 2 of the same br-int, where no dnsmasq listens, gets
        // nothing, and the VLAN-1 dnsmasq never even hears it.
        String ns = lab.netns();
        String tap = lab.internalPort("vm");
        jvs.ok("add-port", BR_INT, tap, "type=internal", "netns=" + ns, "tag=2");
        Sh.Result r = udhcpc(ns, tap, 3, 1);
        assertNotEquals(0, r.exit(), "a VM on VLAN 2 got a lease from VLAN 1's dnsmasq:\n" + r);
        String mac = new Lab.Host(ns, tap, "", tap).mac();
        assertTrue(!read(net.log()).contains(mac), "VLAN 1's dnsmasq heard VLAN 2's VM " + mac + ":\n" + read(net.log()));
    }

    /** (2) Two tenant subnets on two local VLANs, routed by the kernel in a qrouter namespace (no NAT east-west). */
    @Test
    void qrouterNamespaceRoutesBetweenTenantSubnets() {
        JvsDaemon jvs = bridges();
        Network netA = network(jvs, 1, "10.10.1");
        Network netB = network(jvs, 2, "10.10.2");
        Lab.Host a = vm(jvs, netA);
        Lab.Host b = vm(jvs, netB);
        String router = router(jvs, netA, netB);

        Sh.inNs(router, "sysctl", "-q", "-w", "net.ipv4.ip_forward=0").check();
        Traffic.pingFails(a, b, 3); // the two VLANs meet only in the router: without forwarding, nothing crosses

        Sh.inNs(router, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1").check();
        Traffic.ping(a, b);
        Traffic.ping(b, a);
        Sh.Result one = Sh.inNs(a.ns(), "ping", "-n", "-c", "1", "-W", "2", b.ip()).check();
        assertTrue(one.out().contains("ttl=63"), "the reply must have crossed one router hop (ttl 64 - 1):\n" + one);

        peerEchoServer(b.ns(), b.ip());
        assertEquals(a.ip(), seenSource(a.ns(), b.ip(), router),
                "east-west traffic is routed, not NATed: " + b.ip() + " must see " + a.ip());
    }

    /**
     * (3) A VM without a floating IP reaches the outside world SNATed to the router's gateway address, for ping,
     * a TCP connection and a 3 s iperf3 TCP run.
     */
    @Test
    void qrouterSnatsTenantTrafficToTheExternalNetwork() {
        JvsDaemon jvs = bridges();
        Network net = network(jvs, 1, "10.10.1");
        Lab.Host vm = vm(jvs, net);
        String router = router(jvs, net);
        Lab.Host ext = externalGateway(jvs, router);

        Traffic.ping(vm, ext);
        peerEchoServer(ext.ns(), ext.ip());
        assertEquals(ROUTER_EXT, seenSource(vm.ns(), ext.ip(), router),
                "the external side must see the router's gateway address, not the VM's " + vm.ip());

        // Bulk TCP with the namespaces' default offloads through both bridges, the router's forwarding and its NAT:
        // the VM's TSO super-frames and partial checksums cross two TAPs and a veth.
        Traffic.Iperf r = Traffic.iperfTcp(lab, ext, vm, 3);
        System.out.printf(Locale.ROOT, "[jvs-tests] VM -> SNAT -> outside: iperf3 TCP 3 s: %.2f Gbit/s, %d retransmits%n",
                r.gbitPerSecond(), r.retransmits());
        assertTrue(r.bytes() > 0, "iperf3 through the router moved no bytes: " + r);
    }

    /** (4) A floating IP: DNAT from the outside world to the VM, and the VM's own traffic leaves as the floating IP. */
    @Test
    void floatingIpMapsOneToOneToAVm() {
        JvsDaemon jvs = bridges();
        Network net = network(jvs, 1, "10.10.1");
        Lab.Host vm = vm(jvs, net);
        Lab.Host other = vm(jvs, net);
        String router = router(jvs, net);
        Lab.Host ext = externalGateway(jvs, router);
        String qg = qgPort(router);

        // What the L3 agent does for a floating IP: the address on qg- (so the router answers ARP for it), DNAT in,
        // SNAT out ahead of the router's general SNAT rule.
        Sh.inNs(router, "ip", "addr", "add", FLOATING + "/32", "dev", qg).check();
        iptables(router, "-t", "nat", "-A", "PREROUTING", "-d", FLOATING + "/32", "-j", "DNAT",
                "--to-destination", vm.ip());
        iptables(router, "-t", "nat", "-I", "POSTROUTING", "1", "-s", vm.ip() + "/32", "-o", qg, "-j", "SNAT",
                "--to-source", FLOATING);

        Lab.Host floating = new Lab.Host(vm.ns(), vm.dev(), FLOATING, vm.port());
        Traffic.ping(ext, floating);
        peerEchoServer(vm.ns(), vm.ip());
        assertEquals(ext.ip(), seenSource(ext.ns(), FLOATING, router),
                "a connection to the floating IP must reach the VM with the external client's own address");

        peerEchoServer(ext.ns(), ext.ip());
        assertEquals(FLOATING, seenSource(vm.ns(), ext.ip(), router),
                "the VM with the floating IP must leave as " + FLOATING);
        assertEquals(ROUTER_EXT, seenSource(other.ns(), ext.ip(), router),
                "a VM without a floating IP still leaves as the router's address");
    }

    // ---- building the network node ----

    /**
     * A tenant network: local VLAN {@code vlan} on br-int, subnet {@code prefix}.0/24, gateway .1 (the router's qr-
     * port), dnsmasq on .2 in the qdhcp namespace, pool .100-.199.
     */
    record Network(int vlan, String prefix, String qdhcp, Path dir) {
        String gateway() {
            return prefix + ".1";
        }

        Path leases() {
            return dir.resolve("leases");
        }

        Path log() {
            return dir.resolve("dnsmasq.log");
        }

        boolean inPool(String ip) {
            if (!ip.startsWith(prefix + ".")) {
                return false;
            }
            int host = Integer.parseInt(ip.substring(prefix.length() + 1));
            return host >= 100 && host <= 199;
        }
    }

    private JvsDaemon bridges() {
        JvsDaemon jvs = lab.daemon();
        jvs.ok("add-br", BR_INT);
        jvs.ok("add-br", BR_EX);
        return jvs;
    }

    /** A qdhcp namespace on br-int (its port tagged with the network's VLAN) running dnsmasq, listening when this returns. */
    private Network network(JvsDaemon jvs, int vlan, String prefix) {
        String ns = lab.netns();
        String port = lab.internalPort("dh");
        jvs.ok("add-port", BR_INT, port, "type=internal", "netns=" + ns, "tag=" + vlan);
        Sh.inNs(ns, "ip", "addr", "add", prefix + ".2/24", "dev", port).check();
        Network net = new Network(vlan, prefix, ns, lab.tempDir());
        Process dnsmasq = lab.backgroundInNs(ns, net.log(), "dnsmasq", "--no-daemon", "--conf-file=/dev/null",
                "--no-hosts", "--no-resolv", "--port=0", "--bind-interfaces", "--interface=" + port,
                "--except-interface=lo", "--pid-file=" + net.dir().resolve("dnsmasq.pid"),
                "--dhcp-leasefile=" + net.leases(),
                "--dhcp-range=" + prefix + ".100," + prefix + ".199,255.255.255.0,600",
                "--dhcp-option=3," + net.gateway(), "--log-dhcp");
        awaitListening(ns, "-Hlun", 67, dnsmasq, net.log());
        return net;
    }

    /** A VM: an internal port in its own namespace on br-int with the network's tag, addressed by udhcpc. */
    private Lab.Host vm(JvsDaemon jvs, Network net) {
        String ns = lab.netns();
        String tap = lab.internalPort("vm");
        jvs.ok("add-port", BR_INT, tap, "type=internal", "netns=" + ns, "tag=" + net.vlan());
        Sh.Result r = udhcpc(ns, tap, 10, 2);
        assertEquals(0, r.exit(), "udhcpc in " + ns + " got no lease:\n" + r + "\ndnsmasq log:\n" + read(net.log()));
        String ip = Sh.inNs(ns, "ip", "-4", "-o", "addr", "show", "dev", tap).check().out()
                .replaceAll("(?s).*inet ([0-9.]+)/.*", "$1").strip();
        assertTrue(net.inPool(ip), "the VM's address " + ip + " is not in dnsmasq's pool " + net.prefix()
                + ".100-199:\n" + r);
        String route = Sh.inNs(ns, "ip", "-4", "route", "show", "default").check().out();
        assertTrue(route.contains("via " + net.gateway() + " "), "the DHCP router option must give the VM its default"
                + " route via " + net.gateway() + ": " + route);
        System.out.printf("[jvs-tests] %s on VLAN %d leased %s%n", tap, net.vlan(), ip);
        return new Lab.Host(ns, tap, ip, tap);
    }

    /**
     * Runs busybox udhcpc once in the foreground: {@code tries} DISCOVERs {@code everySeconds} apart, exits after the
     * lease (-q) or when none came (-n). Its event script configures only the VM's interface (never /etc).
     */
    private Sh.Result udhcpc(String ns, String dev, int tries, int everySeconds) {
        Path script = lab.tempDir().resolve("udhcpc.script");
        try {
            Files.writeString(script, """
                    #!/bin/sh
                    # udhcpc event script of KernelRouterTest: configures $interface in the VM's namespace, nothing else.
                    case "$1" in
                      deconfig) ip -4 addr flush dev "$interface" ;;
                      bound|renew)
                        ip -4 addr flush dev "$interface"
                        ip addr add "$ip/$mask" dev "$interface"
                        if [ -n "$router" ]; then set -- $router; ip route replace default via "$1" dev "$interface"; fi ;;
                    esac
                    exit 0
                    """, StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Sh.run(Duration.ofSeconds((long) tries * everySeconds + 20), Map.of(), List.of("ip", "netns", "exec",
                ns, "busybox", "udhcpc", "-i", dev, "-s", script.toString(), "-f", "-q", "-n",
                "-t", Integer.toString(tries), "-T", Integer.toString(everySeconds)));
    }

    /** A qrouter namespace: a qr- port per network on br-int (tag = its VLAN, address = its gateway), forwarding on. */
    private String router(JvsDaemon jvs, Network... nets) {
        String ns = lab.netns();
        for (Network net : nets) {
            String qr = lab.internalPort("qr");
            jvs.ok("add-port", BR_INT, qr, "type=internal", "netns=" + ns, "tag=" + net.vlan());
            Sh.inNs(ns, "ip", "addr", "add", net.gateway() + "/24", "dev", qr).check();
        }
        Sh.inNs(ns, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1").check();
        return ns;
    }

    /**
     * The router's external gateway: the outside world (a namespace behind a veth on br-ex, the seed's eth1, with no
     * route to any tenant subnet), a qg- port on br-ex in the router with the router's external address and default
     * route, and SNAT of everything leaving by qg- to that address. Returns the outside world's host.
     */
    private Lab.Host externalGateway(JvsDaemon jvs, String router) {
        Lab.Host ext = lab.vethHost(EXT_PEER + "/24");
        jvs.ok("add-port", BR_EX, ext.port());
        String qg = lab.internalPort("qg");
        jvs.ok("add-port", BR_EX, qg, "type=internal", "netns=" + router);
        Sh.inNs(router, "ip", "addr", "add", ROUTER_EXT + "/24", "dev", qg).check();
        Sh.inNs(router, "ip", "route", "add", "default", "via", EXT_PEER, "dev", qg).check();
        iptables(router, "-t", "nat", "-A", "POSTROUTING", "-o", qg, "-j", "SNAT", "--to-source", ROUTER_EXT);
        assertNotEquals(0, Sh.inNs(ext.ns(), "ip", "route", "get", "10.10.1.100").exit(),
                "the outside world must have no route to the tenant subnets, or NAT would prove nothing");
        return ext;
    }

    /** The router's qg- port: the one holding the router's external address. */
    private static String qgPort(String router) {
        String line = Sh.inNs(router, "ip", "-4", "-o", "addr", "show", "to", ROUTER_EXT + "/32").check().out();
        return line.strip().split("\\s+")[1];
    }

    private static void iptables(String ns, String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "iptables";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Sh.inNs(ns, cmd).check();
    }

    // ---- peers ----

    /** A TCP server on {@code ip}:{@value #PEER_PORT} in {@code ns} that answers each connection with the peer address it sees. */
    private void peerEchoServer(String ns, String ip) {
        Path log = lab.tempDir().resolve("socat.log");
        Process p = lab.backgroundInNs(ns, log, "socat", "TCP4-LISTEN:" + PEER_PORT + ",bind=" + ip + ",reuseaddr,fork",
                "SYSTEM:echo $SOCAT_PEERADDR");
        awaitListening(ns, "-Hltn", PEER_PORT, p, log);
    }

    /** Connects from {@code ns} to {@code ip}:{@value #PEER_PORT} and returns the source address the server saw. */
    private static String seenSource(String ns, String ip, String router) {
        Sh.Result r = Sh.run(Duration.ofSeconds(30), Map.of(), List.of("ip", "netns", "exec", ns, "socat", "-u",
                "-T", "10", "TCP4:" + ip + ":" + PEER_PORT + ",connect-timeout=10", "STDOUT"));
        assertEquals(0, r.exit(), "TCP from " + ns + " to " + ip + ":" + PEER_PORT + " failed:\n" + r
                + "\nrouter's NAT table:\n" + Sh.inNs(router, "iptables", "-t", "nat", "-L", "-n", "-v").out());
        return r.out().strip();
    }

    private static void awaitListening(String ns, String ssFlags, int port, Process p, Path log) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (!Sh.inNs(ns, "ss", ssFlags, "sport = :" + port).out().isBlank()) {
                return;
            }
            assertTrue(p.isAlive(), p.info().command().orElse("server") + " exited early:\n" + read(log));
            JvsDaemon.sleep(50);
        }
        throw new AssertionError("nothing listening on port " + port + " in " + ns + " after 10 s:\n" + read(log));
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "(no " + file + ")";
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }
}
