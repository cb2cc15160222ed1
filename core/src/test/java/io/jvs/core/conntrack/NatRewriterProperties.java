package io.jvs.core.conntrack;

import static io.jvs.core.conntrack.TestPackets.IP;
import static io.jvs.core.conntrack.TestPackets.checksumsValid;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.core.packet.IcmpHeader;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.agrona.concurrent.UnsafeBuffer;

/** Rewriting to any tuple and back restores the packet byte for byte, and every checksum verifies throughout. */
class NatRewriterProperties {
    @Property(tries = 3000)
    void rewriteThenReverseShouldRestoreThePacket(
            @ForAll @IntRange(min = 0, max = 3) int kind,
            @ForAll int src, @ForAll int dst,
            @ForAll @IntRange(max = 65535) int sport, @ForAll @IntRange(max = 65535) int dport,
            @ForAll int nsrc, @ForAll int ndst,
            @ForAll @IntRange(max = 65535) int nsport, @ForAll @IntRange(max = 65535) int ndport,
            @ForAll @IntRange(max = 300) int payload) {
        final UnsafeBuffer buf = TestPackets.buffer();
        final int len = switch (kind) {
            case 0 -> TestPackets.tcp(buf, 0, 1, 2, src, dst, sport, dport, 0x18, payload, 64);
            case 1 -> TestPackets.udp(buf, 0, 1, 2, src, dst, sport, dport, payload, 64);
            case 2 -> TestPackets.icmpEcho(buf, 0, 1, 2, src, dst, IcmpHeader.TYPE_ECHO_REQUEST, sport, 9, payload,
                    64);
            default -> {
                final int l = TestPackets.udp(buf, 0, 1, 2, src, dst, sport, dport, payload, 64);
                buf.putShort(IP + 26, (short) 0); // UDP without checksum
                yield l;
            }
        };
        final byte[] before = new byte[len];
        buf.getBytes(0, before);
        final PacketTuple t = new PacketTuple();
        assertEquals(PacketTuple.OK, t.parse(buf, IP, len - IP));
        final int newSport = kind == 2 ? nsport : nsport;
        final int newDport = kind == 2 ? nsport : ndport; // echo: the identifier is both ports
        NatRewriter.rewrite(buf, IP, t, nsrc, ndst, newSport, newDport);
        assertTrue(checksumsValid(buf, IP), "after rewrite");
        final PacketTuple again = new PacketTuple();
        again.parse(buf, IP, len - IP);
        assertEquals(nsrc, again.src);
        assertEquals(newSport, again.srcPort);
        NatRewriter.rewrite(buf, IP, t, src, dst, sport, kind == 2 ? sport : dport);
        assertTrue(checksumsValid(buf, IP), "after reverse");
        final byte[] after = new byte[len];
        buf.getBytes(0, after);
        if (kind == 3 || kind == 1) {
            // A UDP checksum of 0xffff and 0x0000 are the same sum; equal as checksums is what matters.
            final int b = (before[IP + 26] & 0xff) << 8 | before[IP + 27] & 0xff;
            final int a = (after[IP + 26] & 0xff) << 8 | after[IP + 27] & 0xff;
            assertEquals(b % 0xffff, a % 0xffff);
            after[IP + 26] = before[IP + 26];
            after[IP + 27] = before[IP + 27];
        }
        assertArrayEquals(before, after);
    }
}
