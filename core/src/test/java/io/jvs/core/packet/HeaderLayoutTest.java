package io.jvs.core.packet;

import static java.nio.ByteOrder.BIG_ENDIAN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/** Pins every header length and offset to the wire format, and checks each accessor against raw bytes. */
class HeaderLayoutTest {
    private final UnsafeBuffer buf = new UnsafeBuffer(new byte[128]);

    @Test
    void shouldPinHeaderLengths() {
        assertEquals(14, EthernetHeader.LENGTH);
        assertEquals(6, MacAddress.LENGTH);
        assertEquals(4, VlanHeader.LENGTH);
        assertEquals(20, Ipv4Header.MIN_LENGTH);
        assertEquals(60, Ipv4Header.MAX_LENGTH);
        assertEquals(40, Ipv6Header.LENGTH);
        assertEquals(20, TcpHeader.MIN_LENGTH);
        assertEquals(60, TcpHeader.MAX_LENGTH);
        assertEquals(8, UdpHeader.LENGTH);
        assertEquals(8, IcmpHeader.LENGTH);
        assertEquals(10, VirtioNetHeader.LENGTH);
        assertEquals(12, VirtioNetHeader.MRG_RXBUF_LENGTH);
    }

    @Test
    void shouldPinFieldOffsets() {
        assertEquals(0, EthernetHeader.DST_OFFSET);
        assertEquals(6, EthernetHeader.SRC_OFFSET);
        assertEquals(12, EthernetHeader.ETHERTYPE_OFFSET);
        assertEquals(2, Ipv4Header.TOTAL_LENGTH_OFFSET);
        assertEquals(4, Ipv4Header.ID_OFFSET);
        assertEquals(9, Ipv4Header.PROTOCOL_OFFSET);
        assertEquals(10, Ipv4Header.CHECKSUM_OFFSET);
        assertEquals(12, Ipv4Header.SRC_OFFSET);
        assertEquals(16, Ipv4Header.DST_OFFSET);
        assertEquals(4, Ipv6Header.PAYLOAD_LENGTH_OFFSET);
        assertEquals(6, Ipv6Header.NEXT_HEADER_OFFSET);
        assertEquals(8, Ipv6Header.SRC_OFFSET);
        assertEquals(24, Ipv6Header.DST_OFFSET);
        assertEquals(4, TcpHeader.SEQ_OFFSET);
        assertEquals(13, TcpHeader.FLAGS_OFFSET);
        assertEquals(16, TcpHeader.CHECKSUM_OFFSET);
        assertEquals(6, UdpHeader.CHECKSUM_OFFSET);
        assertEquals(2, IcmpHeader.CHECKSUM_OFFSET);
    }

    @Test
    void shouldPinProtocolNumbersAndEtherTypes() {
        assertEquals(0x0800, EthernetHeader.ETH_P_IPV4);
        assertEquals(0x0806, EthernetHeader.ETH_P_ARP);
        assertEquals(0x8100, EthernetHeader.ETH_P_8021Q);
        assertEquals(0x88a8, EthernetHeader.ETH_P_8021AD);
        assertEquals(0x86dd, EthernetHeader.ETH_P_IPV6);
        assertEquals(1, Ipv4Header.PROTO_ICMP);
        assertEquals(6, Ipv4Header.PROTO_TCP);
        assertEquals(17, Ipv4Header.PROTO_UDP);
        assertEquals(0x01, TcpHeader.FIN);
        assertEquals(0x02, TcpHeader.SYN);
        assertEquals(0x04, TcpHeader.RST);
        assertEquals(0x08, TcpHeader.PSH);
        assertEquals(0x10, TcpHeader.ACK);
        assertEquals(0x20, TcpHeader.URG);
        assertEquals(0x40, TcpHeader.ECE);
        assertEquals(0x80, TcpHeader.CWR);
    }

    @Test
    void shouldReadEtherTypeBigEndian() {
        buf.putByte(3 + 12, (byte) 0x86);
        buf.putByte(3 + 13, (byte) 0xdd);
        assertEquals(EthernetHeader.ETH_P_IPV6, EthernetHeader.etherType(buf, 3));
        EthernetHeader.setEtherType(buf, 3, EthernetHeader.ETH_P_8021AD);
        assertEquals((byte) 0x88, buf.getByte(15));
        assertEquals((byte) 0xa8, buf.getByte(16));
        assertTrue(EthernetHeader.isVlanTpid(EthernetHeader.etherType(buf, 3)));
        assertFalse(EthernetHeader.isVlanTpid(EthernetHeader.ETH_P_IPV4));
    }

