package io.jvs.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.opentest4j.TestAbortedException;

/**
 * Our GRE and VXLAN packets as an independent decoder sees them: two jvs hosts exchange pings over GRE (key 77,
 * checksum, sequence numbers) and over VXLAN (VNI 4242), the underlay veth is captured with tcpdump, and Wireshark's
 * dissectors (tshark) must decode every packet down to the inner ICMP echo, find every checksum good, and raise no
 * malformed-packet report, expert error or expert warning.
 *
 * <p>The underlay veths have tx checksum offload off, as a NIC puts complete packets on the wire: with it on, the
 * kernel leaves the outer UDP checksum of VXLAN partial and the capture would show it as wrong. IPv4 and UDP
 * checksum validation are switched on in tshark (off by default); ICMP and GRE checksums it validates anyway.
 */
class TunnelCaptureTest {
    private static final String IP_A = "10.96.0.1";
    private static final String IP_B = "10.96.0.2";
    private static final String KEY_77_HEX = "0x0000004d";
    /** tshark leaves IPv4 and UDP checksums unchecked by default; ICMP and GRE checksums it always checks. */
    private static final String[] CHECKSUMS = {"-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE"};

    @RegisterExtension
    final Lab lab = new Lab();

    private Capture capture;

    /** On failure (not on a skip): the capture as tcpdump -vv sees it, before anything is torn down. */
    @RegisterExtension
    final AfterTestExecutionCallback diagnostics = ctx -> {
        Throwable t = ctx.getExecutionException().orElse(null);
        if (t != null && !(t instanceof TestAbortedException) && capture != null) {
            System.err.println("==== " + ctx.getDisplayName() + " failed: capture of host A's underlay ====");
            System.err.println(capture.stop().text());
        }
    };

    @BeforeEach
    void prerequisites() {
        Lab.assumeRoot();
        Capture.assumeTshark();
    }

    @AfterEach
    void stopCapture() {
        if (capture != null) {
            capture.stop();
        }
    }

    /** One host: its daemon, a GRE bridge with one VM and a VXLAN bridge with one VM. */
    private record Host(JvsDaemon jvs, Lab.Host greVm, Lab.Host vxlanVm) {}

    private Host host(String ns, String local, String remote, int vmByte) {
        JvsDaemon jvs = lab.daemonIn(ns);
        jvs.ok("add-br", "brg");
        jvs.ok("add-port", "brg", "gre0", "type=gre", "options:remote_ip=" + remote, "options:local_ip=" + local,
                "options:key=77", "options:csum=true", "options:seq=true");
        jvs.ok("add-br", "brx");
        jvs.ok("add-port", "brx", "vx0", "type=vxlan", "options:remote_ip=" + remote, "options:local_ip=" + local,
                "options:key=4242");
        Lab.Host g = vm(jvs, "brg", "192.168.81." + vmByte + "/24", 1450); // 1500 - GRE with key, csum, seq: 50
        Lab.Host x = vm(jvs, "brx", "192.168.82." + vmByte + "/24", 1450); // 1500 - VXLAN: 50
        return new Host(jvs, g, x);
    }

    private Lab.Host vm(JvsDaemon jvs, String bridge, String cidr, int mtu) {
        Lab.Host h = lab.internalHost(cidr);
        jvs.ok("add-port", bridge, h.port(), "type=internal", "netns=" + h.ns());
        lab.addAddress(h, cidr);
        Sh.inNs(h.ns(), "ip", "link", "set", h.dev(), "mtu", Integer.toString(mtu), "up").check();
        return h;
    }

