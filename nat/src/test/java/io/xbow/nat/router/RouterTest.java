package io.xbow.nat.router;

import io.xbow.packet.DropReason;
import io.xbow.nat.conntrack.NatRules;
import io.xbow.nat.conntrack.NatTable;
import io.xbow.nat.rules.IpnatRules;
import io.xbow.packet.address.Ipv4Address;
import io.xbow.packet.build.FrameBuilder;
import io.xbow.packet.checksum.InternetChecksum;
import io.xbow.packet.frame.FramePool;
import io.xbow.vlan.VlanPolicy;
import io.xbow.vswitch.SwitchConfig;
import io.xbow.vswitch.SwitchPort;
import io.xbow.vswitch.VirtualSwitch;
import io.xbow.vswitch.port.MemoryDevice;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The router between two switches, as two hosts see it: one on 192.0.2.0/24, one on 198.51.100.0/24, the router at
 * .1 on each, link B's MTU 1280. A datagram crosses with one hop less to live and correct checksums once ARP has resolved the far
 * host; the router answers ARP and ping for its addresses, sends time exceeded and net unreachable back, drops bad
 * checksums; and every frame is freed exactly once.
 */
class RouterTest
{
    private static final long HOST_A = 0x0216_3e00_000aL;
    private static final long HOST_B = 0x0216_3e00_000bL;
    private static final long ROUTER_A = 0x0216_3e00_0fa0L;
    private static final long ROUTER_B = 0x0216_3e00_0fb0L;
    private static final int A = Ipv4Address.parse("192.0.2.10");
    private static final int B = Ipv4Address.parse("198.51.100.20");
    private static final int RA = Ipv4Address.parse("192.0.2.1");
    private static final int RB = Ipv4Address.parse("198.51.100.1");
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    private long now = TimeUnit.SECONDS.toNanos(1);
    private final FramePool poolA = new FramePool(256);
    private final FramePool poolB = new FramePool(256);
    private final VirtualSwitch swA = new VirtualSwitch("stubA0", poolA, SwitchConfig.defaults(), () -> now);
    private final VirtualSwitch swB = new VirtualSwitch("stubB0", poolB, SwitchConfig.defaults(), () -> now);
    private final MemoryDevice hostA = new MemoryDevice(64);
    private final MemoryDevice hostB = new MemoryDevice(64);
    private final Router router = new Router(100, 64, now);
    private final RouterInterface ifA = router.addInterface("stubA0", ROUTER_A, RA, 24, 1500, now);
    private final RouterInterface ifB = router.addInterface("stubB0", ROUTER_B, RB, 24, 1280, now);

