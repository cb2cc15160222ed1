package io.jvs.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code jvs trace}: the decisions printed for a flood, a learned unicast, a VLAN drop and a tunnel hop, that a
 * trace changes nothing (no MAC learned, nothing sent), and that {@code --execute} really sends.
 */
class TraceTest {
    @RegisterExtension
    final Lab lab = new Lab();

    @BeforeEach
    void root() {
        Lab.assumeRoot();
    }

    @Test
    void tracesShowTheSecurityVerdictAndTheRuleThatAllowedIt() {
        JvsDaemon jvs = lab.daemon();
        Lab.Host a = lab.vethHost("10.0.0.1/24");
        Lab.Host b = lab.vethHost("10.0.0.2/24");
        jvs.ok("add-br", "br0");
        jvs.ok("add-port", "br0", a.port());
        jvs.ok("add-port", "br0", b.port());
        jvs.ok("set", "port", b.port(), "security=on");
        jvs.ok("acl/add", b.port(), "ingress", "proto=tcp", "port=22", "remote=10.0.0.0/24", "id=ssh");
        Traffic.staticNeighbour(a, b);
        Traffic.staticNeighbour(b, a);
        Traffic.ping(b, a); // learned both ways (b's egress is allowed by default, a's reply as established)

        String ssh = jvs.ok("trace", "br0", "in_port=" + a.port(), "dl_src=" + a.mac(), "dl_dst=" + b.mac(),
                "nw_src=10.0.0.1", "nw_dst=10.0.0.2", "nw_proto=6", "tp_dst=22").out();
        assertTrue(ssh.contains("security ingress to " + b.port() + ": allowed, new connection, by rule ")
                && ssh.contains("id=ssh"), ssh);
        assertTrue(ssh.contains("Final: 1 output"), ssh);

        String web = jvs.ok("trace", "br0", "in_port=" + a.port(), "dl_src=" + a.mac(), "dl_dst=" + b.mac(),
                "nw_src=10.0.0.1", "nw_dst=10.0.0.2", "nw_proto=6", "tp_dst=80").out();
        assertTrue(web.contains("security ingress to " + b.port() + ": denied (no rule allows it)"), web);
        assertTrue(web.contains("drop on " + b.port() + ": sg_ingress") && web.contains("Final: no output"), web);

        String out = jvs.ok("trace", "br0", "in_port=" + b.port(), "dl_src=" + b.mac(), "dl_dst=" + a.mac(),
                "nw_src=10.0.0.2", "nw_dst=10.0.0.1", "nw_proto=6", "tp_dst=80").out();
        assertTrue(out.contains("security egress from " + b.port() + ": allowed, new connection, by rule egress"),
                out); // Neutron's default group: all egress

        // with allowed= set, a foreign source address is port security's drop
        jvs.ok("set", "port", b.port(), "allowed=" + b.mac() + ",10.0.0.2");
        String spoofed = jvs.ok("trace", "br0", "in_port=" + b.port(), "dl_src=" + b.mac(), "dl_dst=" + a.mac(),
                "nw_src=10.0.0.99", "nw_dst=10.0.0.1", "nw_proto=6", "tp_dst=80").out();
        assertTrue(spoofed.contains("security egress from " + b.port() + ": denied (port security)")
                && spoofed.contains("spoofed_ip"), spoofed);
    }

