package io.xbow.vnic;

import io.xbow.packet.DropReason;
import io.xbow.packet.address.MacAddress;
import io.xbow.packet.build.FrameBuilder;
import io.xbow.vnic.link.LinkClass;
import io.xbow.vnic.link.PhysicalLinkSpec;
import io.xbow.vnic.link.VlanLink;
import io.xbow.vnic.link.Vnic;
import io.xbow.vnic.mac.MacSpec;
import io.xbow.vnic.mac.MacType;
import io.xbow.vnic.prop.PropertyInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class LinkRegistryTest
{
    private static final long NET0_MAC = MacAddress.parse("0:8:20:aa:bb:1");
    private static final long FACTORY1 = MacAddress.parse("0:8:20:aa:bb:11");
    private static final long FACTORY2 = MacAddress.parse("0:8:20:aa:bb:12");

    private final VnicHarness h = new VnicHarness();
    private final LinkRegistry r = h.registry;

    @AfterEach
    void tearDown()
    {
        h.assertNoFrameLeaked();
        h.close();
    }

    private Vnic vnic(final String name, final String over, final MacSpec mac, final int vid)
    {
        return r.createVnic(name, over, mac, vid, Map.of(), false);
    }

    @Test
    void shouldCreateEveryKindOfLinkWithDladmsNamesAndClasses()
    {
        h.phys("net0", PhysicalLinkSpec.of(NET0_MAC));
        r.createEtherstub("stub0", false);
        vnic("vnic1", "stub0", MacSpec.fixed(MacAddress.parse("2:8:20:0:0:1")), 0);
        final VlanLink vlan = r.createVlan("net0", 2, null, false);
        assertEquals("net2000", vlan.name(), "dladm's automatic VLAN link name");
        assertEquals(List.of("net0", "stub0", "vnic1", "net2000"), r.links().stream().map(l -> l.name()).toList());
        assertEquals(LinkClass.ETHERSTUB, r.link("stub0").linkClass());
        assertEquals("stub0", r.link("vnic1").over());
        assertEquals(9000, r.link("stub0").mtu());
        assertEquals(9000, r.link("vnic1").mtu(), "a VNIC's MTU follows its link's");
        assertEquals(NET0_MAC, vlan.mac(), "a VLAN link uses the physical link's own MAC");

        assertEquals("invalid link name 'vnic': must end with a number",
            assertThrows(IllegalArgumentException.class, () -> r.createEtherstub("vnic", false)).getMessage());
        assertEquals("object already exists: link stub0",
            assertThrows(LinkException.class, () -> r.createEtherstub("stub0", false)).getMessage());
        assertEquals("cannot create a VNIC over vnic1: it is a VNIC, not a physical link or an etherstub",
            assertThrows(LinkException.class, () -> vnic("vnic2", "vnic1", MacSpec.random(), 0)).getMessage());
        assertEquals("cannot create a VLAN over stub0: it is an etherstub, not a physical link",
            assertThrows(LinkException.class, () -> r.createVlan("stub0", 3, "vlan3", false)).getMessage());
        assertThrows(LinkException.class, () -> r.createVlan("net0", 2, "other2", false), "one VLAN link per id");
        assertThrows(LinkException.class, () -> vnic("vnic9", "nosuch0", MacSpec.random(), 0));
    }

    @Test
    void shouldRefuseToDeleteALinkWithVnicsOverItNamingThem()
    {
        r.createEtherstub("stub0", false);
        vnic("vnic1", "stub0", MacSpec.random(), 0);
        vnic("vnic2", "stub0", MacSpec.random(), 0);
        final LinkException ex = assertThrows(LinkException.class, () -> r.deleteEtherstub("stub0"));
        assertEquals("link busy: vnic1, vnic2 are over stub0; delete them first", ex.getMessage());
        assertNotNull(r.link("stub0"), "nothing was deleted");
        assertEquals("vnic1 is a VNIC, not an etherstub",
            assertThrows(LinkException.class, () -> r.deleteEtherstub("vnic1")).getMessage());
        r.deleteVnic("vnic1");
        r.deleteVnic("vnic2");
        h.run();
        r.deleteEtherstub("stub0");
        assertTrue(r.links().isEmpty());
    }

    @Test
    void shouldHonourEveryMacAddressType()
    {
        h.phys("net0", PhysicalLinkSpec.of(NET0_MAC).withFactoryMacs(FACTORY1, FACTORY2));
        r.createEtherstub("stub0", false);

        final Vnic fixed = vnic("vnic1", "net0", MacSpec.parse("2:8:20:1:2:3", null, null), 0);
        assertEquals(MacType.FIXED, fixed.macType());
        assertEquals("fixed", fixed.macType().toString());

        final Vnic auto = vnic("vnic2", "net0", MacSpec.auto(), 0);
        assertEquals(FACTORY1, auto.mac(), "auto takes a free factory address first");
        assertEquals("factory, slot 1", auto.macType().toString());

        final Vnic slot2 = vnic("vnic3", "net0", MacSpec.factory(2), 0);
        assertEquals(FACTORY2, slot2.mac());
        assertEquals("factory slot 2 of net0 is in use by vnic3",
            assertThrows(LinkException.class, () -> vnic("vnic4", "net0", MacSpec.factory(2), 0)).getMessage());
        assertEquals("no free factory MAC address on net0",
            assertThrows(LinkException.class, () -> vnic("vnic4", "net0", MacSpec.factory(0), 0)).getMessage());

        final Vnic autoRandom = vnic("vnic4", "net0", MacSpec.auto(), 0);
        assertEquals(MacType.RANDOM, autoRandom.macType(), "no factory address left: random");
        assertEquals(0x020820L, autoRandom.mac() >>> 24, "dladm's default random prefix 2:8:20");
        assertTrue(MacAddress.isLocallyAdministered(autoRandom.mac()));

        final Vnic prefixed = vnic("vnic5", "stub0", MacSpec.random("2:aa"), 0);
        assertEquals(0x02AAL, prefixed.mac() >>> 32);
        final Vnic xen = r.createVnic("xvm1_0", "stub0", MacSpec.autoXen(), 0, Map.of(), false);
        assertEquals(MacAddress.XEN_OUI, xen.mac() & 0xFFFFFF000000L, "Xen guests get the Xen OUI");

        assertEquals("stub0 has no factory MAC addresses",
            assertThrows(LinkException.class, () -> vnic("vnic6", "stub0", MacSpec.factory(0), 0)).getMessage());
        r.deleteVnic("vnic3");
        assertEquals(FACTORY2, vnic("vnic6", "net0", MacSpec.factory(0), 0).mac(), "a deleted VNIC frees its slot");
    }

    @Test
    void shouldRefuseMacsInUseOnTheSameSwitchOnly()
    {
        h.phys("net0", PhysicalLinkSpec.of(NET0_MAC));
        r.createEtherstub("stub0", false);
        r.createEtherstub("stub1", false);
        final long mac = MacAddress.parse("2:8:20:0:0:1");
        vnic("vnic1", "stub0", MacSpec.fixed(mac), 0);
        assertEquals("MAC address 2:8:20:0:0:1 is already in use on stub0 by vnic1",
            assertThrows(LinkException.class, () -> vnic("vnic2", "stub0", MacSpec.fixed(mac), 100)).getMessage());
        vnic("vnic2", "stub1", MacSpec.fixed(mac), 0); // another switch: fine
        assertEquals("MAC address 0:8:20:aa:bb:1 is already in use on net0 by net0",
            assertThrows(LinkException.class, () -> vnic("vnic3", "net0", MacSpec.fixed(NET0_MAC), 0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> MacSpec.fixed(MacAddress.BROADCAST));
        assertThrows(IllegalArgumentException.class, () -> MacSpec.fixed(MacAddress.parse("1:0:5e:0:0:1")));
        assertThrows(IllegalArgumentException.class, () -> MacSpec.fixed(0));
        assertThrows(IllegalArgumentException.class, () -> MacSpec.parse("fixed", null, null));
        assertThrows(IllegalArgumentException.class, () -> MacSpec.random("1:2"), "multicast prefix");
    }

    @Test
    void shouldKeepVnicsOnDifferentVlansApartAndTagOnTheWire()
    {
        h.phys("net0", PhysicalLinkSpec.of(NET0_MAC));
        final long a = MacAddress.parse("2:8:20:0:0:a");
        final long b = MacAddress.parse("2:8:20:0:0:b");
        final long c = MacAddress.parse("2:8:20:0:0:c");
        vnic("vnic10", "net0", MacSpec.fixed(a), 10);
        vnic("vnic11", "net0", MacSpec.fixed(b), 10);
        vnic("vnic20", "net0", MacSpec.fixed(c), 20);
        h.plug("vnic10");
        h.plug("vnic11");
        h.plug("vnic20");
        h.run();

        final FrameBuilder broadcast = new FrameBuilder().ethernet(MacAddress.BROADCAST, a).raw(0x88B5, 46);
        h.send("vnic10", broadcast);
        h.run();
        assertArrayEquals(broadcast.toBytes(), h.received("vnic11").get(0), "the guest sees untagged frames");
        assertEquals(0, h.receivedCount("vnic20"), "another VLAN never sees it");
        final byte[] onWire = h.received("net0").get(0);
        assertArrayEquals(new FrameBuilder().ethernet(MacAddress.BROADCAST, a).vlan(10).raw(0x88B5, 46).toBytes(),
            onWire, "the physical link carries the tag");

        h.send("vnic20", new FrameBuilder().ethernet(a, c).raw(0x88B5, 46)); // to a MAC on another VLAN
        h.run();
        assertEquals(0, h.receivedCount("vnic10"));
        assertEquals(1, h.receivedCount("net0"), "unknown on VLAN 20: flooded to the wire only, tagged 20");

        h.send("net0", new FrameBuilder().ethernet(b, MacAddress.parse("0:1:2:3:4:5")).vlan(10).raw(0x88B5, 46));
        h.run();
        assertEquals(1, h.receivedCount("vnic11"), "from the wire, tagged 10, to the VNIC's static MAC");

        assertEquals("invalid VLAN id 1 over net0: may not use default_tag ID (VLAN 1 is the link's untagged VLAN; " +
                "omit -v for it)",
            assertThrows(IllegalArgumentException.class, () -> vnic("vnic1", "net0", MacSpec.random(), 1))
                .getMessage());
        assertThrows(IllegalArgumentException.class, () -> vnic("vnic1", "net0", MacSpec.random(), 4095));
    }

    @Test
    void shouldKeepTrafficFlowingAcrossARename()
    {
        r.createEtherstub("stub0", false);
        final long a = MacAddress.parse("2:8:20:0:0:a");
        final long b = MacAddress.parse("2:8:20:0:0:b");
        vnic("vnic1", "stub0", MacSpec.fixed(a), 0);
        vnic("vnic2", "stub0", MacSpec.fixed(b), 0);
        h.plug("vnic1");
        h.plug("vnic2");
        h.run();
        r.rename("vnic2", "web0");
        r.rename("stub0", "backend0");
        h.devices.put("web0", h.devices.remove("vnic2"));
        assertEquals("backend0", r.link("web0").over());
        h.send("vnic1", new FrameBuilder().ethernet(b, a).raw(0x88B5, 46));
        h.run();
        assertEquals(1, h.receivedCount("web0"));
        assertEquals(1, r.stats("web0").ipackets());
        assertThrows(LinkException.class, () -> r.link("vnic2"));
        assertThrows(IllegalArgumentException.class, () -> r.rename("web0", "web"));
    }

    @Test
    void shouldModifyAVnicsMacAndVlanLive()
    {
        h.phys("net0", PhysicalLinkSpec.of(NET0_MAC));
        final long a = MacAddress.parse("2:8:20:0:0:a");
        final long a2 = MacAddress.parse("2:8:20:0:0:aa");
        vnic("vnic1", "net0", MacSpec.fixed(a), 10);
        h.plug("vnic1");
        h.run();
        r.modifyVnic("vnic1", MacSpec.fixed(a2), 30);
        h.run();
        h.send("net0", new FrameBuilder().ethernet(a2, MacAddress.parse("0:1:2:3:4:5")).vlan(30).raw(0x88B5, 46));
        h.send("net0", new FrameBuilder().ethernet(a2, MacAddress.parse("0:1:2:3:4:5")).vlan(10).raw(0x88B5, 46));
        h.run();
        assertEquals(1, h.receivedCount("vnic1"), "only the frame on the new VLAN reaches it");
        final Vnic vnic = (Vnic)r.link("vnic1");
        assertEquals(30, vnic.vid());
        assertEquals(a2, vnic.mac());
    }

    @Test
    void shouldShowPropertiesAsDladmDoes()
    {
        r.createEtherstub("stub0", false);
        r.createVnic("vnic1", "stub0", MacSpec.random(), 0, Map.of("maxbw", "200M", "priority", "low"), false);
        final List<PropertyInfo> rows = r.showProperties("vnic1", List.of());
        assertEquals(List.of(
            new PropertyInfo("vnic1", "maxbw", "rw", "200", "--", "--"),
            new PropertyInfo("vnic1", "priority", "rw", "low", "high", "low,medium,high"),
            new PropertyInfo("vnic1", "mtu", "rw", "9000", "9000", "68-9000"),
            new PropertyInfo("vnic1", "protection", "rw", "--", "--",
                "mac-nospoof,restricted,ip-nospoof,dhcp-nospoof"),
            new PropertyInfo("vnic1", "allowed-ips", "rw", "--", "--", "--"),
            new PropertyInfo("vnic1", "allowed-dhcp-cids", "rw", "--", "--", "--"),
            new PropertyInfo("vnic1", "zone", "rw", "--", "--", "global"),
            new PropertyInfo("vnic1", "state", "ro", "up", "up", "up,down"),
            new PropertyInfo("vnic1", "speed", "ro", "0", "--", "--"),
            new PropertyInfo("vnic1", "over", "ro", "stub0", "--", "--")), rows);

        r.setProperties("vnic1", Map.of("protection", "ip-nospoof,mac-nospoof", "allowed-ips",
            "10.0.0.2,192.168.10.0/24", "maxbw", "1500K", "mtu", "1500"));
        assertEquals(List.of(
                new PropertyInfo("vnic1", "maxbw", "rw", "1.5", "--", "--"),
                new PropertyInfo("vnic1", "protection", "rw", "mac-nospoof,ip-nospoof", "--",
                    "mac-nospoof,restricted,ip-nospoof,dhcp-nospoof"),
                new PropertyInfo("vnic1", "allowed-ips", "rw", "10.0.0.2,192.168.10.0/24", "--", "--"),
                new PropertyInfo("vnic1", "mtu", "rw", "1500", "9000", "68-9000")),
            r.showProperties("vnic1", List.of("maxbw", "protection", "allowed-ips", "mtu")));
        assertEquals(1_500_000, ((Vnic)r.link("vnic1")).vnicPort().policy().maxbwBps(), "in force on the datapath");

        r.resetProperties("vnic1", List.of("maxbw", "priority"));
        assertEquals("--", r.showProperties("vnic1", List.of("maxbw")).get(0).value());
        assertEquals("high", r.showProperties("vnic1", List.of("priority")).get(0).value());
        r.resetProperties("vnic1", List.of());
        assertEquals("--", r.showProperties("vnic1", List.of("protection")).get(0).value());
        assertEquals(0, ((Vnic)r.link("vnic1")).vnicPort().policy().maxbwBps());

        assertEquals(List.of("mtu", "state", "speed"),
            r.showProperties("stub0", List.of()).stream().map(PropertyInfo::property).toList());
    }

    @Test
    void shouldRefuseInvalidPropertyValuesAndChangeNothing()
    {
        r.createEtherstub("stub0", false);
        r.createVnic("vnic1", "stub0", MacSpec.random(), 0, Map.of("maxbw", "100M"), false);
        assertMessage("invalid maxbw '10X': must be a number of megabits per second, or a number with K, M or G " +
            "(for example 200M, 1500K, 1G), from 100K to 1000G", () -> r.setProperties("vnic1", Map.of("maxbw", "10X")));
        assertMessage("invalid maxbw '0': must be a number of megabits per second, or a number with K, M or G " +
            "(for example 200M, 1500K, 1G), from 100K to 1000G", () -> r.setProperties("vnic1", Map.of("maxbw", "0")));
        assertMessage("invalid priority 'urgent': must be one of low,medium,high",
            () -> r.setProperties("vnic1", Map.of("priority", "urgent")));
        assertMessage("invalid mtu '9001': must be 68-9000", () -> r.setProperties("vnic1", Map.of("mtu", "9001")));
        assertMessage("invalid mtu '67': must be 68-9000", () -> r.setProperties("vnic1", Map.of("mtu", "67")));
        assertMessage("invalid protection 'ip-spoof': must be any of mac-nospoof,restricted,ip-nospoof,dhcp-nospoof, " +
            "comma-separated", () -> r.setProperties("vnic1", Map.of("protection", "mac-nospoof,ip-spoof")));
        assertMessage("invalid allowed-ips entry '10.0.0.300': must be an IPv4 or IPv6 address or prefix, for " +
            "example 10.0.0.2, 192.168.10.0/24 or 2001:db8::/64",
            () -> r.setProperties("vnic1", Map.of("allowed-ips", "10.0.0.300")));
        assertMessage("invalid allowed-ips entry '10.0.0.1/24': host bits set; did you mean 10.0.0.0/24?",
            () -> r.setProperties("vnic1", Map.of("allowed-ips", "10.0.0.1/24")));
        assertMessage("cannot set link property 'speed' on vnic1: it is read-only",
            () -> r.setProperties("vnic1", Map.of("speed", "10")));
        assertMessage("link property 'colour' not found on vnic1: a VNIC has maxbw, priority, mtu, protection, " +
            "allowed-ips, allowed-dhcp-cids, zone, state, speed, over", () -> r.setProperties("vnic1", Map.of("colour", "red")));
        assertMessage("link property 'maxbw' not found on stub0: an etherstub has mtu, state, speed",
            () -> r.setProperties("stub0", Map.of("maxbw", "10M")));

        // One bad value among good ones: nothing changes.
        assertThrows(IllegalArgumentException.class,
            () -> r.setProperties("vnic1", Map.of("maxbw", "5M", "priority", "urgent")));
        assertEquals("100", r.showProperties("vnic1", List.of("maxbw")).get(0).value());

        // An MTU above the link the VNIC is over, and a link MTU below a VNIC's.
        r.setProperties("stub0", Map.of("mtu", "1500"));
        assertMessage("invalid mtu '9000': must be 68-1500", () -> r.setProperties("vnic1", Map.of("mtu", "9000")));
        r.setProperties("vnic1", Map.of("mtu", "1400"));
        assertMessage("cannot set mtu of stub0 to 1300: vnic1 (1400) over it has a larger mtu",
            () -> r.setProperties("stub0", Map.of("mtu", "1300")));
        assertEquals(1500, r.link("stub0").mtu());
    }

    @Test
    void shouldCountWhatAVnicSendsAndReceives()
    {
        r.createEtherstub("stub0", false);
        final long a = MacAddress.parse("2:8:20:0:0:a");
        final long b = MacAddress.parse("2:8:20:0:0:b");
        vnic("vnic1", "stub0", MacSpec.fixed(a), 0);
        vnic("vnic2", "stub0", MacSpec.fixed(b), 0);
        h.plug("vnic1");
        h.plug("vnic2");
        h.run();
        for (int i = 0; i < 5; i++)
        {
            h.send("vnic1", new FrameBuilder().ethernet(b, a).raw(0x88B5, 86));
        }
        h.run();
        assertEquals(5, h.receivedCount("vnic2"));
        final LinkStats sender = r.stats("vnic1");
        final LinkStats receiver = r.stats("vnic2");
        assertEquals(5, sender.opackets());
        assertEquals(500, sender.obytes());
        assertEquals(0, sender.ipackets());
        assertEquals(5, receiver.ipackets());
        assertEquals(500, receiver.rbytes());
        assertEquals(10, r.stats("stub0").ipackets() + r.stats("stub0").opackets());

        r.plug("vnic2", null);
        h.send("vnic1", new FrameBuilder().ethernet(b, a).raw(0x88B5, 86));
        h.run();
        assertEquals(1, r.stats("vnic2").drops(DropReason.LINK_DOWN), "no guest plugged in: link down");
        assertEquals(1, r.stats("vnic2").ierrors());
    }

    private static void assertMessage(final String message, final org.junit.jupiter.api.function.Executable call)
    {
        final RuntimeException ex = assertThrows(RuntimeException.class, call);
        assertEquals(message, ex.getMessage());
    }
}
