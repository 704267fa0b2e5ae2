package io.xbow.vswitch;

import io.xbow.packet.DropReason;
import io.xbow.packet.address.Ipv4Address;
import io.xbow.packet.address.MacAddress;
import io.xbow.packet.build.FrameBuilder;
import io.xbow.packet.codec.ArpFlyweight;
import io.xbow.packet.codec.EtherType;
import io.xbow.packet.codec.VlanTagFlyweight;
import io.xbow.vlan.VlanId;
import io.xbow.vlan.VlanPolicy;
import io.xbow.vlan.VlanSet;
import io.xbow.vswitch.fdb.MacTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

class VirtualSwitchTest
{
    private static final long A = MacAddress.parse("00:16:3e:00:00:0a");
    private static final long B = MacAddress.parse("00:16:3e:00:00:0b");
    private static final long C = MacAddress.parse("00:16:3e:00:00:0c");
    private static final long D = MacAddress.parse("00:16:3e:00:00:0d");

    private SwitchHarness h = new SwitchHarness(SwitchConfig.defaults());

    @AfterEach
    void everyFrameIsBackInThePool()
    {
        h.assertNoFrameLeaked();
    }

    private static FrameBuilder frame(final long dst, final long src)
    {
        return SwitchHarness.frame(dst, src);
    }

    @Test
    void shouldFloodBroadcastToEveryOtherPortOfTheVlanButNotBackOut()
    {
        h.attach("a", VlanPolicy.DEFAULT);
        h.attach("b", VlanPolicy.DEFAULT);
        h.attach("c", VlanPolicy.DEFAULT);
        final byte[] arp = new FrameBuilder().ethernet(MacAddress.BROADCAST, A)
            .arp(ArpFlyweight.OP_REQUEST, A, Ipv4Address.parse("10.0.0.1"), 0, Ipv4Address.parse("10.0.0.2"))
            .toBytes();
        h.sendAndCycle("a", new FrameBuilder().ethernet(MacAddress.BROADCAST, A)
            .arp(ArpFlyweight.OP_REQUEST, A, Ipv4Address.parse("10.0.0.1"), 0, Ipv4Address.parse("10.0.0.2")));

        assertEquals(0, h.received("a").size(), "never back out of the ingress port");
        assertArrayEquals(arp, h.received("b").get(0));
        assertArrayEquals(arp, h.received("c").get(0));
        assertEquals(1, h.sw.counters().get(VirtualSwitch.FLOODED));
    }

    @Test
    void shouldLearnTheSourceAndForwardTheReplyToThatPortOnly()
    {
        h.attach("a", VlanPolicy.DEFAULT);
        h.attach("b", VlanPolicy.DEFAULT);
        h.attach("c", VlanPolicy.DEFAULT);
        h.sendAndCycle("a", frame(B, A)); // B unknown: flooded to b and c
        assertEquals(1, h.received("b").size());
        assertEquals(1, h.received("c").size());

        h.sendAndCycle("b", frame(A, B)); // A was learned on a
        assertEquals(1, h.received("a").size());
        assertEquals(0, h.received("c").size(), "a known unicast reaches one port");

        h.sendAndCycle("a", frame(B, A)); // B now learned on b
        assertEquals(1, h.received("b").size());
        assertEquals(0, h.received("c").size());

        final SwitchPort a = h.ports.get("a");
        assertEquals(2, a.counters().rxFrames());
        assertEquals(1, a.counters().txFrames());
        assertEquals(2 * 60L, a.counters().rxBytes());
    }

