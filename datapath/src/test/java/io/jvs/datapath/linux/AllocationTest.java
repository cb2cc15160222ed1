package io.jvs.datapath.linux;

import java.lang.management.ManagementFactory;
import java.util.function.IntSupplier;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.jvs.datapath.linux.LinuxTestSupport.assumeRoot;
import static io.jvs.datapath.linux.LinuxTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-packet calls must not allocate: measured with the thread's allocation counter over 100k calls on idle
 * devices in a test namespace (a TAP and a veth pair, IPv6 off so nothing arrives unasked).
 */
class AllocationTest {
    private static final int WARMUP_CALLS = 50_000;
    private static final int MEASURED_CALLS = 100_000;
    private static final int MAX_ROUNDS = 10;
    /** Allowance for a stray allocation by the JIT or the JUnit thread itself; 100k allocating calls would be MBs. */
    private static final long MAX_BYTES = 16 * 1024;
    private static final int BURST = 8;
    private static final int FRAME = 10;

    private final com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private LinuxTestSupport support;
    private String ns;
    private TapDevice tap;
    private PacketSocket socketA;
    private PacketSocket socketB;
    private final UnsafeBuffer buffer = LinuxTestSupport.directBuffer(BURST * 2048);

    @BeforeEach
    void setUp() throws Exception {
        assumeRoot();
        support = new LinuxTestSupport();
        ns = support.namespace();
        String base = LinuxTestSupport.uniqueName("");
        tap = TapDevice.open(base + "t", ns);
        Netdev.setUp(ns, tap.name());
        run("ip", "-n", ns, "link", "add", base + "a", "type", "veth", "peer", "name", base + "b");
        run("ip", "-n", ns, "link", "set", base + "a", "up");
        run("ip", "-n", ns, "link", "set", base + "b", "up");
        socketA = Netns.call(ns, () -> PacketSocket.open(base + "a", BURST));
        socketB = Netns.call(ns, () -> PacketSocket.open(base + "b", BURST));
        // A minimal broadcast frame of an unused ethertype: the namespace's stack drops it.
        buffer.setMemory(0, FRAME + 60, (byte) 0);
        LinuxTestSupport.putMac(buffer, FRAME, 0xFFFF_FFFF_FFFFL);
        LinuxTestSupport.putMac(buffer, FRAME + 6, LinuxTestSupport.randomMac());
        buffer.putShort(FRAME + 12, Short.reverseBytes((short) 0x88B5));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (tap != null) {
            tap.close();
        }
        if (socketA != null) {
            socketA.close();
        }
        if (socketB != null) {
            socketB.close();
        }
        if (support != null) {
            support.close();
        }
    }

    @Test
    void tapReadShouldNotAllocate() {
        long address = buffer.addressOffset() + 2048;
        assertNoAllocation("TapDevice.read", () -> tap.read(address, 2048));
    }

    @Test
    void tapWriteShouldNotAllocate() {
        long address = buffer.addressOffset();
        assertNoAllocation("TapDevice.write", () -> tap.write(address, FRAME + 60));
    }

    @Test
    void receiveBurstShouldNotAllocate() {
        long[] slots = new long[BURST];
        for (int i = 0; i < BURST; i++) {
            slots[i] = buffer.addressOffset() + (long) i * 2048;
        }
        int[] lengths = new int[BURST];
        int[] tci = new int[BURST];
        assertNoAllocation("PacketSocket.receiveBurst", () -> socketB.receiveBurst(slots, 2048, BURST, lengths, tci));
    }

    @Test
    void takeErrorShouldNotAllocate() {
        assertNoAllocation("PacketSocket.takeError", socketB::takeError); // on every empty-ring wake-up
    }

    @Test
    void sendShouldNotAllocate() {
        long address = buffer.addressOffset();
        assertNoAllocation("PacketSocket.send", () -> socketA.send(address, FRAME + 60));
    }

    /**
     * Measures rounds of {@link #MEASURED_CALLS} calls after a warm-up until one round stays under
     * {@link #MAX_BYTES}. While the calls still run interpreted or in C1 code the FFM downcall path allocates a few
     * bytes per call; once C2 has compiled the loop it allocates nothing. Rounds are needed because the JIT may still
     * be recompiling (this helper's call site sees four different lambdas) during the first measured round.
     */
    private void assertNoAllocation(String what, IntSupplier call) {
        int sink = 0;
        for (int i = 0; i < WARMUP_CALLS; i++) {
            sink += call.getAsInt();
        }
        StringBuilder rounds = new StringBuilder();
        long allocated = Long.MAX_VALUE;
        for (int round = 0; round < MAX_ROUNDS && allocated >= MAX_BYTES; round++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < MEASURED_CALLS; i++) {
                sink += call.getAsInt();
            }
            allocated = threads.getCurrentThreadAllocatedBytes() - before;
            rounds.append(round == 0 ? "" : ", ").append(allocated);
        }
        System.out.println(what + ": bytes allocated per round of " + MEASURED_CALLS + " calls: [" + rounds
            + "] (result sum " + sink + ")");
        assertTrue(allocated < MAX_BYTES,
            what + " still allocates after " + MAX_ROUNDS + " rounds of " + MEASURED_CALLS + " calls: " + rounds);
    }
}
