package io.jvs.tunnel;

import java.util.Random;

import io.jvs.core.packet.Checksum;
import io.jvs.core.packet.Ipv4Header;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/** Helpers shared by the tunnel tests. */
final class TestFrames {
    static final int LOCAL = 0x0a00_0001;
    static final int REMOTE = 0xc0a8_6402;

    private TestFrames() {
    }

    /** A buffer with {@code headroom} junk bytes, then a random frame of {@code len} bytes, then 8 junk bytes. */
    static UnsafeBuffer frameWithHeadroom(final Random random, final int headroom, final int len) {
        final byte[] bytes = new byte[headroom + len + 8];
        random.nextBytes(bytes);
        return new UnsafeBuffer(bytes);
    }

    static byte[] copy(final DirectBuffer buf, final int off, final int len) {
        final byte[] out = new byte[len];
        buf.getBytes(off, out);
        return out;
    }

    /** Independent check of an outer header: recomputes the checksum with the field zeroed, from scratch. */
    static boolean ipv4ChecksumValid(final DirectBuffer buf, final int ipOff) {
        return Checksum.isIpv4HeaderChecksumValid(buf, ipOff)
            && Checksum.ipv4HeaderChecksum(buf, ipOff) == Ipv4Header.checksum(buf, ipOff);
    }
}
