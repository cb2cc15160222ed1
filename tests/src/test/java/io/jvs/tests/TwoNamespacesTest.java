package io.jvs.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two namespaces on one bridge: ping both ways, the MAC table, and a 5 s iperf3 TCP run with the namespaces'
 * default offloads. Offloads stay on on purpose: the sender leaves TCP checksums to the "NIC", so TCP only works if
 * the switch handles checksum offload (baseline pitfall 3: through OVS on AF_PACKET iperf3 cannot even connect).
 */
class TwoNamespacesTest {
    static final int IPERF_SECONDS = 5;

    @RegisterExtension
    final Lab lab = new Lab();

    @BeforeEach
    void root() {
        Lab.assumeRoot();
    }

    @Test
    void systemPortsForwardPingFdbAndTcp() {
        JvsDaemon jvs = lab.daemon();
        Lab.Host a = lab.vethHost("10.0.0.1/24");
        Lab.Host b = lab.vethHost("10.0.0.2/24");
        jvs.ok("add-br", "br0");
        jvs.ok("add-port", "br0", a.port());
        jvs.ok("add-port", "br0", b.port(), "type=system");
        assertTrue(offloads(a).contains("tx-checksumming: on"),
                "the point of this test is a sender that leaves checksums to the NIC: " + offloads(a));

        pingFdbAndTcp("system ports", jvs, a, b);
    }

    @Test
    void internalPortsForwardPingFdbAndTcp() {
        JvsDaemon jvs = lab.daemon();
        Lab.Host a = lab.internalHost("10.0.0.1/24");
        Lab.Host b = lab.internalHost("10.0.0.2/24");
        jvs.ok("add-br", "br0");
        jvs.ok("add-port", "br0", a.port(), "type=internal", "netns=" + a.ns());
        jvs.ok("add-port", "br0", b.port(), "type=internal", "netns=" + b.ns(), "mac=02:00:00:00:00:b2");
        lab.addAddress(a, "10.0.0.1/24");
        lab.addAddress(b, "10.0.0.2/24");
        assertEquals("02:00:00:00:00:b2", b.mac(), "mac= must set the TAP's MAC");
        assertTrue(Sh.inNs(a.ns(), "ip", "link", "show", "dev", a.dev()).check().out().contains(",UP"),
                "the daemon must bring the TAP up in its namespace");

        pingFdbAndTcp("internal ports", jvs, a, b);
    }

    private void pingFdbAndTcp(String what, JvsDaemon jvs, Lab.Host a, Lab.Host b) {
        System.out.printf("[jvs-tests] %s: sender offloads: %s%n", what, offloads(a));
        double rttAb = Traffic.ping(a, b);
        double rttBa = Traffic.ping(b, a);
        System.out.printf(Locale.ROOT, "[jvs-tests] %s: first pings (incl. ARP) a->b avg %.3f ms, b->a avg %.3f ms;"
                + " warm ping a->b min/avg/max/mdev %s%n", what, rttAb, rttBa, Traffic.warmRtt(a, b, 20));

        List<CliOutput.FdbEntry> fdb = CliOutput.fdb(jvs.ok("fdb/show", "br0").out());
        assertTrue(fdb.stream().anyMatch(e -> e.port().equals(a.port()) && e.mac().equals(a.mac())),
                "fdb/show must list " + a.mac() + " on port " + a.port() + ": " + fdb);
        assertTrue(fdb.stream().anyMatch(e -> e.port().equals(b.port()) && e.mac().equals(b.mac())),
                "fdb/show must list " + b.mac() + " on port " + b.port() + ": " + fdb);

        Traffic.Iperf r = Traffic.iperfTcp(lab, b, a, IPERF_SECONDS);
        System.out.printf(Locale.ROOT, "[jvs-tests] %s: iperf3 TCP %d s: %.2f Gbit/s, %d bytes, %d retransmits%n",
                what, IPERF_SECONDS, r.gbitPerSecond(), r.bytes(), r.retransmits());
        assertTrue(r.bytes() > 0, "iperf3 moved no bytes: " + r);

        CliOutput.PortStats sa = CliOutput.dumpPorts(jvs.ok("dump-ports", "br0").out()).get(a.port());
        assertTrue(sa != null && sa.rxBytes() > r.bytes(),
                "dump-ports must count the iperf3 bytes received on " + a.port() + ": " + sa);
    }

    /** The checksum and segmentation offloads of the host's interface, as ethtool -k reports them. */
    private static String offloads(Lab.Host h) {
        return Sh.inNs(h.ns(), "ethtool", "-k", h.dev()).check().out().lines()
                .filter(l -> l.startsWith("tx-checksumming") || l.startsWith("tcp-segmentation-offload")
                        || l.startsWith("generic-segmentation-offload"))
                .map(String::strip).reduce((x, y) -> x + ", " + y).orElse("?");
    }
}
