package io.jvs.core.router;

import io.jvs.core.packet.Ipv4Header;
import io.jvs.core.packet.MacAddress;

/**
 * One interface of a router: its index (what the datapath and the route table call it), MAC, address, prefix
 * length of its connected subnet, and MTU (IP bytes, Ethernet header excluded).
 */
public record RouterPort(int index, long mac, int address, int prefixLength, int mtu) {
    public static final int MIN_MTU = 576;
    public static final int MAX_MTU = 9216;

    public RouterPort {
        if (index < 0) {
            throw new IllegalArgumentException("router port index " + index + " < 0");
        }
        if (MacAddress.isMulticast(mac) || MacAddress.isZero(mac)) {
            throw new IllegalArgumentException("router port MAC " + MacAddress.format(mac) + " is not unicast");
        }
        if (prefixLength < 1 || prefixLength > 32) {
            throw new IllegalArgumentException("router port prefix length " + prefixLength + " outside 1..32");
        }
        if (mtu < MIN_MTU || mtu > MAX_MTU) {
            throw new IllegalArgumentException("router port mtu=" + mtu + " outside " + MIN_MTU + ".." + MAX_MTU);
        }
    }

    /** The connected route this port brings. */
    public RouteTable.Route connectedRoute() {
        return new RouteTable.Route(address, prefixLength, 0, index);
    }

    @Override
    public String toString() {
        return "port " + index + " " + MacAddress.format(mac) + " " + Ipv4Header.formatAddress(address) + "/"
                + prefixLength + " mtu " + mtu;
    }
}