    RouterTest()
    {
        swA.attach("hostA", hostA, VlanPolicy.DEFAULT);
        final SwitchPort portA = swA.attach("router", ifA.port(), VlanPolicy.DEFAULT);
        swB.attach("hostB", hostB, VlanPolicy.DEFAULT);
        final SwitchPort portB = swB.attach("router", ifB.port(), VlanPolicy.DEFAULT);
        swA.addStaticMac(1, ROUTER_A, portA);
        swB.addStaticMac(1, ROUTER_B, portB);
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

    private UnsafeBuffer take(final MemoryDevice host, final FramePool pool)
    {
        final int frame = host.poll();
        assertNotEquals(FramePool.NO_FRAME, frame, "a frame for the host");
        final byte[] bytes = new byte[pool.length(frame)];
        pool.buffer().getBytes(pool.offset(frame), bytes);
        pool.free(frame);
        return new UnsafeBuffer(bytes);
    }

    private void send(final MemoryDevice host, final FramePool pool, final FrameBuilder frame)
    {
        assertTrue(host.inject(frame.build(pool)));
        cycle();
    }

    private FrameBuilder udpFromA(final int ttl)
    {
        return new FrameBuilder().ethernet(ROUTER_A, HOST_A).ipv4(A, B).ttl(ttl).udp(40000, 33434, 32);
    }

    @Test
    void shouldAnswerArpAndPingForItsOwnAddress()
    {
        send(hostA, poolA, new FrameBuilder().ethernet(0xFFFF_FFFF_FFFFL, HOST_A).arp(1, HOST_A, A, 0, RA));
        final UnsafeBuffer reply = take(hostA, poolA);
        assertEquals(2, reply.getShort(20, BE), "an ARP reply");
        assertEquals(RA, reply.getInt(28, BE));
        assertEquals(ROUTER_A, (reply.getShort(22, BE) & 0xFFFFL) << 32 | (reply.getInt(24, BE) & 0xFFFF_FFFFL));
        send(hostA, poolA, new FrameBuilder().ethernet(ROUTER_A, HOST_A).ipv4(A, RA).icmpEcho(8, 7, 1, 56));
        final UnsafeBuffer pong = take(hostA, poolA);
        assertEquals(A, pong.getInt(30, BE), "back to the pinger");
        assertEquals(0, pong.getByte(34), "an echo reply");
        assertEquals(0, InternetChecksum.checksum(pong, 14, 20));
        assertEquals(0, InternetChecksum.checksum(pong, 34, pong.capacity() - 34), "ICMP checksum");
    }

    @Test
    void shouldForwardOnceTheFarHostAnswersArpWithOneHopLessToLive()
    {
        send(hostA, poolA, udpFromA(64));
        send(hostA, poolA, udpFromA(64));
        final UnsafeBuffer request = take(hostB, poolB);
        assertEquals(0x0806, request.getShort(12, BE) & 0xFFFF, "the router asks for B first");
        assertEquals(B, request.getInt(38, BE));
        assertEquals(FramePool.NO_FRAME, hostB.poll(), "one request for the two datagrams");
        send(hostB, poolB, new FrameBuilder().ethernet(ROUTER_B, HOST_B).arp(2, HOST_B, B, ROUTER_B, RB));
        for (int i = 0; i < 2; i++)
        {
            final UnsafeBuffer datagram = take(hostB, poolB);
            assertEquals(HOST_B, (datagram.getShort(0, BE) & 0xFFFFL) << 32 | (datagram.getInt(2, BE) & 0xFFFF_FFFFL));
            assertEquals(63, datagram.getByte(22), "TTL decremented");
            assertEquals(0, InternetChecksum.checksum(datagram, 14, 20), "header checksum updated");
            assertEquals(A, datagram.getInt(26, BE));
        }
        send(hostA, poolA, udpFromA(64));
        assertEquals(63, take(hostB, poolB).getByte(22), "resolved now: straight through");
        assertEquals(3, ifA.counter(RouterInterface.FORWARDED));
    }

    @Test
    void shouldSendTimeExceededAndNetUnreachableBackAndDropBadChecksums()
    {
        send(hostA, poolA, udpFromA(1));
        final UnsafeBuffer exceeded = take(hostA, poolA);
        assertEquals(11, exceeded.getByte(34), "time exceeded");
        assertEquals(RA, exceeded.getInt(26, BE), "from the router's address on A's link");
        assertEquals(1, ifA.drops(DropReason.TTL_EXCEEDED));

        send(hostA, poolA, new FrameBuilder().ethernet(ROUTER_A, HOST_A).ipv4(A, Ipv4Address.parse("203.0.113.9"))
            .udp(1, 2, 8));
        final UnsafeBuffer unreachable = take(hostA, poolA);
        assertEquals(3, unreachable.getByte(34));
        assertEquals(0, unreachable.getByte(35), "net unreachable");
        assertEquals(1, ifA.drops(DropReason.NO_ROUTE));

        final int frame = udpFromA(64).build(poolA);
        poolA.buffer().putByte(poolA.offset(frame) + 14 + 10, (byte)0x55);
        assertTrue(hostA.inject(frame));
        cycle();
        assertEquals(FramePool.NO_FRAME, hostA.poll(), "no answer to a bad checksum");
        assertEquals(FramePool.NO_FRAME, hostB.poll());
        assertEquals(1, ifA.drops(DropReason.BAD_CHECKSUM));
    }

    @Test
    void shouldGiveUpOnAHostThatNeverAnswersAndFreeWhatWaited()
    {
        send(hostA, poolA, udpFromA(64));
        for (int second = 2; second <= 5; second++)
        {
            now = TimeUnit.SECONDS.toNanos(second);
            cycle();
        }
        int requests = 0;
        int frame;
        while ((frame = hostB.poll()) != FramePool.NO_FRAME)
        {
            assertEquals(0x0806, poolB.buffer().getShort(poolB.offset(frame) + 12, BE) & 0xFFFF);
            poolB.free(frame);
            requests++;
        }
        assertEquals(3, requests, "a request a second, three in all");
        assertEquals(1, ifB.drops(DropReason.ARP_UNRESOLVED), "the datagram let go after three requests");
        assertEquals(3, ifB.counter(RouterInterface.ARP_REQUESTS));

        // ... and its source hears of it: a host unreachable, once the router has found A's MAC.
        int asked = 0;
        while ((frame = hostA.poll()) != FramePool.NO_FRAME)
        {
            assertEquals(0x0806, poolA.buffer().getShort(poolA.offset(frame) + 12, BE) & 0xFFFF,
                "the router asks for A, to answer it");
            poolA.free(frame);
            asked++;
        }
        assertTrue(asked > 0);
        send(hostA, poolA, new FrameBuilder().ethernet(ROUTER_A, HOST_A).arp(2, HOST_A, A, ROUTER_A, RA));
        final UnsafeBuffer error = take(hostA, poolA);
        assertEquals(RA, error.getInt(26, BE), "from the router's address on A's link");
        assertEquals(3, error.getByte(34), "destination unreachable");
        assertEquals(1, error.getByte(35), "host unreachable");
        assertEquals(B, error.getInt(34 + 8 + 16, BE), "quoting the datagram to B");
        assertEquals(1, ifA.counter(RouterInterface.ICMP_ERRORS));
    }

    @Test
    void shouldAnswerUdpToItselfWithPortUnreachableAndNotForwardDirectedBroadcasts()
    {
        send(hostA, poolA, new FrameBuilder().ethernet(ROUTER_A, HOST_A).ipv4(A, RA).ttl(1).udp(40000, 33434, 8));
        final UnsafeBuffer port = take(hostA, poolA);
        assertEquals(3, port.getByte(34), "destination unreachable");
        assertEquals(3, port.getByte(35), "port unreachable: traceroute to the router ends here");
        assertEquals(1, ifA.drops(DropReason.NOT_FOR_A_SERVICE));

        final int broadcastB = Ipv4Address.parse("198.51.100.255");
        final int networkB = Ipv4Address.parse("198.51.100.0");
        send(hostA, poolA, new FrameBuilder().ethernet(ROUTER_A, HOST_A).ipv4(A, broadcastB).ttl(64).udp(1, 2, 8));
        send(hostA, poolA, new FrameBuilder().ethernet(ROUTER_A, HOST_A).ipv4(A, networkB).ttl(64).udp(1, 2, 8));
        assertEquals(FramePool.NO_FRAME, hostB.poll(), "nothing reaches link B, not even an ARP request");
        assertEquals(2, ifA.drops(DropReason.DIRECTED_BROADCAST));
    }

    @Test
    void shouldStopForwardingWhenToldAndForgetAnInterfaceWithItsRoutes()
    {
        router.forwarding(false);
        send(hostA, poolA, udpFromA(64));
        assertEquals(FramePool.NO_FRAME, hostB.poll());
        assertEquals(1, ifA.drops(DropReason.FORWARDING_DISABLED));
        send(hostA, poolA, new FrameBuilder().ethernet(ROUTER_A, HOST_A).ipv4(A, RA).icmpEcho(8, 7, 1, 56));
        assertEquals(0, take(hostA, poolA).getByte(34), "still answers ping for its own address");
        router.forwarding(true);

        final int far = Ipv4Address.parse("203.0.113.0");
        assertEquals(Router.ADDED, router.addRoute(far, 24, B));
        assertEquals(Router.EXISTS, router.addRoute(far, 24, B));
        assertEquals(Router.UNREACHABLE, router.addRoute(Ipv4Address.parse("10.0.0.0"), 8,
            Ipv4Address.parse("10.9.9.9")));
        final int[] seen = new int[2];
        router.routes((prefix, length, kind, iface, gateway, use) -> seen[kind == Router.GATEWAY ? 1 : 0]++);
        assertEquals(2, seen[0], "the two connected subnets");
        assertEquals(1, seen[1], "the route through B");
        router.removeInterface(ifB);
        final int[] left = new int[1];
        router.routes((prefix, length, kind, iface, gateway, use) -> left[0]++);
        assertEquals(1, left[0], "B's subnet and the route through it went with it");
        send(hostA, poolA, udpFromA(64));
        assertEquals(3, take(hostA, poolA).getByte(34), "B is unreachable now: net unreachable back to A");
        assertEquals(1, ifA.drops(DropReason.NO_ROUTE));
    }

    @Test
    void shouldFragmentForASmallerLinkWhenDfIsClearAndSayFragmentationNeededWhenSet()
    {
        // An ARP packet addressed to the router teaches it the sender (RFC 826): B is resolved from here on.
        send(hostB, poolB, new FrameBuilder().ethernet(ROUTER_B, HOST_B).arp(2, HOST_B, B, ROUTER_B, RB));

        final byte[] payload = new byte[1372];
        for (int i = 0; i < payload.length; i++)
        {
            payload[i] = (byte)(i * 31);
        }
        final int big = new FrameBuilder().ethernet(ROUTER_A, HOST_A).ipv4(A, B).identification(0x4242)
            .udp(40000, 33434, payload.length).payload(payload).build(poolA);
        poolA.buffer().putShort(poolA.offset(big) + 14 + 6, (short)0, BE); // DF clear
        final UnsafeBuffer header = new UnsafeBuffer(poolA.buffer(), poolA.offset(big) + 14, 20);
        header.putShort(10, (short)0);
        header.putShort(10, (short)InternetChecksum.ipv4HeaderChecksum(header, 0, 20), BE);
        assertTrue(hostA.inject(big));
        cycle();
        final UnsafeBuffer first = take(hostB, poolB);
        final UnsafeBuffer second = take(hostB, poolB);
        assertEquals(14 + 20 + 1256, first.capacity(), "as much of the MTU as 8-byte units fill");
        assertEquals(0x2000, first.getShort(20, BE) & 0xFFFF, "MF, offset 0");
        assertEquals(1256 / 8, second.getShort(20, BE) & 0x1FFF, "the second's offset, in 8-byte units");
        assertEquals(0, second.getShort(20, BE) & 0x2000, "no MF on the last");
        assertEquals(0x4242, second.getShort(18, BE) & 0xFFFF, "the datagram's id on each");
        for (final UnsafeBuffer fragment : new UnsafeBuffer[] {first, second})
        {
            assertEquals(0, InternetChecksum.checksum(fragment, 14, 20));
            assertEquals(63, fragment.getByte(22));
        }
        final byte[] joined = new byte[8 + payload.length];
        first.getBytes(34, joined, 0, 1256);
        second.getBytes(34, joined, 1256, joined.length - 1256);
        for (int i = 0; i < payload.length; i++)
        {
            assertEquals(payload[i], joined[8 + i], "payload byte " + i);
        }

        send(hostA, poolA, new FrameBuilder().ethernet(ROUTER_A, HOST_A).ipv4(A, B).udp(40000, 33434, 1372));
        final UnsafeBuffer needed = take(hostA, poolA);
        assertEquals(3, needed.getByte(34));
        assertEquals(4, needed.getByte(35), "fragmentation needed: DF was set");
        assertEquals(1280, needed.getShort(34 + 6, BE), "with the next hop's MTU");
        assertEquals(1, ifA.drops(DropReason.NEEDS_FRAGMENTATION));
    }

    @Test
    void shouldStandInForARoutedGuestOnTheLanWithProxyArpAndNotLetTheLanTakeItsAddress()
    {
        // Xen's vif-route: guest G keeps its LAN address behind link A; the router answers for it on link B (the
        // LAN), routes G's /32 out of A, and answers every ARP of the guest's on A.
        final int g = Ipv4Address.parse("198.51.100.77");
        router.addInterfaceRoute(g, 32, ifA);
        ifB.proxyArp(g, true);
        ifA.proxyAll(true);

        send(hostB, poolB, new FrameBuilder().ethernet(0xFFFF_FFFF_FFFFL, HOST_B).arp(1, HOST_B, B, 0, g));
        final UnsafeBuffer forG = take(hostB, poolB);
        assertEquals(2, forG.getShort(20, BE), "the router answers the LAN for the guest");
        assertEquals(g, forG.getInt(28, BE));
        assertEquals(ROUTER_B, (forG.getShort(22, BE) & 0xFFFFL) << 32 | (forG.getInt(24, BE) & 0xFFFF_FFFFL));

        send(hostA, poolA, new FrameBuilder().ethernet(0xFFFF_FFFF_FFFFL, HOST_A).arp(1, HOST_A, g, 0, B));
        final UnsafeBuffer forB = take(hostA, poolA);
        assertEquals(ROUTER_A, (forB.getShort(22, BE) & 0xFFFFL) << 32 | (forB.getInt(24, BE) & 0xFFFF_FFFFL),
            "and the guest for anything, with its MAC on the guest's side");
        assertEquals(B, forB.getInt(28, BE));

        send(hostB, poolB, new FrameBuilder().ethernet(ROUTER_B, HOST_B).ipv4(B, g).icmpEcho(8, 1, 1, 8));
        final UnsafeBuffer toGuest = take(hostA, poolA);
        assertEquals(g, toGuest.getInt(30, BE), "the LAN reaches the guest through the router");
        assertEquals(HOST_A, (toGuest.getShort(0, BE) & 0xFFFFL) << 32 | (toGuest.getInt(2, BE) & 0xFFFF_FFFFL));

        // A LAN host claiming the guest's address: a gratuitous ARP, then a datagram from it.
        send(hostB, poolB, new FrameBuilder().ethernet(0xFFFF_FFFF_FFFFL, HOST_B).arp(1, HOST_B, g, 0, g));
        assertEquals(FramePool.NO_FRAME, hostB.poll());
        send(hostB, poolB, new FrameBuilder().ethernet(ROUTER_B, HOST_B).ipv4(g, A).udp(1, 2, 8));
        assertEquals(FramePool.NO_FRAME, hostA.poll(), "not forwarded");
        assertEquals(2, ifB.drops(DropReason.IP_SPOOFED));
        send(hostB, poolB, new FrameBuilder().ethernet(ROUTER_B, HOST_B).ipv4(B, g).icmpEcho(8, 1, 2, 8));
        assertEquals(g, take(hostA, poolA).getInt(30, BE), "the guest keeps its address");
    }

    @Test
    void shouldMasqueradeOutOfTheOutsideInterfaceAndBringRepliesBack()
    {
        ifB.nat(new NatTable(NatRules.of(RB, IpnatRules.parse("map netb0 192.0.2.0/24 -> 0/32", "test")),
            NatTable.Config.defaults(256), now / 1_000_000));
        send(hostB, poolB, new FrameBuilder().ethernet(ROUTER_B, HOST_B).arp(2, HOST_B, B, ROUTER_B, RB));
        send(hostA, poolA, new FrameBuilder().ethernet(ROUTER_A, HOST_A).arp(2, HOST_A, A, ROUTER_A, RA));
        send(hostA, poolA, udpFromA(64));
        final UnsafeBuffer out = take(hostB, poolB);
        assertEquals(RB, out.getInt(26, BE), "from the outside interface's address");
        assertEquals(40000, out.getShort(34, BE) & 0xFFFF, "its port preserved");
        assertEquals(0, InternetChecksum.checksum(out, 14, 20));
        assertEquals(InternetChecksum.udpChecksum(out, 34, out.getShort(38, BE) & 0xFFFF, RB, B),
            out.getShort(40, BE) & 0xFFFF);

        send(hostB, poolB, new FrameBuilder().ethernet(ROUTER_B, HOST_B).ipv4(B, RB).ttl(64).udp(33434, 40000, 32));
        final UnsafeBuffer back = take(hostA, poolA);
        assertEquals(A, back.getInt(30, BE), "the reply goes to the inside host");
        assertEquals(40000, back.getShort(36, BE) & 0xFFFF);
        assertEquals(InternetChecksum.udpChecksum(back, 34, back.getShort(38, BE) & 0xFFFF, B, A),
            back.getShort(40, BE) & 0xFFFF);

        send(hostB, poolB, new FrameBuilder().ethernet(ROUTER_B, HOST_B).ipv4(B, RB).ttl(64).udp(33434, 40001, 32));
        final UnsafeBuffer refused = take(hostB, poolB);
        assertEquals(3, refused.getByte(34), "an unmapped port is the router's own: destination unreachable,");
        assertEquals(3, refused.getByte(35), "port unreachable");
        assertEquals(FramePool.NO_FRAME, hostA.poll(), "nothing reaches the inside");
        send(hostB, poolB, new FrameBuilder().ethernet(ROUTER_B, HOST_B).ipv4(B, RB).icmpEcho(8, 9, 1, 8));
        assertEquals(0, take(hostB, poolB).getByte(34), "the router still answers ping on its outside address");
    }

    @Test
    void shouldQuoteAPublishedPortAsTheSenderSentItInAnErrorAboutIt()
    {
        // Path MTU discovery to a published port: the server's link is smaller, the client sets DF.
        ifA.nat(new NatTable(NatRules.of(RA, IpnatRules.parse("rdr stubA0 0/32 port 8080 -> 198.51.100.20 port 80 tcp",
            "test")), NatTable.Config.defaults(256), now / 1_000_000));
        send(hostA, poolA, new FrameBuilder().ethernet(ROUTER_A, HOST_A).ipv4(A, RA).ttl(64)
            .tcp(40000, 8080, 0x10, 1, 1300));
        final UnsafeBuffer error = take(hostA, poolA);
        assertEquals(3, error.getByte(34), "destination unreachable,");
        assertEquals(4, error.getByte(35), "fragmentation needed");
        assertEquals(1280, error.getShort(40, BE), "the next link's MTU");
        assertEquals(RA, error.getInt(42 + 16, BE), "quoting the published address the client sent to,");
        assertEquals(8080, error.getShort(42 + 20 + 2, BE) & 0xFFFF, "and the published port");
        assertEquals(0, InternetChecksum.checksum(error, 42, 20), "the quoted header as it was, checksum and all");
        assertEquals(FramePool.NO_FRAME, hostB.poll());
    }

    @Test
    void shouldTellAMasqueradedGuestItsDestinationIsUnreachableQuotingItsOwnHeader()
    {
        ifB.nat(new NatTable(NatRules.of(RB, IpnatRules.parse("map stubB0 192.0.2.0/24 -> 0/32", "test")),
            NatTable.Config.defaults(256), now / 1_000_000));
        send(hostA, poolA, new FrameBuilder().ethernet(ROUTER_A, HOST_A).arp(2, HOST_A, A, ROUTER_A, RA));
        send(hostA, poolA, udpFromA(64)); // to B, which never answers ARP
        for (int second = 2; second <= 5; second++)
        {
            now = TimeUnit.SECONDS.toNanos(second);
            cycle();
        }
        for (int frame = hostB.poll(); frame != FramePool.NO_FRAME; frame = hostB.poll())
        {
            poolB.free(frame); // the ARP requests
        }
        final UnsafeBuffer error = take(hostA, poolA);
        assertEquals(A, error.getInt(30, BE), "to the guest, not to the router's outside address");
        assertEquals(3, error.getByte(34), "destination unreachable,");
        assertEquals(1, error.getByte(35), "host unreachable");
        assertEquals(A, error.getInt(42 + 12, BE), "quoting the guest's own address,");
        assertEquals(40000, error.getShort(42 + 20, BE) & 0xFFFF, "and port");
        assertEquals(0, InternetChecksum.checksum(error, 42, 20));
    }
}
