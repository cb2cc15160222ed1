package io.jvs.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Tunnels between hosts: our VXLAN against the Linux kernel's own VXLAN device, and two jvs hosts joined by GRE in
 * the seed's br-int/br-tun layout (directly, and through a router namespace so the peer is one routed hop away).
 *
 * <p>A "host" is a namespace running its own daemon; its underlay address sits on a veth to the other host (or to
 * the router). VMs are internal ports moved into namespaces of their own.
 */
class TunnelTest {
    @RegisterExtension
    final Lab lab = new Lab();

    @BeforeEach
    void root() {
        Lab.assumeRoot();
    }

    /** A veth between namespaces {@code a} and {@code b}, addressed and up; returns {name in a, name in b}. */
    private String[] link(String a, String cidrA, String b, String cidrB) {
        String da = lab.name("u");
        String db = lab.name("u");
        Sh.ok("ip", "link", "add", da, "netns", a, "type", "veth", "peer", "name", db, "netns", b);
        Sh.ok("ip", "-n", a, "addr", "add", cidrA, "dev", da);
        Sh.ok("ip", "-n", b, "addr", "add", cidrB, "dev", db);
        Sh.ok("ip", "-n", a, "link", "set", da, "up");
        Sh.ok("ip", "-n", b, "link", "set", db, "up");
        return new String[] {da, db};
    }

    /** A VM: an internal port of {@code bridge} moved into a namespace of its own, with {@code cidr}. */
    private Lab.Host vm(JvsDaemon jvs, String bridge, String cidr, int tag) {
        Lab.Host h = lab.internalHost(cidr);
        if (tag > 0) {
            jvs.ok("add-port", bridge, h.port(), "type=internal", "netns=" + h.ns(), "tag=" + tag);
        } else {
            jvs.ok("add-port", bridge, h.port(), "type=internal", "netns=" + h.ns());
        }
        lab.addAddress(h, cidr);
        Sh.inNs(h.ns(), "ip", "link", "set", h.dev(), "up").check();
        return h;
    }

    @Test
    void vxlanInteroperatesWithTheKernelVxlanDevice() {
        String host = lab.netns();
        String peer = lab.netns();
        String[] underlay = link(host, "10.99.0.1/24", peer, "10.99.0.2/24");
        // The underlay veth stands for a NIC, which would fill in the checksums the kernel VXLAN device leaves
        // partial in the inner frame; a veth passes them on unfilled to whoever reads the bytes (us).
        Sh.inNs(peer, "ethtool", "-K", underlay[1], "tx", "off").check();
        String vx = lab.name("x");
        Sh.ok("ip", "-n", peer, "link", "add", vx, "type", "vxlan", "id", "4242", "remote", "10.99.0.1",
                "local", "10.99.0.2", "dstport", "4789", "dev", underlay[1]);
        Sh.ok("ip", "-n", peer, "addr", "add", "192.168.50.2/24", "dev", vx);
        Sh.ok("ip", "-n", peer, "link", "set", vx, "up");
        Lab.Host kernelSide = new Lab.Host(peer, vx, "192.168.50.2", null);

        JvsDaemon jvs = lab.daemonIn(host);
        jvs.ok("add-br", "br0");
        jvs.ok("add-port", "br0", "vx0", "type=vxlan", "options:remote_ip=10.99.0.2", "options:key=4242",
                "options:local_ip=10.99.0.1");
        Lab.Host vm = vm(jvs, "br0", "192.168.50.1/24", 0);
        // The overlay MTU: 1500 minus VXLAN's 50 bytes, as on the kernel side's device.
        Sh.inNs(vm.ns(), "ip", "link", "set", vm.dev(), "mtu", "1450").check();

        Traffic.ping(vm, kernelSide);
        Traffic.ping(kernelSide, vm);
        Traffic.Iperf out = Traffic.iperfTcp(lab, kernelSide, vm, 3);
        Traffic.Iperf in = Traffic.iperfTcp(lab, vm, kernelSide, 3);
        System.out.printf("[jvs-tests] vxlan jvs -> kernel %.2f Gbit/s, kernel -> jvs %.2f Gbit/s%n",
                out.gbitPerSecond(), in.gbitPerSecond());
        assertTrue(out.bytes() > 1_000_000 && in.bytes() > 1_000_000, "TCP must move data both ways: " + out + " " + in);

        String show = jvs.ok("show").out();
        assertTrue(show.contains("type: vxlan") && show.contains("remote_ip=10.99.0.2"), show);
        String fdb = jvs.ok("fdb/show", "br0").out();
        assertTrue(fdb.lines().anyMatch(l -> l.contains("vx0") && l.contains(kernelSide.mac())),
                "the kernel side's MAC must be learned on the tunnel port:\n" + fdb);
    }

