package io.jvs.datapath.router;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.jvs.core.bridge.Forwarder;
import io.jvs.core.conntrack.Conntrack;
import io.jvs.core.conntrack.CtTimeouts;
import io.jvs.core.packet.EthernetHeader;
import io.jvs.core.packet.Ipv4Header;
import io.jvs.core.packet.TcpCoalescer;
import io.jvs.core.packet.VirtioNetHeader;
import io.jvs.core.router.ArpCache;
import io.jvs.core.router.IcmpRateLimiter;
import io.jvs.core.router.NatRules;
import io.jvs.core.router.RouteTable;
import io.jvs.core.router.RouterPort;
import io.jvs.core.router.RouterStage;
import io.jvs.datapath.Log;
import io.jvs.datapath.port.InternalPort;
import io.jvs.datapath.reactor.Backlog;
import io.jvs.datapath.reactor.PacketPool;
import io.jvs.datapath.reactor.PausedReads;
import io.jvs.datapath.reactor.ReactorThread;
import io.jvs.datapath.reactor.ReadPause;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * One userspace router of the running switch ({@code jvs add-router R}): a {@link RouterStage} with its
 * {@link ArpCache} and {@link Conntrack}, its legs on bridges ({@link RouterLegPort}), and the owner thread that runs
 * it.
 *
 * <p>Threads. Everything mutable here has one owner: the reactor thread picked for the router when it is created
 * (round-robin with the bridges' MAC table owners, {@code Reactor.nextForBridge}). Only that thread runs
 * {@link RouterStage#receive} and {@link RouterStage#poll}, so the stage, its ARP cache and its conntrack table need
 * no lock. Frames reach it from any reactor thread:
 * <ol>
 *   <li>the Forwarder of the thread that received a frame outputs it to a router leg, which copies it into this
 *       router's bounded {@link ManyToOneRingBuffer} (4 MiB: a burst of TSO super-frames, cut into segments before
 *       the leg, needs more than 1 MiB; with 1 MiB iperf3 through SNAT saw thousands of retransmits). A full queue
 *       is a drop counted as the leg's {@code tx dropped} and in {@code router/show}. At the end of the burst the
 *       leg's {@code flush} wakes the owner, once per burst (a CAS on {@code drainScheduled} makes concurrent
 *       wake-ups one task). Backpressure ({@link Backlog}): when the queue has no room left for another burst of
 *       the largest frames the burst's thread has queued, the port that read the burst stops reading until the
 *       owner has drained the queue to {@link #BURST_ROOM} free, so a sender faster than the owner waits in the
 *       kernel instead of losing frames here;</li>
 *   <li>the owner drains the queue (at most {@link #DRAIN_LIMIT} frames per task, then it yields to its own ports
 *       and runs again), runs each frame through the stage in place in the ring, and every frame the stage emits for
 *       leg i is copied into one of the owner's {@link #OUT_SLOTS} output slots (with the Forwarder's headroom before
 *       a zeroed virtio header) and enters leg i's bridge through the owner thread's own {@link Forwarder}, as if
 *       received on that leg; {@code forwarder.flush()} ends the batch (and when the slots run out), since deferred
 *       transmissions point into the slots. Consecutive TCP segments of one connection for the same leg are first
 *       joined back into a GSO super-frame by a {@link TcpCoalescer} (Linux's GRO rules), which enters the bridge
 *       the same way: the Forwarder cut the sender's TSO super-frame before the leg, and an output that takes
 *       offloads (a veth system port, a TAP) can then send 64 KiB at once instead of 45 segments;</li>
 *   <li>the stage's timers (ARP retries and give-ups, aging, a slice of the conntrack sweep) run on the owner every
 *       {@link #POLL_MS} ms from the event loop's scheduler.</li>
 * </ol>
 * The control thread publishes legs, routes and NAT rules to the stage (immutable objects behind volatiles) and runs
 * anything touching the ARP cache or conntrack ({@code router/show}'s ARP list, {@code ct/flush}, forgetting a
 * deleted leg's neighbours) as a task on the owner, waiting for it. No lock and no allocation per packet.
 *
 * <p>Bound to a namespace ({@code netns=NS}), each leg also has a TAP in NS with the leg's name, MAC and address,
 * read by the owner thread: what NS sends enters the leg's bridge as if received on the leg (so it leaves as the
 * router), and the stage's {@link RouterStage.LocalDelivery} (packets for the router's addresses it does not
 * answer) plus every ARP frame the leg receives are written to the TAP of the leg they arrived on, on the owner.
 * A leg's TAP is stopped only after the owner has seen the leg removed (an {@link #onOwner} round trip), so the
 * owner never writes to a closed fd.
 */
public final class Router implements Backlog {
    /**
     * Bytes of the frame queue (a power of two) plus the ring's trailer; {@code -Djvs.router.queueMiB=N} (a power of
     * two, 1-64) changes it for every router of the daemon.
     */
    static final int QUEUE_BYTES = queueBytes();

    private static int queueBytes() {
        int mib = Integer.getInteger("jvs.router.queueMiB", 4);
        return Integer.bitCount(mib) == 1 && mib <= 64 ? mib << 20 : 4 << 20;
    }
    /** Frames one drain task handles before it lets the owner's other work run. */
    static final int DRAIN_LIMIT = 256;
    /**
     * Frames per ring read: the ring frees what it read only when a read returns, so a drain of many frames reads
     * in slices, and the room it makes shows to the legs' flushes and to the paused ports as it goes.
     */
    static final int READ_SLICE = 8;
    /**
     * Room for a whole burst of the largest frames a port can read (32 x 64 KiB, see {@link #burstRoom}): paused
     * ports resume as soon as the queue has this much free. Resuming then rather than at a lower mark keeps the owner
     * busy while the port reads: with the default 4 MiB, ~1.9 MiB (30 TCP super-frames, about a millisecond of the
     * owner's work) is still queued, more than the half millisecond a TAP takes to read 32 super-frames. In a bench
     * run with the mark at a quarter of the queue the owner ran dry (the daemon at 70 % of a core instead of 100 %)
     * and 4 TCP streams lost about a third of their throughput.
     */
    static final int BURST_ROOM = burstRoom(recordBytes(PacketPool.SLOT_CAPACITY));
    /** Output slots: frames sent into bridges between two {@code forwarder.flush()}. */
    static final int OUT_SLOTS = 32;
    /** Bytes of one output slot: headroom, virtio header, and an Ethernet frame of a 1500-byte MTU with a tag. */
    static final int SLOT_BYTES = 2048;
    /**
     * Bytes left free in front of each queued frame's virtio header, so that a super-frame can enter the next
     * bridge in place in the queue (the Forwarder may push a VLAN tag and rewrite the header in front of it).
     */
    static final int PAD = Forwarder.HEADROOM;
    private static final int VNET = VirtioNetHeader.LENGTH;
    /** Largest frame the router emits: the legs' MTU (1500) plus an Ethernet header. */
    static final int MAX_FRAME = SLOT_BYTES - Forwarder.HEADROOM - VirtioNetHeader.LENGTH;
    /** Period of {@link RouterStage#poll}. */
    static final long POLL_MS = 100;
    /** Connections one router tracks (about 3 MB of tables). */
    public static final int CONNTRACK_CAPACITY = 16384;

    private final String name;
    private final int zone;
    private final ReactorThread owner;
    private final Forwarder forwarder;
    private final RouterStage stage;
    private final ManyToOneRingBuffer queue =
            new ManyToOneRingBuffer(new UnsafeBuffer(ByteBuffer.allocateDirect(QUEUE_BYTES
                    + RingBufferDescriptor.TRAILER_LENGTH)));
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drainTask = this::drain;
    private final AtomicLong queueFull = new AtomicLong();
    private final PausedReads pausedReads = new PausedReads();
    private final AtomicLong pauses = new AtomicLong();
    private final ReactorThread[] reactorThreads; // by index: where a leg notes the queue full for the reading port
    // Owner thread: the timer's bound on a pause (see poll).
    private long resumeRounds;
    private long resumeRoundsAtLastPoll;
    private boolean pausedAtLastPoll;
    private volatile long timerResumes;
    private volatile RouterLegPort[] legs = new RouterLegPort[0]; // by router port index; control thread writes
    private ScheduledFuture<?> pollTask;

    // Owner thread only.
    private final UnsafeBuffer out = new UnsafeBuffer(ByteBuffer.allocateDirect(OUT_SLOTS * SLOT_BYTES));
    private int outUsed;
    private long nowNs;
    private final RouterStage.FrameSink sink = new RouterStage.FrameSink() {
        @Override
        public void send(int port, DirectBuffer buf, int off, int len) {
            emit(port, buf, off, len);
        }

        @Override
        public void sendOffloaded(int port, MutableDirectBuffer buf, int off, int len) {
            emitOffloaded(port, buf, off, len);
        }
    };
    // Owner thread: joins the stage's consecutive TCP segments towards one leg back into super-frames.
    private final TcpCoalescer coalescer = new TcpCoalescer(this::emitCoalesced);
    private int coalescerLeg = -1;
    private final MessageHandler handler = this::onFrame;
    private volatile long emitDropped; // owner writes, anyone reads

    // Control thread: the configuration the stage's routes and NAT rules are derived from.
    private List<RouteTable.Route> staticRoutes = List.of();
    private String gatewayLeg; // null: no gateway
    private int gatewayNextHop;
    private List<int[]> floatingIps = List.of();
    private final String netns; // null: not bound
    private final int threads;
    private String nsDefaultRoute = ""; // control thread: what was last set in the namespace

    // Owner thread: local delivery into the namespace's TAPs.
    private final UnsafeBuffer tapOut = new UnsafeBuffer(ByteBuffer.allocateDirect(SLOT_BYTES));
    private volatile long localDropped;

    Router(String name, int zone, ReactorThread owner, String netns, List<ReactorThread> reactorThreads) {
        this.name = name;
        this.zone = zone;
        this.owner = owner;
        this.netns = netns;
        this.reactorThreads = reactorThreads.toArray(new ReactorThread[0]);
        this.threads = this.reactorThreads.length;
        this.forwarder = owner.forwarder();
        this.stage = new RouterStage(zone, new Conntrack(CONNTRACK_CAPACITY, CtTimeouts.DEFAULTS),
                ArpCache.Config.DEFAULTS, IcmpRateLimiter.tokenBucket(1000, 100));
        if (netns != null) {
            stage.setLocalDelivery(this::deliverLocal);
        }
    }

    void start() {
        pollTask = owner.loop().scheduleAtFixedRate(this::poll, POLL_MS, POLL_MS, TimeUnit.MILLISECONDS);
    }

    /** Stops the timer and closes the namespace TAPs, which persist for the next daemon (daemon stop). */
    void stop() {
        if (pollTask != null) {
            pollTask.cancel(false);
        }
        for (RouterLegPort l : legs()) {
            InternalPort tap = l.hostTap;
            if (tap != null) {
                tap.stop(false);
            }
        }
    }

    public String name() {
        return name;
    }

    public int zone() {
        return zone;
    }

    public int ownerThread() {
        return owner.index();
    }

    public RouterStage stage() {
        return stage;
    }

    public String netns() {
        return netns;
    }

    /** Frames lost because the queue to the owner was full. */
    public long queueFull() {
        return queueFull.get();
    }

    /** Times a port stopped reading because this router's queue had no room for its next burst. */
    public long pauses() {
        return pauses.get();
    }

    /**
     * Pauses the poll timer ended (a port paused for a whole poll period with the queue above its resume mark: only
     * under a flood from inputs that cannot pause, such as tunnels or another router; 0 otherwise).
     */
    public long timerResumes() {
        return timerResumes;
    }

    /** Frames for the namespace that could not be written to its TAP (none, down, or full). */
    public long localDropped() {
        return localDropped;
    }

    /** Frames the stage emitted that could not enter a bridge (leg gone or down, frame too big). */
    public long emitDropped() {
        return emitDropped;
    }

    /** The current legs, by index (holes are null). */
    public List<RouterLegPort> legs() {
        List<RouterLegPort> list = new ArrayList<>();
        for (RouterLegPort l : legs) {
            if (l != null) {
                list.add(l);
            }
        }
        return list;
    }

    public RouterLegPort leg(int index) {
        RouterLegPort[] ls = legs;
        return index >= 0 && index < ls.length ? ls[index] : null;
    }

    // ------------------------------------------------------------------ control thread

    /** The lowest index no leg has (control thread). */
    int freeIndex() {
        RouterLegPort[] ls = legs;
        for (int i = 0; i < ls.length; i++) {
            if (ls[i] == null) {
                return i;
            }
        }
        return ls.length;
    }

    void addLeg(RouterLegPort leg) {
        if (netns != null) {
            openHostTap(leg);
        }
        RouterLegPort[] next = Arrays.copyOf(legs, Math.max(legs.length, leg.index() + 1));
        next[leg.index()] = leg;
        legs = next;
        republish();
    }

    void removeLeg(RouterLegPort leg) {
        RouterLegPort[] next = legs.clone();
        if (leg.index() < next.length && next[leg.index()] == leg) {
            next[leg.index()] = null;
        }
        legs = next;
        republish();
        onOwner(() -> stage.flushPort(leg.index())); // after this the owner no longer writes to the leg's TAP
        InternalPort tap = leg.hostTap;
        leg.hostTap = null;
        if (tap != null) {
            tap.stop(true);
        }
    }

    /**
     * The leg's TAP in the router's namespace: named like the leg, with its MAC and address, read by the owner
     * thread; what the namespace sends through it enters the leg's bridge as if the router had sent it. A failure
     * leaves the leg without a TAP (shown by router/show); the router still routes.
     */
    private void openHostTap(RouterLegPort leg) {
        InternalPort tap = new InternalPort(leg.name(), netns, leg.mac(), owner, threads);
        tap.receiveAs(leg);
        try {
            tap.start();
            NamespaceIp.run(netns, "addr", "replace", leg.cidr(), "dev", leg.name());
            leg.hostTap = tap;
            leg.hostTapError = null;
        } catch (IOException e) {
            tap.stop(false);
            leg.hostTapError = e.getMessage();
            Log.warn("router", name + ": no TAP for " + leg.name() + " in netns " + netns + ": " + e.getMessage());
        }
    }

    /**
     * Sets what the routes and NAT rules derive from (control thread): static routes (prefix, length, next hop; the
     * leg is the one whose subnet holds the next hop), the gateway (leg name and next hop; null: none) and floating
     * IPs ({fip, internal}); then republishes.
     */
    public void configure(List<int[]> routes, String gatewayLeg, int gatewayNextHop, List<int[]> fips) {
        List<RouteTable.Route> list = new ArrayList<>();
        for (int[] r : routes) {
            list.add(new RouteTable.Route(r[0], r[1], r[2], 0)); // port resolved in republish
        }
        this.staticRoutes = List.copyOf(list);
        this.gatewayLeg = gatewayLeg;
        this.gatewayNextHop = gatewayNextHop;
        this.floatingIps = List.copyOf(fips);
        republish();
    }

    /** The leg whose connected subnet holds {@code address}, or null. */
    public RouterLegPort legFor(int address) {
        for (RouterLegPort l : legs) {
            if (l != null && RouteTable.mask(l.address(), l.prefixLength())
                    == RouteTable.mask(address, l.prefixLength())) {
                return l;
            }
        }
        return null;
    }

    /**
     * Derives the stage's ports, routes and NAT rules from the legs and the configuration and publishes them: the
     * connected route of every leg, each static route whose next hop is on a leg's subnet (others wait for such a
     * leg), the default route via the gateway, and NAT on the gateway leg (SNAT to its address, the floating IPs).
     */
    private void republish() {
        List<RouterPort> ports = new ArrayList<>();
        List<RouteTable.Route> routes = new ArrayList<>();
        for (RouterLegPort l : legs) {
            if (l != null) {
                RouterPort p = l.routerPort();
                ports.add(p);
                routes.add(p.connectedRoute());
            }
        }
        for (RouteTable.Route r : staticRoutes) {
            RouterLegPort l = legFor(r.nextHop());
            if (l != null) {
                routes.add(new RouteTable.Route(r.prefix(), r.length(), r.nextHop(), l.index()));
            }
        }
        NatRules nat = NatRules.NONE;
        RouterLegPort gw = gatewayLeg();
        if (gw != null) {
            routes.add(new RouteTable.Route(0, 0, gatewayNextHop, gw.index()));
            NatRules.Builder b = NatRules.builder(gw.index()).snat(gw.address(), 1024, 65535);
            for (int[] f : floatingIps) {
                b.floatingIp(f[0], f[1]);
            }
            nat = b.build();
        }
        stage.setPorts(ports);
        stage.routes().replaceAll(routes);
        stage.setNatRules(nat);
        if (netns != null) {
            // The namespace's own answers to hosts beyond the legs' subnets leave by the gateway leg's TAP.
            String want = gw == null || gw.hostTap == null ? ""
                    : Ipv4Header.formatAddress(gatewayNextHop) + " dev " + gw.name();
            if (!want.equals(nsDefaultRoute)) {
                try {
                    if (want.isEmpty()) {
                        NamespaceIp.run(netns, "route", "del", "default");
                    } else {
                        NamespaceIp.run(netns, "route", "replace", "default", "via",
                                Ipv4Header.formatAddress(gatewayNextHop), "dev", gw.name());
                    }
                    nsDefaultRoute = want;
                } catch (IOException e) {
                    Log.warn("router", name + ": default route in netns " + netns + ": " + e.getMessage());
                }
            }
        }
    }

    /** The gateway's leg, or null when there is no gateway or its leg is gone. */
    public RouterLegPort gatewayLeg() {
        if (gatewayLeg == null) {
            return null;
        }
        for (RouterLegPort l : legs) {
            if (l != null && l.name().equals(gatewayLeg)) {
                return l;
            }
        }
        return null;
    }

    /** Runs {@code task} on the owner thread and waits for it (control thread). */
    public <T> T onOwner(Callable<T> task) {
        try {
            return owner.loop().submit(task).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("router " + name + ": owner thread did not answer: " + e, e);
        }
    }

    // ------------------------------------------------------------------ any reactor thread

    /**
     * Copies one frame received for leg {@code index}, behind its virtio header at {@code vnetOff} ({@code len}
     * counts both), into the queue after {@link #PAD} free bytes; false (counted) when the queue is full.
     */
    boolean offer(int index, DirectBuffer buf, int vnetOff, int len) {
        int at = queue.tryClaim(index + 1, PAD + len);
        if (at <= 0) {
            queueFull.incrementAndGet();
            return false;
        }
        queue.buffer().putBytes(at + PAD, buf, vnetOff, len);
        queue.commit(at);
        return true;
    }

    /** Bytes of ring a queued frame of {@code len} bytes (virtio header included) takes. */
    static int recordBytes(int len) {
        return (RecordDescriptor.HEADER_LENGTH + PAD + len + RecordDescriptor.ALIGNMENT - 1)
                & -RecordDescriptor.ALIGNMENT;
    }

    /**
     * Ring bytes a burst of frames of at most {@code largestRecord} ring bytes each may take: 32 of them, one more for
     * the padding the ring may need at its wrap, and one for what other ports queue meanwhile; at most three
     * quarters of the queue, so that a small queue still resumes its ports before it is empty.
     */
    static int burstRoom(int largestRecord) {
        return (int) Math.min(QUEUE_BYTES / 4 * 3, (PacketPool.MAX_BURST + 2L) * largestRecord);
    }

    /** Bytes the queue can still take (any thread; the owner frees room as it reads). */
    int room() {
        return queue.capacity() - queue.size();
    }

    /** Reactor thread {@code thread}: the port whose burst this is stops reading when the burst ends. */
    void noteFull(int thread) {
        reactorThreads[thread].noteFull(this);
    }

    /**
     * Any thread: lists the paused port, then wakes the owner. The wake is a CAS (see {@link #wake}): either it
     * schedules a drain, or it found one scheduled whose start, clearing the flag, comes after it; either way a drain
     * begins after the listing, and every drain checks the list when it ends (and as it goes), so the pause cannot
     * be missed even when the queue empties at this very moment.
     */
    @Override
    public void resumeWhenRoom(ReadPause pause) {
        pauses.incrementAndGet();
        pausedReads.add(pause);
        wake();
    }

    /**
     * Schedules a drain on the owner unless one is already scheduled. Always a CAS, never a plain read first: the
     * queue's commit is a release store, which a plain (volatile) load of the flag may overtake (x86 reorders a store
     * with a later load), so the owner could clear the flag and find the queue empty while this thread still saw the
     * flag set: a frame left in the queue with no drain to come. The CAS is a full fence.
     */
    void wake() {
        if (drainScheduled.compareAndSet(false, true)) {
            owner.loop().execute(drainTask);
        }
    }

    // ------------------------------------------------------------------ owner thread

    private void drain() {
        drainScheduled.set(false); // before reading: a frame committed after this point wakes us again
        try {
            nowNs = System.nanoTime();
            // One read stops at the end of the ring's buffer (a frame that did not fit there is behind a padding
            // record, at the start): read again until a read makes no progress, or the frames waiting at the start
            // would wait for the next wake-up, which a ping-pong never sends.
            int n = 0;
            while (n < DRAIN_LIMIT) {
                long before = queue.consumerPosition();
                n += queue.read(handler, Math.min(READ_SLICE, DRAIN_LIMIT - n));
                if (queue.consumerPosition() == before) {
                    break;
                }
                resumeIfRoom(); // while the owner still has work: the resumed port's next burst overlaps it
            }
            endOutputs();
            if (n >= DRAIN_LIMIT) {
                wake(); // more may be waiting: continue after the owner's other work
            }
        } catch (Throwable t) {
            outUsed = 0;
            Log.error("router", name + ": drain failed", t);
            wake(); // the frames behind the one that failed (the ring consumed it) must not wait for the next burst
        } finally {
            resumeIfRoom();
        }
    }

    /** Owner thread: resumes the paused ports once the queue has room for a whole burst ({@link #BURST_ROOM}). */
    private void resumeIfRoom() {
        if (!pausedReads.isEmpty() && room() >= BURST_ROOM) {
            pausedReads.resumeAll();
            resumeRounds++;
        }
    }

    /**
     * Owner thread, each poll: ends pauses that have lasted a whole poll period without the queue getting down to its
     * resume mark ({@link #BURST_ROOM} free). Only inputs that cannot pause (a tunnel, another router's output) can
     * keep it up that long; then the paused ports read a burst every poll period or two instead of never, so their
     * other traffic still flows.
     */
    private void boundPauses() {
        boolean paused = !pausedReads.isEmpty();
        if (paused && pausedAtLastPoll && resumeRounds == resumeRoundsAtLastPoll) {
            pausedReads.resumeAll(); // the ones listed at the last poll are still listed: only resumeAll unlists
            resumeRounds++;
            timerResumes++;
            paused = false;
        }
        pausedAtLastPoll = paused;
        resumeRoundsAtLastPoll = resumeRounds;
    }

    private void onFrame(int msgTypeId, MutableDirectBuffer buffer, int index, int length) {
        int vnetOff = index + PAD;
        int off = vnetOff + VNET;
        int len = length - PAD - VNET;
        if (netns != null && len >= EthernetHeader.LENGTH
                && EthernetHeader.etherType(buffer, off) == EthernetHeader.ETH_P_ARP) {
            // The namespace resolves its own neighbours on its TAPs: it sees the ARP the leg receives (before the
            // stage rewrites a request into its answer in place).
            deliverLocal(msgTypeId - 1, buffer, off, len);
        }
        if (VirtioNetHeader.flags(buffer, vnetOff) == 0 && VirtioNetHeader.gsoType(buffer, vnetOff) == 0) {
            stage.receive(msgTypeId - 1, buffer, off, len, nowNs, sink);
        } else {
            // A partial checksum or a GSO super-frame, as the sender's TSO made it: routed whole when possible.
            stage.receiveOffloaded(msgTypeId - 1, buffer, off, len, nowNs, sink);
        }
    }

    /** Owner thread: a frame for the router's own stack goes to leg {@code port}'s TAP in the namespace. */
    private void deliverLocal(int port, DirectBuffer buf, int off, int len) {
        RouterLegPort leg = leg(port);
        InternalPort tap = leg == null ? null : leg.hostTap;
        if (tap == null || !tap.isUp() || len > MAX_FRAME) {
            localDropped++;
            return;
        }
        VirtioNetHeader.clear(tapOut, 0);
        tapOut.putBytes(VirtioNetHeader.LENGTH, buf, off, len);
        if (tap.transmit(tapOut, 0, VirtioNetHeader.LENGTH + len, owner.index()) <= 0) {
            localDropped++;
        }
    }

    private void poll() {
        try {
            boundPauses();
            nowNs = System.nanoTime();
            stage.poll(nowNs, sink);
            endOutputs();
        } catch (Throwable t) {
            outUsed = 0;
            Log.error("router", name + ": timers failed", t);
        }
    }

    /** The stage's output: into leg {@code port}'s bridge as if received on the leg, through this thread's Forwarder. */
    private void emit(int port, DirectBuffer buf, int off, int len) {
        RouterLegPort leg = leg(port);
        if (leg == null || leg.bridge() == null || len > MAX_FRAME) {
            emitDropped++;
            return;
        }
        // Consecutive TCP segments of one connection towards one leg become one super-frame again (the Forwarder
        // cut the sender's TSO super-frame before the leg): an output that takes offloads (a veth system port, a
        // TAP) then sends it whole, and one that does not gets it segmented by the Forwarder as before.
        if (coalescerLeg != port) {
            flushCoalescer();
            coalescerLeg = port;
        }
        if (buf instanceof UnsafeBuffer u && coalescer.offer(u, off, len)) {
            return;
        }
        flushCoalescer(); // what it holds goes first: frames keep their order
        if (outUsed == OUT_SLOTS) {
            endBatch();
        }
        int vnetOff = outUsed++ * SLOT_BYTES + Forwarder.HEADROOM;
        VirtioNetHeader.clear(out, vnetOff);
        out.putBytes(vnetOff + VirtioNetHeader.LENGTH, buf, off, len);
        forwarder.receive(leg, out, vnetOff, VirtioNetHeader.LENGTH + len, -1, nowNs);
    }

    /**
     * A forwarded frame with offload work left, its virtio header in front of it. A GSO super-frame enters the
     * leg's bridge in place, in the queue ({@link #PAD} bytes of headroom), and leaves at once: the queue reuses the
     * memory after the drain. A frame with a partial checksum goes into an output slot with its header.
     */
    private void emitOffloaded(int port, MutableDirectBuffer buf, int off, int len) {
        RouterLegPort leg = leg(port);
        int vnetOff = off - VNET;
        if (leg == null || leg.bridge() == null || !(buf instanceof UnsafeBuffer u)) {
            emitDropped++;
            return;
        }
        flushCoalescer(); // frames keep their order
        if (VirtioNetHeader.gsoType(buf, vnetOff) != VirtioNetHeader.GSO_NONE) {
            endBatch(); // the frames already in the output slots go first
            forwarder.receive(leg, u, vnetOff, VNET + len, -1, nowNs);
            forwarder.flush();
            return;
        }
        if (len > MAX_FRAME) {
            emitDropped++;
            return;
        }
        if (outUsed == OUT_SLOTS) {
            endBatch();
        }
        int slot = outUsed++ * SLOT_BYTES + Forwarder.HEADROOM;
        out.putBytes(slot, buf, vnetOff, VNET + len);
        forwarder.receive(leg, out, slot, VNET + len, -1, nowNs);
    }

    /** A super-frame (or a lone segment) from the coalescer, for leg {@link #coalescerLeg}. */
    private void emitCoalesced(UnsafeBuffer b, int vnetOff, int length, int segments, int frameBytes) {
        RouterLegPort leg = leg(coalescerLeg);
        if (leg == null || leg.bridge() == null) {
            emitDropped += segments;
            return;
        }
        endBatch(); // the frames already in the output slots go first
        forwarder.receive(leg, b, vnetOff, length, -1, nowNs);
        forwarder.flush(); // deferred transmissions may point into the coalescer's buffer, which it reuses
    }

    private void flushCoalescer() {
        if (coalescer.pending()) {
            coalescer.flush();
        }
    }

    /** End of a drain or a timer run: everything emitted leaves. */
    private void endOutputs() {
        flushCoalescer();
        endBatch();
    }

    private void endBatch() {
        if (outUsed > 0) {
            forwarder.flush();
            outUsed = 0;
        }
    }

    @Override
    public String toString() {
        return "router " + name;
    }
}
