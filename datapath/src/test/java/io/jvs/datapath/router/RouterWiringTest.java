package io.jvs.datapath.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.jvs.core.bridge.Bridge;
import io.jvs.core.bridge.Forwarder;
import io.jvs.core.bridge.MemoryPort;
import io.jvs.core.bridge.PortCounters;
import io.jvs.core.bridge.VlanConfig;
import io.jvs.core.packet.ArpHeader;
import io.jvs.core.packet.EthernetHeader;
import io.jvs.core.packet.Ipv4Header;
import io.jvs.core.packet.MacAddress;
import io.jvs.core.packet.VirtioNetHeader;
import io.jvs.datapath.control.PortConfig;
import io.jvs.datapath.reactor.Reactor;
import io.jvs.datapath.reactor.ReactorThread;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The router's wiring without devices: a frame a bridge outputs to a leg crosses to the router's owner thread
 * through its queue, and what the stage answers enters the bridge through the owner's Forwarder; a full queue is a
 * counted drop, never a block.
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

    @Test
    void aFullQueueIsACountedDropAndTheRouterRecovers() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        router.onOwner(() -> {
            // Keep the owner busy from a task of its own, so nothing drains while the queue fills.
            reactor.threads().get(router.ownerThread()).loop().execute(() -> {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            return null;
        });
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
}
