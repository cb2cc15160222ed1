package io.jvs.core.packet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class MacAddressTest {
    @Test
    void shouldPutFirstWireByteInMostSignificantPosition() {
        final UnsafeBuffer buf = new UnsafeBuffer(new byte[16]);
        buf.putBytes(1, new byte[] {0x01, 0x23, 0x45, 0x67, (byte) 0x89, (byte) 0xab});
        assertEquals(0x0123_4567_89abL, MacAddress.read(buf, 1));
    }

    @Test
    void shouldWriteSixBytesAndNothingElse() {
        final UnsafeBuffer buf = new UnsafeBuffer(new byte[16]);
        buf.setMemory(0, 16, (byte) 0x77);
        MacAddress.write(buf, 3, 0xaabb_ccdd_eeffL);
        final byte[] out = new byte[16];
        buf.getBytes(0, out);
        assertEquals(0x77, out[2] & 0xff);
        assertEquals(0xaa, out[3] & 0xff);
        assertEquals(0xff, out[8] & 0xff);
        assertEquals(0x77, out[9] & 0xff);
        assertEquals(0xaabb_ccdd_eeffL, MacAddress.read(buf, 3));
    }

    @Test
    void shouldClassifyMulticastBroadcastAndZero() {
        assertTrue(MacAddress.isMulticast(0x0100_5e00_0001L));
        assertTrue(MacAddress.isMulticast(0x3333_0000_0001L));
        assertTrue(MacAddress.isMulticast(MacAddress.BROADCAST));
        assertFalse(MacAddress.isMulticast(0x0200_0000_0001L));
        assertFalse(MacAddress.isMulticast(0x00ff_ffff_ffffL));
        assertTrue(MacAddress.isBroadcast(MacAddress.BROADCAST));
        assertFalse(MacAddress.isBroadcast(0xffff_ffff_fffeL));
        assertTrue(MacAddress.isZero(0));
        assertFalse(MacAddress.isZero(1));
    }

    @Test
    void shouldFormatLowerCaseWithColons() {
        assertEquals("0a:1b:2c:3d:4e:5f", MacAddress.format(0x0a1b_2c3d_4e5fL));
        assertEquals("00:00:00:00:00:00", MacAddress.format(0));
        assertEquals("ff:ff:ff:ff:ff:ff", MacAddress.format(MacAddress.BROADCAST));
    }

    @Test
    void shouldParseUpperAndLowerCase() {
        assertEquals(0xaabb_ccdd_eeffL, MacAddress.parse("aa:bb:cc:dd:ee:ff"));
        assertEquals(0xaabb_ccdd_eeffL, MacAddress.parse("AA:BB:CC:DD:EE:FF"));
        assertEquals(0x0200_5e10_0001L, MacAddress.parse("02:00:5E:10:00:01"));
    }

    @Test
    void shouldRoundTripFormatAndParse() {
        final long[] macs = {0, 1, 0x0123_4567_89abL, 0xfedc_ba98_7654L, MacAddress.BROADCAST};
        for (final long mac : macs) {
            assertEquals(mac, MacAddress.parse(MacAddress.format(mac)));
        }
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {
        "", "aa:bb:cc:dd:ee", "aa:bb:cc:dd:ee:ff:00", "aa-bb-cc-dd-ee-ff", "aabb.ccdd.eeff", "aabbccddeeff",
        "a:bb:cc:dd:ee:fff", "gg:bb:cc:dd:ee:ff", "aa:bb:cc:dd:ee:f ", " aa:bb:cc:dd:ee:f", "+a:bb:cc:dd:ee:ff",
        "aa:bb:cc:dd:ee:\uff10\uff10"})
    void shouldRejectMalformedMacStrings(final String text) {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MacAddress.parse(text));
        assertTrue(e.getMessage().contains("MAC address"), e.getMessage());
    }

    @Test
    void shouldNameTheOffendingInputInTheMessage() {
        final IllegalArgumentException e =
            assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("aa:bb:cc:dd:ee:zz"));
        assertTrue(e.getMessage().contains("aa:bb:cc:dd:ee:zz"), e.getMessage());
        assertTrue(e.getMessage().contains("\"zz\""), e.getMessage());
    }
}
