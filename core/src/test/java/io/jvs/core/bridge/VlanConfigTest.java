package io.jvs.core.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class VlanConfigTest {
    @Test
    void accessPortShouldAdmitUntaggedAndPriorityTaggedIntoItsVlan() {
        VlanConfig v = VlanConfig.access(10);
        assertEquals(10, v.ingress(-1));
        assertEquals(10, v.ingress(0));
        assertEquals(VlanConfig.REJECT, v.ingress(10));
        assertEquals(DropReason.TAGGED_ON_ACCESS, v.ingressDrop(10));
        assertTrue(v.carries(10));
        assertFalse(v.carries(20));
        assertEquals(-1, v.egressWireVid(10));
    }

    @Test
    void allVlanTrunkShouldCarryUntaggedAsVlanZero() {
        VlanConfig v = VlanConfig.TRUNK_ALL;
        assertEquals(0, v.ingress(-1));
        assertEquals(42, v.ingress(42));
        assertEquals(VlanConfig.REJECT, v.ingress(4095));
        assertTrue(v.carries(0));
        assertEquals(-1, v.egressWireVid(0));
        assertEquals(42, v.egressWireVid(42));
    }

    @Test
    void listedTrunkShouldCarryOnlyItsVlans() {
        VlanConfig v = VlanConfig.trunk(20, 10);
        assertEquals(10, v.ingress(10));
        assertEquals(VlanConfig.REJECT, v.ingress(30));
        assertEquals(VlanConfig.REJECT, v.ingress(-1));
        assertEquals(DropReason.VLAN_NOT_ALLOWED, v.ingressDrop(30));
        assertFalse(v.carries(0));
        assertTrue(v.carries(20));
        assertEquals("trunks=10,20", v.describe());
    }

    @Test
    void shouldRejectVlanZeroAndAbove4094() {
        assertThrows(IllegalArgumentException.class, () -> VlanConfig.access(0));
        assertThrows(IllegalArgumentException.class, () -> VlanConfig.access(4095));
        assertThrows(IllegalArgumentException.class, () -> VlanConfig.trunk(1, 5000));
    }
}
