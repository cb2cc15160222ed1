package io.jvs.core.malformed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import io.jvs.core.bridge.Bridge;
import io.jvs.core.bridge.BridgePort;
import io.jvs.core.bridge.DropReason;
import io.jvs.core.bridge.FlowGeneration;
import io.jvs.core.bridge.Forwarder;
import io.jvs.core.bridge.MemoryPort;
import io.jvs.core.bridge.PortCounters;
import io.jvs.core.bridge.VlanConfig;
import io.jvs.core.packet.VirtioNetHeader;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every kind of frame we can build, with and without VLAN tags and virtio offload requests, with wrong length fields,
 * and cut at every offset, goes into a real {@link Forwarder}: each must be dropped with a counted reason or
 * forwarded, nothing may throw, and the input port must count every frame received.
 */
class MalformedFrameCorpusTest {
    /** One corpus entry: a virtio-net header and the frame behind it. */
    record Case(String name, byte[] vnet, byte[] frame) {
    }

    /** A bridge with the input port and three kinds of output: offload-taking, plain, and a tagged trunk. */
    static final class Rig {
        final Forwarder fwd = new Forwarder(0);
        final UnsafeBuffer buf = new UnsafeBuffer(ByteBuffer.allocateDirect(Forwarder.HEADROOM + 70_000));
        final Bridge bridge = new Bridge("br0", new FlowGeneration());
        final MemoryPort in = port("in", VlanConfig.TRUNK_ALL);
        final MemoryPort offloads = port("offloads", VlanConfig.TRUNK_ALL);
        final MemoryPort plain = port("plain", VlanConfig.TRUNK_ALL);
        final MemoryPort trunk = port("trunk5", VlanConfig.trunk(5));
        final List<MemoryPort> ports = List.of(in, offloads, plain, trunk);
        long sent;

        Rig() {
            bridge.setOwner(0, Runnable::run, () -> 0L);
            offloads.setAcceptsOffloads(true);
        }

        private MemoryPort port(String name, VlanConfig vlan) {
            MemoryPort p = new MemoryPort(name, 1);
            p.setVlan(vlan);
            bridge.addPort(p);
            return p;
        }

        /**
         * Security on every port: the input's egress filter (default group, with port security for the corpus' source
         * MAC and addresses) and, on the outputs, an allow-all ingress group, the default (deny) and ICMP only.
         */
        Rig secure() {
            for (MemoryPort p : ports) {
                io.jvs.core.acl.PortFilter f = new io.jvs.core.acl.PortFilter(p.name(), 1, 256);
                f.setOwner(0, Runnable::run, () -> 0L);
                List<io.jvs.core.acl.AclRule> rules = new ArrayList<>(io.jvs.core.acl.PortFilter.defaultRules(1));
                if (p == offloads) {
                    rules.add(io.jvs.core.acl.AclRule.parse("ingress ethertype=ipv4 id=a4", 1));
                    rules.add(io.jvs.core.acl.AclRule.parse("ingress ethertype=ipv6 id=a6", 1));
                } else if (p == trunk) {
                    rules.add(io.jvs.core.acl.AclRule.parse("ingress proto=icmp id=icmp", 1));
                }
                f.setRules(rules);
                p.setFilter(f);
            }
            return this;
        }

        private long accounted() {
            long n = 0;
            for (MemoryPort p : ports) {
                n += p.counters().get(PortCounters.TX_PACKETS) + p.counters().totalDrops();
            }
            return n;
        }

        /** Sends the first {@code length} bytes of the case's frame and checks the outcome is accounted for. */
        void send(Case c, int length) {
            String what = c.name + " cut at " + length;
            long before = accounted();
            buf.setMemory(0, Forwarder.HEADROOM + 10 + c.frame.length + 64, (byte) 0x5a);
            buf.putBytes(Forwarder.HEADROOM, c.vnet);
            buf.putBytes(Forwarder.HEADROOM + 10, c.frame, 0, length);
            try {
                fwd.receive(in, buf, Forwarder.HEADROOM, 10 + length, -1, 0);
                fwd.flush();
            } catch (Throwable t) {
                fail(what + ": " + t + " escaped Forwarder.receive; frame "
                        + HexFormat.of().formatHex(c.vnet) + " " + HexFormat.of().formatHex(c.frame, 0, length), t);
            }
            sent++;
            assertEquals(sent, in.counters().get(PortCounters.RX_PACKETS), what + ": rx_packets");
            assertTrue(accounted() > before, what + ": neither forwarded nor dropped with a reason");
            checkOutputs(what);
        }

