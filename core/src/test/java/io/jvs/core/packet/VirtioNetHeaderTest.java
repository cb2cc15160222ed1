package io.jvs.core.packet;

import static io.jvs.core.packet.HeaderLayoutTest.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class VirtioNetHeaderTest {
    @Test
    void shouldPinLayoutAndConstants() {
        assertEquals(10, VirtioNetHeader.LENGTH);
        assertEquals(0, VirtioNetHeader.FLAGS_OFFSET);
        assertEquals(1, VirtioNetHeader.GSO_TYPE_OFFSET);
        assertEquals(2, VirtioNetHeader.HDR_LEN_OFFSET);
        assertEquals(4, VirtioNetHeader.GSO_SIZE_OFFSET);
        assertEquals(6, VirtioNetHeader.CSUM_START_OFFSET);
        assertEquals(8, VirtioNetHeader.CSUM_OFFSET_OFFSET);
        assertEquals(1, VirtioNetHeader.FLAG_NEEDS_CSUM);
        assertEquals(2, VirtioNetHeader.FLAG_DATA_VALID);
        assertEquals(0, VirtioNetHeader.GSO_NONE);
        assertEquals(1, VirtioNetHeader.GSO_TCPV4);
        assertEquals(3, VirtioNetHeader.GSO_UDP);
        assertEquals(4, VirtioNetHeader.GSO_TCPV6);
        assertEquals(5, VirtioNetHeader.GSO_UDP_L4);
        assertEquals(0x80, VirtioNetHeader.GSO_ECN);
    }

    @Test
    void shouldReadSixteenBitFieldsLittleEndian() {
        // What Linux writes for a TCPv4 super-frame: NEEDS_CSUM, TCPV4|ECN, hdr_len 66, gso_size 1448,
        // csum_start 34, csum_offset 16.
        final UnsafeBuffer buf = new UnsafeBuffer(new byte[16]);
        buf.putBytes(2, hex("0181" + "4200" + "a805" + "2200" + "1000"));
        assertEquals(VirtioNetHeader.FLAG_NEEDS_CSUM, VirtioNetHeader.flags(buf, 2));
        assertEquals(VirtioNetHeader.GSO_TCPV4 | VirtioNetHeader.GSO_ECN, VirtioNetHeader.gsoType(buf, 2));
        assertEquals(VirtioNetHeader.GSO_TCPV4, VirtioNetHeader.gsoBaseType(VirtioNetHeader.gsoType(buf, 2)));
        assertEquals(66, VirtioNetHeader.hdrLen(buf, 2));
        assertEquals(1448, VirtioNetHeader.gsoSize(buf, 2));
        assertEquals(34, VirtioNetHeader.csumStart(buf, 2));
        assertEquals(16, VirtioNetHeader.csumOffset(buf, 2));
    }

    @Test
    void shouldWriteSixteenBitFieldsLittleEndian() {
        final UnsafeBuffer buf = new UnsafeBuffer(new byte[12]);
        VirtioNetHeader.setFlags(buf, 0, VirtioNetHeader.FLAG_NEEDS_CSUM);
        VirtioNetHeader.setGsoType(buf, 0, VirtioNetHeader.GSO_TCPV6);
        VirtioNetHeader.setHdrLen(buf, 0, 86);
        VirtioNetHeader.setGsoSize(buf, 0, 1428);
        VirtioNetHeader.setCsumStart(buf, 0, 54);
        VirtioNetHeader.setCsumOffset(buf, 0, 16);
        VirtioNetHeader.setNumBuffers(buf, 0, 1);
        assertArrayEquals(hex("0104" + "5600" + "9405" + "3600" + "1000" + "0100"), buf.byteArray());
        assertEquals(1, VirtioNetHeader.numBuffers(buf, 0));
    }

    @Test
    void shouldClearExactlyTenBytes() {
        final UnsafeBuffer buf = new UnsafeBuffer(new byte[14]);
        buf.setMemory(0, 14, (byte) 0xee);
        VirtioNetHeader.clear(buf, 2);
        assertArrayEquals(hex("eeee" + "00000000000000000000" + "eeee"), buf.byteArray());
        assertEquals(VirtioNetHeader.GSO_NONE, VirtioNetHeader.gsoType(buf, 2));
        assertEquals(0, VirtioNetHeader.flags(buf, 2));
    }
}
