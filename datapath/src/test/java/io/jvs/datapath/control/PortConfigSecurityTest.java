package io.jvs.datapath.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The db fields of security groups: old files load, a port without security writes nothing new, [] survives. */
class PortConfigSecurityTest {
    @TempDir
    Path dir;

    private SwitchConfig roundTrip(SwitchConfig c) throws IOException {
        ConfigDb db = new ConfigDb(dir.resolve("conf.json"));
        db.save(c);
        return new ConfigDb(dir.resolve("conf.json")).load();
    }

    private static SwitchConfig one(PortConfig p) {
        return new SwitchConfig(List.of(new BridgeConfig("br0", List.of(p))));
    }

    @Test
    void aDbFromBeforeSecurityGroupsLoadsAsPortsWithoutSecurity() throws IOException {
        Path f = dir.resolve("old.json");
        Files.writeString(f, """
                { "bridges" : [ { "name" : "br0", "ports" : [ { "name" : "vm1", "type" : "internal", "tag" : 10 } ] } ] }
                """);
        PortConfig p = new ConfigDb(f).load().port("vm1").orElseThrow();
        assertFalse(p.securityOn());
        assertNull(p.allowed());
        assertNull(p.acl());
        assertEquals(10, p.tag());
    }

    @Test
    void aPortWithoutSecurityWritesNoSecurityFields() throws IOException {
        roundTrip(one(new PortConfig("vm1", PortConfig.INTERNAL, 10, null, null, null, null)));
        String json = Files.readString(dir.resolve("conf.json"));
        assertFalse(json.contains("security") || json.contains("acl") || json.contains("allowed"), json);
    }

    @Test
    void rulesSecurityAndAllowedSurviveAndAnEmptyRuleListStaysEmpty() throws IOException {
        PortConfig p = new PortConfig("vm1", PortConfig.INTERNAL, 10, null, null, null, null)
                .withSecurity(true, "02:00:00:00:00:01,10.0.0.1", List.of(
                        "ingress ethertype=ipv4 proto=tcp port=22 remote=10.0.0.0/24 id=ssh"));
        PortConfig back = roundTrip(one(p)).port("vm1").orElseThrow();
        assertEquals(p, back);
        assertTrue(back.securityOn());
        PortConfig none = p.withSecurity(false, null, List.of());
        PortConfig backNone = roundTrip(one(none)).port("vm1").orElseThrow();
        assertEquals(List.of(), backNone.acl(), "deleted default rules must not come back at restart");
        assertFalse(backNone.securityOn());
        assertEquals(p.withVlan(20, List.of()).acl(), p.acl(), "set port tag= keeps the rules");
    }
}