    @Test
    void shouldAgeOutAnIdleMacAfter300Seconds()
    {
        h.attach("a", VlanPolicy.DEFAULT);
        h.attach("b", VlanPolicy.DEFAULT);
        h.attach("c", VlanPolicy.DEFAULT);
        h.sendAndCycle("a", frame(MacAddress.BROADCAST, A));
        h.drainAll();

        h.advance(299, TimeUnit.SECONDS);
        h.sendAndCycle("b", frame(A, B));
        assertEquals(1, h.received("a").size());
        assertEquals(0, h.received("c").size(), "still known after 299 s");

        h.advance(2, TimeUnit.SECONDS); // 301 s since A was last seen
        h.cycle();
        assertEquals(MacTable.NO_PORT, h.sw.macTable().lookup(1, A, h.sw.nowMs()), "swept by the aging timer");
        h.sendAndCycle("b", frame(A, B));
        assertEquals(1, h.received("a").size());
        assertEquals(1, h.received("c").size(), "forgotten after 300 s: flooded again");
        assertTrue(h.sw.fdbCounters().get(MacTable.AGED) >= 1);
    }

    @Test
    void shouldSleepUntilItsOldestMacCanAgeAndNoLonger()
    {
        h.attach("a", VlanPolicy.DEFAULT);
        h.attach("b", VlanPolicy.DEFAULT);
        h.cycle();
        assertEquals(Long.MAX_VALUE, h.sw.nextDelayNs(), "nothing learned: nothing to wake for");

        h.sendAndCycle("a", frame(MacAddress.BROADCAST, A));
        h.drainAll();
        assertEquals(300, TimeUnit.NANOSECONDS.toSeconds(h.sw.nextDelayNs()), "A can age in 300 s");
        assertEquals(1, h.sw.counters().get(VirtualSwitch.FDB_ENTRIES), "published before the thread sleeps");

        h.advance(100, TimeUnit.SECONDS);
        h.sendAndCycle("b", frame(MacAddress.BROADCAST, B));
        h.drainAll();
        assertEquals(200, TimeUnit.NANOSECONDS.toSeconds(h.sw.nextDelayNs()), "the oldest entry decides");

        h.advance(200, TimeUnit.SECONDS);
        h.cycle();
        assertEquals(MacTable.NO_PORT, h.sw.macTable().lookup(1, A, h.sw.nowMs()), "A aged when it was woken for");
        assertEquals(100, TimeUnit.NANOSECONDS.toSeconds(h.sw.nextDelayNs()), "then B's turn");
        assertEquals(1, h.sw.counters().get(VirtualSwitch.FDB_ENTRIES));
    }

    @Test
    void shouldCountWhatADeviceLostAmongItsPortsDropsByReason()
    {
        // A device that reads a runt off its interface: it never reaches the switch, yet the port counts it.
        final io.xbow.vswitch.port.PortContext[] context = new io.xbow.vswitch.port.PortContext[1];
        final int[] runts = {1};
        final SwitchPort lossy = h.sw.attach("lossy", new io.xbow.vswitch.port.PortDevice()
        {
            @Override
            public void attached(final io.xbow.vswitch.port.PortContext attachedTo)
            {
                context[0] = attachedTo;
            }

            @Override
            public int receive(final io.xbow.packet.frame.FrameBatch batch)
            {
                for (; runts[0] > 0; runts[0]--)
                {
                    context[0].dropped(DropReason.MALFORMED);
                }
                return 0;
            }

            @Override
            public int transmit(final io.xbow.packet.frame.FrameBatch batch)
            {
                return 0;
            }
        }, VlanPolicy.DEFAULT);
        h.attach("b", VlanPolicy.DEFAULT);
        h.cycle();
        assertEquals(1, lossy.counters().drops(DropReason.MALFORMED));
        assertEquals(0, h.ports.get("b").counters().drops(DropReason.MALFORMED), "each port its own");
    }

    @Test
    void shouldKeepAMacThatKeepsTalking()
    {
        h.attach("a", VlanPolicy.DEFAULT);
        h.attach("b", VlanPolicy.DEFAULT);
        h.attach("c", VlanPolicy.DEFAULT);
        for (int minute = 0; minute < 20; minute++)
        {
            h.sendAndCycle("a", frame(MacAddress.BROADCAST, A));
            h.advance(60, TimeUnit.SECONDS);
        }
        h.drainAll();
        h.sendAndCycle("b", frame(A, B));
        assertEquals(0, h.received("c").size());
        assertEquals(1, h.received("a").size());
    }

