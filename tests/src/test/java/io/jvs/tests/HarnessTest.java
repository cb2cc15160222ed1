package io.jvs.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Checks the harness itself, without a jvs daemon: the output parsers on the formats the contract promises, and the
 * namespace, ping and iperf3 helpers over a kernel bridge. When a system test fails, this one passing says the fault
 * is not in the harness.
 */
class HarnessTest {
    @RegisterExtension
    final Lab lab = new Lab();

    @Test
    void parsesShow() {
        CliOutput.Show s = CliOutput.show("""
                jvs (pid 4242, 2 reactor threads, db /tmp/x/conf.json)
                    Bridge br0
                        Port jt1a
                            type: internal
                            tag: 10
                            netns: jt1n
                            state: up
                        Port jt1b
                            type: system
                            trunks: 10,20
                            state: down (no such device)
                    Bridge br1
                        Port p1
                            type: patch
                            options: {peer=p2}
                            state: up
                """);
        assertEquals("10", s.port("br0", "jt1a").get("tag"));
        assertEquals("down", s.state("br0", "jt1b"));
        assertEquals("up", s.state("br0", "jt1a"));
        assertEquals("10,20", s.port("br0", "jt1b").get("trunks"));
        assertEquals("{peer=p2}", s.port("br1", "p1").get("options"));
        assertEquals(Map.of("type", "patch", "options", "{peer=p2}"), s.config().get("br1").get("p1"));
        assertEquals(Map.of("type", "internal", "tag", "10", "netns", "jt1n"), s.config().get("br0").get("jt1a"));
    }

    @Test
    void parsesDumpPortsAndFdb() {
        Map<String, CliOutput.PortStats> st = CliOutput.dumpPorts("""
                bridge br0: 2 ports, mac entries 2/8192, learn_full=0
                port jt1a:
                    rx packets=12 bytes=1500 drops=5
                    tx packets=7 bytes=700 errors=1 dropped=0
                    drops: tagged_on_access=3 no_vlan=2
                port jt1b:
                    rx packets=0 bytes=0 drops=0
                    tx packets=0 bytes=0 errors=0 dropped=0
                    drops: none
                """);
        assertEquals(new CliOutput.PortStats("jt1a", 12, 1500, 7, 700, 1, Map.of("tagged_on_access", 3L, "no_vlan", 2L)),
                st.get("jt1a"));
        assertEquals(0, st.get("jt1b").drops("tagged_on_access"));

        List<CliOutput.FdbEntry> fdb = CliOutput.fdb("""
                 port  VLAN  MAC                Age
                 jt1a     0  02:00:00:00:00:AA    3
                 jt1b    10  02:00:00:00:00:bb    0
                """);
        assertEquals(List.of(new CliOutput.FdbEntry("jt1a", 0, "02:00:00:00:00:aa", 3),
                new CliOutput.FdbEntry("jt1b", 10, "02:00:00:00:00:bb", 0)), fdb);
    }

    @Test
    void shCapturesExitAndBothStreams() {
        Sh.Result r = Sh.run("sh", "-c", "echo out; echo err >&2; exit 3");
        assertEquals(3, r.exit());
        assertEquals("out\n", r.out());
        assertEquals(List.of("err"), r.errLines());
        assertEquals(Sh.TIMED_OUT, Sh.run(java.time.Duration.ofMillis(300), Map.of(), List.of("sleep", "10")).exit());
    }

    /** Two veth hosts over a Linux bridge (our own, prefixed, removed after): ping, pingFails and iperf3 work. */
    @Test
    void trafficHelpersWorkOverAKernelBridge() {
        Lab.assumeRoot();
        Lab.Host a = lab.vethHost("10.0.0.1/24");
        Lab.Host b = lab.vethHost("10.0.0.2/24");
        Lab.Host ghost = new Lab.Host(a.ns(), "eth0", "10.0.0.99", "none");
        String br = lab.name("b");
        Sh.ok("ip", "link", "add", br, "type", "bridge");
        lab.ownRootDevice(br);
        Sh.ok("sysctl", "-q", "-w", "net.ipv6.conf." + br + ".disable_ipv6=1");
        for (String dev : List.of(a.port(), b.port())) {
            Sh.ok("ip", "link", "set", dev, "master", br, "up");
        }
        Sh.ok("ip", "link", "set", br, "up");

        assertTrue(Traffic.ping(a, b) > 0);
        Traffic.pingFails(b, ghost, 2);
        Traffic.Iperf r = Traffic.iperfTcp(lab, b, a, 1);
        assertTrue(r.bytes() > 0, r.toString());
        System.out.printf("[jvs-tests] harness: kernel bridge iperf3 1 s: %.2f Gbit/s%n", r.gbitPerSecond());
    }
}
