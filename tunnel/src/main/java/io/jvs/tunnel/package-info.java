/**
 * GRE (RFC 2784 with the key and sequence extensions of RFC 2890) and VXLAN (RFC 7348) encapsulation over IPv4:
 * header flyweights ({@link io.jvs.tunnel.GreHeader}, {@link io.jvs.tunnel.VxlanHeader}), per-tunnel encapsulators
 * that hold a pre-built outer header and patch only lengths, ids and checksums per packet
 * ({@link io.jvs.tunnel.GreEncap}, {@link io.jvs.tunnel.VxlanEncap}), decapsulators that validate and locate the inner
 * Ethernet frame ({@link io.jvs.tunnel.GreDecap}, {@link io.jvs.tunnel.VxlanDecap}), and the drop reasons they count
 * ({@link io.jvs.tunnel.TunnelDropReason}). Pure packet logic with no I/O and no allocation per packet; the tunnel
 * port that owns the sockets lives in the datapath.
 */
package io.jvs.tunnel;