    @Test
    void shouldHonourAConfiguredAgingTime()
    {
        h = new SwitchHarness(SwitchConfig.defaults().withAging(10, TimeUnit.SECONDS));
        h.attach("a", VlanPolicy.DEFAULT);
        h.attach("b", VlanPolicy.DEFAULT);
        h.sendAndCycle("a", frame(MacAddress.BROADCAST, A));
        h.advance(11, TimeUnit.SECONDS);
        h.cycle();
        assertEquals(0, h.sw.macTable().size());
    }

    @Test
    void shouldNeverLetTwoVlansSeeEachOthersFrames()
    {
        h.attach("red1", VlanPolicy.access(100));
        h.attach("red2", VlanPolicy.access(100));
        h.attach("blue1", VlanPolicy.access(200));
        h.attach("blue2", VlanPolicy.access(200));
        final String[] ports = {"red1", "red2", "blue1", "blue2"};
        final long[] macs = {A, B, C, D};
        final java.util.SplittableRandom random = new java.util.SplittableRandom(3);
        int redSent = 0;
        int blueSent = 0;
        for (int i = 0; i < 2000; i++)
        {
            final int from = random.nextInt(4);
            final long dst = random.nextInt(3) == 0 ? MacAddress.BROADCAST : macs[random.nextInt(4)];
            if (dst == macs[from])
            {
                continue;
            }
            // The payload says which VLAN sent it.
            final int vlanMark = from < 2 ? 0xAA : 0xBB;
            h.send(ports[from], frame(dst, macs[from]).payloadFill(vlanMark));
            if (from < 2)
            {
                redSent++;
            }
            else
            {
                blueSent++;
            }
            if (i % 16 == 0)
            {
                h.cycle();
            }
        }
        h.cycle();
        int redDelivered = 0;
        for (int p = 0; p < 4; p++)
        {
            for (final byte[] bytes : h.received(ports[p]))
            {
                final int mark = bytes[bytes.length - 1] & 0xFF;
                assertEquals(p < 2 ? 0xAA : 0xBB, mark, ports[p] + " got a frame from the other VLAN");
                assertEquals(60, bytes.length, "access ports never see tags");
                if (p < 2)
                {
                    redDelivered++;
                }
            }
        }
        assertTrue(redSent > 0 && blueSent > 0 && redDelivered > 0);
    }

    @Test
    void shouldTagForTrunkPortsAndUntagForAccessPortsKeepingThePriority()
    {
        h.attach("access10", VlanPolicy.access(10));
        h.attach("access20", VlanPolicy.access(20));
        h.attach("trunk", VlanPolicy.trunk(VlanSet.of(10, 20), VlanId.NONE));

        h.sendAndCycle("access10", frame(MacAddress.BROADCAST, A));
        final List<byte[]> onTrunk = h.received("trunk");
        assertEquals(1, onTrunk.size());
        assertArrayEquals(frame(MacAddress.BROADCAST, A).vlan(10).toBytes(), onTrunk.get(0));
        assertEquals(0, h.received("access20").size());

        h.sendAndCycle("trunk", frame(A, B).tag(EtherType.VLAN, VlanTagFlyweight.tci(5, 0, 10)));
        final List<byte[]> onAccess = h.received("access10");
        assertEquals(1, onAccess.size());
        assertArrayEquals(frame(A, B).toBytes(), onAccess.get(0), "the tag is popped for an access port");

        h.sendAndCycle("trunk", frame(MacAddress.BROADCAST, C).tag(EtherType.VLAN, VlanTagFlyweight.tci(5, 0, 20)));
        assertEquals(1, h.received("access20").size());
        assertEquals(0, h.received("access10").size());

        // Trunk to trunk keeps the PCP the frame came in with.
        h.attach("trunk2", VlanPolicy.trunk(VlanSet.of(20), VlanId.NONE));
        h.sendAndCycle("trunk", frame(MacAddress.BROADCAST, D).tag(EtherType.VLAN, VlanTagFlyweight.tci(5, 0, 20)));
        assertArrayEquals(frame(MacAddress.BROADCAST, D).tag(EtherType.VLAN, VlanTagFlyweight.tci(5, 0, 20)).toBytes(),
            h.received("trunk2").get(0));
        h.drainAll();
    }