    @Test
    void shouldSplitAndBuildVlanTci() {
        final int tci = VlanHeader.tci(5, 100);
        assertEquals(0xa064, tci);
        assertEquals(5, VlanHeader.pcp(tci));
        assertEquals(100, VlanHeader.vid(tci));
        assertFalse(VlanHeader.dei(tci));
        assertTrue(VlanHeader.dei(0x1000));
        assertEquals(4094, VlanHeader.MAX_VID);
        assertEquals(VlanHeader.MAX_VID, VlanHeader.vid(VlanHeader.tci(7, VlanHeader.MAX_VID)));
        assertEquals(7, VlanHeader.pcp(VlanHeader.tci(7, VlanHeader.MAX_VID)));
    }

    @Test
    void shouldMaskOutOfRangeTciArgumentsInsteadOfSpillingIntoOtherFields() {
        assertEquals(0, VlanHeader.pcp(VlanHeader.tci(0, 0xffff)));
        assertEquals(0, VlanHeader.vid(VlanHeader.tci(8, 0)));
    }

    @Test
    void shouldAcceptOnlyConfigurableVids() {
        assertFalse(VlanHeader.isValidVid(0));
        assertTrue(VlanHeader.isValidVid(1));
        assertTrue(VlanHeader.isValidVid(4094));
        assertFalse(VlanHeader.isValidVid(4095));
    }

    @Test
    void shouldReadVlanTagFields() {
        VlanHeader.setTpid(buf, 12, EthernetHeader.ETH_P_8021Q);
        VlanHeader.setTci(buf, 12, VlanHeader.tci(3, 42));
        assertEquals(0x81, buf.getByte(12) & 0xff);
        assertEquals(EthernetHeader.ETH_P_8021Q, EthernetHeader.etherType(buf, 0));
        assertEquals(42, VlanHeader.vid(VlanHeader.tci(buf, 12)));
        assertEquals(3, VlanHeader.pcp(VlanHeader.tci(buf, 12)));
    }

    @Test
    void shouldReadIpv4FieldsFromAKnownHeader() {
        // 192.168.0.1 -> 192.168.0.199, UDP, total length 115, DF, TTL 64 (the Wikipedia example header).
        final byte[] header = hex("450000730000400040110000c0a80001c0a800c7");
        buf.putBytes(2, header);
        assertEquals(4, Ipv4Header.version(buf, 2));
        assertEquals(20, Ipv4Header.headerLength(buf, 2));
        assertEquals(115, Ipv4Header.totalLength(buf, 2));
        assertEquals(0, Ipv4Header.id(buf, 2));
        assertEquals(Ipv4Header.FLAG_DF, Ipv4Header.flagsFragment(buf, 2));
        assertFalse(Ipv4Header.isFragment(buf, 2));
        assertEquals(64, Ipv4Header.ttl(buf, 2));
        assertEquals(Ipv4Header.PROTO_UDP, Ipv4Header.protocol(buf, 2));
        assertEquals(0xc0a80001, Ipv4Header.src(buf, 2));
        assertEquals(0xc0a800c7, Ipv4Header.dst(buf, 2));
        Ipv4Header.setFlagsFragment(buf, 2, 1); // fragment offset 8 bytes
        assertTrue(Ipv4Header.isFragment(buf, 2));
    }

    @Test
    void shouldWriteIpv4VersionAndHeaderLength() {
        Ipv4Header.setVersionAndHeaderLength(buf, 0, 24);
        assertEquals(0x46, buf.getByte(0) & 0xff);
        assertEquals(24, Ipv4Header.headerLength(buf, 0));
    }

