package io.jvs.core.malformed;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * Builders for the frames of the malformed-frame corpus, written with plain byte arrays so that they can build any
 * field wrong on purpose. Checksums are computed (the forwarder does not check them, but the segmenter and checksum
 * completion read the frames, so valid cases must be valid).
 */
final class Frames {
    static final long DST = 0x02_00_00_00_00_0bL;
    static final long SRC = 0x02_00_00_00_00_0aL;

    private Frames() {
    }

    static byte[] ethernet(int etherType, byte[] payload) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        mac(b, DST);
        mac(b, SRC);
        u16(b, etherType);
        b.writeBytes(payload);
        return b.toByteArray();
    }

    /** Inserts a tag with this TPID and VID after the MAC addresses. */
    static byte[] tagged(byte[] frame, int tpid, int vid) {
        byte[] out = new byte[frame.length + 4];
        System.arraycopy(frame, 0, out, 0, 12);
        out[12] = (byte) (tpid >>> 8);
        out[13] = (byte) tpid;
        out[14] = (byte) (vid >>> 8 | 0x20); // PCP 1
        out[15] = (byte) vid;
        System.arraycopy(frame, 12, out, 16, frame.length - 12);
        return out;
    }

    static byte[] ipv4(int protocol, byte[] options, int flagsFragment, byte[] l4) {
        int ihl = 20 + options.length;
        byte[] h = new byte[ihl + l4.length];
        h[0] = (byte) (0x40 | ihl / 4);
        put16(h, 2, h.length);
        put16(h, 4, 0x1234);
        put16(h, 6, flagsFragment);
        h[8] = 64;
        h[9] = (byte) protocol;
        put32(h, 12, 0x0a000001);
        put32(h, 16, 0x0a000002);
        System.arraycopy(options, 0, h, 20, options.length);
        put16(h, 10, ~sum(h, 0, ihl, 0) & 0xffff);
        System.arraycopy(l4, 0, h, ihl, l4.length);
        return h;
    }

    static byte[] ipv6(int nextHeader, byte[] l4) {
        byte[] h = new byte[40 + l4.length];
        h[0] = 0x60;
        put16(h, 4, l4.length);
        h[6] = (byte) nextHeader;
        h[7] = 64;
        h[8] = (byte) 0xfd;
        h[23] = 1;
        h[24] = (byte) 0xfd;
        h[39] = 2;
        System.arraycopy(l4, 0, h, 40, l4.length);
        return h;
    }

    static byte[] tcp(int payloadLength) {
        byte[] t = new byte[20 + payloadLength];
        put16(t, 0, 1000);
        put16(t, 2, 2000);
        put32(t, 4, 1);
        t[12] = 0x50;
        t[13] = 0x18;
        put16(t, 14, 512);
        fill(t, 20);
        return t;
    }

    static byte[] udp(int payloadLength) {
        byte[] u = new byte[8 + payloadLength];
        put16(u, 0, 1000);
        put16(u, 2, 2000);
        put16(u, 4, u.length);
        fill(u, 8);
        return u;
    }

    static byte[] icmpEcho(int payloadLength) {
        byte[] i = new byte[8 + payloadLength];
        i[0] = 8;
        put16(i, 4, 1);
        put16(i, 6, 1);
        fill(i, 8);
        put16(i, 2, ~sum(i, 0, i.length, 0) & 0xffff);
        return i;
    }

    static byte[] arpRequest() {
        byte[] a = new byte[28];
        put16(a, 0, 1);
        put16(a, 2, 0x0800);
        a[4] = 6;
        a[5] = 4;
        put16(a, 6, 1);
        a[8] = 2;
        a[13] = 0x0a;
        put32(a, 14, 0x0a000001);
        put32(a, 24, 0x0a000002);
        return a;
    }

    /** Writes the L4 checksum field of an IPv4 frame (untagged, at offset 14) as a finished or partial checksum. */
    static void ipv4L4Checksum(byte[] f, int fieldInL4, boolean partial) {
        int ihl = (f[14] & 0xf) * 4;
        int l4 = 14 + ihl;
        int l4Len = f.length - l4;
        long pseudo = sum(f, 26, 8, 0) + (f[23] & 0xff) + l4Len;
        put16(f, l4 + fieldInL4, 0);
        int v = partial ? fold(pseudo) : ~fold(pseudo + sum(f, l4, l4Len, 0)) & 0xffff;
        put16(f, l4 + fieldInL4, v);
    }

    static int fold(long s) {
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) s;
    }

    static int sum(byte[] b, int off, int len, long initial) {
        long s = initial;
        for (int i = 0; i + 1 < len; i += 2) {
            s += (b[off + i] & 0xff) << 8 | (b[off + i + 1] & 0xff);
        }
        if ((len & 1) != 0) {
            s += (b[off + len - 1] & 0xff) << 8;
        }
        return fold(s);
    }

    /** A 10-byte virtio-net header. */
    static byte[] vnet(int flags, int gsoType, int hdrLen, int gsoSize, int csumStart, int csumOffset) {
        byte[] v = new byte[10];
        v[0] = (byte) flags;
        v[1] = (byte) gsoType;
        le16(v, 2, hdrLen);
        le16(v, 4, gsoSize);
        le16(v, 6, csumStart);
        le16(v, 8, csumOffset);
        return v;
    }

    static byte[] copy(byte[] f) {
        return Arrays.copyOf(f, f.length);
    }

    static void put16(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 8);
        b[off + 1] = (byte) v;
    }

    static void put32(byte[] b, int off, int v) {
        put16(b, off, v >>> 16);
        put16(b, off + 2, v);
    }

    private static void le16(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
    }

    private static void fill(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            b[i] = (byte) (i * 13 + 5);
        }
    }

    private static void mac(ByteArrayOutputStream b, long mac) {
        for (int i = 5; i >= 0; i--) {
            b.write((int) (mac >>> (8 * i)));
        }
    }

    private static void u16(ByteArrayOutputStream b, int v) {
        b.write(v >>> 8);
        b.write(v);
    }
}
