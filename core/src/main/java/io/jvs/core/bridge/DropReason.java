package io.jvs.core.bridge;

import java.util.Locale;

/**
 * Why a frame was dropped: one counter per reason per port (like Open vSwitch's datapath_drop_* coverage counters).
 * The names are part of the interface: {@code jvs dump-ports} prints them and scripts match on them.
 */
public enum DropReason {
    /** Shorter than an Ethernet header. */
    RUNT,
    /** Longer than the port's MTU allows (plus Ethernet and one VLAN header). */
    OVERSIZE,
    /** Longer than the receive buffer: the kernel cut it. */
    TRUNCATED,
    /** An 802.1Q TPID without a complete tag and ethertype behind it. */
    TRUNCATED_VLAN,
    /** A tagged frame arrived on an access port. */
    TAGGED_ON_ACCESS,
    /** The frame's VLAN is not among the port's trunks (or is 4095). */
    VLAN_NOT_ALLOWED,
    /** A multicast or broadcast source MAC: no valid sender has one. */
    MULTICAST_SRC,
    /** The destination was learned on the port the frame came in on. */
    DST_ON_IN_PORT,
    /** Crossed more patch ports than a sane topology has (a patch loop). */
    PATCH_LOOP,
    /** Sent to a patch port whose peer is missing or down. */
    PATCH_UNCONNECTED,
    /** The virtio header asked for a checksum at offsets outside the frame. */
    BAD_CSUM_OFFSET,
    /** A GSO super-frame of a kind we cannot segment. */
    GSO_UNSUPPORTED,
    /** A GSO super-frame whose headers do not add up. */
    GSO_MALFORMED,
    /** More output ports than one frame can be sent to. */
    TOO_MANY_OUTPUTS,
    /** The port is down (its device vanished or it is being removed). */
    PORT_DOWN,
    /** Received from a tunnel and destined to another tunnel: tunnels never forward into tunnels. */
    SPLIT_HORIZON,
    /** Received on a {@code key=flow} tunnel with a key the bridge's VLAN map does not know (or no key). */
    KEY_UNMAPPED,
    /** Sent to a {@code key=flow} tunnel in a VLAN the bridge's VLAN map does not know (or untagged). */
    VLAN_UNMAPPED,
    /** A tunnel packet shorter than its headers say, or whose inner frame is shorter than an Ethernet header. */
    TUNNEL_TRUNCATED,
    /** A GRE header with a version other than 0. */
    TUNNEL_VERSION,
    /** A GRE header with the routing bit (RFC 1701 source routing) set. */
    TUNNEL_ROUTING,
    /** A GRE header with RFC 1701's strict-source-route or recursion bits set. */
    TUNNEL_RESERVED,
    /** A GRE protocol type other than transparent Ethernet bridging (0x6558). */
    TUNNEL_PROTOCOL,
    /** A GRE checksum present and wrong. */
    TUNNEL_CHECKSUM,
    /** A VXLAN header without the valid-VNI flag. */
    TUNNEL_VXLAN_FLAGS,
    /** Security groups: a packet from the VM (a port with {@code security=on}) that no egress rule allows. */
    SG_EGRESS,
    /** Security groups: a packet to the VM that no ingress rule allows and that belongs to no allowed connection. */
    SG_INGRESS,
    /** Port security: a source MAC other than the port's allowed MAC. */
    SPOOFED_MAC,
    /** Port security: an IPv4 or IPv6 source address the port is not allowed to use. */
    SPOOFED_IP,
    /** Port security: an ARP packet whose sender MAC or IP is not the port's. */
    SPOOFED_ARP,
    /** Port security: a DHCP (or DHCPv6) server reply sent by the VM. */
    DHCP_SERVER,
    /** Port security: an IPv6 neighbour advertisement for an address the port may not use, or with another MAC. */
    SPOOFED_ND,
    /** Security groups: an IPv6 router advertisement sent by the VM. */
    ROUTER_ADVERT;

    public static final int COUNT = values().length;
    private static final DropReason[] VALUES = values();

    private final String counterName = name().toLowerCase(Locale.ROOT);

    /** The name shown by {@code dump-ports}, e.g. {@code tagged_on_access}. */
    public String counterName() {
        return counterName;
    }

    public static DropReason of(int ordinal) {
        return VALUES[ordinal];
    }
}
