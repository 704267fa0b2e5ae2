package io.xbow.packet.address;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.*;

class AddressTest
{
    @Test
    void shouldParseBothTheUsualAndTheDladmMacForms()
    {
        final long mac = 0x00163e64994dL;
        assertEquals(mac, MacAddress.parse("00:16:3e:64:99:4d"));
        assertEquals(mac, MacAddress.parse("0:16:3e:64:99:4d"));
        assertEquals(mac, MacAddress.parse("00:16:3E:64:99:4D"));
        assertEquals(mac, MacAddress.parse("00-16-3e-64-99-4d"));
        assertEquals(0x020820c23938L, MacAddress.parse("2:8:20:c2:39:38"));
    }

    @Test
    void shouldFormatBothTheUsualAndTheDladmMacForms()
    {
        assertEquals("00:16:3e:64:99:4d", MacAddress.format(0x00163e64994dL));
        assertEquals("0:16:3e:64:99:4d", MacAddress.formatDladm(0x00163e64994dL));
        assertEquals("2:8:20:c2:39:38", MacAddress.formatDladm(0x020820c23938L));
        assertEquals("ff:ff:ff:ff:ff:ff", MacAddress.formatDladm(MacAddress.BROADCAST));
        assertEquals("0:0:0:0:0:0", MacAddress.formatDladm(0));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "00:16:3e:64:99", "00:16:3e:64:99:4d:01", "000:16:3e:64:99:4d", "00:16:3e:64:99:",
        ":16:3e:64:99:4d", "00::3e:64:99:4d", "00:16:3e:64:99:4g", "00:16-3e:64:99:4d", " 00:16:3e:64:99:4d",
        "00:16:3e:64:99:4d ", "٠٠:16:3e:64:99:4d"})
    void shouldRefuseMalformedMacsNamingTheText(final String text)
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> MacAddress.parse(text));
        assertEquals("invalid MAC address '" + text + "'", ex.getMessage());
    }

    @Test
    void shouldClassifyMacs()
    {
        assertTrue(MacAddress.isMulticast(MacAddress.parse("01:00:5e:00:00:01")));
        assertTrue(MacAddress.isMulticast(MacAddress.BROADCAST));
        assertTrue(MacAddress.isBroadcast(MacAddress.BROADCAST));
        assertFalse(MacAddress.isMulticast(MacAddress.parse("00:16:3e:00:00:01")));
        assertTrue(MacAddress.isLocallyAdministered(MacAddress.parse("02:00:00:00:00:01")));
        assertFalse(MacAddress.isValidUnicast(0));
        assertFalse(MacAddress.isValidUnicast(MacAddress.parse("33:33:00:00:00:01")));
        assertTrue(MacAddress.isValidUnicast(MacAddress.parse("00:16:3e:00:00:01")));
        assertEquals(MacAddress.XEN_OUI, MacAddress.parse("00:16:3e:00:00:00"));
    }

    @Test
    void shouldParseAndFormatIpv4()
    {
        assertEquals(0x0A090001, Ipv4Address.parse("10.9.0.1"));
        assertEquals(0xFFFFFFFF, Ipv4Address.parse("255.255.255.255"));
        assertEquals(0, Ipv4Address.parse("0.0.0.0"));
        assertEquals("192.168.100.254", Ipv4Address.format(Ipv4Address.parse("192.168.100.254")));
        assertEquals("255.255.255.255", Ipv4Address.format(-1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "10.0.0", "10.0.0.1.2", "256.0.0.1", "10.0.0.01", "10..0.1", "10.0.0.1.", " 10.0.0.1",
        "10.0.0.-1", "1e.0.0.1", "1000.0.0.1"})
    void shouldRefuseMalformedIpv4NamingTheText(final String text)
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> Ipv4Address.parse(text));
        assertEquals("invalid IPv4 address '" + text + "'", ex.getMessage());
    }
}
