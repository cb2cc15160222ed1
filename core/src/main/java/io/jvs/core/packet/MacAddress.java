package io.jvs.core.packet;

import static java.nio.ByteOrder.BIG_ENDIAN;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A MAC address packed into the low 48 bits of a {@code long}, the first byte on the wire being the most
 * significant. Packing into a primitive lets MAC tables key on a long (with room left for a 12-bit VLAN id) and
 * keeps the hot path free of byte arrays and objects.
 *
 * <p>{@link #format(long)} and {@link #parse(String)} allocate; they are for configuration, logs and tests, never
 * for the per-packet path.
 */
public final class MacAddress {
    /** Number of bytes a MAC address takes on the wire. */
    public static final int LENGTH = 6;
    public static final long BROADCAST = 0xffff_ffff_ffffL;
    public static final long ZERO = 0L;
    /** Mask of the 48 bits a packed MAC may use. */
    public static final long MASK = 0xffff_ffff_ffffL;

    /** The I/G bit is the least significant bit of the first byte on the wire, i.e. bit 40 of the packed value. */
    private static final long GROUP_BIT = 1L << 40;
    private static final String FORMAT_HINT = "expected six colon-separated hex pairs like 02:00:5e:10:00:01";
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private MacAddress() {
    }

    public static long read(final DirectBuffer buf, final int off) {
        // One 16-bit and one 32-bit load rather than six byte loads.
        final long high = buf.getShort(off, BIG_ENDIAN) & 0xffffL;
        final long low = buf.getInt(off + 2, BIG_ENDIAN) & 0xffff_ffffL;
        return (high << 32) | low;
    }

    public static void write(final MutableDirectBuffer buf, final int off, final long mac) {
        buf.putShort(off, (short) (mac >>> 32), BIG_ENDIAN);
        buf.putInt(off + 2, (int) mac, BIG_ENDIAN);
    }

    /** True when the group (I/G) bit is set: multicast, which includes broadcast. */
    public static boolean isMulticast(final long mac) {
        return (mac & GROUP_BIT) != 0;
    }

    public static boolean isBroadcast(final long mac) {
        return (mac & MASK) == BROADCAST;
    }

    public static boolean isZero(final long mac) {
        return (mac & MASK) == 0;
    }

    /** Formats as lower-case {@code aa:bb:cc:dd:ee:ff}. Allocates: not for the per-packet path. */
    public static String format(final long mac) {
        final char[] chars = new char[17];
        for (int i = 0; i < LENGTH; i++) {
            final int b = (int) (mac >>> (40 - 8 * i)) & 0xff;
            final int pos = i * 3;
            chars[pos] = HEX[b >>> 4];
            chars[pos + 1] = HEX[b & 0xf];
            if (i < LENGTH - 1) {
                chars[pos + 2] = ':';
            }
        }
        return new String(chars);
    }

    /**
     * Parses exactly six colon-separated pairs of hex digits, upper or lower case.
     *
     * @throws IllegalArgumentException naming the bad input and the expected form.
     */
    public static long parse(final String text) {
        if (text == null) {
            throw new IllegalArgumentException("MAC address is null; " + FORMAT_HINT);
        }
        if (text.length() != 17) {
            throw new IllegalArgumentException(
                "bad MAC address \"" + text + "\": length " + text.length() + " != 17; " + FORMAT_HINT);
        }
        long mac = 0;
        for (int i = 0; i < LENGTH; i++) {
            final int pos = i * 3;
            final int hi = hexDigit(text.charAt(pos));
            final int lo = hexDigit(text.charAt(pos + 1));
            if (hi < 0 || lo < 0) {
                throw new IllegalArgumentException(
                    "bad MAC address \"" + text + "\": \"" + text.substring(pos, pos + 2)
                        + "\" at position " + pos + " is not a hex pair; " + FORMAT_HINT);
            }
            if (i < LENGTH - 1 && text.charAt(pos + 2) != ':') {
                throw new IllegalArgumentException(
                    "bad MAC address \"" + text + "\": expected ':' at position " + (pos + 2) + "; " + FORMAT_HINT);
            }
            mac = (mac << 8) | (hi << 4) | lo;
        }
        return mac;
    }

    /** ASCII only: Character.digit would also accept full-width and other non-ASCII digits. */
    private static int hexDigit(final char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}
