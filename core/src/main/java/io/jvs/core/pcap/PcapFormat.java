package io.jvs.core.pcap;

/**
 * Constants of the classic libpcap format. Every integer is in the writer's byte order, which the reader learns from
 * the magic number.
 *
 * <pre>
 * global header (24 bytes)                      record header (16 bytes), then incl_len bytes of frame
 *  0  magic          0xa1b2c3d4 (us) or          0  ts_sec     seconds since the epoch
 *                    0xa1b23c4d (ns)             4  ts_frac    microseconds or nanoseconds
 *  4  version_major  2                           8  incl_len   bytes captured (stored in the file)
 *  6  version_minor  4                          12  orig_len   bytes the frame had on the wire
 *  8  thiszone       0
 * 12  sigfigs        0
 * 16  snaplen        most bytes kept per frame
 * 20  network        link type, 1 = Ethernet
 * </pre>
 */
public final class PcapFormat {
    public static final int MAGIC_MICROS = 0xa1b2c3d4;
    public static final int MAGIC_NANOS = 0xa1b23c4d;
    /** The first four bytes of a pcapng file (a Section Header Block), to name it in the error. */
    public static final int PCAPNG_MAGIC = 0x0a0d0d0a;
    public static final int GLOBAL_HEADER_LENGTH = 24;
    public static final int RECORD_HEADER_LENGTH = 16;
    public static final int VERSION_MAJOR = 2;
    public static final int VERSION_MINOR = 4;
    public static final int LINKTYPE_ETHERNET = 1;
    /** The snaplen we write: every Ethernet frame up to the largest IP packet fits. */
    public static final int DEFAULT_SNAPLEN = 65535;
    /**
     * The largest record we accept on read (libpcap's MAXIMUM_SNAPLEN): a bigger captured length means a corrupt
     * file, and refusing it keeps a bad header from making us allocate gigabytes.
     */
    public static final int MAX_RECORD_LENGTH = 262_144;

    private PcapFormat() {
    }
}
