package io.jvs.datapath.metrics;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Where {@code jvs daemon --metrics} serves: {@code ADDR:PORT} ({@code [V6ADDR]:PORT} for IPv6), {@code PORT} alone
 * for loopback, or {@code off}. Default {@value #DEFAULT_SPEC}. The endpoint has no authentication, so the daemon
 * never widens it by itself: a port alone means 127.0.0.1, and the only host name taken is {@code localhost} (a name
 * could resolve beyond loopback without anyone having written that address). An explicit non-loopback address, such
 * as {@code 0.0.0.0:9477}, is the operator's decision and is served, with a warning in the log. Port 0 takes any free
 * port; the daemon writes what it got to RUNDIR/{@value MetricsServer#ADDRESS_FILE}.
 *
 * @param address null when off
 * @param explicit whether {@code --metrics} was given (a default that cannot bind only warns)
 */
public record MetricsAddress(InetSocketAddress address, boolean explicit) {
    public static final String DEFAULT_SPEC = "127.0.0.1:9477";
    public static final MetricsAddress DEFAULT = new MetricsAddress(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 9477), false);
    public static final MetricsAddress OFF = new MetricsAddress(null, true);

    public boolean off() {
        return address == null;
    }

    public boolean loopback() {
        return address != null && address.getAddress().isLoopbackAddress();
    }

    /** Parses the value of {@code --metrics}; throws with a one-line message naming the value. */
    public static MetricsAddress parse(String spec) {
        if (spec.equals("off")) {
            return OFF;
        }
        String host;
        String port;
        int colon = spec.lastIndexOf(':');
        if (colon < 0) {
            host = "127.0.0.1";
            port = spec;
        } else {
            host = spec.substring(0, colon);
            port = spec.substring(colon + 1);
            if (host.isEmpty()) {
                host = "127.0.0.1";
            } else if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            } else if (host.indexOf(':') >= 0) {
                throw bad(spec, "write an IPv6 address in brackets, e.g. [::1]:9477");
            }
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw bad(spec, "port '" + port + "' is not a number");
        }
        if (p < 0 || p > 65535) {
            throw bad(spec, "port " + p + " out of range 0..65535");
        }
        InetAddress ip;
        if (host.equals("localhost")) {
            ip = InetAddress.getLoopbackAddress();
        } else if (!looksLikeIpLiteral(host)) {
            throw bad(spec, "'" + host + "' is not an IP address (names other than localhost are not resolved:"
                    + " give the address to serve on)");
        } else {
            try {
                ip = InetAddress.getByName(host); // a literal: parsed, never looked up
            } catch (UnknownHostException e) {
                throw bad(spec, "'" + host + "' is not an IP address");
            }
        }
        return new MetricsAddress(new InetSocketAddress(ip, p), true);
    }

    private static boolean looksLikeIpLiteral(String host) {
        return !host.isEmpty() && (host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9')));
    }

    private static IllegalArgumentException bad(String spec, String why) {
        return new IllegalArgumentException("jvs daemon: --metrics " + spec + ": " + why
                + " (ADDR:PORT, [V6ADDR]:PORT, PORT for 127.0.0.1, or off)");
    }

    /** {@code 127.0.0.1:9477} or {@code [::1]:9477}, for logs and the address file. */
    public static String format(InetSocketAddress a) {
        String ip = a.getAddress().getHostAddress();
        return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + a.getPort();
    }
}
