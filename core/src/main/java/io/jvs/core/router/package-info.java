/**
 * The IPv4 router stage, packet logic only: {@link io.jvs.core.router.RouteTable} (longest-prefix match over an
 * immutable {@link io.jvs.core.router.Fib}), {@link io.jvs.core.router.ArpCache} (neighbours and the packets waiting
 * for them), {@link io.jvs.core.router.IcmpBuilder} (echo replies and errors), {@link io.jvs.core.router.NatRules}
 * (SNAT and floating IPs, applied through {@link io.jvs.core.conntrack.Conntrack}), and
 * {@link io.jvs.core.router.RouterStage}, which runs a frame through all of them for one router.
 *
 * <p>Threading: each router has one owner thread that runs {@code RouterStage.receive} and {@code poll} and owns its
 * ARP cache and conntrack zone; the control thread publishes ports, routes and NAT rules as immutable objects through
 * volatile fields. See {@link io.jvs.core.conntrack} for why conntrack has a single writer.
 */
package io.jvs.core.router;