    @Test
    void tracesPrintEachDecisionAndChangeNothing() {
        JvsDaemon jvs = lab.daemon();
        Lab.Host a = lab.vethHost("10.0.0.1/24");
        Lab.Host b = lab.vethHost("10.0.0.2/24");
        jvs.ok("add-br", "br-int");
        jvs.ok("add-br", "br-tun");
        jvs.ok("add-port", "br-int", a.port(), "tag=10");
        jvs.ok("add-port", "br-int", b.port(), "tag=10");
        jvs.ok("add-port", "br-int", "patch-tun", "type=patch", "options:peer=patch-int");
        jvs.ok("add-port", "br-tun", "patch-int", "type=patch", "options:peer=patch-tun");
        // A tunnel to an address nobody has: the trace never sends, and only decides.
        jvs.ok("add-port", "br-tun", "gre0", "type=gre", "options:remote_ip=10.99.99.99", "options:key=flow");
        jvs.ok("add-vlan-map", "br-tun", "10", "1010");
        Traffic.staticNeighbour(a, b);
        Traffic.staticNeighbour(b, a);
        Traffic.ping(a, b);

        // A flood: a broadcast reaches b and, through the patch, the tunnel with the VLAN's key.
        String flood = jvs.ok("trace", "br-int", "in_port=" + a.port(), "dl_src=" + a.mac(),
                "dl_dst=ff:ff:ff:ff:ff:ff").out();
        assertTrue(flood.contains("in_port " + a.port() + " (tag=10): untagged on the wire -> VLAN 10"), flood);
        assertTrue(flood.contains("broadcast -> flood"), flood);
        assertTrue(flood.contains("patch patch-tun -> patch-int (bridge br-tun), VID 10"), flood);
        assertTrue(flood.contains("output gre0") && flood.contains("key 1010 (VLAN 10 via the VLAN map)"), flood);
        assertTrue(flood.contains("Final: 2 outputs"), flood);

        // A learned unicast goes to b alone.
        String unicast = jvs.ok("trace", "br-int", "in_port=" + a.port(), "dl_src=" + a.mac(),
                "dl_dst=" + b.mac(), "nw_proto=6", "tp_dst=22").out();
        assertTrue(unicast.contains("learned on " + b.port()), unicast);
        assertTrue(unicast.contains("Final: 1 output") && unicast.contains("TCP 40000 > 22"), unicast);

        // A tagged frame on an access port is dropped, with the counter's name.
        String vlanDrop = jvs.ok("trace", "br-int", "in_port=" + a.port(), "vlan=20").out();
        assertTrue(vlanDrop.contains("drop on " + a.port() + ": tagged_on_access"), vlanDrop);
        assertTrue(vlanDrop.contains("Final: no output (dropped)"), vlanDrop);

        // Into the pipeline from the tunnel: the key names the local VLAN.
        String fromTunnel = jvs.ok("trace", "br-tun", "in_port=gre0", "tun_id=1010", "dl_dst=" + b.mac()).out();
        assertTrue(fromTunnel.contains("key 1010 -> local VLAN 10"), fromTunnel);
        assertTrue(fromTunnel.contains("output " + b.port()), fromTunnel);
        assertTrue(jvs.ok("trace", "br-tun", "in_port=gre0", "tun_id=5").out().contains("key_unmapped"));

        // Tracing learned nothing and sent nothing.
        String fdb = jvs.ok("fdb/show", "br-int").out();
        assertTrue(fdb.lines().noneMatch(l -> l.contains("02:00:00:00:00:01")), "a trace must not learn:\n" + fdb);
        Map<String, CliOutput.PortStats> before = CliOutput.dumpPorts(jvs.ok("dump-ports", "br-int").out());
        jvs.ok("trace", "br-int", "in_port=" + a.port(), "dl_src=" + a.mac(), "dl_dst=" + b.mac());
        JvsDaemon.sleep(200);
        Map<String, CliOutput.PortStats> after = CliOutput.dumpPorts(jvs.ok("dump-ports", "br-int").out());
        assertEquals(before.get(b.port()).txPackets(), after.get(b.port()).txPackets(), "a trace sends nothing");

        // --execute does send it, through the real pipeline on the port's thread.
        Capture cap = Capture.start(lab, b.ns(), b.dev());
        String executed = jvs.ok("trace", "br-int", "in_port=" + a.port(), "dl_src=" + a.mac(), "dl_dst=" + b.mac(),
                "nw_src=10.0.0.1", "nw_dst=10.0.0.2", "nw_proto=17", "tp_dst=4321", "--execute").out();
        assertTrue(executed.contains("Executed"), executed);
        JvsDaemon.sleep(300);
        cap.stop();
        Map<String, CliOutput.PortStats> sent = CliOutput.dumpPorts(jvs.ok("dump-ports", "br-int").out());
        assertTrue(sent.get(b.port()).txPackets() >= after.get(b.port()).txPackets() + 1, "--execute sends");
        assertTrue(cap.text().contains("4321"), "b received the traced UDP datagram:\n" + cap.text());

        Sh.Result bad = jvs.cli("trace", "br-int", "in_port=nope");
        assertEquals(1, bad.exit());
        assertEquals("jvs: no port nope on bridge br-int", bad.err().strip());
    }
}
