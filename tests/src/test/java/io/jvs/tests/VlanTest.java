package io.jvs.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * VLAN isolation on one bridge and across a patch-port trunk. All hosts share one IP subnet on purpose: a
 * cross-VLAN ping then really puts ARP broadcasts (and, with a pinned neighbour, unicast frames to a MAC the switch
 * has learned on the other VLAN) on the wire, and only the switch can keep them apart.
 */
class VlanTest {
    @RegisterExtension
    final Lab lab = new Lab();

    @BeforeEach
    void root() {
        Lab.assumeRoot();
    }

    @Test
    void accessPortsIsolateVlansOnOneBridge() {
        JvsDaemon jvs = lab.daemon();
        Lab.Host a10 = lab.vethHost("10.0.0.1/24");
        Lab.Host b10 = lab.vethHost("10.0.0.2/24");
        Lab.Host c20 = lab.vethHost("10.0.0.3/24");
        Lab.Host d20 = lab.vethHost("10.0.0.4/24");
        jvs.ok("add-br", "br0");
        jvs.ok("add-port", "br0", a10.port(), "tag=10");
        jvs.ok("add-port", "br0", b10.port(), "tag=10");
        jvs.ok("add-port", "br0", c20.port(), "tag=20");
        jvs.ok("add-port", "br0", d20.port(), "tag=20");

        Traffic.ping(a10, b10);
        Traffic.ping(c20, d20);

        // Cross-VLAN: first plain pings (ARP broadcasts), then unicast to the learned MACs of the VLAN-20 hosts.
        Map<String, CliOutput.PortStats> before = CliOutput.dumpPorts(jvs.ok("dump-ports", "br0").out());
        Traffic.pingFails(a10, c20, 10);
        Traffic.pingFails(b10, d20, 10);
        Traffic.staticNeighbour(a10, c20);
        Traffic.staticNeighbour(b10, d20);
        Traffic.pingFails(a10, c20, 10);
        Traffic.pingFails(b10, d20, 10);
        Map<String, CliOutput.PortStats> after = CliOutput.dumpPorts(jvs.ok("dump-ports", "br0").out());

        for (Lab.Host h : new Lab.Host[] {c20, d20}) {
            assertEquals(before.get(h.port()).txPackets(), after.get(h.port()).txPackets(),
                    "VLAN-10 traffic must not be sent out of VLAN-20 port " + h.port()
                            + "\nbefore: " + before.get(h.port()) + "\nafter:  " + after.get(h.port()));
        }
        // Sanity check that the burst reached the switch at all (otherwise "no tx" proves nothing).
        long rxA = after.get(a10.port()).rxPackets() - before.get(a10.port()).rxPackets();
        org.junit.jupiter.api.Assertions.assertTrue(rxA >= 10,
                "the cross-VLAN burst should have arrived on " + a10.port() + ": rx delta " + rxA);

        // The VLANs still work after the burst.
        Traffic.ping(a10, b10);
        Traffic.ping(d20, c20);
    }

    @Test
    void patchPortTrunkCarriesTwoVlansBetweenBridges() {
        JvsDaemon jvs = lab.daemon();
        Lab.Host a10 = lab.vethHost("10.0.0.1/24");
        Lab.Host a20 = lab.vethHost("10.0.0.2/24");
        Lab.Host b10 = lab.vethHost("10.0.0.3/24");
        Lab.Host b20 = lab.vethHost("10.0.0.4/24");
        String patchA = lab.name("p");
        String patchB = lab.name("p");
        jvs.ok("add-br", "brA");
        jvs.ok("add-br", "brB");
        jvs.ok("add-port", "brA", a10.port(), "tag=10");
        jvs.ok("add-port", "brA", a20.port(), "tag=20");
        jvs.ok("add-port", "brB", b10.port(), "tag=10");
        jvs.ok("add-port", "brB", b20.port(), "tag=20");
        jvs.ok("add-port", "brA", patchA, "type=patch", "options:peer=" + patchB, "trunks=10,20");
        jvs.ok("add-port", "brB", patchB, "type=patch", "options:peer=" + patchA, "trunks=10,20");

        CliOutput.Show show = CliOutput.show(jvs.ok("show").out());
        assertEquals("patch", show.port("brA", patchA).get("type"), "show must report the patch port's type");

        Traffic.ping(a10, b10);
        Traffic.ping(b20, a20);
        Traffic.pingFails(a10, b20, 5);
        Traffic.pingFails(a20, b10, 5);
        Traffic.staticNeighbour(a10, b20);
        Traffic.pingFails(a10, b20, 5);
    }

    @Test
    void taggedFramesOnAnAccessPortAreDroppedAndCounted() {
        JvsDaemon jvs = lab.daemon();
        Lab.Host a = lab.vethHost("10.0.0.1/24");
        Lab.Host b = lab.vethHost("10.0.0.2/24");
        jvs.ok("add-br", "br0");
        jvs.ok("add-port", "br0", a.port(), "tag=10");
        jvs.ok("add-port", "br0", b.port(), "tag=10");
        Traffic.ping(a, b);

        // A VLAN-10 subinterface in a's namespace: its frames reach the access port already tagged.
        Sh.inNs(a.ns(), "ip", "link", "add", "link", "eth0", "name", "eth0.10", "type", "vlan", "id", "10").check();
        Sh.inNs(a.ns(), "ip", "addr", "add", "10.0.10.1/24", "dev", "eth0.10").check();
        Sh.inNs(a.ns(), "ip", "link", "set", "eth0.10", "up").check();
        Sh.inNs(b.ns(), "ip", "addr", "add", "10.0.10.2/24", "dev", "eth0").check();
        Lab.Host tagged = new Lab.Host(a.ns(), "eth0.10", "10.0.10.1", a.port());
        Lab.Host bAlias = new Lab.Host(b.ns(), "eth0", "10.0.10.2", b.port());
        Traffic.pingFails(tagged, bAlias, 5);

        CliOutput.PortStats st = CliOutput.dumpPorts(jvs.ok("dump-ports", "br0").out()).get(a.port());
        org.junit.jupiter.api.Assertions.assertTrue(st.drops("tagged_on_access") > 0,
                "tagged frames on access port " + a.port() + " must be counted as tagged_on_access drops: " + st);
    }
}