    @Test
    void shouldNotLetAGuestHopVlansWithADoubleOrAServiceTag()
    {
        final SwitchPort guest = h.attach("guest", VlanPolicy.access(VlanId.DEFAULT));
        h.attach("uplink", VlanPolicy.trunk(VlanSet.of(20), VlanId.DEFAULT)); // VLAN 1 leaves untagged
        h.attach("victim20", VlanPolicy.access(20));
        h.attach("neighbour", VlanPolicy.access(VlanId.DEFAULT));
        // A priority tag (VID 0) over a tag for VLAN 20; an 802.1ad service tag; both over ordinary frames.
        h.send("guest", frame(MacAddress.BROADCAST, A).tag(EtherType.VLAN, 0).tag(EtherType.VLAN, 20));
        h.send("guest", frame(MacAddress.BROADCAST, A).tag(EtherType.VLAN, VlanTagFlyweight.tci(3, 0, 0))
            .tag(EtherType.VLAN, 20));
        h.send("guest", frame(MacAddress.BROADCAST, A).tag(EtherType.QINQ, 20));
        h.send("guest", frame(MacAddress.BROADCAST, A).tag(EtherType.QINQ, 20).tag(EtherType.VLAN, 20));
        h.cycle();
        assertEquals(0, h.received("uplink").size(), "nothing reaches the uplink tagged 20, or at all");
        assertEquals(0, h.received("victim20").size());
        assertEquals(0, h.received("neighbour").size());
        assertEquals(4, guest.counters().drops(DropReason.VLAN_MISMATCH));

        h.sendAndCycle("guest", frame(MacAddress.BROADCAST, A).tag(EtherType.VLAN, VlanTagFlyweight.tci(3, 0, 0)));
        assertArrayEquals(frame(MacAddress.BROADCAST, A).toBytes(), h.received("neighbour").get(0),
            "a priority tag alone is still taken, and popped");
        h.drainAll();
    }

    @Test
    void shouldNotForwardBridgeReservedMulticastSuchAsBpdusOrLldp()
    {
        final SwitchPort guest = h.attach("guest", VlanPolicy.DEFAULT);
        h.attach("uplink", VlanPolicy.DEFAULT);
        for (final String group : new String[] {"01:80:c2:00:00:00", "01:80:c2:00:00:02", "01:80:c2:00:00:03",
            "01:80:c2:00:00:0e", "01:80:c2:00:00:0f"})
        {
            h.send("guest", new FrameBuilder().ethernet(MacAddress.parse(group), A).raw(0x88CC, 46));
        }
        h.send("guest", new FrameBuilder().ethernet(MacAddress.parse("01:80:c2:00:00:10"), A).raw(0x88B5, 46));
        h.cycle();
        assertEquals(1, h.received("uplink").size(), "01:80:c2:00:00:10 is ordinary multicast, flooded");
        assertEquals(5, guest.counters().drops(DropReason.RESERVED_MULTICAST));
    }

