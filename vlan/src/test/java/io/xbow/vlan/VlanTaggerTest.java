package io.xbow.vlan;

import io.xbow.packet.address.Ipv4Address;
import io.xbow.packet.address.MacAddress;
import io.xbow.packet.build.FrameBuilder;
import io.xbow.packet.codec.ArpFlyweight;
import io.xbow.packet.codec.VlanTagFlyweight;
import io.xbow.packet.frame.FramePool;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class VlanTaggerTest
{
    private final FramePool pool = new FramePool(8);
    private final FrameBuilder arp = new FrameBuilder()
        .ethernet(MacAddress.BROADCAST, MacAddress.parse("00:16:3e:01:02:03"))
        .arp(ArpFlyweight.OP_REQUEST, MacAddress.parse("00:16:3e:01:02:03"), Ipv4Address.parse("10.9.0.1"), 0,
            Ipv4Address.parse("10.9.0.2"));

    @Test
    void shouldPushATagThatMatchesAFrameWrittenTagged()
    {
        final byte[] untagged = arp.toBytes();
        final byte[] tagged = new FrameBuilder()
            .ethernet(MacAddress.BROADCAST, MacAddress.parse("00:16:3e:01:02:03"))
            .tag(0x8100, VlanTagFlyweight.tci(5, 0, 100))
            .arp(ArpFlyweight.OP_REQUEST, MacAddress.parse("00:16:3e:01:02:03"), Ipv4Address.parse("10.9.0.1"), 0,
                Ipv4Address.parse("10.9.0.2"))
            .toBytes();
        final int frame = pool.allocate();
        pool.put(frame, untagged);
        assertTrue(VlanTagger.push(pool, frame, VlanTagFlyweight.tci(5, 0, 100)));
        assertArrayEquals(tagged, pool.bytes(frame));

        assertEquals(VlanTagFlyweight.tci(5, 0, 100), VlanTagger.pop(pool, frame));
        assertArrayEquals(untagged, pool.bytes(frame));
        assertEquals(VlanTagger.NOT_TAGGED, VlanTagger.pop(pool, frame), "an untagged frame has nothing to pop");
        assertArrayEquals(untagged, pool.bytes(frame));
    }

    @Test
    void shouldPushTwoTagsForQinQAndRefuseWhenHeadroomRunsOut()
    {
        final int frame = pool.allocate();
        pool.put(frame, arp.toBytes());
        final int headroom = pool.headroom(frame);
        int pushed = 0;
        while (VlanTagger.push(pool, frame, 10))
        {
            pushed++;
        }
        assertEquals(headroom / 4, pushed, "every 4 bytes of headroom take one tag, no more");
        assertTrue(pushed >= 2, "room for at least an S-tag and a C-tag");
        assertTrue(pool.headroom(frame) < 4);
        assertEquals(42 + 4 * pushed, pool.length(frame));
    }

    @Test
    void shouldRefuseToTagARunt()
    {
        final int frame = pool.allocate();
        pool.put(frame, new byte[10]);
        assertFalse(VlanTagger.push(pool, frame, 10));
        assertEquals(10, pool.length(frame));
    }
}
