package io.xbow.netback;

import io.xbow.netback.backend.NetbackCounters;
import io.xbow.netback.frontend.Netfront;
import io.xbow.packet.address.Ipv4Address;
import io.xbow.packet.address.MacAddress;
import io.xbow.packet.build.FrameBuilder;
import io.xbow.packet.checksum.InternetChecksum;
import io.xbow.packet.codec.TcpFlyweight;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteOrder;
import java.nio.file.Path;

import static io.xbow.netback.ring.RingDescriptor.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Guests exchanging frames through netfront, netback, switch, netback, netfront.
 */
class NetbackTest
{
    private static final long A = MacAddress.parse("0:16:3e:0:0:1");
    private static final long B = MacAddress.parse("0:16:3e:0:0:2");

    @TempDir
    Path dir;

    private static UnsafeBuffer frame(final FrameBuilder builder)
    {
        return new UnsafeBuffer(builder.toBytes());
    }

    @Test
    void shouldCarryFramesBetweenTwoGuests() throws Exception
    {
        try (TwoGuests g = new TwoGuests(dir, false))
        {
            final UnsafeBuffer hello = frame(new FrameBuilder().ethernet(MacAddress.BROADCAST, A)
                .ipv4(Ipv4Address.parse("10.0.0.1"), Ipv4Address.parse("10.0.0.2")).udp(1, 2, 100).payloadFill(7));
            assertTrue(g.front[0].send(hello, 0, hello.capacity(), 0));
            g.run();
            assertEquals(1, g.received.get(1).size());
            assertArrayEquals(hello.byteArray(), g.received.get(1).get(0));
            assertEquals(0, g.received.get(0).size(), "never back to the sender");

            final UnsafeBuffer reply = frame(new FrameBuilder().ethernet(A, B).raw(0x88B5, 1486).payloadFill(9));
            for (int i = 0; i < 1000; i++)
            {
                while (!g.front[1].send(reply, 0, reply.capacity(), 0))
                {
                    g.run();
                }
                if (i % 50 == 0)
                {
                    g.run();
                }
            }
            g.run();
            g.run();
            assertEquals(1000, g.received.get(0).size());
            assertArrayEquals(reply.byteArray(), g.received.get(0).get(999));
            assertEquals(1001, g.back[0].counters().rxFrames() + g.back[1].counters().rxFrames());
            assertEquals(0, g.front[0].txErrors() + g.front[1].txErrors());
            assertEquals(0, g.pool.outstanding(), "every frame back in the pool");
        }
    }

    @Test
    void shouldCarryJumboFramesInSeveralSlots() throws Exception
    {
        try (TwoGuests g = new TwoGuests(dir, true))
        {
            final UnsafeBuffer jumbo = frame(new FrameBuilder().ethernet(B, A).raw(0x88B5, 9000).payloadFill(3));
            assertTrue(g.front[0].send(jumbo, 0, jumbo.capacity(), 0));
            g.run();
            assertEquals(1, g.received.get(1).size(), "three TX slots in, three RX slots out");
            assertArrayEquals(jumbo.byteArray(), g.received.get(1).get(0));
            for (int guest = 0; guest < 2; guest++)
            {
                // Xen's rule: GTF_reading/GTF_writing only while the backend uses a page. The rings stay in use
                // while connected; every data page is free again once its copy is done.
                final io.xbow.netback.grant.GrantTable grants = new io.xbow.netback.grant.GrantTable(g.memory[guest]);
                for (int ref = 0; ref < grants.entries(); ref++)
                {
                    final int flags = g.memory[guest].buffer().getShort(ref * 8, ByteOrder.LITTLE_ENDIAN) & 0x18;
                    final boolean ring = ref == Netfront.TX_RING_REF || ref == Netfront.RX_RING_REF;
                    assertEquals(ring ? 0x18 : 0, flags, "guest " + guest + " grant " + ref);
                }
                g.back[guest].disconnect("test");
                assertTrue(grants.endAccess(Netfront.TX_RING_REF), "rings released on disconnect");
                assertTrue(grants.endAccess(Netfront.RX_RING_REF));
            }
        }
    }