        private void checkOutputs(String what) {
            for (MemoryPort p : List.of(plain, trunk)) {
                List<byte[]> headers = p.headers();
                List<byte[]> frames = p.drain();
                for (int i = 0; i < frames.size(); i++) {
                    int limit = p.mtu() + 14 + 4;
                    assertTrue(frames.get(i).length <= limit, what + ": " + frames.get(i).length
                            + "-byte frame on " + p.name() + " (mtu " + p.mtu() + ")");
                    assertTrue(java.util.Arrays.equals(new byte[10], headers.get(i)),
                            what + ": offload metadata sent to " + p.name() + ", which does not take offloads");
                }
            }
            offloads.drain();
            in.drain();
        }
    }

    // ---- the corpus ------------------------------------------------------------------------------------------------

    /** An IPv4 frame with TCP (fieldInL4 16) or UDP (6): where its L4 checksum sits, for virtio headers. */
    record Base(String name, byte[] frame, int l4Offset, int csumField, int ipVersion, boolean tcp) {
    }

    static List<Base> bases() {
        List<Base> b = new ArrayList<>();
        byte[] noOptions = new byte[0];
        byte[] options = {1, 1, 1, 1, 7, 7, 4, 0}; // NOPs and a record-route stub
        b.add(v4tcp("ipv4-tcp", noOptions, 0, 100));
        b.add(v4tcp("ipv4-tcp-empty", noOptions, 0, 0));
        b.add(v4tcp("ipv4-tcp-options", options, 0, 100));
        b.add(v4tcp("ipv4-tcp-mtu", noOptions, 0x4000, 1460));
        b.add(v4tcp("ipv4-tcp-super", noOptions, 0x4000, 3000));
        b.add(v4udp("ipv4-udp", noOptions, 0, 50));
        b.add(v4udp("ipv4-udp-empty", noOptions, 0, 0));
        b.add(v4udp("ipv4-udp-super", noOptions, 0, 2000));
        b.add(v4udp("ipv4-fragment-first", noOptions, 0x2000, 100));
        b.add(v4udp("ipv4-fragment-later", noOptions, 185, 100));
        b.add(new Base("ipv4-icmp", Frames.ethernet(0x0800, Frames.ipv4(1, noOptions, 0, Frames.icmpEcho(56))), 34, 2,
                4, false));
        b.add(v6("ipv6-tcp", true, 100));
        b.add(v6("ipv6-tcp-mtu", true, 1440));
        b.add(v6("ipv6-tcp-super", true, 3000));
        b.add(v6("ipv6-udp", false, 40));
        b.add(new Base("arp", Frames.ethernet(0x0806, Frames.arpRequest()), 14, 0, 0, false));
        b.add(new Base("empty-ethertype-ipv4", Frames.ethernet(0x0800, new byte[0]), 14, 0, 4, true));
        // Wrong length fields on a TCP/IPv4 frame (and on a super-frame, where the segmenter reads them).
        for (Base tcp : List.of(v4tcp("ipv4-tcp", noOptions, 0, 100), v4tcp("ipv4-tcp-super", noOptions, 0, 3000))) {
            for (int total : new int[] {0, 19, 20, 39, 41, 1000, 0xffff}) {
                byte[] f = Frames.copy(tcp.frame);
                Frames.put16(f, 16, total);
                b.add(new Base(tcp.name + "-totlen-" + total, f, 34, 16, 4, true));
            }
            for (int ihl : new int[] {0, 4, 6, 15}) {
                byte[] f = Frames.copy(tcp.frame);
                f[14] = (byte) (0x40 | ihl);
                b.add(new Base(tcp.name + "-ihl-" + ihl, f, 34, 16, 4, true));
            }
            for (int doff : new int[] {0, 4, 15}) {
                byte[] f = Frames.copy(tcp.frame);
                f[34 + 12] = (byte) (doff << 4);
                b.add(new Base(tcp.name + "-tcp-doff-" + doff, f, 34, 16, 4, true));
            }
            byte[] v6 = Frames.copy(tcp.frame);
            v6[14] = 0x65; // version 6 in an IPv4 ethertype
            b.add(new Base(tcp.name + "-version-6", v6, 34, 16, 4, true));
        }
        for (Base udp : List.of(v4udp("ipv4-udp", noOptions, 0, 50), v4udp("ipv4-udp-super", noOptions, 0, 2000))) {
            for (int len : new int[] {0, 7, 8, 9, 9999, 0xffff}) {
                byte[] f = Frames.copy(udp.frame);
                Frames.put16(f, 34 + 4, len);
                b.add(new Base(udp.name + "-udplen-" + len, f, 34, 6, 4, false));
            }
        }
        byte[] v6len = Frames.copy(v6("ipv6-tcp-super", true, 3000).frame);
        Frames.put16(v6len, 18, 0xffff);
        b.add(new Base("ipv6-tcp-super-paylen-65535", v6len, 54, 16, 6, true));
        byte[] v6ext = Frames.copy(v6("ipv6-tcp-super", true, 3000).frame);
        v6ext[20] = 0; // a hop-by-hop header the segmenter does not walk
        b.add(new Base("ipv6-tcp-super-hop-by-hop", v6ext, 54, 16, 6, true));
        return b;
    }

