package io.jvs.datapath.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The routers in the db: old files load, routers round-trip, a gateway goes with its leg. */
class RouterConfigTest {
    @TempDir
    Path dir;

    static final PortConfig LEG = new PortConfig("qg1", PortConfig.ROUTER, null, List.of(), null, "02:00:00:00:00:01",
            Map.of("router", "r1", "ip", "172.24.4.10/24"));

    static SwitchConfig withRouter() {
        RouterConfig r = new RouterConfig("r1", null)
                .withRoute(new RouterConfig.Route("192.0.2.0/24", "172.24.4.2"))
                .withGateway(new RouterConfig.Gateway("qg1", "172.24.4.1"))
                .withFips(List.of(new RouterConfig.Fip("172.24.4.20", "10.0.0.5")));
        return new SwitchConfig(List.of(new BridgeConfig("br-ex", List.of(LEG))), List.of(r));
    }

    @Test
    void aDbWrittenBeforeRoutersLoadsWithNone() throws Exception {
        Path file = dir.resolve("conf.json");
        Files.writeString(file, """
                { "bridges" : [ { "name" : "br0", "ports" : [ { "name" : "vm1", "type" : "internal", "tag" : 10 } ] } ] }
                """, StandardCharsets.UTF_8);
        SwitchConfig c = new ConfigDb(file).load();
        assertEquals(1, c.bridges().size());
        assertTrue(c.routers().isEmpty());
        new ConfigDb(file).save(c);
        assertFalse(Files.readString(file).contains("routers"), "no routers: the key is left out, as before");
    }

    @Test
    void routersRoundTripThroughTheDb() throws Exception {
        ConfigDb db = new ConfigDb(dir.resolve("conf.json"));
        db.save(withRouter());
        SwitchConfig back = db.load();
        assertEquals(withRouter(), back);
        assertEquals(List.of(LEG), back.legsOf("r1"));
    }

    @Test
    void deletingTheGatewayLegClearsTheGatewayButKeepsFloatingIps() {
        SwitchConfig c = withRouter().withoutPort("qg1");
        RouterConfig r = c.router("r1").orElseThrow();
        assertNull(r.gateway());
        assertEquals(1, r.fips().size());
        assertEquals(1, r.routes().size());
        assertNull(withRouter().withoutBridge("br-ex").router("r1").orElseThrow().gateway());
    }

    @Test
    void addingARouteForAKnownPrefixReplacesIt() {
        RouterConfig r = withRouter().router("r1").orElseThrow()
                .withRoute(new RouterConfig.Route("192.0.2.0/24", "172.24.4.3"));
        assertEquals(List.of(new RouterConfig.Route("192.0.2.0/24", "172.24.4.3")), r.routes());
    }
}
