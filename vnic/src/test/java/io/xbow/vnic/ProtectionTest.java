package io.xbow.vnic;

import io.xbow.packet.DropReason;
import io.xbow.packet.address.Ipv4Address;
import io.xbow.packet.address.MacAddress;
import io.xbow.packet.build.FrameBuilder;
import io.xbow.packet.codec.ArpFlyweight;
import io.xbow.packet.codec.EtherType;
import io.xbow.vnic.mac.MacSpec;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Each protection mode with frames that pass and frames that are dropped and counted under dlstat's names.
 */
class ProtectionTest
{
    private static final long GUEST = MacAddress.parse("0:16:3e:0:0:1");
    private static final long PEER = MacAddress.parse("0:16:3e:0:0:2");
    private static final long OTHER = MacAddress.parse("0:16:3e:0:0:99");
    private static final int GUEST_IP = Ipv4Address.parse("10.0.0.2");
    private static final int PEER_IP = Ipv4Address.parse("10.0.0.3");

    private final VnicHarness h = new VnicHarness();
    private final LinkRegistry r = h.registry;

    @BeforeEach
    void setUp()
    {
        r.createEtherstub("stub0", false);
        r.createVnic("guest0", "stub0", MacSpec.fixed(GUEST), 0, Map.of(), false);
        r.createVnic("peer0", "stub0", MacSpec.fixed(PEER), 0, Map.of(), false);
        h.plug("guest0");
        h.plug("peer0");
        h.run();
    }

    @AfterEach
    void tearDown()
    {
        h.assertNoFrameLeaked();
        h.close();
    }

    private void protect(final String modes)
    {
        r.setProperties("guest0", Map.of("protection", modes));
    }

    /** Sends from the guest and says whether the peer got it. */
    private boolean passes(final FrameBuilder frame)
    {
        h.send("guest0", frame);
        h.run();
        return h.receivedCount("peer0") == 1;
    }

    private long dropped(final DropReason reason)
    {
        return r.stats("guest0").drops(reason);
    }

    private static FrameBuilder udp(final long srcMac, final int srcIp)
    {
        return new FrameBuilder().ethernet(PEER, srcMac).ipv4(srcIp, PEER_IP).udp(5000, 6000, 20);
    }

    private static FrameBuilder arp(final long ethSrc, final long sha, final int spa)
    {
        return new FrameBuilder().ethernet(MacAddress.BROADCAST, ethSrc)
            .arp(ArpFlyweight.OP_REQUEST, sha, spa, 0, PEER_IP);
    }

    @Test
    void shouldLetEverythingThroughWithoutProtection()
    {
        assertTrue(passes(udp(OTHER, Ipv4Address.parse("1.2.3.4"))));
        assertTrue(passes(new FrameBuilder().ethernet(PEER, GUEST).raw(0x88B5, 46)));
    }

    @Test
    void macNoSpoofShouldDropFramesAndArpFromAnotherMac()
    {
        protect("mac-nospoof");
        assertTrue(passes(udp(GUEST, GUEST_IP)));
        assertFalse(passes(udp(OTHER, GUEST_IP)));
        assertTrue(passes(arp(GUEST, GUEST, GUEST_IP)));
        assertFalse(passes(arp(GUEST, OTHER, GUEST_IP)), "ARP claiming another MAC poisons caches");
        assertEquals(2, dropped(DropReason.MAC_SPOOFED));
        assertEquals(2, r.stats("guest0").oerrors());
        assertEquals(2, r.stats("guest0").opackets(), "OPACKETS counts what went out, not what was dropped");
    }

