package io.jvs.core.malformed;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jvs.core.bridge.DropReason;
import io.jvs.core.bridge.Forwarder;
import io.jvs.core.bridge.PortCounters;

import org.junit.jupiter.api.Test;

/**
 * Minimal reproducers of problems the corpus found in the main code, kept disabled (the build stays green) until the
 * code is fixed. Each asserts the behaviour we expect; enable it with the fix.
 */
class FixedIssuesTest {
    static void receive(MalformedFrameCorpusTest.Rig rig, byte[] vnet, byte[] frame) {
        rig.buf.putBytes(Forwarder.HEADROOM, vnet);
        rig.buf.putBytes(Forwarder.HEADROOM + 10, frame);
        rig.fwd.receive(rig.in, rig.buf, Forwarder.HEADROOM, 10 + frame.length, -1, 0);
    }

    /**
     * gso_size is the payload per segment, but ingress only checks gso_size <= MTU. With gso_size 1500 on an MTU-1500
     * port every segment is 14 + 40 + 1500 bytes: the super-frame is admitted, passed whole to offload outputs, and
     * every segment is dropped as oversize on the others.
     */
    @Test
    void shouldRejectASuperFrameWhoseSegmentsCannotFitTheMtu() {
        MalformedFrameCorpusTest.Rig rig = new MalformedFrameCorpusTest.Rig();
        byte[] frame = MalformedFrameCorpusTest.v4tcp("tso", new byte[0], 0x4000, 3000).frame();
        receive(rig, Frames.vnet(1, 1, 54, 1500, 34, 16), frame);
        assertEquals(0, rig.plain.counters().drops(DropReason.OVERSIZE), "segments dropped as oversize");
        assertEquals(0, rig.offloads.counters().get(PortCounters.TX_PACKETS), "super-frame passed on");
        assertEquals(1, rig.in.counters().drops(DropReason.GSO_MALFORMED));
    }

    /**
     * csum_start is validated only for non-GSO frames. A tagged GSO frame with csum_start inside the tag (2) has it
     * shifted to -2 when the tag is stripped, and the offload-taking output gets a virtio header with csum_start
     * 0xfffe, which the kernel rejects.
     */
    @Test
    void shouldNotPassANegativeCsumStartToAnOffloadOutput() {
        MalformedFrameCorpusTest.Rig rig = new MalformedFrameCorpusTest.Rig();
        byte[] frame = Frames.tagged(MalformedFrameCorpusTest.v4tcp("tso", new byte[0], 0x4000, 3000).frame(),
                0x8100, 0);
        receive(rig, Frames.vnet(1, 1, 2, 1400, 2, 16), frame);
        for (byte[] h : rig.offloads.headers()) {
            int csumStart = (h[6] & 0xff) | (h[7] & 0xff) << 8;
            assertEquals(true, csumStart < 3000, "csum_start " + csumStart + " sent to an offload output");
        }
        assertEquals(1, rig.in.counters().drops(DropReason.BAD_CSUM_OFFSET));
    }
}
