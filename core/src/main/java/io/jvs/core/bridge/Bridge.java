package io.jvs.core.bridge;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * A learning bridge: its ports and its MAC table.
 *
 * <p>Threads. The port list is owned by the control thread and published as an immutable array (copy on write), so
 * forwarding threads read it without locks. The MAC table has one writer, the bridge's owner thread (one of the
 * forwarding threads). A forwarding thread that sees a new or moved source MAC learns it at once when it is the
 * owner, and otherwise posts a learn request to the owner through a many-to-one ring buffer (no allocation, no lock)
 * and wakes it; until the owner applies it, frames to that MAC flood, which is always correct.
 */
public final class Bridge {
    public static final int DEFAULT_MAX_MACS = 8192;
    public static final long DEFAULT_AGING_NS = 300_000_000_000L;
    /** Port numbers are below this; also the most outputs a flood can have on one bridge. */
    public static final int MAX_PORTS = 1024;

    private static final int LEARN_MSG = 1;
    private static final int LEARN_MSG_LENGTH = 12; // key (8) + port (4)

    private final String name;
    private final FlowGeneration generation;
    private final MacTable macTable;
    private volatile BridgePort[] ports = new BridgePort[0]; // index = port number; null = free
    private volatile VlanKeyMap vlanKeyMap = VlanKeyMap.EMPTY;
    private int nextNumber; // control thread

    private final ManyToOneRingBuffer learnQueue =
            new ManyToOneRingBuffer(new UnsafeBuffer(ByteBuffer.allocateDirect((64 << 10) + RingBufferDescriptor.TRAILER_LENGTH)));
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drainTask = this::drainScheduled;
    private final LearnHandler learnHandler = new LearnHandler();
    private volatile int ownerThread;
    private volatile Executor ownerExecutor = Runnable::run;
    private volatile java.util.function.LongSupplier clock = System::nanoTime;

    // Written by the owner thread only; read by anyone.
    private volatile long learnFull;
    private final AtomicLong learnQueueFull = new AtomicLong();

    /**
     * @param generation shared by every bridge of one datapath (patch ports join bridges, so one decision can depend
     *                   on several of them)
     */
    public Bridge(String name, FlowGeneration generation, int maxMacs, long agingNs) {
        this.name = name;
        this.generation = generation;
        this.macTable = new MacTable(maxMacs, agingNs, generation);
    }

    public Bridge(String name, FlowGeneration generation) {
        this(name, generation, DEFAULT_MAX_MACS, DEFAULT_AGING_NS);
    }

    /** A bridge with a generation of its own (tests; a datapath shares one among its bridges). */
    public Bridge(String name) {
        this(name, new FlowGeneration());
    }

    public FlowGeneration generation() {
        return generation;
    }

    public String name() {
        return name;
    }

    public MacTable macTable() {
        return macTable;
    }

    /**
     * Makes forwarding thread {@code thread} the MAC table's writer; {@code executor} runs tasks on that thread and
     * {@code clock} is the time base those tasks learn with. Called by the datapath before traffic flows.
     */
    public void setOwner(int thread, Executor executor, java.util.function.LongSupplier clock) {
        this.ownerThread = thread;
        this.ownerExecutor = executor;
        this.clock = clock;
    }

    /** Local VLAN to tunnel key translation for this bridge's {@code key=flow} tunnel ports. */
    public VlanKeyMap vlanKeyMap() {
        return vlanKeyMap;
    }

    /** Publishes a new VLAN/key map (control thread); cached decisions are invalidated. */
    public void setVlanKeyMap(VlanKeyMap map) {
        this.vlanKeyMap = map;
        generation.bump();
    }

    public int ownerThread() {
        return ownerThread;
    }

    public Executor ownerExecutor() {
        return ownerExecutor;
    }

    /** The current ports, indexed by number (holes are null). Do not modify. */
    public BridgePort[] ports() {
        return ports;
    }

    public BridgePort port(int number) {
        BridgePort[] p = ports;
        return number >= 0 && number < p.length ? p[number] : null;
    }