    @Test
    void shouldFillInABlankChecksum() throws Exception
    {
        try (TwoGuests g = new TwoGuests(dir, false))
        {
            final int src = Ipv4Address.parse("10.0.0.1");
            final int dst = Ipv4Address.parse("10.0.0.2");
            final UnsafeBuffer tcp = frame(new FrameBuilder().ethernet(B, A).ipv4(src, dst)
                .tcp(1000, 80, TcpFlyweight.SYN, 1, 20));
            tcp.putShort(14 + 20 + 16, (short)0x1234); // the guest left its own junk: offload
            assertTrue(g.front[0].send(tcp, 0, tcp.capacity(), NETTXF_CSUM_BLANK));
            g.run();
            final UnsafeBuffer got = new UnsafeBuffer(g.received.get(1).get(0));
            assertEquals(InternetChecksum.tcpChecksum(got, 34, 40, src, dst),
                got.getShort(34 + 16, ByteOrder.BIG_ENDIAN) & 0xFFFF);
            assertNotEquals(0x1234, got.getShort(34 + 16, ByteOrder.BIG_ENDIAN) & 0xFFFF);
        }
    }

    @Test
    void shouldTakeATcpSuperFrameAsOneFrameAndCutItForAGuestThatCannotTakeIt() throws Exception
    {
        try (TwoGuests g = new TwoGuests(dir, false))
        {
            final int src = Ipv4Address.parse("10.0.0.1");
            final int dst = Ipv4Address.parse("10.0.0.2");
            final int payload = 40_000;
            final int mss = 1448;
            final UnsafeBuffer superFrame = frame(new FrameBuilder().ethernet(B, A).ipv4(src, dst)
                .tcp(1000, 80, 0x18, 1, payload).payloadFill(0x77));
            // As a Linux guest with TSO leaves it: the pseudo-header sum in the checksum field.
            superFrame.putShort(34 + 16, (short)InternetChecksum.fold(InternetChecksum.pseudoHeaderSum(src, dst, 6,
                20 + payload)), ByteOrder.BIG_ENDIAN);
            assertTrue(g.front[0].send(superFrame, 0, superFrame.capacity(), NETTXF_CSUM_BLANK,
                XEN_NETIF_GSO_TYPE_TCPV4, mss));
            g.run();
            g.run();
            assertEquals(0, g.front[0].txErrors(), "GSO is advertised and taken");
            assertEquals(1, g.back[0].counters().txFrames(), "one frame from 29 slots and an extra");
            final java.util.List<byte[]> got = g.received.get(1);
            assertEquals((payload + mss - 1) / mss, got.size(), "segments for a guest without GSO on receive");
            int bytes = 0;
            for (int i = 0; i < got.size(); i++)
            {
                final UnsafeBuffer segment = new UnsafeBuffer(got.get(i));
                final int tcpLength = segment.capacity() - 34;
                assertEquals(segment.getShort(34 + 16, ByteOrder.BIG_ENDIAN) & 0xFFFF,
                    InternetChecksum.tcpChecksum(segment, 34, tcpLength, src, dst), "segment " + i);
                assertEquals(1 + i * mss, segment.getInt(34 + 4, ByteOrder.BIG_ENDIAN));
                bytes += tcpLength - 20;
            }
            assertEquals(payload, bytes);

            // Without a blank checksum, or with a segment size past the MTU, a super-frame is refused.
            assertTrue(g.front[0].send(superFrame, 0, superFrame.capacity(), 0, XEN_NETIF_GSO_TYPE_TCPV4, mss));
            assertTrue(g.front[0].send(superFrame, 0, superFrame.capacity(), NETTXF_CSUM_BLANK,
                XEN_NETIF_GSO_TYPE_TCPV4, 9000));
            g.run();
            g.run();
            assertEquals(1, g.back[0].counters().txErrors(io.xbow.netback.backend.NetbackCounters.Reason.BAD_EXTRA));
            assertEquals(1, g.back[0].counters().txErrors(io.xbow.netback.backend.NetbackCounters.Reason.OVERSIZE));
            assertEquals(0, g.pool.outstanding(), "every frame back in the pool");
        }
    }

