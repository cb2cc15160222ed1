package io.jvs.datapath.linux;

/** IPv4 addresses as ints, first octet most significant (the order they have on the wire). */
public final class Inet4 {
    private Inet4() {
    }

    /** Parses dotted-quad notation; throws IllegalArgumentException with the offending text. */
    public static int parse(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("'" + s + "' is not an IPv4 address");
        }
        int a = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("'" + s + "' is not an IPv4 address");
            }
            int v = Integer.parseInt(p);
            if (v > 255) {
                throw new IllegalArgumentException("'" + s + "' is not an IPv4 address");
            }
            a = a << 8 | v;
        }
        return a;
    }

    public static String format(int a) {
        return (a >>> 24) + "." + (a >>> 16 & 255) + "." + (a >>> 8 & 255) + "." + (a & 255);
    }
}
