package io.jvs.datapath.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;

import io.jvs.core.bridge.Bridge;
import io.jvs.core.bridge.Forwarder;
import io.jvs.core.bridge.MemoryPort;
import io.jvs.core.bridge.PortCounters;
import io.jvs.core.bridge.VlanConfig;
import io.jvs.core.packet.ArpHeader;
import io.jvs.core.packet.Checksum;
import io.jvs.core.packet.EthernetHeader;
import io.jvs.core.packet.Ipv4Header;
import io.jvs.core.packet.MacAddress;
import io.jvs.core.packet.TcpHeader;
import io.jvs.core.packet.VirtioNetHeader;
import io.jvs.datapath.control.PortConfig;
import io.jvs.datapath.reactor.PacketPool;
import io.jvs.datapath.reactor.Reactor;
import io.jvs.datapath.reactor.ReactorThread;
import io.jvs.datapath.reactor.ReadPause;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The router's wiring without network devices: a frame a bridge outputs to a leg crosses to the router's owner
 * thread through its queue, and what the stage answers enters the bridge through the owner's Forwarder; a full queue
 * is a counted drop, never a block of the sending thread, and a device port (here a {@link PipePort}) that fills it
 * stops reading until the owner has drained it (backpressure).
 */
class RouterWiringTest {
    static final long HOST_MAC = MacAddress.parse("02:00:00:00:00:01");
    static final long LEG_MAC = MacAddress.parse("02:00:00:00:00:fe");
    static final int HOST_IP = Ipv4Header.parseAddress("10.0.0.5");
    static final int LEG_IP = Ipv4Header.parseAddress("10.0.0.1");

    final Reactor reactor = new Reactor(2);
    final Routers routers = new Routers(reactor);
    final Router router = routers.add("r1");
    final Bridge bridge = new Bridge("br0");
    final MemoryPort host = new MemoryPort("h1", 2);
    final RouterLegPort leg;
    final List<PipePort> pipePorts = new ArrayList<>();

    RouterWiringTest() {
        ReactorThread owner = reactor.nextForBridge();
        bridge.setOwner(owner.index(), owner.loop(), System::nanoTime);
        host.setVlan(VlanConfig.access(10));
        bridge.addPort(host);
        leg = routers.newLeg(new PortConfig("leg0", PortConfig.ROUTER, 10, List.of(), null,
                MacAddress.format(LEG_MAC), Map.of("router", "r1", "ip", "10.0.0.1/24")), 2);
        leg.setVlan(VlanConfig.access(10));
        bridge.addPort(leg);
        routers.attach(leg);
    }

    @AfterEach
    void close() {
        pipePorts.forEach(p -> p.stop(false));
        routers.stopAll();
        reactor.close();
    }

    /** A reactor thread that does not own the router: its frames must cross threads. */
    ReactorThread other() {
        return reactor.threads().get((router.ownerThread() + 1) % 2);
    }

    /** Receives an ARP request for {@code target} on the host port, on thread {@code t}, and ends the burst. */
    void hostArps(ReactorThread t, int target, int times) throws Exception {
        t.loop().submit(() -> {
            UnsafeBuffer buf = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
            for (int i = 0; i < times; i++) {
                int off = Forwarder.HEADROOM;
                VirtioNetHeader.clear(buf, off);
                int len = ArpHeader.writeRequestFrame(buf, off + VirtioNetHeader.LENGTH, HOST_MAC, HOST_IP, target);
                t.forwarder().receive(host, buf, off, VirtioNetHeader.LENGTH + len, -1, System.nanoTime());
                t.forwarder().flush();
            }
        }).get(10, TimeUnit.SECONDS);
    }