    static Base v4tcp(String name, byte[] options, int flagsFragment, int payload) {
        byte[] f = Frames.ethernet(0x0800, Frames.ipv4(6, options, flagsFragment, Frames.tcp(payload)));
        Frames.ipv4L4Checksum(f, 16, true);
        return new Base(name, f, 34 + options.length, 16, 4, true);
    }

    static Base v4udp(String name, byte[] options, int flagsFragment, int payload) {
        byte[] f = Frames.ethernet(0x0800, Frames.ipv4(17, options, flagsFragment, Frames.udp(payload)));
        Frames.ipv4L4Checksum(f, 6, true);
        return new Base(name, f, 34 + options.length, 6, 4, false);
    }

    static Base v6(String name, boolean tcp, int payload) {
        byte[] f = Frames.ethernet(0x86dd, Frames.ipv6(tcp ? 6 : 17, tcp ? Frames.tcp(payload) : Frames.udp(payload)));
        return new Base(name, f, 54, tcp ? 16 : 6, 6, tcp);
    }

    /** VLAN forms: untagged, 802.1Q VID 5, 802.1Q VID 0 (priority), QinQ 0x88a8+0x8100, double 0x8100, VID 4095. */
    static List<Object[]> tagForms(byte[] f) {
        return List.of(
                new Object[] {"", f, 0},
                new Object[] {"-vlan5", Frames.tagged(f, 0x8100, 5), 4},
                new Object[] {"-prio", Frames.tagged(f, 0x8100, 0), 4},
                new Object[] {"-qinq", Frames.tagged(Frames.tagged(f, 0x8100, 5), 0x88a8, 100), 8},
                new Object[] {"-double", Frames.tagged(Frames.tagged(f, 0x8100, 5), 0x8100, 5), 8},
                new Object[] {"-vid4095", Frames.tagged(f, 0x8100, 4095), 4});
    }

    /** The corpus, in groups (one per frame and VLAN form) of virtio-header variants. */
    static List<List<Case>> groups() {
        int csum = VirtioNetHeader.FLAG_NEEDS_CSUM;
        List<List<Case>> groups = new ArrayList<>();
        for (Base base : bases()) {
            for (Object[] form : tagForms(base.frame)) {
                List<Case> cases = new ArrayList<>();
                groups.add(cases);
                String name = base.name + form[0];
                byte[] f = (byte[]) form[1];
                int shift = (int) form[2];
                int l4 = base.l4Offset + shift;
                int field = base.csumField;
                int gso = base.ipVersion == 6
                        ? (base.tcp ? VirtioNetHeader.GSO_TCPV6 : VirtioNetHeader.GSO_UDP_L4)
                        : (base.tcp ? VirtioNetHeader.GSO_TCPV4 : VirtioNetHeader.GSO_UDP_L4);
                int hdr = l4 + (base.tcp ? 20 : 8);
                cases.add(new Case(name, new byte[10], f));
                cases.add(new Case(name + "+csum", Frames.vnet(csum, 0, 0, 0, l4, field), f));
                cases.add(new Case(name + "+csum-past-end", Frames.vnet(csum, 0, 0, 0, f.length - 1, field), f));
                cases.add(new Case(name + "+csum-0xffff", Frames.vnet(csum, 0, 0, 0, 0xffff, 0xffff), f));
                cases.add(new Case(name + "+csum-start-2", Frames.vnet(csum, 0, 0, 0, 2, 0), f));
                cases.add(new Case(name + "+gso", Frames.vnet(csum, gso, hdr, 1400, l4, field), f));
                cases.add(new Case(name + "+gso-ecn", Frames.vnet(csum, gso | 0x80, hdr, 1000, l4, field), f));
                cases.add(new Case(name + "+gso-size-0", Frames.vnet(csum, gso, hdr, 0, l4, field), f));
                cases.add(new Case(name + "+gso-size-1", Frames.vnet(csum, gso, hdr, 1, l4, field), f));
                cases.add(new Case(name + "+gso-size-mtu", Frames.vnet(csum, gso, hdr, 1500, l4, field), f));
                cases.add(new Case(name + "+gso-size-mtu+1", Frames.vnet(csum, gso, hdr, 1501, l4, field), f));
                cases.add(new Case(name + "+gso-hdrlen-bad", Frames.vnet(0, gso, 0xffff, 1400, 0xffff, 0xffff), f));
                cases.add(new Case(name + "+gso-wrong-ip", Frames.vnet(csum,
                        gso == VirtioNetHeader.GSO_TCPV4 ? VirtioNetHeader.GSO_TCPV6 : VirtioNetHeader.GSO_TCPV4,
                        hdr, 1400, l4, field), f));
                cases.add(new Case(name + "+gso-ufo", Frames.vnet(csum, VirtioNetHeader.GSO_UDP, hdr, 1400, l4, 6), f));
                cases.add(new Case(name + "+gso-type-0x7f", Frames.vnet(csum, 0x7f, hdr, 1400, l4, field), f));
            }
        }
        return groups;
    }

