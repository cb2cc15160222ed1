package io.jvs.core.router;

import static io.jvs.core.conntrack.TestPackets.IP;
import static io.jvs.core.router.RouterStageTest.GW;
import static io.jvs.core.router.RouterStageTest.HGW;
import static io.jvs.core.router.RouterStageTest.R0;
import static io.jvs.core.router.RouterStageTest.R1;
import static io.jvs.core.router.RouterStageTest.RM0;
import static io.jvs.core.router.RouterStageTest.RM1;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import io.jvs.core.conntrack.Conntrack;
import io.jvs.core.conntrack.CtTimeouts;
import io.jvs.core.packet.ArpHeader;
import io.jvs.core.packet.Checksum;
import io.jvs.core.packet.EthernetHeader;
import io.jvs.core.packet.Ipv4Header;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Malformed input never makes the router throw, and whatever it sends for it is well formed: random bytes behind an
 * Ethernet header addressed to the router, with a plausible IPv4 header (valid checksum, random length fields,
 * protocol and options) most of the time so that the deeper paths (conntrack, NAT, ICMP errors) see garbage too.
 */
class RouterRobustnessProperties {
    // One router for all tries (building one costs more than a try): state left by earlier garbage is part of the
    // test, and its 64-entry conntrack fills up, so the table-full paths get garbage too.
    private static final RouterStage router = newRouter();
    private static final RouterStageTest.Outputs out = new RouterStageTest.Outputs();
    private static long now;

    private static RouterStage newRouter() {
        final RouterStage r = new RouterStage(1, new Conntrack(64, CtTimeouts.DEFAULTS),
                new ArpCache.Config(64, 4, 32, 2048, 3, 1_000_000_000L, 30_000_000_000L, 600_000_000_000L),
                IcmpRateLimiter.UNLIMITED);
        r.setPorts(List.of(new RouterPort(0, RM0, R0, 24, 1500), new RouterPort(1, RM1, R1, 24, 1500)));
        r.routes().add(new RouteTable.Route(0, 0, GW, 1));
        r.setNatRules(NatRules.builder(1).snat(R1, 1024, 65535).build());
        final UnsafeBuffer arp = new UnsafeBuffer(new byte[64]);
        r.receive(1, arp, 0, ArpHeader.writeRequestFrame(arp, 0, HGW, GW, R1), 0, new RouterStageTest.Outputs());
        return r;
    }

    @Property(tries = 3000)
    void garbageShouldNeverThrowAndOutputsShouldVerify(
            @ForAll @Size(min = 0, max = 200) byte[] body,
            @ForAll @IntRange(max = 5) int shape,
            @ForAll @IntRange(max = 1) int inPort,
            @ForAll @IntRange(min = 0, max = 15) int ihlWords,
            @ForAll @IntRange(max = 300) int totalLength,
            @ForAll @IntRange(max = 255) int proto) {
        final UnsafeBuffer buf = new UnsafeBuffer(new byte[EthernetHeader.LENGTH + body.length]);
        out.frames.clear();
        EthernetHeader.setDst(buf, 0, inPort == 0 ? RM0 : RM1);
        EthernetHeader.setSrc(buf, 0, 0x0200_0000_0077L);
        EthernetHeader.setEtherType(buf, 0, shape == 0 ? EthernetHeader.ETH_P_ARP : EthernetHeader.ETH_P_IPV4);
        buf.putBytes(EthernetHeader.LENGTH, body);
        if (shape >= 2 && body.length >= Ipv4Header.MIN_LENGTH) {
            Ipv4Header.setVersionAndHeaderLength(buf, IP, ihlWords * 4);
            Ipv4Header.setTotalLength(buf, IP, totalLength);
            Ipv4Header.setProtocol(buf, IP, shape == 2 ? proto : shape == 3 ? 1 : shape == 4 ? 6 : 17);
            if (ihlWords * 4 <= body.length) {
                Checksum.writeIpv4HeaderChecksum(buf, IP);
            }
        }
        now += 100_000_000L;
        router.receive(inPort, buf, 0, buf.capacity(), now, out);
        router.poll(now, out);
        for (RouterStageTest.Outputs.Out o : out.frames) {
            final UnsafeBuffer f = o.buf();
            if (EthernetHeader.etherType(f, 0) == EthernetHeader.ETH_P_IPV4) {
                assertTrue(Checksum.isIpv4HeaderChecksumValid(f, IP), "output IPv4 header checksum");
                assertTrue(Ipv4Header.totalLength(f, IP) + EthernetHeader.LENGTH <= f.capacity(), "output length");
            }
        }
    }
}
