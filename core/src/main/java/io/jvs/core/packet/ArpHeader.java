package io.jvs.core.packet;

import static java.nio.ByteOrder.BIG_ENDIAN;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * ARP over Ethernet for IPv4 (RFC 826), the only kind a router needs: hardware type 1, protocol 0x0800, lengths 6
 * and 4.
 *
 * <pre>
 *  0               8               16                              32
 * +-------------------------------+-------------------------------+
 * |     Hardware type (1)         |     Protocol type (0x0800)    |  0
 * +---------------+---------------+-------------------------------+
 * |  HLEN (6)     |  PLEN (4)     |   Operation (1 req, 2 reply)  |  4
 * +---------------+---------------+-------------------------------+
 * |                 Sender hardware address (6)                   |  8
 * +                               +-------------------------------+
 * |                               | Sender protocol address (4)   | 12..18
 * +-------------------------------+-------------------------------+
 * |                 Target hardware address (6)                   | 18
 * +                               +-------------------------------+
 * |                               | Target protocol address (4)   | 24..28
 * +-------------------------------+-------------------------------+
 * </pre>
 */
public final class ArpHeader {
    public static final int HTYPE_OFFSET = 0;
    public static final int PTYPE_OFFSET = 2;
    public static final int HLEN_OFFSET = 4;
    public static final int PLEN_OFFSET = 5;
    public static final int OPER_OFFSET = 6;
    public static final int SHA_OFFSET = 8;
    public static final int SPA_OFFSET = 14;
    public static final int THA_OFFSET = 18;
    public static final int TPA_OFFSET = 24;
    public static final int LENGTH = 28;

    public static final int HTYPE_ETHERNET = 1;
    public static final int OPER_REQUEST = 1;
    public static final int OPER_REPLY = 2;

    private ArpHeader() {
    }

    /** True when the fixed part says Ethernet/IPv4 with lengths 6 and 4: anything else is not ours to answer. */
    public static boolean isEthernetIpv4(final DirectBuffer buf, final int off) {
        return buf.getInt(off, BIG_ENDIAN) == (HTYPE_ETHERNET << 16 | EthernetHeader.ETH_P_IPV4)
            && buf.getShort(off + HLEN_OFFSET, BIG_ENDIAN) == (MacAddress.LENGTH << 8 | 4);
    }

    public static int operation(final DirectBuffer buf, final int off) {
        return buf.getShort(off + OPER_OFFSET, BIG_ENDIAN) & 0xffff;
    }

    public static long senderMac(final DirectBuffer buf, final int off) {
        return MacAddress.read(buf, off + SHA_OFFSET);
    }

    public static int senderIp(final DirectBuffer buf, final int off) {
        return buf.getInt(off + SPA_OFFSET, BIG_ENDIAN);
    }

    public static long targetMac(final DirectBuffer buf, final int off) {
        return MacAddress.read(buf, off + THA_OFFSET);
    }

    public static int targetIp(final DirectBuffer buf, final int off) {
        return buf.getInt(off + TPA_OFFSET, BIG_ENDIAN);
    }

    /** Writes a whole Ethernet/IPv4 ARP body of {@link #LENGTH} bytes. */
    public static void write(
        final MutableDirectBuffer buf,
        final int off,
        final int operation,
        final long senderMac,
        final int senderIp,
        final long targetMac,
        final int targetIp) {
        buf.putInt(off, HTYPE_ETHERNET << 16 | EthernetHeader.ETH_P_IPV4, BIG_ENDIAN);
        buf.putShort(off + HLEN_OFFSET, (short) (MacAddress.LENGTH << 8 | 4), BIG_ENDIAN);
        buf.putShort(off + OPER_OFFSET, (short) operation, BIG_ENDIAN);
        MacAddress.write(buf, off + SHA_OFFSET, senderMac);
        buf.putInt(off + SPA_OFFSET, senderIp, BIG_ENDIAN);
        MacAddress.write(buf, off + THA_OFFSET, targetMac);
        buf.putInt(off + TPA_OFFSET, targetIp, BIG_ENDIAN);
    }

    /**
     * Writes a broadcast ARP request frame (Ethernet + ARP, 42 bytes, no padding: the device pads to 60) asking who
     * has {@code targetIp}. Returns the frame length.
     */
    public static int writeRequestFrame(
        final MutableDirectBuffer buf, final int off, final long senderMac, final int senderIp, final int targetIp) {
        EthernetHeader.setDst(buf, off, MacAddress.BROADCAST);
        EthernetHeader.setSrc(buf, off, senderMac);
        EthernetHeader.setEtherType(buf, off, EthernetHeader.ETH_P_ARP);
        write(buf, off + EthernetHeader.LENGTH, OPER_REQUEST, senderMac, senderIp, MacAddress.ZERO, targetIp);
        return EthernetHeader.LENGTH + LENGTH;
    }

    /**
     * Writes a unicast ARP reply frame telling {@code targetMac}/{@code targetIp} that {@code senderIp} is at
     * {@code senderMac}. Returns the frame length.
     */
    public static int writeReplyFrame(
        final MutableDirectBuffer buf,
        final int off,
        final long senderMac,
        final int senderIp,
        final long targetMac,
        final int targetIp) {
        EthernetHeader.setDst(buf, off, targetMac);
        EthernetHeader.setSrc(buf, off, senderMac);
        EthernetHeader.setEtherType(buf, off, EthernetHeader.ETH_P_ARP);
        write(buf, off + EthernetHeader.LENGTH, OPER_REPLY, senderMac, senderIp, targetMac, targetIp);
        return EthernetHeader.LENGTH + LENGTH;
    }
}