    @Test
    void tsharkDecodesOurGreAndVxlanWithoutComplaint() {
        String nsA = lab.netns();
        String nsB = lab.netns();
        String uA = lab.name("u");
        String uB = lab.name("u");
        Sh.ok("ip", "link", "add", uA, "netns", nsA, "type", "veth", "peer", "name", uB, "netns", nsB);
        Sh.ok("ip", "-n", nsA, "addr", "add", IP_A + "/24", "dev", uA);
        Sh.ok("ip", "-n", nsB, "addr", "add", IP_B + "/24", "dev", uB);
        for (String[] nd : new String[][] {{nsA, uA}, {nsB, uB}}) {
            Sh.inNs(nd[0], "ethtool", "-K", nd[1], "tx", "off").check();
            Sh.ok("ip", "-n", nd[0], "link", "set", nd[1], "up");
        }
        Host a = host(nsA, IP_A, IP_B, 1);
        Host b = host(nsB, IP_B, IP_A, 2);
        capture = Capture.start(lab, nsA, uA);

        Traffic.ping(a.greVm(), b.greVm());
        Traffic.ping(b.greVm(), a.greVm());
        Traffic.ping(a.vxlanVm(), b.vxlanVm());
        Traffic.ping(b.vxlanVm(), a.vxlanVm());
        capture.stop();

        // Both receivers accepted everything (GRE checksums verified by jvs too).
        for (Host h : new Host[] {a, b}) {
            for (String[] bp : new String[][] {{"brg", "gre0"}, {"brx", "vx0"}}) {
                Map<String, CliOutput.PortStats> ports = CliOutput.dumpPorts(h.jvs().ok("dump-ports", bp[0]).out());
                assertEquals(0, ports.get(bp[1]).drops().values().stream().mapToLong(Long::longValue).sum(),
                        bp[1] + " must drop nothing: " + ports.get(bp[1]));
            }
        }

        // The full decode: nothing malformed, no expert error or warning anywhere.
        List<String> verbose = new ArrayList<>(Arrays.asList(CHECKSUMS));
        verbose.add("-V");
        String decoded = capture.tshark(verbose.toArray(String[]::new));
        List<String> complaints = decoded.lines()
                .filter(l -> l.contains("Malformed") || l.contains("[Expert Info (Error")
                        || l.contains("[Expert Info (Warning") || l.contains("incorrect, should be"))
                .toList();
        assertTrue(complaints.isEmpty(), "tshark -V complains:\n" + String.join("\n", complaints));
        List<String> expertArgs = new ArrayList<>(Arrays.asList(CHECKSUMS));
        expertArgs.addAll(List.of("-q", "-z", "expert"));
        String expert = capture.tshark(expertArgs.toArray(String[]::new));
        assertFalse(expert.contains("Errors (") || expert.contains("Warns (") || expert.contains("Malformed"),
                "tshark -z expert reports errors or warnings:\n" + expert);

        // GRE: every IP protocol 47 packet decodes as GRE with key 77, a good checksum and a sequence number; echo
        // request and reply both ways.
        List<String[]> gre = capture.fields("ip.proto == 47", "ip.src", "gre.key", "gre.checksum.status", "gre.sequence_number",
                "icmp.type");
        assertTrue(gre.size() >= 12, "too few GRE packets:\n" + rows(gre) + capture.text());
        // gre.checksum.status 1 = Good (Wireshark's PROTO_CHECKSUM_E_GOOD): tshark recomputed the checksum.
        for (String[] r : gre) {
            assertTrue(r[1].equals(KEY_77_HEX) && r[2].equals("1") && r[3].matches("\\d+"),
                    "GRE packet without key 77, a good checksum and a sequence number: " + String.join(" | ", r)
                            + "\n" + rows(gre));
        }
        assertEchoBothWays("GRE", gre, 4);

        // VXLAN: every packet on UDP 4789 decodes as VXLAN with VNI 4242; echo request and reply both ways.
        List<String[]> vxlan = capture.fields("udp.port == 4789", "ip.src", "vxlan.vni", "udp.dstport", "icmp.type");
        assertTrue(vxlan.size() >= 12, "too few VXLAN packets:\n" + rows(vxlan) + capture.text());
        for (String[] r : vxlan) {
            assertTrue(r[1].equals("4242") && r[2].startsWith("4789"),
                    "UDP 4789 packet not decoded as VXLAN with VNI 4242: " + String.join(" | ", r) + "\n"
                            + rows(vxlan));
        }
        assertEchoBothWays("VXLAN", vxlan, 3);
        System.out.printf("[jvs-tests] tshark decoded %d GRE and %d VXLAN packets without complaint%n", gre.size(),
                vxlan.size());
    }

    /** ICMP echo requests (8) and replies (0) inside tunnel packets from both underlay addresses. */
    private void assertEchoBothWays(String what, List<String[]> rows, int icmpColumn) {
        for (String src : new String[] {IP_A, IP_B}) {
            for (String type : new String[] {"8", "0"}) {
                assertTrue(rows.stream().anyMatch(r -> outer(r[0]).equals(src) && r[icmpColumn].equals(type)),
                        "no " + what + " packet from " + src + " with an inner ICMP type " + type + ":\n" + rows(rows)
                                + capture.text());
            }
        }
    }

    /** The outer (first) value of a field tshark printed for both the outer and the inner header. */
    private static String outer(String field) {
        int comma = field.indexOf(',');
        return comma < 0 ? field : field.substring(0, comma);
    }

    private static String rows(List<String[]> rows) {
        StringBuilder sb = new StringBuilder();
        rows.forEach(r -> sb.append(String.join(" | ", r)).append('\n'));
        return sb.toString();
    }
}