    @Test
    void ipNoSpoofShouldDropIpAndArpFromAddressesNotAllowed()
    {
        r.setProperties("guest0", Map.of("protection", "ip-nospoof", "allowed-ips", "10.0.0.2,192.168.5.0/24"));
        assertTrue(passes(udp(GUEST, GUEST_IP)));
        assertTrue(passes(udp(GUEST, Ipv4Address.parse("192.168.5.77"))), "inside an allowed prefix");
        assertFalse(passes(udp(GUEST, Ipv4Address.parse("10.0.0.9"))));
        assertTrue(passes(arp(GUEST, GUEST, GUEST_IP)));
        assertFalse(passes(arp(GUEST, GUEST, Ipv4Address.parse("10.0.0.1"))), "ARP claiming the gateway");
        assertTrue(passes(arp(GUEST, GUEST, 0)), "an ARP probe (RFC 5227) has sender 0.0.0.0");
        assertTrue(passes(dhcpDiscover(GUEST, GUEST, true)), "a DHCP client has no address yet");
        assertFalse(passes(new FrameBuilder().ethernet(PEER, GUEST).ipv4(0, PEER_IP).udp(5000, 6000, 20)),
            "0.0.0.0 only for DHCP");
        assertEquals(3, dropped(DropReason.IP_SPOOFED));
    }

    @Test
    void ipNoSpoofWithoutAllowedIpsShouldDropAllIpv4ButDhcp()
    {
        protect("ip-nospoof");
        assertFalse(passes(udp(GUEST, GUEST_IP)));
        assertTrue(passes(dhcpDiscover(GUEST, GUEST, true)));
        assertEquals(1, dropped(DropReason.IP_SPOOFED));
    }

    @Test
    void dhcpNoSpoofShouldDropClientPacketsForAnotherHardwareAddress()
    {
        protect("dhcp-nospoof");
        assertTrue(passes(dhcpDiscover(GUEST, GUEST, true)));
        assertFalse(passes(dhcpDiscover(GUEST, OTHER, false)), "chaddr of another NIC: DHCP starvation");
        assertFalse(passes(dhcpDiscover(GUEST, GUEST, false)), "client id of another NIC");
        assertTrue(passes(udp(GUEST, GUEST_IP)), "not DHCP: not this mode's business");
        assertEquals(2, dropped(DropReason.DHCP_SPOOFED));
    }

    @Test
    void restrictedShouldPassOnlyIpv4Ipv6AndArp()
    {
        protect("restricted");
        assertTrue(passes(udp(GUEST, GUEST_IP)));
        assertTrue(passes(arp(GUEST, GUEST, GUEST_IP)));
        final byte[] ipv6 = new byte[40]; // version 6, no payload, next header 59 (none)
        ipv6[0] = 0x60;
        ipv6[6] = 59;
        assertTrue(passes(new FrameBuilder().ethernet(PEER, GUEST).raw(EtherType.IPV6, 0).payload(ipv6)));
        assertFalse(passes(new FrameBuilder().ethernet(PEER, GUEST).raw(0x88CC, 46)), "LLDP");
        assertFalse(passes(new FrameBuilder().ethernet(PEER, GUEST).raw(100, 100)), "802.3 LLC");
        assertEquals(2, dropped(DropReason.RESTRICTED));
    }

    @Test
    void shouldCombineModes()
    {
        r.setProperties("guest0", Map.of("protection", "mac-nospoof,ip-nospoof,restricted", "allowed-ips",
            "10.0.0.2"));
        assertTrue(passes(udp(GUEST, GUEST_IP)));
        assertFalse(passes(udp(OTHER, GUEST_IP)));
        assertFalse(passes(udp(GUEST, PEER_IP)));
        assertFalse(passes(new FrameBuilder().ethernet(PEER, GUEST).raw(0x88B5, 46)));
        assertEquals(1, dropped(DropReason.MAC_SPOOFED));
        assertEquals(1, dropped(DropReason.IP_SPOOFED));
        assertEquals(1, dropped(DropReason.RESTRICTED));
        r.resetProperties("guest0", java.util.List.of("protection"));
        assertTrue(passes(udp(OTHER, PEER_IP)), "protection off again, live");
    }

    @Test
    void shouldDropMalformedFramesWhenProtectionMustLookInside()
    {
        protect("ip-nospoof");
        final byte[] truncated = java.util.Arrays.copyOf(udp(GUEST, GUEST_IP).toBytes(), 30);
        final int frame = h.poolOf("guest0").allocate();
        h.poolOf("guest0").put(frame, truncated);
        h.devices.get("guest0").inject(frame);
        h.run();
        assertEquals(0, h.receivedCount("peer0"));
        assertEquals(1, dropped(DropReason.MALFORMED));
    }

