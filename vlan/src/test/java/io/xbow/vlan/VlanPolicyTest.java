package io.xbow.vlan;

import io.xbow.packet.build.FrameBuilder;
import io.xbow.packet.codec.EtherType;
import io.xbow.packet.codec.VlanTagFlyweight;
import io.xbow.packet.frame.FramePool;
import io.xbow.packet.parse.HeaderChain;
import io.xbow.packet.parse.ParseResult;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class VlanPolicyTest
{
    private final FramePool pool = new FramePool(8);
    private final HeaderChain chain = new HeaderChain();

    @Test
    void shouldPutUntaggedFramesOfAnAccessPortInItsVlan()
    {
        final VlanPolicy access = VlanPolicy.access(10);
        final int frame = frame(new FrameBuilder().ethernet(1, 2).raw(0x88B5, 46));
        assertEquals(10, access.ingress(pool, frame, chain));
        assertEquals(10, pool.vlanId(frame));
        assertEquals(VlanPolicy.EGRESS_UNTAGGED, access.egress(10));
        assertEquals(VlanPolicy.EGRESS_NOT_MEMBER, access.egress(11));
    }

    @Test
    void shouldDenyTaggedFramesOnAnAccessPortEvenForItsOwnVlan()
    {
        final VlanPolicy access = VlanPolicy.access(10);
        final int frame = frame(new FrameBuilder().ethernet(1, 2).vlan(10).raw(0x88B5, 46));
        final byte[] before = pool.bytes(frame);
        assertEquals(VlanPolicy.DENY, access.ingress(pool, frame, chain));
        assertArrayEquals(before, pool.bytes(frame), "a denied frame is left as it was");
    }

    @Test
    void shouldTreatPriorityTagsAsUntaggedAndKeepThePriority()
    {
        final VlanPolicy access = VlanPolicy.access(10);
        final int frame = frame(new FrameBuilder().ethernet(1, 2).tag(EtherType.VLAN, VlanTagFlyweight.tci(6, 0, 0))
            .raw(0x88B5, 46));
        assertEquals(10, access.ingress(pool, frame, chain));
        assertEquals(VlanTagFlyweight.tci(6, 0, 10), pool.vlanTci(frame));
        assertEquals(60, pool.length(frame), "the priority tag was popped");
    }

    @Test
    void shouldAcceptAllowedTagsOnATrunkAndPopThem()
    {
        final VlanPolicy trunk = VlanPolicy.trunk(VlanSet.parse("10,20-29"), VlanId.NONE);
        final int frame = frame(new FrameBuilder().ethernet(1, 2).tag(EtherType.VLAN, VlanTagFlyweight.tci(3, 0, 25))
            .raw(0x88B5, 46));
        assertEquals(25, trunk.ingress(pool, frame, chain));
        assertEquals(VlanTagFlyweight.tci(3, 0, 25), pool.vlanTci(frame));
        assertEquals(60, pool.length(frame));

        final int other = frame(new FrameBuilder().ethernet(1, 2).vlan(30).raw(0x88B5, 46));
        assertEquals(VlanPolicy.DENY, trunk.ingress(pool, other, chain));
        final int untagged = frame(new FrameBuilder().ethernet(1, 2).raw(0x88B5, 46));
        assertEquals(VlanPolicy.DENY, trunk.ingress(pool, untagged, chain), "no native VLAN: untagged is denied");

        assertEquals(VlanPolicy.EGRESS_TAGGED, trunk.egress(20));
        assertEquals(VlanPolicy.EGRESS_NOT_MEMBER, trunk.egress(30));
    }

    @Test
    void shouldCarryTheNativeVlanUntaggedOnATrunk()
    {
        final VlanPolicy trunk = VlanPolicy.trunk(VlanSet.of(10, 20), 1);
        final int untagged = frame(new FrameBuilder().ethernet(1, 2).raw(0x88B5, 46));
        assertEquals(1, trunk.ingress(pool, untagged, chain));
        final int taggedNative = frame(new FrameBuilder().ethernet(1, 2).vlan(1).raw(0x88B5, 46));
        assertEquals(1, trunk.ingress(pool, taggedNative, chain));
        assertEquals(VlanPolicy.EGRESS_UNTAGGED, trunk.egress(1));
        assertEquals(VlanPolicy.EGRESS_TAGGED, trunk.egress(10));
        assertTrue(trunk.isMember(1));
    }

    @Test
    void shouldRefuseServiceTagsOnAccessPortsAndCarryThemAsPayloadOfATrunksNativeVlan()
    {
        final int frame = frame(new FrameBuilder().ethernet(1, 2).tag(EtherType.QINQ, 300).vlan(5).raw(0x88B5, 46));
        final byte[] before = pool.bytes(frame);
        assertEquals(VlanPolicy.DENY, VlanPolicy.access(10).ingress(pool, frame, chain),
            "a guest's service tag would leave the access VLAN wherever that VLAN leaves untagged");
        assertArrayEquals(before, pool.bytes(frame), "a denied frame is left as it was");
        assertEquals(10, VlanPolicy.trunk(VlanSet.of(20), 10).ingress(pool, frame, chain));
        assertArrayEquals(before, pool.bytes(frame));
    }

    @Test
    void shouldValidateVlanIdsWithMessagesThatSayWhatIsAllowed()
    {
        assertEquals(4094, VlanId.validate(4094));
        assertEquals("invalid VLAN id 4095: must be 1-4094 (4095 is reserved)",
            assertThrows(IllegalArgumentException.class, () -> VlanId.validate(4095)).getMessage());
        assertEquals("invalid VLAN id 0: must be 1-4094 (0 means untagged)",
            assertThrows(IllegalArgumentException.class, () -> VlanPolicy.access(0)).getMessage());
        assertEquals("invalid VLAN id 'ten': must be 1-4094",
            assertThrows(IllegalArgumentException.class, () -> VlanId.parse("ten")).getMessage());
    }

    @Test
    void shouldParseAndPrintVlanLists()
    {
        final VlanSet set = VlanSet.parse("30,10-12,4094");
        assertEquals("10-12,30,4094", set.toString());
        assertEquals(5, set.size());
        assertFalse(set.contains(13));
        assertFalse(set.contains(4095));
        assertEquals(4094, VlanSet.parse("all").size());
        assertThrows(IllegalArgumentException.class, () -> VlanSet.parse("12-10"));
        assertThrows(IllegalArgumentException.class, () -> VlanSet.parse("1,,2"));
        assertThrows(IllegalArgumentException.class, () -> VlanSet.parse("1-4095"));
    }

    private int frame(final FrameBuilder builder)
    {
        final int frame = builder.build(pool);
        assertEquals(ParseResult.OK, chain.parse(pool.buffer(), pool.offset(frame), pool.length(frame)));
        return frame;
    }
}
