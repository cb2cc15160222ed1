package io.jvs.core.router;

import static io.jvs.core.conntrack.TestPackets.IP;
import static io.jvs.core.conntrack.TestPackets.checksumsValid;
import static io.jvs.core.router.RouterStageTest.GW;
import static io.jvs.core.router.RouterStageTest.HGW;
import static io.jvs.core.router.RouterStageTest.R0;
import static io.jvs.core.router.RouterStageTest.R1;
import static io.jvs.core.router.RouterStageTest.RM0;
import static io.jvs.core.router.RouterStageTest.RM1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import io.jvs.core.conntrack.Conntrack;
import io.jvs.core.conntrack.CtTimeouts;
import io.jvs.core.conntrack.PacketTuple;
import io.jvs.core.conntrack.TestPackets;
import io.jvs.core.packet.ArpHeader;
import io.jvs.core.packet.IcmpHeader;
import io.jvs.core.packet.Ipv4Header;
import io.jvs.core.packet.TcpHeader;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Random flows from random inside hosts through a SNAT router and their mirrored replies back: every frame leaving
 * verifies, leaves from the SNAT address with a port unique per flow, and the reply reaches the original sender with
 * its original ports and an untouched payload.
 */
class RouterNatProperties {
    record Flow(int proto, int host, int port, int server) {
    }

    @Property(tries = 200)
    void snatShouldBeReversedByTheReply(
            @ForAll @Size(min = 1, max = 40) List<@IntRange(min = 0, max = 2) Integer> protos,
            @ForAll @Size(min = 1, max = 40) List<@IntRange(min = 2, max = 250) Integer> hosts,
            @ForAll @Size(min = 1, max = 40) List<@IntRange(min = 1, max = 65535) Integer> ports,
            @ForAll @IntRange(max = 200) int payload) {
        final Conntrack ct = new Conntrack(256, CtTimeouts.DEFAULTS);
        final RouterStage router = new RouterStage(5, ct, ArpCache.Config.DEFAULTS, IcmpRateLimiter.UNLIMITED);
        router.setPorts(List.of(new RouterPort(0, RM0, R0, 24, 1500), new RouterPort(1, RM1, R1, 24, 1500)));
        router.routes().add(new RouteTable.Route(0, 0, GW, 1));
        router.setNatRules(NatRules.builder(1).snat(R1, 20000, 20063).build());
        final RouterStageTest.Outputs out = new RouterStageTest.Outputs();
        final UnsafeBuffer buf = TestPackets.buffer();
        router.receive(1, buf, 0, ArpHeader.writeRequestFrame(buf, 0, HGW, GW, R1), 0, out);
        out.frames.clear();
        final int server = 0xc633_6407;
        for (int i = 0; i < protos.size(); i++) {
            final int proto = protos.get(i);
            final int host = 0x0a00_0000 | hosts.get(i % hosts.size());
            final long hostMac = 0x0200_0000_0000L | host & 0xff;
            final int port = ports.get(i % ports.size());
            router.receive(0, buf, 0, ArpHeader.writeRequestFrame(buf, 0, hostMac, host, R0), 0, out);
            out.frames.clear();
            final int len = switch (proto) {
                case 0 -> TestPackets.tcp(buf, 0, RM0, hostMac, host, server, port, 443, TcpHeader.SYN, payload, 64);
                case 1 -> TestPackets.udp(buf, 0, RM0, hostMac, host, server, port, 53, payload, 64);
                default -> TestPackets.icmpEcho(buf, 0, RM0, hostMac, host, server, IcmpHeader.TYPE_ECHO_REQUEST, port,
                        1, payload, 64);
            };
            final byte[] sentPayload = new byte[payload];
            buf.getBytes(len - payload, sentPayload);
            final int result = router.receive(0, buf, 0, len, 0, out);
            if (result == RouterStage.DROPPED) {
                // Only a repeated TCP SYN-less flow or an exhausted range may fail; neither keeps state.
                assertTrue(router.lastDropReason() == RouterDropReason.NAT_PORTS_EXHAUSTED
                        || router.lastDropReason() == RouterDropReason.CT_INVALID, router.lastDropReason().name());
                continue;
            }
            assertEquals(RouterStage.FORWARDED, result);
            final UnsafeBuffer sent = out.only().buf();
            assertTrue(checksumsValid(sent, IP), "outbound checksums");
            final PacketTuple t = new PacketTuple();
            assertEquals(PacketTuple.OK, t.parse(sent, IP, len - IP));
            assertEquals(R1, t.src);
            assertTrue(t.srcPort >= 20000 && t.srcPort <= 20063 || t.srcPort == port, "port " + t.srcPort);

            // The server answers the translated packet.
            final int rlen = switch (proto) {
                case 0 -> TestPackets.tcp(buf, 0, RM1, HGW, server, R1, 443, t.srcPort, TcpHeader.SYN | TcpHeader.ACK,
                        payload, 50);
                case 1 -> TestPackets.udp(buf, 0, RM1, HGW, server, R1, 53, t.srcPort, payload, 50);
                default -> TestPackets.icmpEcho(buf, 0, RM1, HGW, server, R1, IcmpHeader.TYPE_ECHO_REPLY, t.srcPort, 1,
                        payload, 50);
            };
            assertEquals(RouterStage.FORWARDED, router.receive(1, buf, 0, rlen, 0, out));
            final UnsafeBuffer back = out.only().buf();
            assertTrue(checksumsValid(back, IP), "reply checksums");
            final PacketTuple r = new PacketTuple();
            r.parse(back, IP, rlen - IP);
            assertEquals(host, r.dst);
            assertEquals(server, r.src);
            assertEquals(port, r.dstPort);
            assertEquals(hostMac, io.jvs.core.packet.EthernetHeader.dst(back, 0));
            assertEquals(49, Ipv4Header.ttl(back, IP));
            final byte[] gotPayload = new byte[payload];
            back.getBytes(rlen - payload, gotPayload);
            assertArrayEquals(sentPayload, gotPayload);
        }
    }
}