    /**
     * A DHCPDISCOVER: UDP 68 to 67 from 0.0.0.0, BOOTP with the given chaddr, and option 61 (client id) naming
     * the guest's MAC or, when {@code ownClientId} is false, another's.
     */
    private static FrameBuilder dhcpDiscover(final long ethSrc, final long chaddr, final boolean ownClientId)
    {
        final UnsafeBuffer b = new UnsafeBuffer(new byte[240 + 3 + 9 + 1]);
        b.putByte(0, (byte)1);     // op: request
        b.putByte(1, (byte)1);     // htype: Ethernet
        b.putByte(2, (byte)6);     // hlen
        MacAddress.write(b, 28, chaddr);
        b.putInt(236, 0x63825363, ByteOrder.BIG_ENDIAN);
        int o = 240;
        b.putByte(o++, (byte)53);  // message type
        b.putByte(o++, (byte)1);
        b.putByte(o++, (byte)1);   // DHCPDISCOVER
        b.putByte(o++, (byte)61);  // client identifier
        b.putByte(o++, (byte)7);
        b.putByte(o++, (byte)1);   // hardware type Ethernet
        MacAddress.write(b, o, ownClientId ? GUEST : OTHER);
        b.putByte(o + 6, (byte)255);
        return new FrameBuilder().ethernet(MacAddress.BROADCAST, ethSrc).ipv4(0, -1).udp(68, 67, 0)
            .payload(b.byteArray());
    }

    /** A DHCPDISCOVER whose client identifier is RFC 4361's: type 255, an IAID, then {@code duid}. */
    private static FrameBuilder dhcpDiscoverWithDuid(final byte[] duid)
    {
        final UnsafeBuffer b = new UnsafeBuffer(new byte[240 + 3 + 2 + 1 + 4 + duid.length + 1]);
        b.putByte(0, (byte)1);
        b.putByte(1, (byte)1);
        b.putByte(2, (byte)6);
        MacAddress.write(b, 28, GUEST);
        b.putInt(236, 0x63825363, ByteOrder.BIG_ENDIAN);
        int o = 240;
        b.putByte(o++, (byte)53);
        b.putByte(o++, (byte)1);
        b.putByte(o++, (byte)1);
        b.putByte(o++, (byte)61);
        b.putByte(o++, (byte)(1 + 4 + duid.length));
        b.putByte(o++, (byte)255);
        b.putInt(o, 0x2a, ByteOrder.BIG_ENDIAN); // IAID
        o += 4;
        b.putBytes(o, duid);
        b.putByte(o + duid.length, (byte)255);
        return new FrameBuilder().ethernet(MacAddress.BROADCAST, GUEST).ipv4(0, -1).udp(68, 67, 0)
            .payload(b.byteArray());
    }

    private static byte[] duid(final int type, final int time, final long mac)
    {
        final UnsafeBuffer d = new UnsafeBuffer(new byte[type == 1 ? 14 : 10]);
        d.putShort(0, (short)type, ByteOrder.BIG_ENDIAN);
        d.putShort(2, (short)1, ByteOrder.BIG_ENDIAN); // hardware type: Ethernet
        if (type == 1)
        {
            d.putInt(4, time, ByteOrder.BIG_ENDIAN);
        }
        MacAddress.write(d, type == 1 ? 8 : 4, mac);
        return d.byteArray();
    }

    @Test
    void dhcpNoSpoofShouldTakeRfc4361ClientIdsWhoseDuidIsTheLinksMac()
    {
        protect("dhcp-nospoof");
        assertTrue(passes(dhcpDiscoverWithDuid(duid(1, 0x2f2f2f2f, GUEST))), "DUID-LLT of this VNIC");
        assertTrue(passes(dhcpDiscoverWithDuid(duid(3, 0, GUEST))), "DUID-LL of this VNIC");
        assertFalse(passes(dhcpDiscoverWithDuid(duid(3, 0, OTHER))), "DUID-LL of another NIC");
        assertFalse(passes(dhcpDiscoverWithDuid(new byte[]{0, 2, 0, 0, 0, 9, 1, 2, 3, 4})), "DUID-EN names no link");
        assertEquals(2, dropped(DropReason.DHCP_SPOOFED));
    }

