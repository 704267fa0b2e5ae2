package io.xbow.vnic;

import io.xbow.packet.DropReason;
import io.xbow.packet.address.MacAddress;
import io.xbow.packet.build.FrameBuilder;
import io.xbow.vnic.link.PhysicalLinkSpec;
import io.xbow.vnic.mac.MacSpec;
import io.xbow.vswitch.port.MemoryDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Priority is strict: each cycle the switch serves ports from high to low, so on a congested output the higher
 * priority's frames take the room first and a lower priority gets only what is left.
 */
class PriorityTest
{
    private static final long NET0 = MacAddress.parse("0:8:20:0:0:1");
    private static final long HI = MacAddress.parse("2:8:20:0:0:1");
    private static final long MID = MacAddress.parse("2:8:20:0:0:2");
    private static final long LO = MacAddress.parse("2:8:20:0:0:3");
    private static final long OUTSIDE = MacAddress.parse("0:1:2:3:4:5");
    private static final int WIRE_ROOM = 16;

    private final VnicHarness h = new VnicHarness();
    private final LinkRegistry r = h.registry;

    @AfterEach
    void tearDown()
    {
        h.assertNoFrameLeaked();
        h.close();
    }

    @Test
    void shouldServeHigherPrioritiesFirstOnACongestedUplink()
    {
        // A physical link whose wire takes 16 frames per cycle: the contended resource.
        final MemoryDevice wire = new MemoryDevice(WIRE_ROOM);
        r.createPhys("net0", wire, PhysicalLinkSpec.of(NET0), false);
        h.devices.put("net0", wire);
        r.createVnic("lo0", "net0", MacSpec.fixed(LO), 0, Map.of("priority", "low"), false);
        r.createVnic("mid0", "net0", MacSpec.fixed(MID), 0, Map.of("priority", "medium"), false);
        r.createVnic("hi0", "net0", MacSpec.fixed(HI), 0, Map.of(), false); // high is the default
        h.plug("lo0");
        h.plug("mid0");
        h.plug("hi0");
        h.send("net0", new FrameBuilder().ethernet(MacAddress.BROADCAST, OUTSIDE).raw(0x88B5, 46));
        h.run();
        h.drainAll();

        int[] got = offer(12, 12, 12, 50);
        assertEquals(50 * 12, got[0], "high gets everything it offers");
        assertEquals(50 * 4, got[1], "medium gets what high leaves");
        assertEquals(0, got[2], "low gets nothing while the link is full");
        assertEquals(50 * 20, r.stats("net0").oerrors(), "the rest is dropped at the full uplink");
        assertEquals(50 * 20, r.stats("net0").drops(DropReason.QUEUE_FULL));

        r.setProperties("lo0", Map.of("priority", "high"));
        r.setProperties("hi0", Map.of("priority", "low"));
        got = offer(12, 12, 12, 50);
        assertEquals(0, got[0], "changed live: the old high is now low");
        assertEquals(50 * 4, got[1]);
        assertEquals(50 * 12, got[2]);

        got = offer(4, 4, 4, 20);
        assertArrayEquals(new int[]{80, 80, 80}, got, "without contention everyone gets through");
    }

    /** Each round every VNIC offers its frames; the wire then takes what it got. Returns frames per sender. */
    private int[] offer(final int hi, final int mid, final int lo, final int rounds)
    {
        final int[] got = new int[3];
        for (int round = 0; round < rounds; round++)
        {
            for (int i = 0; i < lo; i++)
            {
                h.send("lo0", new FrameBuilder().ethernet(OUTSIDE, LO).raw(0x88B5, 46));
            }
            for (int i = 0; i < mid; i++)
            {
                h.send("mid0", new FrameBuilder().ethernet(OUTSIDE, MID).raw(0x88B5, 46));
            }
            for (int i = 0; i < hi; i++)
            {
                h.send("hi0", new FrameBuilder().ethernet(OUTSIDE, HI).raw(0x88B5, 46));
            }
            h.run();
            for (final byte[] frame : h.received("net0"))
            {
                final long src = MacAddress.read(new org.agrona.concurrent.UnsafeBuffer(frame), 6);
                got[src == HI ? 0 : src == MID ? 1 : 2]++;
            }
        }
        return got;
    }
}