    @Test
    void shouldDropAndCountFramesThatBreakThePortsVlanPolicy()
    {
        final SwitchPort access = h.attach("access", VlanPolicy.access(10));
        final SwitchPort trunk = h.attach("trunk", VlanPolicy.trunk(VlanSet.of(10), VlanId.NONE));
        h.send("access", frame(MacAddress.BROADCAST, A).vlan(10)); // tagged on an access port
        h.send("trunk", frame(MacAddress.BROADCAST, B));            // untagged, no native VLAN
        h.send("trunk", frame(MacAddress.BROADCAST, B).vlan(30));   // VLAN not allowed
        h.cycle();
        assertEquals(1, access.counters().drops(DropReason.VLAN_MISMATCH));
        assertEquals(2, trunk.counters().drops(DropReason.VLAN_MISMATCH));
        assertEquals(0, h.received("access").size() + h.received("trunk").size());
        assertEquals(0, h.sw.macTable().size(), "nothing learned from denied frames");
    }

    @Test
    void shouldDropAndCountMalformedFramesWithoutStopping()
    {
        final SwitchPort a = h.attach("a", VlanPolicy.DEFAULT);
        h.attach("b", VlanPolicy.DEFAULT);
        final byte[] good = frame(MacAddress.BROADCAST, A).toBytes();
        int malformed = 0;
        for (int length = 0; length < good.length; length++)
        {
            final int handle = h.pool.allocate();
            h.pool.put(handle, java.util.Arrays.copyOf(good, length));
            h.send("a", handle);
            malformed++;
        }
        h.send("a", frame(MacAddress.BROADCAST, A).vlan(4095));
        final byte[] badIhl = good.clone();
        badIhl[14] = 0x44;
        final int handle = h.pool.allocate();
        h.pool.put(handle, badIhl);
        h.send("a", handle);
        h.send("a", frame(MacAddress.BROADCAST, A));
        h.cycle();
        assertEquals(malformed + 2, a.counters().drops(DropReason.MALFORMED));
        assertEquals(1, h.received("b").size(), "the good frame after them still goes through");
        assertEquals(malformed + 3, a.counters().rxFrames());
    }

    @Test
    void shouldDropFramesFromMulticastOrZeroSourceMacs()
    {
        final SwitchPort a = h.attach("a", VlanPolicy.DEFAULT);
        h.attach("b", VlanPolicy.DEFAULT);
        h.send("a", frame(B, MacAddress.BROADCAST));
        h.send("a", frame(B, MacAddress.parse("01:00:5e:00:00:01")));
        h.send("a", frame(B, 0));
        h.cycle();
        assertEquals(3, a.counters().drops(DropReason.INVALID_SOURCE));
        assertEquals(0, h.sw.macTable().size());
    }

    @Test
    void shouldLimitTheMacsOnePortCanTeachTheSwitch()
    {
        h = new SwitchHarness(SwitchConfig.defaults().withLearningLimits(100, 150), 8192);
        h.attach("flooder", VlanPolicy.DEFAULT);
        h.attach("honest", VlanPolicy.DEFAULT);
        h.attach("other", VlanPolicy.DEFAULT);
        for (int i = 0; i < 5000; i++)
        {
            h.send("flooder", frame(MacAddress.BROADCAST, 0x0200_0000_0000L + i));
            if (i % 500 == 0)
            {
                h.cycle();
                h.drainAll();
            }
        }
        h.cycle();
        h.drainAll();
        final MacTable table = h.sw.macTable();
        assertEquals(100, table.learnedOn(h.ports.get("flooder").index()));
        assertEquals(4900, h.sw.fdbCounters().get(MacTable.PORT_LIMIT_EXCEEDED));

        h.sendAndCycle("honest", frame(MacAddress.BROADCAST, B));
        h.drainAll();
        h.sendAndCycle("other", frame(B, C));
        assertEquals(1, h.received("honest").size(), "an honest port still gets its MAC learned");
        assertEquals(0, h.received("flooder").size());
    }

