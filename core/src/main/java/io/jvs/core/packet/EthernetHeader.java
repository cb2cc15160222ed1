package io.jvs.core.packet;

import static java.nio.ByteOrder.BIG_ENDIAN;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Ethernet II header (no preamble, no FCS: neither TAP nor AF_PACKET shows them to us).
 *
 * <pre>
 *  0                   6                   12        14
 * +-------------------+-------------------+---------+
 * |  destination MAC  |    source MAC     |EtherType|
 * +-------------------+-------------------+---------+
 * </pre>
 *
 * <p>An 802.1Q/802.1ad tag, when present, sits at {@link #ETHERTYPE_OFFSET}: its TPID takes the place of the
 * EtherType and the real EtherType follows the tag (see {@link VlanHeader}).
 */
public final class EthernetHeader {
    public static final int DST_OFFSET = 0;
    public static final int SRC_OFFSET = 6;
    public static final int ETHERTYPE_OFFSET = 12;
    /** Length of an untagged header; L3 starts here. */
    public static final int LENGTH = 14;

    public static final int ETH_P_IPV4 = 0x0800;
    public static final int ETH_P_ARP = 0x0806;
    public static final int ETH_P_8021Q = 0x8100;
    public static final int ETH_P_8021AD = 0x88a8;
    public static final int ETH_P_IPV6 = 0x86dd;

    private EthernetHeader() {
    }

    public static long dst(final DirectBuffer buf, final int off) {
        return MacAddress.read(buf, off + DST_OFFSET);
    }

    public static void setDst(final MutableDirectBuffer buf, final int off, final long mac) {
        MacAddress.write(buf, off + DST_OFFSET, mac);
    }

    public static long src(final DirectBuffer buf, final int off) {
        return MacAddress.read(buf, off + SRC_OFFSET);
    }

    public static void setSrc(final MutableDirectBuffer buf, final int off, final long mac) {
        MacAddress.write(buf, off + SRC_OFFSET, mac);
    }

    /** EtherType (or TPID when the frame is tagged) as an unsigned 16-bit value. */
    public static int etherType(final DirectBuffer buf, final int off) {
        return buf.getShort(off + ETHERTYPE_OFFSET, BIG_ENDIAN) & 0xffff;
    }

    public static void setEtherType(final MutableDirectBuffer buf, final int off, final int etherType) {
        buf.putShort(off + ETHERTYPE_OFFSET, (short) etherType, BIG_ENDIAN);
    }

    /** True for the TPIDs of 802.1Q and 802.1ad, i.e. a VLAN tag follows the source MAC. */
    public static boolean isVlanTpid(final int etherType) {
        return etherType == ETH_P_8021Q || etherType == ETH_P_8021AD;
    }
}