    @Test
    void anArpRequestFromAnotherThreadIsAnsweredThroughTheBridge() throws Exception {
        hostArps(other(), LEG_IP, 1);
        List<byte[]> got = List.of();
        for (int i = 0; i < 100 && got.isEmpty(); i++) {
            Thread.sleep(20);
            got = host.drain();
        }
        assertEquals(1, got.size(), "one ARP reply must reach the host");
        UnsafeBuffer reply = new UnsafeBuffer(got.get(0));
        assertEquals(HOST_MAC, EthernetHeader.dst(reply, 0));
        assertEquals(LEG_MAC, EthernetHeader.src(reply, 0));
        assertEquals(ArpHeader.OPER_REPLY, ArpHeader.operation(reply, EthernetHeader.LENGTH));
        assertEquals(LEG_IP, ArpHeader.senderIp(reply, EthernetHeader.LENGTH));
        assertEquals(1, leg.counters().get(PortCounters.TX_PACKETS), "the leg counts what it passed to the router");
        assertEquals(1, leg.counters().get(PortCounters.RX_PACKETS), "and what the router sent into the bridge");
        assertEquals(1, router.onOwner(() -> router.stage().arp().size()), "the router learned the asker");
    }

    /**
     * One frame at a time, as a ping-pong sends them, through more than the queue's whole ring: every frame is
     * answered, also the one that lands behind the padding record at the ring's wrap (a drain that stopped at the
     * buffer's end left it there until the next frame came, which a ping-pong never sends: sockperf through the
     * router then saw no reply at all).
     */
    @Test
    void framesOneAtATimeAcrossTheQueuesWrapAreAllAnswered() throws Exception {
        ReactorThread t = other();
        // A 60-byte ARP request (padded to the Ethernet minimum) takes 144 bytes of ring, which 2^n bytes do not
        // divide: at the wrap the last record does not fit and the next frame goes behind a padding record.
        int frames = Router.QUEUE_BYTES / 144 + 2000;
        UnsafeBuffer buf = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
        for (int i = 0; i < frames; i++) {
            t.loop().submit(() -> {
                int off = Forwarder.HEADROOM;
                VirtioNetHeader.clear(buf, off);
                int len = ArpHeader.writeRequestFrame(buf, off + VirtioNetHeader.LENGTH, HOST_MAC, HOST_IP, LEG_IP);
                buf.setMemory(off + VirtioNetHeader.LENGTH + len, 60 - len, (byte) 0);
                t.forwarder().receive(host, buf, off, VirtioNetHeader.LENGTH + 60, -1, System.nanoTime());
                t.forwarder().flush();
            }).get(10, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            int got = 0;
            while (got == 0 && System.nanoTime() < deadline) {
                got = host.drain().size();
                if (got == 0) {
                    Thread.onSpinWait();
                }
            }
            assertEquals(1, got, "frame " + i + " of " + frames + " answered");
        }
        assertEquals(0, router.queueFull());
    }

    /**
     * Complete TCP segments (a sender without TSO, or a super-frame the router had to cut): the router joins what it
     * forwards into one GSO super-frame per connection and output leg, so a port that takes offloads gets them at
     * once, and one that does not gets the segments again, each routed (TTL - 1) with a valid checksum.
     */
    @Test
    void consecutiveTcpSegmentsLeaveAsOneSuperFrame() throws Exception {
        for (boolean offloads : new boolean[] {true, false}) {
            int vlan = offloads ? 20 : 30;
            String net = offloads ? "10.0.1." : "10.0.2.";
            MemoryPort far = farHost("h2" + offloads, vlan, net, offloads);
            int farIp = Ipv4Header.parseAddress(net + "5");
            long farMac = farMac(vlan);
            ReactorThread t = other();
            t.loop().submit(() -> {
                UnsafeBuffer buf = new UnsafeBuffer(ByteBuffer.allocateDirect(20 * 2048));
                for (int i = 0; i < 10; i++) {
                    int off = Forwarder.HEADROOM + i * 2048;
                    VirtioNetHeader.clear(buf, off);
                    int len = tcpSegment(buf, off + VirtioNetHeader.LENGTH, farIp, 1000 + i * 1000, 1000, i == 9);
                    t.forwarder().receive(host, buf, off, VirtioNetHeader.LENGTH + len, -1, System.nanoTime());
                }
                t.forwarder().flush(); // one burst: the owner drains the ten together
            }).get(10, TimeUnit.SECONDS);
            int expected = offloads ? 1 : 10;
            Arrivals arrived = awaitFrames(far, expected);
            List<byte[]> got = arrived.frames();
            List<byte[]> headers = arrived.headers();
            assertEquals(expected, got.size(), "offloads=" + offloads + ": frames at the far host");
            int payload = 0;
            for (byte[] f : got) {
                UnsafeBuffer b = new UnsafeBuffer(f);
                int ip = EthernetHeader.LENGTH;
                assertEquals(farMac, EthernetHeader.dst(b, 0));
                assertEquals(63, Ipv4Header.ttl(b, ip), "routed once");
                assertTrue(Checksum.isIpv4HeaderChecksumValid(b, ip));
                payload += Ipv4Header.totalLength(b, ip) - 40;
            }
            assertEquals(10_000, payload, "all the payload, once");
            if (offloads) {
                UnsafeBuffer h = new UnsafeBuffer(headers.get(0));
                assertEquals(VirtioNetHeader.GSO_TCPV4, VirtioNetHeader.gsoType(h, 0));
                assertEquals(1000, VirtioNetHeader.gsoSize(h, 0));
            }
        }
    }

    /**
     * GSO pass-through: a VM's TSO super-frame (10 x 1000 bytes, checksum partial) reaches the router whole through
     * the leg, is routed whole, and leaves whole, with its virtio header, towards a port that takes offloads; towards
     * one that does not, the Forwarder after the router cuts it into ten complete segments.
     */
    @Test
    void aSuperFrameIsRoutedWholeAndSegmentedOnlyForOutputsWithoutOffloads() throws Exception {
        for (boolean offloads : new boolean[] {true, false}) {
            int vlan = offloads ? 40 : 50;
            String net = offloads ? "10.0.4." : "10.0.5.";
            MemoryPort far = farHost("g2" + offloads, vlan, net, offloads);
            int farIp = Ipv4Header.parseAddress(net + "5");
            long farMac = farMac(vlan);
            ReactorThread t = other();
            long wholeBefore = router.stage().gsoWhole();
            t.loop().submit(() -> {
                UnsafeBuffer buf = new UnsafeBuffer(ByteBuffer.allocateDirect(Forwarder.HEADROOM + 12_000));
                int off = Forwarder.HEADROOM;
                int len = superFrame(buf, off, farIp, 5000, 10_000);
                t.forwarder().receive(host, buf, off, len, -1, System.nanoTime());
                t.forwarder().flush();
            }).get(10, TimeUnit.SECONDS);
            int expected = offloads ? 1 : 10;
            Arrivals arrived = awaitFrames(far, expected);
            List<byte[]> got = arrived.frames();
            List<byte[]> headers = arrived.headers();
            assertEquals(expected, got.size(), "offloads=" + offloads + ": frames at the far host");
            assertEquals(1, router.stage().gsoWhole() - wholeBefore, "routed whole, once");
            int payload = 0;
            for (byte[] f : got) {
                UnsafeBuffer b = new UnsafeBuffer(f);
                int ip = EthernetHeader.LENGTH;
                assertEquals(farMac, EthernetHeader.dst(b, 0));
                assertEquals(63, Ipv4Header.ttl(b, ip), "routed once");
                assertTrue(Checksum.isIpv4HeaderChecksumValid(b, ip));
                int l4Len = Ipv4Header.totalLength(b, ip) - 20;
                payload += l4Len - 20;
                if (!offloads) {
                    assertEquals(0xffff, Checksum.fold(Checksum.pseudoIpv4(b, ip, Ipv4Header.PROTO_TCP, l4Len)
                            + Checksum.sum(b, ip + 20, l4Len)), "segment's TCP checksum");
                }
            }
            assertEquals(10_000, payload, "all the payload, once");
            if (offloads) {
                UnsafeBuffer h = new UnsafeBuffer(headers.get(0));
                assertEquals(VirtioNetHeader.GSO_TCPV4, VirtioNetHeader.gsoType(h, 0));
                assertEquals(1000, VirtioNetHeader.gsoSize(h, 0));
                assertEquals(VirtioNetHeader.FLAG_NEEDS_CSUM, VirtioNetHeader.flags(h, 0));
            }
        }
    }

    /**
     * A TCP super-frame as a TSO sender leaves it (segments of 1000 bytes, the pseudo-header sum in the checksum
     * field, segmentation to do), virtio header at {@code vnetOff}; returns its length with the header.
     */
    static int superFrame(UnsafeBuffer buf, int vnetOff, int dst, int seq, int payload) {
        int frame = vnetOff + VirtioNetHeader.LENGTH;
        int len = tcpSegment(buf, frame, dst, seq, payload, true);
        int ip = frame + EthernetHeader.LENGTH;
        TcpHeader.setChecksum(buf, ip + 20, Checksum.fold(Checksum.pseudoIpv4(buf, ip, Ipv4Header.PROTO_TCP,
                20 + payload)));
        VirtioNetHeader.clear(buf, vnetOff);
        VirtioNetHeader.setFlags(buf, vnetOff, VirtioNetHeader.FLAG_NEEDS_CSUM);
        VirtioNetHeader.setGsoType(buf, vnetOff, VirtioNetHeader.GSO_TCPV4);
        VirtioNetHeader.setGsoSize(buf, vnetOff, 1000);
        VirtioNetHeader.setHdrLen(buf, vnetOff, 54);
        VirtioNetHeader.setCsumStart(buf, vnetOff, 34);
        VirtioNetHeader.setCsumOffset(buf, vnetOff, TcpHeader.CHECKSUM_OFFSET);
        return VirtioNetHeader.LENGTH + len;
    }

    static long farMac(int vlan) {
        return MacAddress.parse("02:00:00:00:" + vlan + ":05");
    }

    /**
     * A far host port on VLAN {@code vlan} of br0 behind a new leg of r1 ({@code net}1/24), taking offloads or not;
     * the host ({@code net}5) has asked for the leg's address, so the router knows it.
     */
    MemoryPort farHost(String name, int vlan, String net, boolean offloads) throws Exception {
        MemoryPort far = new MemoryPort(name, 2);
        far.setVlan(VlanConfig.access(vlan));
        far.setAcceptsOffloads(offloads);
        bridge.addPort(far);
        RouterLegPort leg1 = routers.newLeg(new PortConfig("leg" + vlan, PortConfig.ROUTER, vlan, List.of(), null,
                "02:00:00:00:" + vlan + ":fe", Map.of("router", "r1", "ip", net + "1/24")), 2);
        leg1.setVlan(VlanConfig.access(vlan));
        bridge.addPort(leg1);
        routers.attach(leg1);
        ReactorThread t = other();
        t.loop().submit(() -> {
            UnsafeBuffer buf = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
            int off = Forwarder.HEADROOM;
            VirtioNetHeader.clear(buf, off);
            int len = ArpHeader.writeRequestFrame(buf, off + VirtioNetHeader.LENGTH, farMac(vlan),
                    Ipv4Header.parseAddress(net + "5"), Ipv4Header.parseAddress(net + "1"));
            t.forwarder().receive(far, buf, off, VirtioNetHeader.LENGTH + len, -1, System.nanoTime());
            t.forwarder().flush();
        }).get(10, TimeUnit.SECONDS);
        for (int i = 0; i < 100 && far.drain().isEmpty(); i++) {
            Thread.sleep(20);
        }
        return far;
    }

    /** What reached a far host: its frames, and the virtio headers it recorded for them. */
    record Arrivals(List<byte[]> frames, List<byte[]> headers) {
    }

    /** Collects what {@code far} receives until {@code expected} frames have arrived or 2 s have passed. */
    static Arrivals awaitFrames(MemoryPort far, int expected) throws InterruptedException {
        List<byte[]> got = new java.util.ArrayList<>();
        List<byte[]> headers = List.of();
        for (int i = 0; i < 100 && got.size() < expected; i++) {
            Thread.sleep(20);
            headers = far.headers();
            got.addAll(far.drain());
        }
        return new Arrivals(got, headers);
    }

    /** A TCP segment 10.0.0.5:40000 -> dst:80 to the leg's MAC, {@code payload} bytes, ACK (PSH on the last). */
    static int tcpSegment(UnsafeBuffer b, int off, int dst, int seq, int payload, boolean last) {
        int ip = off + EthernetHeader.LENGTH;
        int l4 = ip + 20;
        EthernetHeader.setDst(b, off, LEG_MAC);
        EthernetHeader.setSrc(b, off, HOST_MAC);
        EthernetHeader.setEtherType(b, off, EthernetHeader.ETH_P_IPV4);
        Ipv4Header.setVersionAndHeaderLength(b, ip, 20);
        Ipv4Header.setTos(b, ip, 0);
        Ipv4Header.setTotalLength(b, ip, 40 + payload);
        Ipv4Header.setId(b, ip, seq);
        Ipv4Header.setFlagsFragment(b, ip, Ipv4Header.FLAG_DF);
        Ipv4Header.setTtl(b, ip, 64);
        Ipv4Header.setProtocol(b, ip, Ipv4Header.PROTO_TCP);
        Ipv4Header.setSrc(b, ip, HOST_IP);
        Ipv4Header.setDst(b, ip, dst);
        Checksum.writeIpv4HeaderChecksum(b, ip);
        TcpHeader.setSrcPort(b, l4, 40000);
        TcpHeader.setDstPort(b, l4, 80);
        TcpHeader.setSeq(b, l4, seq);
        TcpHeader.setAck(b, l4, 1);
        TcpHeader.setHeaderLength(b, l4, 20);
        TcpHeader.setFlags(b, l4, last ? TcpHeader.ACK | TcpHeader.PSH : TcpHeader.ACK);
        TcpHeader.setWindow(b, l4, 512);
        TcpHeader.setUrgentPointer(b, l4, 0);
        for (int i = 0; i < payload; i++) {
            b.putByte(l4 + 20 + i, (byte) (seq + i));
        }
        TcpHeader.setChecksum(b, l4, 0);
        TcpHeader.setChecksum(b, l4, Checksum.finish(Checksum.pseudoIpv4(b, ip, Ipv4Header.PROTO_TCP, 20 + payload)
                + Checksum.sum(b, l4, 20 + payload)));
        return EthernetHeader.LENGTH + 40 + payload;
    }

    /** Keeps the router's owner busy, so nothing drains, until the latch returned is counted down (10 s at most). */
    CountDownLatch blockOwner() {
        CountDownLatch release = new CountDownLatch(1);
        router.onOwner(() -> {
            // A task of the owner's own, queued behind this one.
            reactor.threads().get(router.ownerThread()).loop().execute(() -> {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            return null;
        });
        return release;
    }

    @Test
    void aFullQueueIsACountedDropAndTheRouterRecovers() throws Exception {
        CountDownLatch release = blockOwner();
        int frames = Router.QUEUE_BYTES / 32; // an ARP frame takes 42 bytes + 8 of header, aligned to 8: 56
        hostArps(other(), LEG_IP, frames);
        release.countDown();
        long dropped = leg.counters().get(PortCounters.TX_DROPPED);
        assertTrue(dropped > 0, "the queue must overflow: tx=" + leg.counters().get(PortCounters.TX_PACKETS)
                + " host rx=" + host.counters().get(PortCounters.RX_PACKETS) + " drops=" + host.counters().totalDrops()
                + " queue_full=" + router.queueFull());
        assertEquals(dropped, router.queueFull());
        assertEquals(frames, leg.counters().get(PortCounters.TX_PACKETS) + dropped, "every frame counted once");
        long answered = 0;
        for (int i = 0; i < 200 && answered < frames - dropped; i++) {
            Thread.sleep(20);
            answered += host.drain().size();
        }
        assertEquals(frames - dropped, answered, "every queued request is answered once the owner is free");
    }

    /**
     * Backpressure: a device port that reads faster than the router's owner drains stops reading once the queue has
     * no room for another burst like its last one; its frames wait in its device (here a pipe) instead of being lost,
     * its thread keeps serving its other ports, and the owner resumes it once it has drained: every frame arrives,
     * once and in order, and none is dropped.
     */
    @Test
    void aPortFillingTheQueuePausesAndResumesWithNothingLost() throws Exception {
        int payload = 60_000; // a 64-KiB-class TSO super-frame: 32 of them take nearly half the queue
        MemoryPort far = farHost("f60", 60, "10.0.6.", true);
        PipePort fast = pipePort("fast", other(), 10, superFrames(Ipv4Header.parseAddress("10.0.6.5"), payload));
        MemoryPort neighbour = new MemoryPort("n70", 2);
        neighbour.setVlan(VlanConfig.access(70));
        bridge.addPort(neighbour);
        PipePort slow = pipePort("slow", other(), 70, RouterWiringTest::plainFrame); // same thread as fast

        CountDownLatch release = blockOwner();
        int frames = 200;
        fast.offer(frames);
        await(() -> fast.pauses() > 0, "the port pauses");
        int readWhenPaused = fast.read();
        assertTrue(readWhenPaused < frames && readWhenPaused % PacketPool.MAX_BURST == 0,
                "it read whole bursts, then stopped: " + readWhenPaused);
        assertEquals(0, router.queueFull(), "it stopped before a frame did not fit");
        slow.offer(10);
        await(() -> neighbour.counters().get(PortCounters.TX_PACKETS) == 10,
                "the paused port's thread still serves its other ports");
        Thread.sleep(100);
        assertEquals(readWhenPaused, fast.read(), "a paused port reads nothing, while the owner is busy");

        release.countDown();
        assertEquals(IntStream.range(0, frames).boxed().toList(), awaitSequence(far, frames, payload),
                "every frame arrives, once, in order");
        assertEquals(frames, fast.read());
        fast.offer(5);
        assertEquals(IntStream.range(frames, frames + 5).boxed().toList(), awaitSequence(far, 5, payload),
                "resumed, the port reads as before");
        assertEquals(0, router.queueFull());
        assertEquals(0, leg.counters().get(PortCounters.TX_DROPPED));
        assertTrue(router.pauses() >= fast.pauses(), "the router counts the pauses it caused");
        assertEquals(0, router.timerResumes(), "resumed by the drain, not by the poll timer's bound");
    }

    /**
     * Many pauses in a row, at random moments: a port on another thread streams super-frames into the router while
     * the owner stalls now and then (a millisecond, as when the stack behind its output runs long; some 30 pauses per
     * run). Every frame gets through, once and in order, none is dropped, and the port is never left paused (a lost
     * wake-up would leave frames in the pipe until the poll timer's bound, which counts). Then the same from the
     * owner's own thread, where reads and drains take turns (it seldom pauses there; nothing may break either).
     */
    @Test
    void aStreamIntoTheRouterIsPausedAndResumedWithoutLoss() throws Exception {
        int payload = 16_000;
        int frames = 12_000;
        MemoryPort far = farHost("s80", 80, "10.0.8.", true);
        PipePort.Frames stream = superFrames(Ipv4Header.parseAddress("10.0.8.5"), payload);
        ReactorThread owner = reactor.threads().get(router.ownerThread());
        AtomicBoolean streaming = new AtomicBoolean(true);
        Thread staller = Thread.ofPlatform().daemon().start(() -> {
            while (streaming.get()) {
                owner.loop().execute(() -> LockSupport.parkNanos(1_000_000));
                LockSupport.parkNanos(2_000_000);
            }
        });
        long pauses = 0;
        try {
            for (ReactorThread t : List.of(other(), owner)) {
                PipePort p = pipePort("s" + t.index(), t, 10, stream);
                for (int i = 0; i < frames; i += 4000) {
                    p.offer(4000);
                }
                assertEquals(IntStream.range(0, frames).boxed().toList(), awaitSequence(far, frames, payload),
                        "thread " + t.index() + ": every frame, once, in order (" + p.pauses() + " pauses)");
                pauses += p.pauses();
                p.stop(false);
                bridge.removePort(p);
            }
        } finally {
            streaming.set(false);
            staller.join();
        }
        assertTrue(pauses > 0, "the stalls made the port pause");
        assertEquals(0, router.queueFull());
        assertEquals(0, router.timerResumes());
    }

    /**
     * The lost wake-up this must not have: a port that pauses just as the owner's last drain ends (the queue empty,
     * no drain to come) is still resumed at once, by the drain its pause schedules, not after the poll timer's bound.
     */
    @Test
    void aPauseAfterTheLastDrainIsResumedAtOnce() throws Exception {
        for (ReactorThread t : reactor.threads()) {
            CountDownLatch resumed = new CountDownLatch(1);
            router.resumeWhenRoom(new ReadPause(t, resumed::countDown));
            assertTrue(resumed.await(10, TimeUnit.SECONDS), "resumed on thread " + t.index());
        }
        assertEquals(0, router.timerResumes(), "by a drain, not by the timer");
    }

    /** A started pipe port on access VLAN {@code vlan} of br0, read by {@code t}. */
    PipePort pipePort(String name, ReactorThread t, int vlan, PipePort.Frames frames) throws Exception {
        PipePort p = new PipePort(name, t, 2, frames);
        p.setVlan(VlanConfig.access(vlan));
        bridge.addPort(p);
        p.start();
        pipePorts.add(p);
        return p;
    }

    /** Super-frames of {@code payload} bytes from the host to {@code dst} via the leg; frame n has seq n x payload. */
    static PipePort.Frames superFrames(int dst, int payload) {
        UnsafeBuffer template = new UnsafeBuffer(ByteBuffer.allocateDirect(Forwarder.HEADROOM + payload + 100));
        int len = superFrame(template, 0, dst, 0, payload);
        int seqOff = VirtioNetHeader.LENGTH + EthernetHeader.LENGTH + 20 + 4;
        return (buf, vnetOff, seq) -> {
            buf.putBytes(vnetOff, template, 0, len);
            buf.putInt(vnetOff + seqOff, seq * payload, java.nio.ByteOrder.BIG_ENDIAN); // the checksum is partial
            return len;
        };
    }

    /** A 60-byte frame to an unknown MAC (flooded in its VLAN), virtio header first. */
    static int plainFrame(UnsafeBuffer buf, int vnetOff, int seq) {
        VirtioNetHeader.clear(buf, vnetOff);
        int off = vnetOff + VirtioNetHeader.LENGTH;
        buf.setMemory(off, 60, (byte) 0);
        EthernetHeader.setDst(buf, off, MacAddress.parse("02:00:00:00:70:01"));
        EthernetHeader.setSrc(buf, off, MacAddress.parse("02:00:00:00:70:02"));
        EthernetHeader.setEtherType(buf, off, 0x88b5); // local experimental
        return VirtioNetHeader.LENGTH + 60;
    }

    /**
     * The frame numbers of the next {@code count} super-frames {@code far} receives (sequence number / payload), in
     * arrival order; fewer when they do not come within 30 s.
     */
    static List<Integer> awaitSequence(MemoryPort far, int count, int payload) throws InterruptedException {
        List<Integer> got = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (got.size() < count && System.nanoTime() < deadline) {
            List<byte[]> frames = far.drain();
            if (frames.isEmpty()) {
                Thread.sleep(5);
            }
            for (byte[] f : frames) {
                UnsafeBuffer b = new UnsafeBuffer(f);
                assertEquals(63, Ipv4Header.ttl(b, EthernetHeader.LENGTH), "routed once");
                got.add(TcpHeader.seq(b, EthernetHeader.LENGTH + 20) / payload);
            }
        }
        return got;
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out: " + what);
            Thread.sleep(5);
        }
    }
}