    @Test
    void shouldStopLearningAtTheTableLimitShareItFairlyAndCountTheExcess()
    {
        h = new SwitchHarness(SwitchConfig.defaults().withLearningLimits(100, 150), 8192);
        h.attach("p1", VlanPolicy.DEFAULT);
        h.attach("p2", VlanPolicy.DEFAULT);
        for (int i = 0; i < 100; i++)
        {
            h.send("p1", frame(MacAddress.BROADCAST, 0x0200_0000_0000L + i));
            h.send("p2", frame(MacAddress.BROADCAST, 0x0200_0001_0000L + i));
        }
        h.cycle();
        assertEquals(150, h.sw.macTable().learnedCount());
        // Full, the port holding fewer took room from the one holding more until they held the same.
        assertEquals(75, h.sw.macTable().learnedOn(h.ports.get("p1").index()));
        assertEquals(75, h.sw.macTable().learnedOn(h.ports.get("p2").index()));
        // 200 addresses: 150 held, and each of the other 50 either refused or learned at an evicted one's cost.
        assertEquals(50, h.sw.fdbCounters().get(MacTable.TABLE_LIMIT_EXCEEDED) +
            h.sw.fdbCounters().get(MacTable.EVICTED));
        assertTrue(h.sw.fdbCounters().get(MacTable.EVICTED) > 0);
    }

    @Test
    void shouldFollowAMacThatMovesAndCountTheMove()
    {
        h.attach("a", VlanPolicy.DEFAULT);
        h.attach("b", VlanPolicy.DEFAULT);
        h.attach("c", VlanPolicy.DEFAULT);
        h.sendAndCycle("a", frame(MacAddress.BROADCAST, A));
        h.sendAndCycle("b", frame(MacAddress.BROADCAST, A)); // A moved to b (a migrated guest)
        h.drainAll();
        assertEquals(1, h.sw.fdbCounters().get(MacTable.MOVES));
        h.sendAndCycle("c", frame(A, C));
        assertEquals(1, h.received("b").size());
        assertEquals(0, h.received("a").size());
    }

    @Test
    void shouldBookAFrameLostOnTheWayOutOnThePortItWasFor()
    {
        final SwitchPort sender = h.attach("sender", VlanPolicy.DEFAULT);
        final SwitchPort moved = h.attach("moved", VlanPolicy.DEFAULT);
        h.sw.addStaticMac(1, A, moved);
        h.sw.policy(moved, VlanPolicy.access(20)); // the port left VLAN 1; its static entry there stays for now
        h.sendAndCycle("sender", frame(A, B));
        assertEquals(0, h.received("moved").size());
        assertEquals(1, moved.counters().drops(DropReason.VLAN_NOT_MEMBER), "lost on its way out to 'moved'");
        assertEquals(0, sender.counters().drops(DropReason.VLAN_MISMATCH), "the sender broke no policy");
        assertEquals(0, sender.counters().drops(DropReason.VLAN_NOT_MEMBER));
    }

    @Test
    void shouldForwardToStaticMacsWithoutLearningAndNeverMoveThem()
    {
        final SwitchPort a = h.attach("a", VlanPolicy.DEFAULT);
        h.attach("b", VlanPolicy.DEFAULT);
        h.attach("c", VlanPolicy.DEFAULT);
        h.sw.addStaticMac(1, A, a);
        h.sendAndCycle("c", frame(A, C));
        assertEquals(1, h.received("a").size());
        assertEquals(0, h.received("b").size(), "a static MAC is never flooded to");

        h.sendAndCycle("b", frame(MacAddress.BROADCAST, A)); // someone else claims A
        h.drainAll();
        assertEquals(1, h.sw.fdbCounters().get(MacTable.STATIC_CONFLICTS));
        h.advance(1, TimeUnit.HOURS);
        h.sendAndCycle("c", frame(A, C));
        assertEquals(1, h.received("a").size(), "static entries neither move nor age");
        assertEquals(0, h.received("b").size());
    }

