package io.jvs.tunnel;

import static io.jvs.tunnel.TestFrames.LOCAL;
import static io.jvs.tunnel.TestFrames.REMOTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import io.jvs.core.packet.Ipv4Header;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class GreTest {
    private static final int HEADROOM = GreEncap.maxOverhead() + 6;

    /** A GRE packet with C set over a 15-byte payload; the checksum 0x0107 was computed by hand and by a script. */
    @Test
    void shouldMatchKnownGreChecksumVector() {
        final byte[] packet = hex("8000655800000000" + "ffffffffffff" + "001122334455" + "0806" + "ab");
        final GreEncap encap = new GreEncap(LOCAL, REMOTE, GreEncap.NO_KEY, true, false, 64, 0);
        final UnsafeBuffer buf = new UnsafeBuffer(new byte[64]);
        final int innerOff = encap.overhead() + 3;
        buf.putBytes(innerOff, packet, 8, packet.length - 8);
        final int ipOff = encap.encapsulate(buf, innerOff, packet.length - 8);
        assertEquals(3, ipOff);
        final int greOff = ipOff + Ipv4Header.MIN_LENGTH;
        assertEquals(0x0107, GreHeader.checksum(buf, greOff));

        final UnsafeBuffer received = new UnsafeBuffer(packet);
        GreHeader.setChecksum(received, 0, 0x0107);
        final GreDecap decap = new GreDecap();
        assertEquals(8, decap.decapsulate(received, 0, packet.length));
        assertEquals(15, decap.innerLength());
    }

    @Test
    void shouldRoundTripEveryOptionCombination() {
        final Random random = new Random(42);
        final GreDecap decap = new GreDecap();
        for (int options = 0; options < 8; options++) {
            final boolean csum = (options & 1) != 0;
            final long key = (options & 2) != 0 ? 0xfedc_ba98L : GreEncap.NO_KEY;
            final boolean seq = (options & 4) != 0;
            final GreEncap encap = new GreEncap(LOCAL, REMOTE, key, csum, seq, 33, 46);
            for (int i = 0; i < 50; i++) {
                final int len = 14 + random.nextInt(1500);
                final UnsafeBuffer buf = TestFrames.frameWithHeadroom(random, HEADROOM, len);
                final byte[] inner = TestFrames.copy(buf, HEADROOM, len);
                final int ipOff = encap.encapsulate(buf, HEADROOM, len);
                assertEquals(HEADROOM - encap.overhead(), ipOff);

                assertTrue(TestFrames.ipv4ChecksumValid(buf, ipOff));
                assertEquals(4, Ipv4Header.version(buf, ipOff));
                assertEquals(20, Ipv4Header.headerLength(buf, ipOff));
                assertEquals(encap.overhead() + len, Ipv4Header.totalLength(buf, ipOff));
                assertEquals(i, Ipv4Header.id(buf, ipOff));
                assertEquals(33, Ipv4Header.ttl(buf, ipOff));
                assertEquals(46 << 2, Ipv4Header.tos(buf, ipOff));
                assertEquals(GreHeader.IP_PROTO_GRE, Ipv4Header.protocol(buf, ipOff));
                assertEquals(LOCAL, Ipv4Header.src(buf, ipOff));
                assertEquals(REMOTE, Ipv4Header.dst(buf, ipOff));
                assertEquals(false, Ipv4Header.isFragment(buf, ipOff));

                final int greOff = ipOff + Ipv4Header.MIN_LENGTH;
                final int innerOff = decap.decapsulate(buf, greOff, Ipv4Header.totalLength(buf, ipOff) - 20);
                assertEquals(HEADROOM, innerOff);
                assertEquals(len, decap.innerLength());
                assertArrayEquals(inner, TestFrames.copy(buf, innerOff, len));
                assertEquals(key, decap.key());
                assertEquals(seq ? i : GreDecap.NO_SEQUENCE, decap.sequence());
            }
        }
    }

    @Test
    void shouldRejectWithoutWritingWhenHeadroomLengthOrFrameIsWrong() {
        final GreEncap encap = new GreEncap(LOCAL, REMOTE, 7, true, true, 64, 0);
        final UnsafeBuffer buf = new UnsafeBuffer(new byte[70_000]);
        assertEquals(GreEncap.REJECTED, encap.encapsulate(buf, encap.overhead() - 1, 60));
        assertEquals(GreEncap.REJECTED, encap.encapsulate(buf, encap.overhead(), 13));
        assertEquals(GreEncap.REJECTED, encap.encapsulate(buf, encap.overhead(), 0xffff - encap.overhead() + 1));
        assertEquals(0, encap.encapsulate(buf, encap.overhead(), 0xffff - encap.overhead()));
        // The rejections advanced no counter: the first packet sent still has id 0 and sequence 0.
        assertEquals(0, Ipv4Header.id(buf, 0));
        assertEquals(0, GreHeader.sequence(buf, 20, encap.greFlags()));
    }

    @Test
    void shouldValidateSettingsNamingValueAndLimit() {
        assertEquals("ttl=0 outside 1..255", assertThrows(IllegalArgumentException.class,
            () -> new GreEncap(LOCAL, REMOTE, GreEncap.NO_KEY, false, false, 0, 0)).getMessage());
        assertEquals("dscp=64 outside 0..63", assertThrows(IllegalArgumentException.class,
            () -> new GreEncap(LOCAL, REMOTE, GreEncap.NO_KEY, false, false, 64, 64)).getMessage());
        assertEquals("key=4294967296 outside 0..4294967295", assertThrows(IllegalArgumentException.class,
            () -> new GreEncap(LOCAL, REMOTE, 1L << 32, false, false, 64, 0)).getMessage());
    }

    @Test
    void shouldReachEveryGreDropReason() {
        final GreDecap decap = new GreDecap();
        assertDrop(decap, TunnelDropReason.TRUNCATED, "0000655800");
        assertDrop(decap, TunnelDropReason.TRUNCATED, "80006558");
        // K set but only the key, no inner Ethernet header.
        assertDrop(decap, TunnelDropReason.TRUNCATED, "2000655800000001");
        assertDrop(decap, TunnelDropReason.VERSION, "00016558" + ETH);
        assertDrop(decap, TunnelDropReason.ROUTING, "40006558" + ETH);
        assertDrop(decap, TunnelDropReason.RESERVED, "08006558" + ETH);
        assertDrop(decap, TunnelDropReason.RESERVED, "04006558" + ETH);
        assertDrop(decap, TunnelDropReason.PROTOCOL, "00000800" + ETH);
        assertDrop(decap, TunnelDropReason.CHECKSUM, "8000655812340000" + ETH);
        // Bits 6 to 12 are ignored on receipt.
        assertEquals(4, decap.decapsulate(new UnsafeBuffer(hex("03f86558" + ETH)), 0, 18));
    }

    private static final String ETH = "ffffffffffff" + "001122334455" + "0806";

    private static void assertDrop(final GreDecap decap, final TunnelDropReason expected, final String packet) {
        final byte[] bytes = hex(packet);
        // Place the packet at an offset inside a larger buffer: greLen, not the buffer's end, bounds it.
        final UnsafeBuffer buf = new UnsafeBuffer(new byte[bytes.length + 64]);
        buf.putBytes(3, bytes);
        assertEquals(expected, TunnelDropReason.ofCode(decap.decapsulate(buf, 3, bytes.length)), packet);
    }

    static byte[] hex(final String s) {
        final byte[] out = new byte[s.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }
}