    public List<BridgePort> portList() {
        List<BridgePort> list = new ArrayList<>();
        for (BridgePort p : ports) {
            if (p != null) {
                list.add(p);
            }
        }
        return list;
    }

    /**
     * Adds a port (control thread). Numbers are handed out round-robin so that a number freed by a deleted port is
     * reused as late as possible: a learn request still in flight for the old port cannot land on the new one.
     */
    public void addPort(BridgePort port) {
        if (port.bridge != null) {
            throw new IllegalStateException("port " + port.name() + " is already on bridge " + port.bridge.name());
        }
        BridgePort[] old = ports;
        int number = -1;
        for (int i = 0; i < MAX_PORTS; i++) {
            int n = (nextNumber + i) % MAX_PORTS;
            if (n >= old.length || old[n] == null) {
                number = n;
                break;
            }
        }
        if (number < 0) {
            throw new IllegalStateException("bridge " + name + " has " + MAX_PORTS + " ports, the most it can have");
        }
        nextNumber = number + 1;
        BridgePort[] next = java.util.Arrays.copyOf(old, Math.max(old.length, number + 1));
        port.bridge = this;
        port.number = number;
        next[number] = port;
        ports = next;
        generation.bump();
    }

    /** Removes a port (control thread). The caller flushes its MAC entries on the owner thread. */
    public void removePort(BridgePort port) {
        BridgePort[] next = ports.clone();
        if (port.number >= 0 && port.number < next.length && next[port.number] == port) {
            next[port.number] = null;
        }
        ports = next;
        generation.bump();
    }

    /**
     * Records that {@code mac} in {@code vlan} was seen on port {@code portNumber} (forwarding path; no allocation).
     * On a thread other than the owner, a new or moved MAC is posted to the owner's queue; the return value says
     * the owner must then be woken with {@link #wakeOwner} (once per burst is enough: the caller batches it).
     */
    public boolean learn(int thread, int vlan, long mac, int portNumber, long nowNs) {
        long key = MacTable.key(vlan, mac);
        if (thread == ownerThread) {
            if (macTable.learn(key, portNumber, nowNs) == MacTable.FULL) {
                learnFull++;
            }
            return false;
        }
        if (macTable.refresh(key, portNumber, nowNs)) {
            return false;
        }
        MutableDirectBuffer b = learnQueue.buffer();
        int index = learnQueue.tryClaim(LEARN_MSG, LEARN_MSG_LENGTH);
        if (index <= 0) {
            learnQueueFull.incrementAndGet(); // only when the owner is far behind
            return false;
        }
        b.putLong(index, key);
        b.putInt(index + 8, portNumber);
        learnQueue.commit(index);
        return !drainScheduled.get() && drainScheduled.compareAndSet(false, true);
    }

    /** Schedules a drain of the learn queue on the owner thread (after {@link #learn} returned true). */
    public void wakeOwner() {
        ownerExecutor.execute(drainTask);
    }

    private void drainScheduled() {
        drainScheduled.set(false);
        drainLearnQueue(clock.getAsLong());
    }

    /** Applies the learn requests other threads posted (owner thread). */
    public void drainLearnQueue(long nowNs) {
        learnHandler.nowNs = nowNs;
        learnQueue.read(learnHandler);
    }

    private final class LearnHandler implements MessageHandler {
        long nowNs;

        @Override
        public void onMessage(int msgTypeId, MutableDirectBuffer buffer, int index, int length) {
            long key = buffer.getLong(index);
            int portNumber = buffer.getInt(index + 8);
            if (port(portNumber) == null) {
                return; // the port was deleted while the request was in flight
            }
            if (macTable.learn(key, portNumber, nowNs) == MacTable.FULL) {
                learnFull++;
            }
        }
    }

    /** Learn attempts refused because the table was at its capacity (those MACs' frames flood). */
    public long learnFull() {
        return learnFull;
    }

    public long learnQueueFull() {
        return learnQueueFull.get();
    }
}
