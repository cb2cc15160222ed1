package io.jvs.core.packet;

import static java.nio.ByteOrder.BIG_ENDIAN;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * An 802.1Q (or 802.1ad) tag. In a tagged frame it starts at {@link EthernetHeader#ETHERTYPE_OFFSET}, so the
 * encapsulated EtherType follows at 12 + {@link #LENGTH}.
 *
 * <pre>
 *  0               2                               4
 * +---------------+-----+---+---------------------+
 * | TPID (0x8100) | PCP |DEI|        VID          |
 * +---------------+-----+---+---------------------+
 *                  3 bits 1b       12 bits
 *                 \_________ TCI (16 bits) _______/
 * </pre>
 */
public final class VlanHeader {
    public static final int TPID_OFFSET = 0;
    public static final int TCI_OFFSET = 2;
    public static final int LENGTH = 4;

    /** VID 0 means "priority tag only, no VLAN"; 4095 is reserved. */
    public static final int MAX_VID = 4094;
    public static final int VID_MASK = 0x0fff;
    public static final int MAX_PCP = 7;
    private static final int PCP_SHIFT = 13;
    private static final int DEI_BIT = 0x1000;

    private VlanHeader() {
    }

    public static int tpid(final DirectBuffer buf, final int off) {
        return buf.getShort(off + TPID_OFFSET, BIG_ENDIAN) & 0xffff;
    }

    public static void setTpid(final MutableDirectBuffer buf, final int off, final int tpid) {
        buf.putShort(off + TPID_OFFSET, (short) tpid, BIG_ENDIAN);
    }

    public static int tci(final DirectBuffer buf, final int off) {
        return buf.getShort(off + TCI_OFFSET, BIG_ENDIAN) & 0xffff;
    }

    public static void setTci(final MutableDirectBuffer buf, final int off, final int tci) {
        buf.putShort(off + TCI_OFFSET, (short) tci, BIG_ENDIAN);
    }

    public static int vid(final int tci) {
        return tci & VID_MASK;
    }

    public static int pcp(final int tci) {
        return (tci >>> PCP_SHIFT) & MAX_PCP;
    }

    public static boolean dei(final int tci) {
        return (tci & DEI_BIT) != 0;
    }

    /**
     * Builds a TCI with DEI clear. The arguments are masked to 3 and 12 bits rather than checked, because this runs
     * per packet and must not throw; VLAN ids are validated once, at configuration time, with {@link #isValidVid}.
     */
    public static int tci(final int pcp, final int vid) {
        return ((pcp & MAX_PCP) << PCP_SHIFT) | (vid & VID_MASK);
    }

    /** True for the VIDs a port may be configured with: 1 to {@link #MAX_VID}. */
    public static boolean isValidVid(final int vid) {
        return vid >= 1 && vid <= MAX_VID;
    }
}