    /** An IPv6 packet (UDP, or ICMPv6 neighbour discovery) from {@code source}, as raw bytes after Ethernet. */
    private static FrameBuilder ipv6(final long srcMac, final String source, final byte[] l4, final int nextHeader)
    {
        final byte[] packet = new byte[40 + l4.length];
        packet[0] = 0x60;
        packet[4] = (byte)(l4.length >>> 8);
        packet[5] = (byte)l4.length;
        packet[6] = (byte)nextHeader;
        packet[7] = (byte)255;
        try
        {
            System.arraycopy(java.net.InetAddress.getByName(source).getAddress(), 0, packet, 8, 16);
            System.arraycopy(java.net.InetAddress.getByName("2001:db8:1::99").getAddress(), 0, packet, 24, 16);
        }
        catch (final java.net.UnknownHostException ex)
        {
            throw new AssertionError(ex);
        }
        System.arraycopy(l4, 0, packet, 40, l4.length);
        return new FrameBuilder().ethernet(PEER, srcMac).raw(0x86DD, 0).payload(packet);
    }

    private static FrameBuilder udp6(final String source)
    {
        final byte[] udp = new byte[16];
        udp[0] = 0x13;
        udp[2] = 0x13;
        udp[5] = 16; // UDP length
        return ipv6(GUEST, source, udp, 17);
    }

    /** A neighbour solicitation whose source link-layer address option names {@code lladdr}. */
    private static FrameBuilder neighbourSolicitation(final long lladdr)
    {
        final byte[] ns = new byte[32];
        ns[0] = (byte)135;
        ns[24] = 1; // source link-layer address
        ns[25] = 1; // 8 bytes
        for (int i = 0; i < 6; i++)
        {
            ns[26 + i] = (byte)(lladdr >>> (40 - 8 * i));
        }
        return ipv6(GUEST, "fe80::216:3eff:fe00:1", ns, 58);
    }

    @Test
    void ipNoSpoofShouldCheckIpv6SourcesButLeaveLinkLocalAndDadAlone()
    {
        r.setProperties("guest0", Map.of("protection", "ip-nospoof", "allowed-ips", "10.0.0.2,2001:DB8:1:0::/64"));
        assertEquals("10.0.0.2,2001:db8:1::/64", r.showProperties("guest0", java.util.List.of("allowed-ips")).get(0)
            .value(), "IPv6 entries are shown as RFC 5952 writes them");
        assertTrue(passes(udp6("2001:db8:1::5")));
        assertFalse(passes(udp6("2001:db8:2::5")), "a global source outside allowed-ips");
        assertTrue(passes(udp6("fe80::216:3eff:fe00:1")), "link-local: neighbour discovery needs it");
        assertTrue(passes(udp6("::")), "unspecified: duplicate address detection");
        assertEquals(1, dropped(DropReason.IP_SPOOFED));
        assertEquals("invalid allowed-ips entry '2001:db8:1::5/64': host bits set; did you mean 2001:db8:1::/64?",
            assertThrows(IllegalArgumentException.class,
                () -> r.setProperties("guest0", Map.of("allowed-ips", "2001:db8:1::5/64"))).getMessage());
    }

    @Test
    void macNoSpoofShouldCheckNeighbourDiscoveryLinkLayerAddresses()
    {
        protect("mac-nospoof");
        assertTrue(passes(neighbourSolicitation(GUEST)));
        assertFalse(passes(neighbourSolicitation(OTHER)), "an ND option claiming another MAC poisons caches");
        assertEquals(1, dropped(DropReason.MAC_SPOOFED));
    }

    private String allowedDhcpCids()
    {
        return r.showProperties("guest0", java.util.List.of("allowed-dhcp-cids")).get(0).value();
    }

