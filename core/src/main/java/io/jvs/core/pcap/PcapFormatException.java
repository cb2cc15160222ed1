package io.jvs.core.pcap;

import java.io.IOException;

/** A pcap file that cannot be read: bad magic, a truncated header or record, an absurd length. */
public final class PcapFormatException extends IOException {
    public PcapFormatException(String message) {
        super(message);
    }
}
