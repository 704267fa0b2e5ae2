package io.xbow.nat.router;

import io.xbow.nat.conntrack.NatRules;
import io.xbow.nat.conntrack.NatTable;
import io.xbow.nat.rules.IpnatRules;
import io.xbow.packet.DropReason;
import io.xbow.packet.address.Ipv4Address;
import io.xbow.packet.build.FrameBuilder;
import io.xbow.packet.checksum.InternetChecksum;
import io.xbow.packet.frame.FrameOffload;
import io.xbow.packet.frame.FramePool;
import io.xbow.vlan.VlanPolicy;
import io.xbow.vswitch.SwitchConfig;
import io.xbow.vswitch.SwitchPort;
import io.xbow.vswitch.VirtualSwitch;
import io.xbow.vswitch.port.MemoryDevice;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TCP super-frames through the router and its NAT: forwarded as one frame (one route lookup and one translation for
 * all their segments) with their offload state and a partial checksum the next device finishes right; cut into
 * segments with finished checksums when the next link's pool has no large slot; refused with "fragmentation needed"
 * when their segments do not fit the next link.
 */
class RouterSuperFrameTest
{
    private static final long HOST_A = 0x0216_3e00_000aL;
    private static final long HOST_B = 0x0216_3e00_000bL;
    private static final long ROUTER_A = 0x0216_3e00_0fa0L;
    private static final long ROUTER_B = 0x0216_3e00_0fb0L;
    private static final int A = Ipv4Address.parse("10.0.0.10");
    private static final int B = Ipv4Address.parse("198.51.100.20");
    private static final int RB = Ipv4Address.parse("198.51.100.1");
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;
    private static final int PAYLOAD = 20_000;
    private static final int MSS = 1448;

    private long now = TimeUnit.SECONDS.toNanos(1);
    private final FramePool poolA = new FramePool(256, 9014, 4);
    private FramePool poolB;
    private VirtualSwitch swA;
    private VirtualSwitch swB;
    private final MemoryDevice hostA = new MemoryDevice(64);
    private final MemoryDevice hostB = new MemoryDevice(256).offloads(FrameOffload.CAN_CSUM | FrameOffload.CAN_TSO4);
    private final Router router = new Router(100, 64, now);
    private RouterInterface ifB;

    private void build(final int largeSlotsB, final int mtuB)
    {
        poolB = new FramePool(256, 1514, largeSlotsB);
        swA = new VirtualSwitch("stubA0", poolA, SwitchConfig.defaults(), () -> now);
        swB = new VirtualSwitch("stubB0", poolB, SwitchConfig.defaults(), () -> now);
        final RouterInterface ifA = router.addInterface("stubA0", ROUTER_A, Ipv4Address.parse("10.0.0.1"), 24, 9000,
            now);
        ifB = router.addInterface("stubB0", ROUTER_B, RB, 24, mtuB, now);
        ifB.nat(new NatTable(NatRules.of(RB, IpnatRules.parse("map stubB0 10.0.0.0/24 -> 0/32", "test")),
            NatTable.Config.defaults(64), now / 1_000_000));
        swA.attach("hostA", hostA, VlanPolicy.DEFAULT);
        final SwitchPort portA = swA.attach("router", ifA.port(), VlanPolicy.DEFAULT);
        swB.attach("hostB", hostB, VlanPolicy.DEFAULT);
        final SwitchPort portB = swB.attach("router", ifB.port(), VlanPolicy.DEFAULT);
        swA.addStaticMac(1, ROUTER_A, portA);
        swB.addStaticMac(1, ROUTER_B, portB);
        cycle();
        assertTrue(hostB.inject(new FrameBuilder().ethernet(ROUTER_B, HOST_B).arp(2, HOST_B, B, ROUTER_B, RB)
            .build(poolB)));
        cycle();
    }

    @AfterEach
    void nothingLeaked()
    {
        swA.onClose();
        swB.onClose();
        assertEquals(0, poolA.outstanding(), "every frame of link A freed once");
        assertEquals(0, poolB.outstanding(), "every frame of link B freed once");
    }

    private void cycle()
    {
        for (int i = 0; i < 4; i++)
        {
            swA.doWork();
            swB.doWork();
        }
    }