    @Test
    void dhcpNoSpoofShouldTakeTheClientIdsInAllowedDhcpCids()
    {
        protect("dhcp-nospoof");
        final byte[] enterprise = {0, 2, 0, 0, 0, 9, 1, 2, 3, 4};
        assertFalse(passes(dhcpDiscoverWithDuid(enterprise)), "a DUID-EN is nobody's until allowed");
        assertFalse(passes(dhcpDiscover(GUEST, GUEST, false)), "a type 1 id with another MAC");

        r.setProperties("guest0", Map.of("allowed-dhcp-cids", "2.9.01020304, 0X0100163E000099"));
        assertEquals("2.9.01020304,0x0100163e000099", allowedDhcpCids(), "normalised, as show-linkprop prints it");
        assertTrue(passes(dhcpDiscoverWithDuid(enterprise)), "allowed as a DUID");
        assertTrue(passes(dhcpDiscover(GUEST, GUEST, false)), "allowed as the option's bytes");
        assertTrue(passes(dhcpDiscoverWithDuid(duid(3, 0, GUEST))), "the MAC's own ids stay allowed");
        assertFalse(passes(dhcpDiscoverWithDuid(new byte[]{0, 2, 0, 0, 0, 9, 1, 2, 3, 5})), "another DUID-EN");
        assertFalse(passes(dhcpDiscover(OTHER, OTHER, false)), "an allowed id does not excuse another chaddr");

        r.resetProperties("guest0", java.util.List.of("allowed-dhcp-cids"));
        assertEquals("--", allowedDhcpCids());
        assertFalse(passes(dhcpDiscoverWithDuid(enterprise)));
        assertEquals(5, dropped(DropReason.DHCP_SPOOFED));
    }

    @Test
    void allowedDhcpCidsShouldRefuseWhatIsNotAClientIdAndChangeNothing()
    {
        r.setProperties("guest0", Map.of("allowed-dhcp-cids", "3.1.0:16:3e:0:0:99"));
        for (final String bad : new String[]{"0x123", "0xzz", "1.1.x.0:16:3e:0:0:1", "3.1.not-a-mac", "2.9",
            "3.70000.0:16:3e:0:0:1", "a b", "a,,b", ""})
        {
            final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> r.setProperties("guest0", Map.of("allowed-dhcp-cids", bad)), bad);
            assertTrue(ex.getMessage().startsWith("invalid allowed-dhcp-cids"), ex.getMessage());
            assertEquals("3.1.0:16:3e:0:0:99", allowedDhcpCids(), "unchanged after '" + bad + "'");
        }
        r.setProperties("guest0", Map.of("allowed-dhcp-cids", "1.1.700000000.00:16:3E:00:00:01,host-a,host-a"));
        assertEquals("1.1.700000000.0:16:3e:0:0:1,host-a", allowedDhcpCids());
    }

    /** A DHCPv6 Solicit from the guest whose OPTION_CLIENTID carries {@code duid} (or none). */
    private static FrameBuilder dhcpv6Solicit(final byte[] duid)
    {
        final int options = duid == null ? 0 : 4 + duid.length;
        final byte[] udp = new byte[8 + 4 + options];
        udp[0] = 0x02; udp[1] = 0x22; // 546
        udp[2] = 0x02; udp[3] = 0x23; // 547
        udp[4] = (byte)(udp.length >>> 8);
        udp[5] = (byte)udp.length;
        udp[8] = 1; // Solicit
        if (duid != null)
        {
            udp[13] = 1; // OPTION_CLIENTID
            udp[15] = (byte)duid.length;
            System.arraycopy(duid, 0, udp, 16, duid.length);
        }
        return ipv6(GUEST, "fe80::216:3eff:fe00:1", udp, 17);
    }

    @Test
    void dhcpNoSpoofShouldCheckDhcpv6ClientIds()
    {
        protect("dhcp-nospoof");
        assertTrue(passes(dhcpv6Solicit(duid(3, 0, GUEST))), "DUID-LL of this VNIC");
        assertTrue(passes(dhcpv6Solicit(duid(1, 7, GUEST))), "DUID-LLT of this VNIC");
        assertTrue(passes(dhcpv6Solicit(null)), "no client id to check");
        assertFalse(passes(dhcpv6Solicit(duid(3, 0, OTHER))), "DUID-LL of another NIC");
        r.setProperties("guest0", Map.of("allowed-dhcp-cids", "3.1.0:16:3e:0:0:99"));
        assertTrue(passes(dhcpv6Solicit(duid(3, 0, OTHER))), "allowed");
        assertEquals(1, dropped(DropReason.DHCP_SPOOFED));
    }
}