    @Test
    void shouldHandASuperFrameWholeToAGuestThatAnnouncedGsoWithItsExtraSlot() throws Exception
    {
        try (TwoGuests g = new TwoGuests(dir, true))
        {
            g.back[1].rxOffloads(io.xbow.packet.frame.FrameOffload.CAN_CSUM |
                io.xbow.packet.frame.FrameOffload.CAN_TSO4);
            final int src = Ipv4Address.parse("10.0.0.1");
            final int dst = Ipv4Address.parse("10.0.0.2");
            final UnsafeBuffer superFrame = frame(new FrameBuilder().ethernet(B, A).ipv4(src, dst)
                .tcp(1000, 80, 0x18, 1, 30_000).payloadFill(0x42));
            final short partial = (short)InternetChecksum.fold(InternetChecksum.pseudoHeaderSum(src, dst, 6, 30_020));
            superFrame.putShort(34 + 16, partial, ByteOrder.BIG_ENDIAN);
            final UnsafeBuffer small = frame(new FrameBuilder().ethernet(B, A).ipv4(src, dst).udp(5, 6, 20));
            for (int round = 0; round < 20; round++) // more than a ring's worth of slots: buffers come back
            {
                assertTrue(g.front[0].send(superFrame, 0, superFrame.capacity(), NETTXF_CSUM_BLANK,
                    XEN_NETIF_GSO_TYPE_TCPV4, 1448));
                assertTrue(g.front[0].send(small, 0, small.capacity(), 0));
                g.run();
                g.run();
            }
            assertEquals(40, g.received.get(1).size(), "each super-frame whole, each small frame after it");
            for (int i = 0; i < 40; i += 2)
            {
                assertArrayEquals(superFrame.byteArray(), g.received.get(1).get(i), "as sent: checksum partial");
                final int[] said = g.offloads.get(1).get(i);
                assertEquals(XEN_NETIF_GSO_TYPE_TCPV4, said[0]);
                assertEquals(1448, said[1]);
                assertEquals(NETRXF_CSUM_BLANK | NETRXF_DATA_VALIDATED, said[2] & (NETRXF_CSUM_BLANK |
                    NETRXF_DATA_VALIDATED));
                assertArrayEquals(small.byteArray(), g.received.get(1).get(i + 1), "the extra slot ate no frame");
                assertEquals(XEN_NETIF_GSO_TYPE_NONE, g.offloads.get(1).get(i + 1)[0]);
            }
            assertEquals(0, g.front[1].rxErrors());
            assertEquals(0, g.pool.outstanding(), "every frame back in the pool");
        }
    }

    @Test
    void shouldSendAFrameWrittenStraightIntoTheTxPages() throws Exception
    {
        try (TwoGuests g = new TwoGuests(dir, true))
        {
            final byte[] jumbo = new FrameBuilder().ethernet(B, A).raw(0x88B5, 9000).payloadFill(5).toBytes();
            for (int round = 0; round < 300; round++) // past the ring's 256 pages: pages come back and are reused
            {
                assertTrue(g.front[0].canSendInPages(17));
                for (int k = 0, at = 0; at < jumbo.length; k++, at += 4096)
                {
                    // As a readv from a TAP fills them: each page whole but the last.
                    final UnsafeBuffer page = new UnsafeBuffer(g.front[0].nextTxPageAddress(k), 4096);
                    page.putBytes(0, jumbo, at, Math.min(4096, jumbo.length - at));
                }
                assertTrue(g.front[0].sendInPages(jumbo.length, 0, XEN_NETIF_GSO_TYPE_NONE, 0));
                g.run();
                assertEquals(round + 1, g.received.get(1).size());
                assertArrayEquals(jumbo, g.received.get(1).get(round));
            }
            assertEquals(0, g.front[0].txErrors());
            assertEquals(0, g.pool.outstanding());
        }
    }

