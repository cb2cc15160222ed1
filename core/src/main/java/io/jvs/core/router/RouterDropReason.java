package io.jvs.core.router;

import java.util.Locale;

/**
 * Why the router stage dropped a frame: one counter per reason per router. The names are part of the interface
 * ({@code jvs router/show} prints them, scripts match on them).
 */
public enum RouterDropReason {
    /** Shorter than the headers it announces (Ethernet, ARP, IPv4). */
    RUNT,
    /** Received on a router port index that is not configured. */
    UNKNOWN_PORT,
    /** Destination MAC is neither the port's nor broadcast (the bridge flooded it to us). */
    NOT_OUR_MAC,
    /** Neither IPv4 nor ARP (IPv6 routing is not implemented). */
    UNSUPPORTED_ETHERTYPE,
    /** ARP that is not Ethernet/IPv4, or an operation we do not handle. */
    ARP_UNSUPPORTED,
    /** An ARP request for an address that is not the receiving port's (we do not proxy ARP). */
    ARP_NOT_FOR_US,
    /** Bad version, header length, total length or header checksum. */
    BAD_IP_HEADER,
    /** IPv4 to the broadcast MAC or a multicast, broadcast or directed-broadcast address, or from a martian source. */
    NOT_ROUTABLE,
    /** For one of the router's addresses but not an echo request (the router runs no services). */
    LOCAL_UNSUPPORTED,
    /** No route to the destination (answered with ICMP net unreachable). */
    NO_ROUTE,
    /** The TTL would reach 0 (answered with ICMP time exceeded). */
    TTL_EXCEEDED,
    /** Larger than the output port's MTU with DF set (answered with ICMP fragmentation needed). */
    FRAG_NEEDED,
    /** Larger than the output port's MTU without DF: we do not fragment. */
    FRAGMENTATION_UNSUPPORTED,
    /** The neighbour's queue or the pending-packet pool is full, or the frame is too big to queue. */
    ARP_QUEUE_FULL,
    /** The next hop never answered ARP (answered with ICMP host unreachable). */
    ARP_UNRESOLVED,
    /** The conntrack table is full: no new connection. */
    CT_TABLE_FULL,
    /** Conntrack found the packet out of place (TCP without SYN opening, SYN inside a connection...). */
    CT_INVALID,
    /** Inbound on the external port to an address with neither a floating IP nor a connection. */
    NAT_UNSOLICITED,
    /** Every source port of the SNAT range we tried is taken for this destination. */
    NAT_PORTS_EXHAUSTED,
    /** The translated tuple collides with an existing connection. */
    NAT_COLLISION,
    /** A fragment crossing the NAT boundary: no ports to translate, and we do not reassemble. */
    NAT_FRAGMENT,
    /** A protocol NAT cannot translate (not TCP, UDP or ICMP echo) crossing the NAT boundary. */
    NAT_UNSUPPORTED_PROTOCOL,
    /** An ICMP error crossing the NAT boundary that belongs to no connection. */
    NAT_ICMP_NO_CONNECTION,
    /**
     * A frame with offload work left (virtio header) that cannot be done: checksum offsets outside the frame, or a
     * GSO super-frame the software segmenter refuses (the Forwarder counts the same frames as
     * {@code bad_csum_offset} / {@code gso_malformed} on its input port first, so this is for direct callers).
     */
    OFFLOAD_MALFORMED;

    public static final int COUNT = values().length;
    private static final RouterDropReason[] VALUES = values();

    private final String counterName = name().toLowerCase(Locale.ROOT);

    /** The name shown by {@code router/show}, e.g. {@code ttl_exceeded}. */
    public String counterName() {
        return counterName;
    }

    public static RouterDropReason of(int ordinal) {
        return VALUES[ordinal];
    }
}
