package io.xbow.vnic;

import io.xbow.packet.address.Ipv4Address;
import io.xbow.packet.address.MacAddress;
import io.xbow.packet.build.FrameBuilder;
import io.xbow.vnic.link.PhysicalLinkSpec;
import io.xbow.vnic.mac.MacSpec;
import io.xbow.vswitch.capture.CaptureDirection;
import io.xbow.vswitch.capture.CaptureLink;
import io.xbow.vswitch.capture.CaptureSession;
import io.xbow.vswitch.capture.FrameFilter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every link the registry holds can be captured under its name: a physical link shows its wire (VLANs tagged, as
 * the trunk carries them), a VNIC and a VLAN link their own untagged side; renamed links go on being captured and
 * deleted ones end their captures.
 */
class LinkCaptureTest
{
    private static final long NET0_MAC = MacAddress.parse("0:8:20:aa:bb:1");
    private static final long VNIC_MAC = MacAddress.parse("2:8:20:0:0:1");
    private static final long FAR_MAC = MacAddress.parse("0:16:3e:99:0:1");

    private final VnicHarness h = new VnicHarness();

    @AfterEach
    void noLeak()
    {
        h.assertNoFrameLeaked();
        h.close();
    }

    private static List<byte[]> drain(final CaptureSession session, final List<Integer> directions)
    {
        final List<byte[]> frames = new ArrayList<>();
        session.poll((link, direction, ts, originalLength, buffer, offset, length) ->
        {
            final byte[] bytes = new byte[length];
            buffer.getBytes(offset, bytes);
            frames.add(bytes);
            directions.add(direction);
        }, 100);
        return frames;
    }

    private static FrameBuilder udp(final long dst, final long src)
    {
        return new FrameBuilder().ethernet(dst, src)
            .ipv4(Ipv4Address.parse("10.0.0.1"), Ipv4Address.parse("10.0.0.2")).udp(1000, 2000, 20);
    }

    @Test
    void shouldCaptureAPhysicalLinksWireWithTagsAndAVnicsOwnSide()
    {
        h.phys("net0", PhysicalLinkSpec.of(NET0_MAC));
        h.registry.createVnic("vnic1", "net0", MacSpec.fixed(VNIC_MAC), 10, Map.of(), false);
        h.plug("vnic1");
        assertEquals(List.of("net0", "vnic1"), h.registry.captures().names());
        final CaptureSession wire = h.registry.captures().start(List.of("net0"), CaptureDirection.INOUT,
            FrameFilter.ALL, 1500, 1 << 20);
        final CaptureSession vnic = h.registry.captures().start(List.of("vnic1"), CaptureDirection.IN,
            FrameFilter.ALL, 1500, 1 << 20);

        h.send("vnic1", udp(FAR_MAC, VNIC_MAC));
        h.run();
        assertEquals(1, h.received("net0").size());

        final List<Integer> directions = new ArrayList<>();
        final byte[] onWire = drain(wire, directions).get(0);
        assertEquals(List.of(CaptureLink.OUT), directions, "sent out of the physical link");
        assertEquals(0x8100, ((onWire[12] & 0xFF) << 8) | (onWire[13] & 0xFF), "tagged on the wire");
        assertEquals(10, ((onWire[14] & 0x0F) << 8) | (onWire[15] & 0xFF), "VLAN 10");
        assertArrayEquals(udp(FAR_MAC, VNIC_MAC).toBytes(), drain(vnic, new ArrayList<>()).get(0),
            "the VNIC's side is untagged");
        wire.close();
        vnic.close();
    }

    @Test
    void shouldFollowARenameAndEndWhenTheLinkIsDeleted()
    {
        h.registry.createEtherstub("stub0", false);
        h.registry.createVnic("vnic1", "stub0", MacSpec.fixed(VNIC_MAC), 0, Map.of(), false);
        h.plug("vnic1");
        final CaptureSession session = h.registry.captures().start(List.of("vnic1"), CaptureDirection.IN,
            FrameFilter.ALL, 1500, 1 << 20);
        h.registry.rename("vnic1", "web0");
        h.devices.put("web0", h.devices.remove("vnic1"));
        assertTrue(h.registry.captures().names().contains("web0"));
        h.send("web0", udp(MacAddress.BROADCAST, VNIC_MAC));
        h.run();
        assertEquals(1, drain(session, new ArrayList<>()).size(), "still captured after the rename");

        h.registry.deleteVnic("web0");
        assertEquals("link web0 went away", session.endReason());
        assertFalse(h.registry.captures().names().contains("web0"));
        session.close();
    }
}