    @Test
    void shouldSendFramesWrittenAheadEachInItsOwnRunOfPages() throws Exception
    {
        // As a batch of TAP reads fills them: read i into the 17 pages from nextTxPageAddress(17 i) on, whatever its
        // size; then the frames go in order, each skipping the pages the reads before it did not fill.
        try (TwoGuests g = new TwoGuests(dir, true))
        {
            final java.util.Random random = new java.util.Random(14);
            int expected = 0;
            for (int round = 0; round < 60; round++) // past the ring's 256 pages: pages come back, reordered
            {
                final int reads = 1 + random.nextInt(13);
                assertTrue(g.front[0].canSendInPages(reads * 18));
                final byte[][] frames = new byte[reads][];
                for (int i = 0; i < reads; i++)
                {
                    final int size = random.nextInt(4) == 0 ? 4000 + random.nextInt(4900) : // up to three pages, within 9000
                        60 + random.nextInt(1400);
                    frames[i] = new FrameBuilder().ethernet(B, A).raw(0x88B5, size).payloadFill(round * 16 + i)
                        .toBytes();
                    for (int k = 0, at = 0; at < frames[i].length; k++, at += 4096)
                    {
                        new UnsafeBuffer(g.front[0].nextTxPageAddress(i * 17 + k), 4096)
                            .putBytes(0, frames[i], at, Math.min(4096, frames[i].length - at));
                    }
                }
                int consumed = 0;
                for (int i = 0; i < reads; i++)
                {
                    assertTrue(g.front[0].sendInPagesAfter(i * 17 - consumed, frames[i].length, 0,
                        XEN_NETIF_GSO_TYPE_NONE, 0));
                    consumed += (frames[i].length + 4095) / 4096;
                }
                g.run();
                for (int i = 0; i < reads; i++)
                {
                    assertArrayEquals(frames[i], g.received.get(1).get(expected++), "round " + round + " frame " + i);
                }
            }
            assertEquals(expected, g.received.get(1).size());
            assertEquals(0, g.front[0].txErrors());
            assertEquals(0, g.pool.outstanding());
        }
    }

    @Test
    void shouldHandAFrameOverInItsPagesWithoutAssemblingIt() throws Exception
    {
        try (TwoGuests g = new TwoGuests(dir, true))
        {
            final byte[] jumbo = new FrameBuilder().ethernet(B, A).raw(0x88B5, 9000).payloadFill(9).toBytes();
            final UnsafeBuffer sent = new UnsafeBuffer(jumbo);
            assertTrue(g.front[0].send(sent, 0, jumbo.length, 0));
            for (int i = 0; i < 10; i++)
            {
                g.sw.doWork();
            }
            final java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            final int[] pieces = new int[1];
            assertEquals(1, g.front[1].poll((base, offsets, lengths, count, length) ->
            {
                pieces[0] = count;
                for (int p = 0; p < count; p++)
                {
                    final byte[] piece = new byte[lengths[p]];
                    new UnsafeBuffer(base + offsets[p], lengths[p]).getBytes(0, piece);
                    got.write(piece, 0, piece.length);
                }
                assertEquals(jumbo.length, length);
            }));
            assertEquals(3, pieces[0], "a page a piece");
            assertArrayEquals(jumbo, got.toByteArray());
        }
    }

    @Test
    void shouldNotifyFarLessThanOncePerFrameOnABusyRing() throws Exception
    {
        try (TwoGuests g = new TwoGuests(dir, false))
        {
            final UnsafeBuffer f = frame(new FrameBuilder().ethernet(B, A).raw(0x88B5, 46));
            for (int i = 0; i < 2000; i++)
            {
                while (!g.front[0].send(f, 0, f.capacity(), 0))
                {
                    g.run();
                }
                if (i % 100 == 99)
                {
                    g.run();
                }
            }
            g.run();
            assertEquals(2000, g.received.get(1).size());
            final long kicks = g.events[0][0].sent() + g.back[1].counters().notificationsSent();
            assertTrue(kicks < 200, "notifications: " + kicks + " for 2000 frames");
        }
    }