    @Test
    void shouldForgetADetachedPortsMacsAndFloodAgain()
    {
        h.attach("a", VlanPolicy.DEFAULT);
        final SwitchPort b = h.attach("b", VlanPolicy.DEFAULT);
        h.attach("c", VlanPolicy.DEFAULT);
        h.sendAndCycle("b", frame(MacAddress.BROADCAST, B));
        h.drainAll();
        h.sw.detach(b);
        h.sendAndCycle("a", frame(B, A));
        assertEquals(1, h.received("c").size());
        assertEquals(0, h.received("b").size());
        assertNull(h.sw.port("b"));
        final SwitchPort again = h.attach("b2", VlanPolicy.DEFAULT);
        assertEquals(b.index(), again.index(), "the index is reused once the datapath let go");
    }

    @Test
    void shouldDropAndCountWhatAFullOutputQueueCannotTake()
    {
        h.attach("a", VlanPolicy.DEFAULT);
        final SwitchPort slow = h.attach("slow", VlanPolicy.DEFAULT, 4);
        for (int i = 0; i < 10; i++)
        {
            h.send("a", frame(MacAddress.BROADCAST, A));
        }
        h.cycle();
        assertEquals(4, slow.counters().txFrames());
        assertEquals(6, slow.counters().drops(DropReason.QUEUE_FULL));
        assertEquals(4, h.received("slow").size());
    }

    @Test
    void shouldDropUnicastWhoseDestinationIsTheIngressPort()
    {
        final SwitchPort a = h.attach("a", VlanPolicy.DEFAULT);
        h.attach("b", VlanPolicy.DEFAULT);
        h.sendAndCycle("a", frame(MacAddress.BROADCAST, A));
        h.sendAndCycle("a", frame(MacAddress.BROADCAST, C)); // C lives behind a too
        h.drainAll();
        h.sendAndCycle("a", frame(C, A));
        assertEquals(1, a.counters().drops(DropReason.FILTERED));
        assertEquals(0, h.received("b").size());
    }

    @Test
    void shouldCountFloodCopiesThePoolCouldNotProvide()
    {
        h = new SwitchHarness(SwitchConfig.defaults(), 3);
        h.attach("a", VlanPolicy.DEFAULT);
        h.attach("b", VlanPolicy.DEFAULT);
        h.attach("c", VlanPolicy.DEFAULT);
        h.attach("d", VlanPolicy.DEFAULT);
        final int first = frame(MacAddress.BROADCAST, A).build(h.pool);
        final int second = frame(MacAddress.BROADCAST, A).build(h.pool);
        h.send("a", first);
        h.send("a", second);
        h.cycle(); // 2 frames out, one free slot: the first flood gets one copy, the second none
        long noBuffer = 0;
        for (final String p : new String[]{"b", "c", "d"})
        {
            noBuffer += h.ports.get(p).counters().drops(DropReason.NO_BUFFER);
        }
        final int delivered = h.received("b").size() + h.received("c").size() + h.received("d").size();
        assertEquals(6, delivered + noBuffer, "every copy is delivered or counted");
        assertTrue(noBuffer >= 3);
    }

    @Test
    void shouldApplyANewVlanPolicyLive()
    {
        final SwitchPort a = h.attach("a", VlanPolicy.access(10));
        h.attach("b", VlanPolicy.access(20));
        h.sendAndCycle("a", frame(MacAddress.BROADCAST, A));
        assertEquals(0, h.received("b").size());
        h.sw.policy(a, VlanPolicy.access(20));
        h.sendAndCycle("a", frame(MacAddress.BROADCAST, A));
        assertEquals(1, h.received("b").size());
    }

    @Test
    void shouldRefuseDuplicatePortNamesAndBadStaticMacs()
    {
        h.attach("a", VlanPolicy.DEFAULT);
        assertThrows(IllegalArgumentException.class, () -> h.attach("a", VlanPolicy.DEFAULT));
        assertThrows(IllegalArgumentException.class,
            () -> h.sw.addStaticMac(1, MacAddress.BROADCAST, h.ports.get("a")));
        assertThrows(IllegalArgumentException.class, () -> h.sw.addStaticMac(4095, A, h.ports.get("a")));
        h.cycle();
    }
}
