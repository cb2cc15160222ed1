package io.jvs.core.router;

import java.util.ArrayList;
import java.util.List;

import io.jvs.core.conntrack.Conntrack;
import io.jvs.core.conntrack.PacketTuple;
import io.jvs.core.packet.Ipv4Header;

import org.agrona.collections.Int2IntHashMap;

/**
 * A router's NAT configuration: which router port is external, the SNAT address with its source-port range, and
 * floating IPs (1:1 mappings between an external address and an internal one).
 *
 * <p>Immutable: the control thread builds a new one with {@link Builder} and the router publishes it through a
 * volatile field; connections already tracked keep the translation they were created with.
 *
 * <p>What crosses the external port: outbound from an internal address with a floating IP leaves from the floating
 * IP (ports kept); other outbound leaves from the SNAT address and a free port of the range (without an SNAT
 * address it leaves untranslated, but tracked, so its replies are let in). Inbound to a floating IP is sent to its
 * internal address; other inbound is admitted only as part of a tracked connection.
 */
public final class NatRules {
    /** No NAT: the router routes without conntrack. */
    public static final NatRules NONE = new Builder(-1).build();

    /** How many ports {@link #pickSnatPort} tries before giving up, bounding the per-packet cost. */
    public static final int MAX_PORT_TRIES = 1024;

    private final int externalPort;
    private final int snatAddress;
    private final int portMin;
    private final int portMax;
    private final Int2IntHashMap fipByInternal;
    private final Int2IntHashMap internalByFip;

    private NatRules(Builder b) {
        externalPort = b.externalPort;
        snatAddress = b.snatAddress;
        portMin = b.portMin;
        portMax = b.portMax;
        fipByInternal = new Int2IntHashMap(Math.max(8, b.fips.size() * 2), 0.5f, 0);
        internalByFip = new Int2IntHashMap(Math.max(8, b.fips.size() * 2), 0.5f, 0);
        for (int[] f : b.fips) {
            internalByFip.put(f[0], f[1]);
            fipByInternal.put(f[1], f[0]);
        }
    }

    public static Builder builder(int externalPort) {
        return new Builder(externalPort);
    }

    /** True when the router tracks and translates traffic crossing {@link #externalPort}. */
    public boolean enabled() {
        return externalPort >= 0;
    }

    /** The router port index NAT applies on, -1 when disabled. */
    public int externalPort() {
        return externalPort;
    }

    /** The SNAT address, 0 when there is none. */
    public int snatAddress() {
        return snatAddress;
    }

    public int portMin() {
        return portMin;
    }

    public int portMax() {
        return portMax;
    }

    /** The floating IP of an internal address, 0 when it has none. Allocation-free. */
    public int fipOf(int internal) {
        return fipByInternal.get(internal);
    }

    /** The internal address behind a floating IP, 0 when the address is no floating IP. Allocation-free. */
    public int internalOf(int fip) {
        return internalByFip.get(fip);
    }

    /**
     * A source port of the SNAT range such that the reply of {@code t} translated to
     * {@code snatAddress:port} matches no connection of {@code zone}: the original source port when it is in range
     * and free (so translations stay predictable), else the next free one after a start spread by a hash of the
     * tuple. Returns -1 when {@link #MAX_PORT_TRIES} ports are all taken. For ICMP echo the "port" is the identifier.
     */
    public int pickSnatPort(Conntrack ct, int zone, PacketTuple t) {
        return pickSnatPort(ct, zone, t, t.dst);
    }

    /** {@link #pickSnatPort} for a packet whose destination is also translated, to {@code newDst}. */
    public int pickSnatPort(Conntrack ct, int zone, PacketTuple t, int newDst) {
        final int range = portMax - portMin + 1;
        int port;
        if (t.srcPort >= portMin && t.srcPort <= portMax) {
            port = t.srcPort;
        } else {
            final int h = (t.src * 0x9E37_79B9 ^ t.dst * 0x85EB_CA6B ^ t.srcPort * 0xC2B2_AE35 ^ t.dstPort) >>> 1;
            port = portMin + h % range;
        }
        final boolean echo = t.isIcmpEcho();
        final int tries = Math.min(range, MAX_PORT_TRIES);
        for (int n = 0; n < tries; n++) {
            // The reply arrives as dst -> snat, with our port as its destination port (both ports for echo).
            final boolean taken = echo
                    ? ct.contains(zone, t.proto, newDst, snatAddress, port, port)
                    : ct.contains(zone, t.proto, newDst, snatAddress, t.dstPort, port);
            if (!taken) {
                return port;
            }
            port = port == portMax ? portMin : port + 1;
        }
        return -1;
    }

    /** Floating IPs as (external, internal) pairs, for display; allocates. */
    public List<int[]> floatingIps() {
        final List<int[]> out = new ArrayList<>();
        internalByFip.forEach((fip, internal) -> out.add(new int[] {fip, internal}));
        return out;
    }

    @Override
    public String toString() {
        if (!enabled()) {
            return "nat off";
        }
        final StringBuilder b = new StringBuilder("nat on port ").append(externalPort);
        if (snatAddress != 0) {
            b.append(" snat ").append(Ipv4Header.formatAddress(snatAddress)).append(" ports ").append(portMin)
                    .append('-').append(portMax);
        }
        for (int[] f : floatingIps()) {
            b.append(" fip ").append(Ipv4Header.formatAddress(f[0])).append("=")
                    .append(Ipv4Header.formatAddress(f[1]));
        }
        return b.toString();
    }

    /** Builds and validates a {@link NatRules}; control thread. */
    public static final class Builder {
        private final int externalPort;
        private int snatAddress;
        private int portMin = 1024;
        private int portMax = 65535;
        private final List<int[]> fips = new ArrayList<>();

        private Builder(int externalPort) {
            this.externalPort = externalPort;
        }

        /** Translates outbound sources to {@code address} with ports {@code portMin..portMax}. */
        public Builder snat(int address, int portMin, int portMax) {
            if (address == 0) {
                throw new IllegalArgumentException("snat address 0.0.0.0");
            }
            if (portMin < 1 || portMax > 65535 || portMin > portMax) {
                throw new IllegalArgumentException("snat port range " + portMin + "-" + portMax
                        + " is not within 1-65535 with min <= max");
            }
            this.snatAddress = address;
            this.portMin = portMin;
            this.portMax = portMax;
            return this;
        }

        /** Maps floating IP {@code fip} to {@code internal}, both ways. */
        public Builder floatingIp(int fip, int internal) {
            if (fip == 0 || internal == 0) {
                throw new IllegalArgumentException("floating IP mapping with 0.0.0.0");
            }
            for (int[] f : fips) {
                if (f[0] == fip || f[1] == internal) {
                    throw new IllegalArgumentException("floating IP " + Ipv4Header.formatAddress(fip) + " -> "
                            + Ipv4Header.formatAddress(internal) + " overlaps " + Ipv4Header.formatAddress(f[0])
                            + " -> " + Ipv4Header.formatAddress(f[1]));
                }
            }
            if (fip == snatAddress) {
                throw new IllegalArgumentException("floating IP " + Ipv4Header.formatAddress(fip)
                        + " is the SNAT address");
            }
            fips.add(new int[] {fip, internal});
            return this;
        }

        public NatRules build() {
            if (externalPort < 0 && (snatAddress != 0 || !fips.isEmpty())) {
                throw new IllegalArgumentException("NAT rules need an external port");
            }
            return new NatRules(this);
        }
    }
}