    /** A guest's TCP super-frame, as its TAP hands it over: DF, the checksum partial, a segment size. */
    private void sendSuperFrame()
    {
        final byte[] bytes = new FrameBuilder().ethernet(ROUTER_A, HOST_A).ipv4(A, B).identification(0x1234)
            .tcp(40000, 5001, 0x18, 1_000_000, PAYLOAD).payloadFill(0x5A).toBytes();
        final int frame = poolA.allocateLarge();
        poolA.put(frame, bytes);
        final UnsafeBuffer b = (UnsafeBuffer)poolA.buffer();
        final int at = poolA.offset(frame);
        b.putShort(at + 34 + 16, (short)InternetChecksum.fold(InternetChecksum.pseudoHeaderSum(A, B, 6,
            bytes.length - 34)), BE);
        poolA.offload(frame, FrameOffload.of(FrameOffload.CSUM_PARTIAL, FrameOffload.GSO_TCPV4, MSS));
        poolA.csum(frame, 34, 16);
        assertTrue(hostA.inject(frame));
        cycle();
    }

    @Test
    void shouldForwardASuperFrameWholeTranslatedOnce()
    {
        build(4, 1500);
        sendSuperFrame();
        final int frame = hostB.poll();
        assertNotEquals(FramePool.NO_FRAME, frame, "one frame out");
        assertEquals(FramePool.NO_FRAME, hostB.poll(), "not cut");
        final int offload = poolB.offload(frame);
        assertEquals(FrameOffload.GSO_TCPV4, FrameOffload.gsoType(offload));
        assertEquals(MSS, FrameOffload.gsoSize(offload));
        assertEquals(34, poolB.csumStart(frame));
        final UnsafeBuffer b = (UnsafeBuffer)poolB.buffer();
        final int at = poolB.offset(frame);
        assertEquals(RB, b.getInt(at + 26, BE), "masqueraded");
        assertEquals(63, b.getByte(at + 22), "one hop less");
        assertEquals(0, InternetChecksum.checksum(b, at + 14, 20));
        // What the device will do: sum the TCP header and data over the partial sum left in the field.
        final int tcpLength = poolB.length(frame) - 34;
        b.putShort(at + 34 + 16, (short)InternetChecksum.finish(InternetChecksum.sum(b, at + 34, tcpLength)), BE);
        assertEquals(InternetChecksum.tcpChecksum(b, at + 34, tcpLength, RB, B) & 0xFFFF,
            b.getShort(at + 34 + 16, BE) & 0xFFFF, "the finished checksum is right");
        poolB.free(frame);
        assertEquals(1, ifB.nat().counter(NatTable.TRANSLATED_OUT), "one translation for 14 segments");
    }

    @Test
    void shouldCutASuperFrameWhenTheNextLinkHasNoLargeSlot()
    {
        build(0, 1500);
        sendSuperFrame();
        int segments = 0;
        int bytes = 0;
        for (int frame = hostB.poll(); frame != FramePool.NO_FRAME; frame = hostB.poll())
        {
            final UnsafeBuffer b = (UnsafeBuffer)poolB.buffer();
            final int at = poolB.offset(frame);
            final int tcpLength = poolB.length(frame) - 34;
            assertEquals(RB, b.getInt(at + 26, BE));
            assertEquals(InternetChecksum.tcpChecksum(b, at + 34, tcpLength, RB, B) & 0xFFFF,
                b.getShort(at + 34 + 16, BE) & 0xFFFF, "segment " + segments + "'s checksum");
            assertTrue(poolB.length(frame) <= 1514);
            bytes += tcpLength - 20;
            segments++;
            poolB.free(frame);
        }
        assertEquals((PAYLOAD + MSS - 1) / MSS, segments);
        assertEquals(PAYLOAD, bytes);
    }

    @Test
    void shouldAskForSmallerSegmentsWhenTheyDoNotFitTheNextLink()
    {
        build(4, 1280);
        sendSuperFrame();
        assertEquals(FramePool.NO_FRAME, hostB.poll());
        final int frame = hostA.poll();
        assertNotEquals(FramePool.NO_FRAME, frame, "an ICMP error back");
        final UnsafeBuffer b = (UnsafeBuffer)poolA.buffer();
        final int at = poolA.offset(frame);
        assertEquals(3, b.getByte(at + 34), "destination unreachable,");
        assertEquals(4, b.getByte(at + 35), "fragmentation needed");
        assertEquals(1280, b.getShort(at + 40, BE), "the next link's MTU");
        assertEquals(A, b.getInt(at + 34 + 8 + 12, BE), "quoting the guest's own, untranslated header");
        poolA.free(frame);
        assertEquals(0, ifB.nat().counter(NatTable.TRANSLATED_OUT));
        assertEquals(0, ifB.drops(DropReason.NEEDS_FRAGMENTATION), "counted where it came in");
    }
}
