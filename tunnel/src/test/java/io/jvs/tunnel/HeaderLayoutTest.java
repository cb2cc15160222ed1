package io.jvs.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashSet;
import java.util.Set;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** Pins the wire sizes and offsets, the way OVS asserts header sizes at build time. */
class HeaderLayoutTest {
    @Test
    void shouldPinGreHeaderLengthForEveryFlagCombination() {
        assertEquals(4, GreHeader.headerLength(0));
        assertEquals(8, GreHeader.headerLength(GreHeader.FLAG_C));
        assertEquals(8, GreHeader.headerLength(GreHeader.FLAG_K));
        assertEquals(8, GreHeader.headerLength(GreHeader.FLAG_S));
        assertEquals(12, GreHeader.headerLength(GreHeader.FLAG_C | GreHeader.FLAG_K));
        assertEquals(12, GreHeader.headerLength(GreHeader.FLAG_C | GreHeader.FLAG_S));
        assertEquals(12, GreHeader.headerLength(GreHeader.FLAG_K | GreHeader.FLAG_S));
        assertEquals(16, GreHeader.headerLength(GreHeader.FLAG_C | GreHeader.FLAG_K | GreHeader.FLAG_S));
        assertEquals(GreHeader.MAX_LENGTH, GreHeader.headerLength(0xffff));
        assertEquals(GreHeader.MIN_LENGTH, GreHeader.headerLength(GreHeader.PROTO_TEB & 0x0fff));
    }

    @Test
    void shouldPlaceKeyAndSequenceAfterThePresentOptionalWords() {
        final int cks = GreHeader.FLAG_C | GreHeader.FLAG_K | GreHeader.FLAG_S;
        assertEquals(8, GreHeader.keyOffset(cks));
        assertEquals(12, GreHeader.sequenceOffset(cks));
        assertEquals(4, GreHeader.keyOffset(GreHeader.FLAG_K));
        assertEquals(4, GreHeader.sequenceOffset(GreHeader.FLAG_S));
        assertEquals(8, GreHeader.sequenceOffset(GreHeader.FLAG_C | GreHeader.FLAG_S));
    }

    @Test
    void shouldPinConstants() {
        assertEquals(0x8000, GreHeader.FLAG_C);
        assertEquals(0x4000, GreHeader.FLAG_R);
        assertEquals(0x2000, GreHeader.FLAG_K);
        assertEquals(0x1000, GreHeader.FLAG_S);
        assertEquals(0x0007, GreHeader.VERSION_MASK);
        assertEquals(0x6558, GreHeader.PROTO_TEB);
        assertEquals(47, GreHeader.IP_PROTO_GRE);
        assertEquals(8, VxlanHeader.LENGTH);
        assertEquals(0x08, VxlanHeader.FLAG_I);
        assertEquals(4789, VxlanHeader.DEFAULT_PORT);
        assertEquals(36, GreEncap.maxOverhead());
        assertEquals(36, VxlanEncap.maxOverhead());
    }

    @Test
    void shouldReadAndWriteVxlanVniWithoutTouchingNeighbours() {
        final UnsafeBuffer buf = new UnsafeBuffer(new byte[10]);
        buf.setMemory(0, 10, (byte) 0x77);
        VxlanHeader.setVni(buf, 1, 0xabcdef);
        assertEquals(0xabcdef, VxlanHeader.vni(buf, 1));
        assertEquals(0x77, buf.getByte(4) & 0xff);
        assertEquals(0xab, buf.getByte(5) & 0xff);
        assertEquals(0, buf.getByte(8));
        assertEquals(0x77, buf.getByte(9) & 0xff);
    }

    @Test
    void shouldMapDropReasonCodesBothWaysWithLowerCaseNames() {
        final Set<Integer> codes = new HashSet<>();
        for (final TunnelDropReason reason : TunnelDropReason.values()) {
            assertEquals(true, reason.code() < 0);
            assertEquals(reason, TunnelDropReason.ofCode(reason.code()));
            codes.add(reason.code());
        }
        assertEquals(TunnelDropReason.COUNT, codes.size());
        assertEquals("vxlan_flags", TunnelDropReason.VXLAN_FLAGS.counterName());
        assertEquals("checksum", TunnelDropReason.CHECKSUM.counterName());
    }
}
