package io.jvs.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

        // VLAN 20 resolves no addresses: with ARP, the kernel re-probes a neighbour (unicast ARP) about 5 s after
        // using it, and that VLAN-20 frame would land in the tx counters measured below.
        Traffic.staticNeighbour(c20, d20);
        Traffic.staticNeighbour(d20, c20);
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
        JvsDaemon.sleep(300); // let the reactor publish its last batch's counters
        Map<String, CliOutput.PortStats> after = CliOutput.dumpPorts(jvs.ok("dump-ports", "br0").out());

        for (Lab.Host h : new Lab.Host[] {c20, d20}) {
            assertEquals(before.get(h.port()).txPackets(), after.get(h.port()).txPackets(),
                    "VLAN-10 traffic must not be sent out of VLAN-20 port " + h.port()
                            + "\nbefore: " + before.get(h.port()) + "\nafter:  " + after.get(h.port()));
        }
        // Sanity check that the burst reached the switch at all (otherwise "no tx" proves nothing).
        long rxA = after.get(a10.port()).rxPackets() - before.get(a10.port()).rxPackets();
        assertTrue(rxA >= 10,
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
        String[] veth = lab.rootVethPair(); // the test writes tagged frames into veth[1]; they arrive on veth[0]
        Lab.Host b = lab.vethHost("10.0.0.2/24");
        jvs.ok("add-br", "br0");
        jvs.ok("add-port", "br0", veth[0], "tag=10");
        jvs.ok("add-port", "br0", b.port(), "tag=10");
        awaitUp(jvs, veth[0]);
        Map<String, CliOutput.PortStats> before = CliOutput.dumpPorts(jvs.ok("dump-ports", "br0").out());

        byte[] mac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0a};
        byte[] frame = RawFrames.taggedArpRequest(10, mac, new byte[] {10, 0, 0, 1}, new byte[] {10, 0, 0, 2});
        RawFrames.send(veth[1], frame, frame, frame, frame, frame);
        JvsDaemon.sleep(500); // the switch counts asynchronously, published per batch

        Map<String, CliOutput.PortStats> after = CliOutput.dumpPorts(jvs.ok("dump-ports", "br0").out());
        CliOutput.PortStats in = after.get(veth[0]);
        assertEquals(5, in.drops("tagged_on_access") - before.get(veth[0]).drops("tagged_on_access"),
                "5 tagged frames on access port " + veth[0] + " must be counted as tagged_on_access: " + in);
        assertEquals(before.get(b.port()).txPackets(), after.get(b.port()).txPackets(),
                "tagged frames from an access port must not be forwarded: " + after.get(b.port()));
    }

    /** The switch brings a system port up itself; frames sent before that would be lost on a down veth. */
    private static void awaitUp(JvsDaemon jvs, String port) {
        for (int i = 0; i < 25 && !"up".equals(CliOutput.show(jvs.ok("show").out()).state("br0", port)); i++) {
            JvsDaemon.sleep(200);
        }
    }
}