    static List<Case> cases() {
        return groups().stream().flatMap(List::stream).toList();
    }

    @TestFactory
    Stream<DynamicTest> everyCaseCutAtEveryOffsetIsForwardedOrCountedAsDropped() {
        // One rig per group: a Forwarder (flow cache, segmenter) is too big to build for every case.
        return groups().stream().map(g -> DynamicTest.dynamicTest(g.get(0).name + " (" + g.size() + " headers)",
                () -> {
                    Rig rig = new Rig();
                    long frames = 0;
                    for (Case c : g) {
                        for (int len = 0; len <= c.frame.length; len++) {
                            rig.send(c, len);
                        }
                        frames += c.frame.length + 1;
                    }
                    assertEquals(frames, rig.in.counters().get(PortCounters.RX_PACKETS));
                }));
    }

    /** The same corpus through ports with security on: the filters parse every kind of broken header too. */
    @TestFactory
    Stream<DynamicTest> everyCaseCutAtEveryOffsetWithSecurityGroups() {
        return groups().stream().map(g -> DynamicTest.dynamicTest(g.get(0).name + " (" + g.size() + " headers)",
                () -> {
                    Rig rig = new Rig().secure();
                    for (Case c : g) {
                        for (int len = 0; len <= c.frame.length; len++) {
                            rig.send(c, len);
                        }
                    }
                }));
    }

    /** Hand-made cases, one per line in {@code malformed/*.hex}: virtio header hex, a space, frame hex. */
    @TestFactory
    Stream<DynamicTest> handMadeHexCases() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (String file : List.of("hand-made.hex")) {
            String text;
            try (InputStream s = getClass().getResourceAsStream("/malformed/" + file)) {
                text = new String(s.readAllBytes(), StandardCharsets.US_ASCII);
            }
            String comment = "";
            for (String line : text.split("\n")) {
                line = line.strip();
                if (line.isEmpty()) {
                    continue;
                }
                if (line.startsWith("#")) {
                    comment = line.substring(1).strip();
                    continue;
                }
                String[] parts = line.split("\\s+");
                Case c = new Case(file + ": " + comment, HexFormat.of().parseHex(parts[0]),
                        parts.length > 1 ? HexFormat.of().parseHex(parts[1]) : new byte[0]);
                tests.add(DynamicTest.dynamicTest(c.name, () -> {
                    Rig rig = new Rig();
                    rig.send(c, c.frame.length);
                    for (int len = 0; len < c.frame.length; len++) {
                        rig.send(c, len);
                    }
                }));
            }
        }
        return tests.stream();
    }

    @Test
    void shouldCountTheDropReasonsTheCorpusIsMeantToReach() {
        Rig rig = new Rig();
        for (Case c : cases()) {
            for (int len = 0; len <= c.frame.length; len += Math.max(1, c.frame.length / 7)) {
                rig.send(c, len);
            }
        }
        BridgePort in = rig.in;
        for (DropReason r : List.of(DropReason.RUNT, DropReason.TRUNCATED_VLAN, DropReason.BAD_CSUM_OFFSET,
                DropReason.GSO_MALFORMED, DropReason.GSO_UNSUPPORTED, DropReason.VLAN_NOT_ALLOWED)) {
            assertTrue(in.counters().drops(r) > 0, "corpus never reached " + r.counterName());
        }
    }
}
