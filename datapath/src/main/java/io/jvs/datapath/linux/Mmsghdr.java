package io.jvs.datapath.linux;

/**
 * The x86-64 layout of {@code struct mmsghdr} and {@code struct iovec}, shared by every socket that moves bursts with
 * recvmmsg/sendmmsg ({@link PacketSocket}, {@link UnderlaySocket}): offsets into an {@link MmsghdrArray}.
 */
final class Mmsghdr {
    static final int SIZE = 64;
    static final int NAME = 0; // void *msg_name
    static final int NAMELEN = 8; // u32 msg_namelen
    static final int IOV = 16; // struct iovec *msg_iov
    static final int IOVLEN = 24; // u64 msg_iovlen
    static final int CONTROL = 32; // void *msg_control
    static final int CONTROLLEN = 40; // u64 msg_controllen
    static final int FLAGS = 48; // i32 msg_flags
    static final int LEN = 56; // u32 msg_len (bytes moved)
    static final int IOVEC_SIZE = 16; // { void *iov_base; u64 iov_len; }

    private Mmsghdr() {
    }
}
