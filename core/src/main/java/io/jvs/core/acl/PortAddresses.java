package io.jvs.core.acl;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import io.jvs.core.packet.Ipv4Header;
import io.jvs.core.packet.MacAddress;

/**
 * Port security: the MAC and IP addresses a port may use as a source ({@code jvs set port P allowed=MAC,IP,...}).
 * Immutable. The IPv6 link-local address derived from the MAC (EUI-64) is always allowed, as Neutron does, so that
 * neighbour discovery works without listing it.
 */
public final class PortAddresses {
    public final long mac;
    private final int[] v4;
    private final long[] v6; // hi, lo pairs
    private final String text;

    private PortAddresses(long mac, int[] v4, long[] v6, String text) {
        this.mac = mac;
        this.v4 = v4;
        this.v6 = v6;
        this.text = text;
    }

    /**
     * Parses {@code MAC,IP[,IP...]} (IPv4 or IPv6 addresses, at least one).
     *
     * @throws IllegalArgumentException with a one-line reason
     */
    public static PortAddresses parse(String list) {
        String[] parts = list.split(",");
        if (parts.length < 2) {
            throw new IllegalArgumentException("allowed=" + list + ": MAC,IP[,IP...]");
        }
        long mac;
        try {
            mac = MacAddress.parse(parts[0].trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("allowed=" + list + ": " + parts[0] + " is not a MAC address");
        }
        if (MacAddress.isMulticast(mac) || MacAddress.isZero(mac)) {
            throw new IllegalArgumentException("allowed=" + list + ": " + parts[0] + " is not a unicast MAC");
        }
        List<Integer> v4 = new ArrayList<>();
        List<long[]> v6 = new ArrayList<>();
        StringBuilder text = new StringBuilder(MacAddress.format(mac));
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].trim();
            if (p.indexOf(':') >= 0) {
                byte[] a;
                try {
                    a = InetAddress.ofLiteral(p).getAddress();
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("allowed=" + list + ": " + p + " is not an IP address");
                }
                if (a.length != 16) {
                    throw new IllegalArgumentException("allowed=" + list + ": " + p + " is not an IPv6 address");
                }
                long hi = 0;
                long lo = 0;
                for (int k = 0; k < 8; k++) {
                    hi = hi << 8 | (a[k] & 0xff);
                    lo = lo << 8 | (a[8 + k] & 0xff);
                }
                v6.add(new long[] {hi, lo});
                text.append(',').append(AclRule.formatV6(hi, lo));
            } else {
                int a;
                try {
                    a = Ipv4Header.parseAddress(p);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("allowed=" + list + ": " + p + " is not an IP address");
                }
                v4.add(a);
                text.append(',').append(Ipv4Header.formatAddress(a));
            }
        }
        // fe80::/64 with the modified EUI-64 interface id of the MAC.
        long eui = ((mac >>> 24) << 40 | 0xfffeL << 24 | (mac & 0xff_ffffL)) ^ (0x02L << 56);
        v6.add(new long[] {0xfe80_0000_0000_0000L, eui});
        long[] six = new long[v6.size() * 2];
        for (int i = 0; i < v6.size(); i++) {
            six[2 * i] = v6.get(i)[0];
            six[2 * i + 1] = v6.get(i)[1];
        }
        return new PortAddresses(mac, v4.stream().mapToInt(Integer::intValue).toArray(), six, text.toString());
    }

    public boolean hasV4(int address) {
        for (int a : v4) {
            if (a == address) {
                return true;
            }
        }
        return false;
    }

    public boolean hasV6(long hi, long lo) {
        for (int i = 0; i < v6.length; i += 2) {
            if (v6[i] == hi && v6[i + 1] == lo) {
                return true;
            }
        }
        return false;
    }

    /** The canonical {@code MAC,IP,...} form (without the implied link-local address). */
    @Override
    public String toString() {
        return text;
    }
}
