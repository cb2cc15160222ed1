package io.jvs.datapath.trace;

import java.nio.ByteOrder;

import io.jvs.core.packet.EthernetHeader;
import io.jvs.core.packet.Ipv4Header;
import io.jvs.core.packet.MacAddress;
import io.jvs.core.router.ArpCache;
import io.jvs.core.router.Fib;
import io.jvs.core.router.NatRules;
import io.jvs.datapath.linux.Inet4;
import io.jvs.datapath.router.Router;
import io.jvs.datapath.router.RouterLegPort;

import org.agrona.DirectBuffer;

/**
 * The router's part of a trace, for a frame a bridge hands to a router leg: what the stage would decide, read from
 * its state without changing it (no packet enters the stage): whether the frame is for the router itself, the
 * floating-IP translation, the route and next hop, the next hop's ARP state (asked on the router's owner thread,
 * which alone touches its ARP cache), SNAT on the gateway leg, and the TTL.
 */
final class RouterTrace {
    private RouterTrace() {
    }

    static String describe(RouterLegPort leg, DirectBuffer b, int off, int len) {
        Router r = leg.router();
        StringBuilder s = new StringBuilder("router ").append(r.name()).append(": ");
        int type = b.getShort(off + 12, ByteOrder.BIG_ENDIAN) & 0xffff;
        int l3 = off + EthernetHeader.LENGTH;
        if (type == EthernetHeader.ETH_P_8021Q) {
            type = b.getShort(off + 16, ByteOrder.BIG_ENDIAN) & 0xffff;
            l3 += 4;
        }
        if (type == EthernetHeader.ETH_P_ARP) {
            return s.append("ARP: answered when it asks for ").append(Inet4.format(leg.address())).toString();
        }
        if (type != EthernetHeader.ETH_P_IPV4 || l3 + 20 > off + len) {
            return s.append("not IPv4: dropped").toString();
        }
        if (MacAddress.read(b, off) != leg.mac()) {
            return s.append("not addressed to the leg's MAC ").append(MacAddress.format(leg.mac()))
                    .append(": dropped").toString();
        }
        int src = Ipv4Header.src(b, l3);
        int dst = Ipv4Header.dst(b, l3);
        int ttl = Ipv4Header.ttl(b, l3);
        RouterLegPort own = null;
        for (RouterLegPort l : r.legs()) {
            if (l != null && l.address() == dst) {
                own = l;
            }
        }
        if (own != null) {
            return s.append(Inet4.format(dst)).append(" is the router's own address (leg ").append(own.name())
                    .append("): ICMP echo answered by the stage").append(r.netns() != null ? ", other traffic "
                            + "delivered to netns " + r.netns() : ", other traffic dropped").toString();
        }
        if (ttl <= 1) {
            return s.append("TTL ").append(ttl).append(": ICMP time exceeded back to ").append(Inet4.format(src))
                    .toString();
        }
        NatRules nat = r.stage().natRules();
        int target = dst;
        int internal = nat.internalOf(dst);
        if (internal != 0) {
            s.append("DNAT floating IP ").append(Inet4.format(dst)).append(" -> ").append(Inet4.format(internal))
                    .append(", ");
            target = internal;
        }
        long route = r.stage().routes().lookup(target);
        if (route == Fib.NO_ROUTE) {
            return s.append("no route to ").append(Inet4.format(target)).append(": ICMP net unreachable").toString();
        }
        RouterLegPort out = r.leg(Fib.port(route));
        int nextHop = Fib.nextHop(route) == 0 ? target : Fib.nextHop(route);
        s.append("route ").append(Inet4.format(target)).append(" via ").append(Fib.nextHop(route) == 0
                ? "connected" : Inet4.format(nextHop)).append(" out of leg ").append(out == null ? "?" : out.name())
                .append(out == null ? "" : " (bridge " + out.bridge().name() + ")").append(", TTL ").append(ttl)
                .append(" -> ").append(ttl - 1);
        if (out != null && out == r.gatewayLeg() && nat.enabled()) {
            int fip = nat.fipOf(src);
            s.append(fip != 0 ? ", SNAT to floating IP " + Inet4.format(fip)
                    : ", SNAT to " + Inet4.format(nat.snatAddress()) + " and a free port (new connections)");
        }
        if (out != null) {
            int legIndex = out.index();
            long mac;
            try {
                mac = r.onOwner(() -> r.stage().arp().lookup(legIndex, nextHop));
            } catch (RuntimeException e) {
                mac = ArpCache.MISS;
            }
            s.append(", next hop ").append(Inet4.format(nextHop)).append(mac == ArpCache.MISS
                    ? " unresolved: queued while the router ARPs for it (host unreachable after 3 tries)"
                    : " is at " + MacAddress.format(mac));
        }
        return s.toString();
    }
}