    /** One host of the two-host layout: its daemon, and its VMs of tenant networks 1 and 2. */
    private record Host(JvsDaemon jvs, Lab.Host net1, Lab.Host net2) {}

    /**
     * Builds br-int (VMs on local VLANs) and br-tun (GRE to the other host, key from the VLAN map) joined by patch
     * ports, as Neutron's OVS agent does. Each host numbers its local VLANs differently; the keys (segmentation ids
     * 100 and 200) are what the networks have in common.
     */
    private Host host(String ns, String remoteUnderlay, int vlan1, int vlan2, String ip1, String ip2,
            String... extraTunnelOptions) {
        JvsDaemon jvs = lab.daemonIn(ns);
        jvs.ok("add-br", "br-int");
        jvs.ok("add-br", "br-tun");
        jvs.ok("add-port", "br-int", "patch-tun", "type=patch", "options:peer=patch-int");
        jvs.ok("add-port", "br-tun", "patch-int", "type=patch", "options:peer=patch-tun");
        String[] gre = new String[4 + extraTunnelOptions.length];
        gre[0] = "add-port";
        gre[1] = "br-tun";
        gre[2] = "gre0";
        gre[3] = "type=gre";
        System.arraycopy(extraTunnelOptions, 0, gre, 4, extraTunnelOptions.length);
        jvs.ok(concat(gre, "options:remote_ip=" + remoteUnderlay, "options:key=flow"));
        jvs.ok("add-vlan-map", "br-tun", Integer.toString(vlan1), "100");
        jvs.ok("add-vlan-map", "br-tun", Integer.toString(vlan2), "200");
        Lab.Host a = vm(jvs, "br-int", ip1, vlan1);
        Lab.Host b = vm(jvs, "br-int", ip2, vlan2);
        for (Lab.Host h : new Lab.Host[] {a, b}) {
            Sh.inNs(h.ns(), "ip", "link", "set", h.dev(), "mtu", "1458").check(); // 1500 minus GRE's 42
        }
        return new Host(jvs, a, b);
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"direct", "routed"})
    void twoHostsJoinTenantNetworksOverGre(String underlay) {
        String nsA = lab.netns();
        String nsB = lab.netns();
        String ipA;
        String ipB;
        if (underlay.equals("direct")) {
            link(nsA, "10.98.0.1/24", nsB, "10.98.0.2/24");
            ipA = "10.98.0.1";
            ipB = "10.98.0.2";
        } else {
            // The hosts sit in different subnets; only a router namespace between them connects them.
            String router = lab.netns();
            link(nsA, "10.98.1.1/24", router, "10.98.1.254/24");
            link(router, "10.98.2.254/24", nsB, "10.98.2.1/24");
            Sh.inNs(router, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1").check();
            Sh.inNs(nsA, "ip", "route", "add", "default", "via", "10.98.1.254").check();
            Sh.inNs(nsB, "ip", "route", "add", "default", "via", "10.98.2.254").check();
            ipA = "10.98.1.1";
            ipB = "10.98.2.1";
        }
        // Both tenant networks use the same subnet on purpose: only the keys keep them apart.
        Host a = host(nsA, ipB, 1, 2, "192.168.10.11/24", "192.168.10.21/24");
        Host b = host(nsB, ipA, 5, 7, "192.168.10.12/24", "192.168.10.22/24", "options:csum=true",
                "options:seq=true");
        // A second tunnel on host A to a host that does not exist: flooded frames go there too, known unicast must
        // not, and nothing that came from gre0 may (split horizon).
        a.jvs().ok("add-port", "br-tun", "gre9", "type=gre", "options:remote_ip=10.98.9.9", "options:key=flow");

        Traffic.ping(a.net1(), b.net1());
        Traffic.ping(b.net2(), a.net2());
        // The very first packets crossed while the hosts' kernels were resolving each other on the underlay: none may
        // have been lost there (they wait in the kernel's neighbour queue), so each side received what the other sent.
        JvsDaemon.sleep(300);
        Map<String, CliOutput.PortStats> firstA = CliOutput.dumpPorts(a.jvs().ok("dump-ports", "br-tun").out());
        Map<String, CliOutput.PortStats> firstB = CliOutput.dumpPorts(b.jvs().ok("dump-ports", "br-tun").out());
        assertEquals(firstA.get("gre0").txPackets(), firstB.get("gre0").rxPackets(), "A -> B lost packets: "
                + firstA.get("gre0") + " / " + firstB.get("gre0"));
        assertEquals(firstB.get("gre0").txPackets(), firstA.get("gre0").rxPackets(), "B -> A lost packets: "
                + firstB.get("gre0") + " / " + firstA.get("gre0"));
        Traffic.pingFails(a.net1(), b.net2(), 5);
        Traffic.pingFails(b.net1(), a.net2(), 5);

        // Learned now: a steady exchange between the net1 VMs is unicast, and never reaches gre9.
        Traffic.ping(a.net1(), b.net1());
        Traffic.ping(b.net1(), a.net1());
        JvsDaemon.sleep(300);
        Map<String, CliOutput.PortStats> before = CliOutput.dumpPorts(a.jvs().ok("dump-ports", "br-tun").out());
        String rtt = Traffic.warmRtt(a.net1(), b.net1(), 20);
        Traffic.warmRtt(b.net1(), a.net1(), 20);
        JvsDaemon.sleep(300);
        Map<String, CliOutput.PortStats> after = CliOutput.dumpPorts(a.jvs().ok("dump-ports", "br-tun").out());
        assertEquals(before.get("gre9").txPackets(), after.get("gre9").txPackets(),
                "known unicast (and anything received from gre0) must not go to gre9\nbefore " + before.get("gre9")
                        + "\nafter " + after.get("gre9"));
        assertTrue(after.get("gre0").txPackets() - before.get("gre0").txPackets() >= 40,
                "the exchange must have crossed gre0: " + before.get("gre0") + " -> " + after.get("gre0"));
        System.out.println("[jvs-tests] gre " + underlay + " VM-to-VM ping rtt " + rtt);

        // A full-size inner packet (1458-byte MTU) makes a 1500-byte outer packet: it fits. A 1500-byte inner
        // packet from a VM left at MTU 1500 does not, and the outer packet is fragmented instead of lost.
        Sh.inNs(a.net1().ns(), "ip", "link", "set", a.net1().dev(), "mtu", "1500").check();
        Sh.inNs(b.net1().ns(), "ip", "link", "set", b.net1().dev(), "mtu", "1500").check();
        Sh.inNs(a.net1().ns(), "ping", "-n", "-c", "3", "-i", "0.2", "-w", "5", "-M", "do", "-s", "1472",
                b.net1().ip()).check();
        Traffic.Iperf tcp = Traffic.iperfTcp(lab, b.net1(), a.net1(), 3);
        System.out.printf("[jvs-tests] gre %s TCP (inner MTU 1500, outer fragmented) %.2f Gbit/s%n", underlay,
                tcp.gbitPerSecond());
        assertTrue(tcp.bytes() > 1_000_000, "TCP must cross the tunnel: " + tcp);

        // The hosts learned each other's VMs behind the tunnel, in their own local VLANs.
        String fdbA = a.jvs().ok("fdb/show", "br-tun").out();
        assertTrue(fdbA.lines().anyMatch(l -> l.contains("gre0") && l.contains(b.net1().mac())
                && l.trim().split("\\s+")[1].equals("1")), "b's net1 VM in VLAN 1 behind gre0 on host A:\n" + fdbA);
        String fdbB = b.jvs().ok("fdb/show", "br-tun").out();
        assertTrue(fdbB.lines().anyMatch(l -> l.contains("gre0") && l.contains(a.net1().mac())
                && l.trim().split("\\s+")[1].equals("5")), "a's net1 VM in VLAN 5 behind gre0 on host B:\n" + fdbB);
        String show = a.jvs().ok("show").out();
        assertTrue(show.contains("vlan_map: 1<->100, 2<->200"), show);
        // B sends GRE with checksums and sequence numbers; A verifies every checksum and drops nothing.
        Map<String, CliOutput.PortStats> statsA = CliOutput.dumpPorts(a.jvs().ok("dump-ports", "br-tun").out());
        assertEquals(0, statsA.get("gre0").drops().values().stream().mapToLong(Long::longValue).sum(),
                "host A must accept B's checksummed GRE: " + statsA.get("gre0"));
    }
}