    @Test
    void shouldQueueForAGuestWithoutBuffersThenDropAndCount() throws Exception
    {
        try (TwoGuests g = new TwoGuests(dir, false))
        {
            final UnsafeBuffer f = frame(new FrameBuilder().ethernet(B, A).raw(0x88B5, 46));
            // Guest B never polls: its 256 posted buffers fill, then 64 frames wait, then frames are dropped.
            for (int i = 0; i < 400; i++)
            {
                while (!g.front[0].send(f, 0, f.capacity(), 0))
                {
                    g.sw.doWork();
                }
                g.sw.doWork();
            }
            g.sw.doWork();
            assertEquals(256, g.back[1].counters().rxFrames());
            assertEquals(64, g.back[1].pendingFrames());
            assertEquals(400 - 256 - 64, g.back[1].counters().rxDropped());
            g.run(); // B polls: posts its buffers again and the waiting frames flow
            g.run();
            assertEquals(320, g.received.get(1).size());
            assertEquals(0, g.pool.outstanding());
        }
    }

    @Test
    void shouldAnswerBadRequestsWithErrorsAndKeepServing() throws Exception
    {
        try (TwoGuests g = new TwoGuests(dir, false))
        {
            final UnsafeBuffer shared = g.memory[0].buffer();
            final int ring = g.memory[0].pageOffset(0);
            // A runt, a grant not ours, a slot crossing its page: written straight onto the TX ring.
            writeTx(shared, ring, 0, 2, 0, 0, 10, 10);
            writeTx(shared, ring, 1, 600, 0, 0, 11, 60);
            writeTx(shared, ring, 2, 3, 4090, 0, 12, 60);
            shared.putIntVolatile(ring + REQ_PROD_OFFSET, 3);
            g.run();
            final NetbackCounters c = g.back[0].counters();
            assertEquals(1, c.txErrors(NetbackCounters.Reason.RUNT));
            assertEquals(1, c.txErrors(NetbackCounters.Reason.BAD_GRANT));
            assertEquals(1, c.txErrors(NetbackCounters.Reason.CROSS_PAGE));
            for (int i = 0; i < 3; i++)
            {
                assertEquals(NETIF_RSP_ERROR, shared.getShort(ring + 64 + i * 12 + TX_RSP_STATUS, ByteOrder.LITTLE_ENDIAN));
            }
            assertEquals(10, shared.getShort(ring + 64 + TX_RSP_ID, ByteOrder.LITTLE_ENDIAN), "the id is echoed");
            assertTrue(g.back[0].isConnected());
        }
    }

    @Test
    void shouldDisconnectAProducerRunningMoreThanARingAhead() throws Exception
    {
        try (TwoGuests g = new TwoGuests(dir, false))
        {
            final int ring = g.memory[0].pageOffset(0);
            g.memory[0].buffer().putIntVolatile(ring + REQ_PROD_OFFSET, TX_RING_SIZE + 5);
            g.run();
            assertFalse(g.back[0].isConnected());
            assertEquals(1, g.back[0].counters().disconnects());
            final UnsafeBuffer f = frame(new FrameBuilder().ethernet(A, B).raw(0x88B5, 46));
            assertTrue(g.front[1].send(f, 0, f.capacity(), 0));
            g.run();
            assertEquals(1, g.back[1].counters().txFrames(), "the other vif is still served");
            assertEquals(0, g.pool.outstanding());
        }
    }

    static void writeTx(final UnsafeBuffer shared, final int ring, final int index, final int gref, final int offset,
        final int flags, final int id, final int size)
    {
        final int slot = ring + 64 + (index & 255) * 12;
        shared.putInt(slot + TX_REQ_GREF, gref, ByteOrder.LITTLE_ENDIAN);
        shared.putShort(slot + TX_REQ_OFFSET, (short)offset, ByteOrder.LITTLE_ENDIAN);
        shared.putShort(slot + TX_REQ_FLAGS, (short)flags, ByteOrder.LITTLE_ENDIAN);
        shared.putShort(slot + TX_REQ_ID, (short)id, ByteOrder.LITTLE_ENDIAN);
        shared.putShort(slot + TX_REQ_SIZE, (short)size, ByteOrder.LITTLE_ENDIAN);
    }
}