    @Test
    void shouldRoundTripIpv6Fields() {
        Ipv6Header.setVersionClassFlow(buf, 1, 0xb8, 0xabcde);
        Ipv6Header.setPayloadLength(buf, 1, 1480);
        Ipv6Header.setNextHeader(buf, 1, Ipv4Header.PROTO_TCP);
        Ipv6Header.setHopLimit(buf, 1, 255);
        Ipv6Header.setSrc(buf, 1, 0x2001_0db8_0000_0001L, 0xffff_0000_0000_0001L);
        Ipv6Header.setDst(buf, 1, -1L, 2L);
        assertEquals(0x6b, buf.getByte(1) & 0xff);
        assertEquals(6, Ipv6Header.version(buf, 1));
        assertEquals(0xb8, Ipv6Header.trafficClass(buf, 1));
        assertEquals(0xabcde, Ipv6Header.flowLabel(buf, 1));
        assertEquals(1480, Ipv6Header.payloadLength(buf, 1));
        assertEquals(6, Ipv6Header.nextHeader(buf, 1));
        assertEquals(255, Ipv6Header.hopLimit(buf, 1));
        assertEquals(0x20, buf.getByte(1 + 8) & 0xff);
        assertEquals(0x2001_0db8_0000_0001L, Ipv6Header.srcHigh(buf, 1));
        assertEquals(0xffff_0000_0000_0001L, Ipv6Header.srcLow(buf, 1));
        assertEquals(-1L, Ipv6Header.dstHigh(buf, 1));
        assertEquals(2L, Ipv6Header.dstLow(buf, 1));
    }

    @Test
    void shouldRoundTripTcpFields() {
        TcpHeader.setSrcPort(buf, 0, 65535);
        TcpHeader.setDstPort(buf, 0, 80);
        TcpHeader.setSeq(buf, 0, 0xfffffff0);
        TcpHeader.setAck(buf, 0, 0x80000000);
        TcpHeader.setHeaderLength(buf, 0, 32);
        TcpHeader.setFlags(buf, 0, TcpHeader.SYN | TcpHeader.ACK);
        TcpHeader.setWindow(buf, 0, 65535);
        TcpHeader.setChecksum(buf, 0, 0xbeef);
        TcpHeader.setUrgentPointer(buf, 0, 7);
        assertEquals(65535, TcpHeader.srcPort(buf, 0));
        assertEquals(80, TcpHeader.dstPort(buf, 0));
        assertEquals(0xfffffff0, TcpHeader.seq(buf, 0));
        assertEquals(0x80000000, TcpHeader.ack(buf, 0));
        assertEquals(0x80, buf.getByte(12) & 0xff);
        assertEquals(32, TcpHeader.headerLength(buf, 0));
        assertEquals(0x12, buf.getByte(13) & 0xff);
        assertEquals(TcpHeader.SYN | TcpHeader.ACK, TcpHeader.flags(buf, 0));
        assertEquals(65535, TcpHeader.window(buf, 0));
        assertEquals(0xbeef, buf.getShort(16, BIG_ENDIAN) & 0xffff);
        assertEquals(0xbeef, TcpHeader.checksum(buf, 0));
        assertEquals(7, TcpHeader.urgentPointer(buf, 0));
    }

    @Test
    void shouldRoundTripUdpAndIcmpFields() {
        UdpHeader.setSrcPort(buf, 0, 53);
        UdpHeader.setDstPort(buf, 0, 4789);
        UdpHeader.setDatagramLength(buf, 0, 65535);
        UdpHeader.setChecksum(buf, 0, 0xffff);
        assertEquals(53, UdpHeader.srcPort(buf, 0));
        assertEquals(4789, UdpHeader.dstPort(buf, 0));
        assertEquals(65535, UdpHeader.datagramLength(buf, 0));
        assertEquals(0xffff, buf.getShort(6, BIG_ENDIAN) & 0xffff);
        assertEquals(0xffff, UdpHeader.checksum(buf, 0));

        IcmpHeader.setType(buf, 20, IcmpHeader.TYPE_ECHO_REQUEST);
        IcmpHeader.setCode(buf, 20, 0);
        IcmpHeader.setChecksum(buf, 20, 0xf7ff);
        assertEquals(8, IcmpHeader.type(buf, 20));
        assertEquals(0, IcmpHeader.code(buf, 20));
        assertEquals(0xf7ff, IcmpHeader.checksum(buf, 20));
        assertEquals(0xf7, buf.getByte(22) & 0xff);
    }

    static byte[] hex(final String s) {
        final byte[] out = new byte[s.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }
}
