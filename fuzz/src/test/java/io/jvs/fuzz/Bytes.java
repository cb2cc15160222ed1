package io.jvs.fuzz;

/** A cursor over a fuzzer input: reads bytes and small integers, giving zeros once the input is used up. */
final class Bytes {
    private final byte[] data;
    private int pos;

    Bytes(byte[] data) {
        this.data = data;
    }

    boolean more() {
        return pos < data.length;
    }

    int remaining() {
        return data.length - pos;
    }

    int u8() {
        return pos < data.length ? data[pos++] & 0xff : 0;
    }

    int u16() {
        return (u8() << 8) | u8();
    }

    /** The next {@code n} bytes, or fewer when the input ends first. */
    byte[] take(int n) {
        int len = Math.max(0, Math.min(n, data.length - pos));
        byte[] b = java.util.Arrays.copyOfRange(data, pos, pos + len);
        pos += len;
        return b;
    }
}
