package io.jvs.tunnel;

import java.util.Locale;

/**
 * Why a tunnel packet was dropped on ingress: one counter per reason per tunnel port, like core's
 * {@code DropReason}. The decapsulators return {@link #code()} (a negative int) instead of throwing or allocating;
 * {@link #ofCode(int)} maps it back.
 */
public enum TunnelDropReason {
    /** Shorter than its headers say, or the inner frame is shorter than an Ethernet header. */
    TRUNCATED,
    /** GRE version is not 0 (version 1 is PPTP's enhanced GRE, RFC 2637). */
    VERSION,
    /** GRE routing bit set: RFC 1701 source routing, which RFC 2784 receivers must discard. */
    ROUTING,
    /** GRE bits 4 or 5 set (RFC 1701 strict source route and recursion): RFC 2784 says discard. */
    RESERVED,
    /** GRE protocol type is not transparent Ethernet bridging (0x6558). */
    PROTOCOL,
    /** GRE checksum present and wrong. */
    CHECKSUM,
    /** VXLAN header without the I (valid VNI) flag. */
    VXLAN_FLAGS;

    public static final int COUNT = values().length;
    private static final TunnelDropReason[] VALUES = values();

    private final String counterName = name().toLowerCase(Locale.ROOT);

    /** The counter name, e.g. {@code checksum}. */
    public String counterName() {
        return counterName;
    }

    /** The negative code a decapsulator returns for this reason: -1 for the first, -2 for the second, ... */
    public int code() {
        return -(ordinal() + 1);
    }

    /** The reason for a negative code returned by a decapsulator. */
    public static TunnelDropReason ofCode(final int code) {
        return VALUES[-code - 1];
    }
}
