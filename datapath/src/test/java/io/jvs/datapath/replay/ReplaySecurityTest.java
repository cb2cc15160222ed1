package io.jvs.datapath.replay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.jvs.core.pcap.PcapWriter;
import io.jvs.datapath.control.BridgeConfig;
import io.jvs.datapath.control.ConfigDb;
import io.jvs.datapath.control.PortConfig;
import io.jvs.datapath.control.SwitchConfig;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `jvs replay` of a db with a port whose security is on filters as the daemon does. */
class ReplaySecurityTest {
    static final long S = 1_000_000_000L;
    static final long T = 1_700_000_000L * S;
    static final long VM = 0x02_00_00_00_00_0aL, PEER = 0x02_00_00_00_00_0bL;

    @TempDir
    Path dir;

    static byte[] tcp(long dstMac, long srcMac, int src, int dst, int srcPort, int dstPort, int flags) {
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + 20);
        b.putShort((short) (dstMac >>> 32)).putInt((int) dstMac).putShort((short) (srcMac >>> 32)).putInt((int) srcMac);
        b.putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) 40).putInt(0).put((byte) 64).put((byte) 6).putShort((short) 0)
                .putInt(src).putInt(dst);
        b.putShort((short) srcPort).putShort((short) dstPort).putInt(1).putInt(0).put((byte) 0x50).put((byte) flags)
                .putShort((short) 1000).putInt(0);
        return b.array();
    }

    void pcap(String name, long[] ts, byte[]... frames) throws IOException {
        try (PcapWriter w = new PcapWriter(Files.newOutputStream(dir.resolve(name)))) {
            for (int i = 0; i < frames.length; i++) {
                w.write(ts[i], frames[i]);
            }
        }
    }

    @Test
    void shouldFilterAPortWithSecurityOn() throws IOException {
        int vmIp = 0x0a00_0001;
        int peerIp = 0x0a00_0002;
        PortConfig vm = new PortConfig("vm", PortConfig.INTERNAL, null, null, null, null, null)
                .withSecurity(true, "02:00:00:00:00:0a,10.0.0.1", List.of("egress ethertype=ipv4 id=out",
                        "ingress ethertype=ipv4 proto=tcp port=22 id=ssh"));
        Path db = dir.resolve("conf.json");
        new ConfigDb(db).save(new SwitchConfig(List.of(new BridgeConfig("br0", List.of(vm,
                new PortConfig("peer", PortConfig.SYSTEM, null, null, null, null, null))))));
        byte[] ssh = tcp(VM, PEER, peerIp, vmIp, 40000, 22, 0x02);
        byte[] web = tcp(VM, PEER, peerIp, vmIp, 40001, 80, 0x02);
        byte[] sshReply = tcp(PEER, VM, vmIp, peerIp, 22, 40000, 0x12);
        byte[] spoofed = tcp(PEER, VM, 0x0a00_0009, peerIp, 5555, 80, 0x02);
        byte[] webOut = tcp(PEER, VM, vmIp, peerIp, 5556, 80, 0x02);
        byte[] webOutReply = tcp(VM, PEER, peerIp, vmIp, 80, 5556, 0x12);
        pcap("peer.in.pcap", new long[] {T, T + 1, T + 5 * S}, ssh, web, webOutReply);
        pcap("vm.in.pcap", new long[] {T + 2, T + 3, T + 4 * S}, sshReply, spoofed, webOut);
        Path out = dir.resolve("out");
        ReplayTest.Result r = ReplayTest.replay(List.of("--db", db.toString(), "--in", "peer=" + dir.resolve("peer.in.pcap"),
                "--in", "vm=" + dir.resolve("vm.in.pcap"), "--out", out.toString()));
        assertEquals(0, r.status(), r.err());
        List<io.jvs.core.pcap.PcapRecord> toVm = ReplayTest.read(out.resolve("vm.pcap"));
        assertEquals(2, toVm.size(), "the SSH SYN and the reply to the VM's own connection");
        assertArrayEquals(ssh, toVm.get(0).data());
        assertArrayEquals(webOutReply, toVm.get(1).data());
        List<io.jvs.core.pcap.PcapRecord> toPeer = ReplayTest.read(out.resolve("peer.pcap"));
        assertEquals(2, toPeer.size());
        assertArrayEquals(sshReply, toPeer.get(0).data());
        assertArrayEquals(webOut, toPeer.get(1).data());
        JsonNode drops = new ObjectMapper().readTree(out.resolve("counters.json").toFile())
                .get("bridges").get("br0").get("ports").get("vm").get("drops");
        assertEquals(1, drops.get("sg_ingress").asLong());
        assertEquals(1, drops.get("spoofed_ip").asLong());
    }
}
