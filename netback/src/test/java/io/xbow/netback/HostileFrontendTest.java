package io.xbow.netback;

import io.xbow.netback.backend.NetbackCounters;
import io.xbow.packet.address.MacAddress;
import io.xbow.packet.build.FrameBuilder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static io.xbow.netback.ring.RingDescriptor.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A frontend that writes random values into its rings and its grant table, many times over: the backend never
 * throws, never touches memory outside the guest's granted pages, answers what it refuses, and keeps serving the
 * well-behaved guest on the same switch.
 */
class HostileFrontendTest
{
    private static final long A = MacAddress.parse("0:16:3e:0:0:1");
    private static final long B = MacAddress.parse("0:16:3e:0:0:2");

    @TempDir
    Path dir;

    @Test
    void shouldSurviveRandomRingsAndGrantsAndKeepServingTheOtherGuest() throws Exception
    {
        try (TwoGuests g = new TwoGuests(dir, true))
        {
            final SplittableRandom random = new SplittableRandom(0xBAD);
            final UnsafeBuffer hostile = g.memory[0].buffer();
            final int txRing = g.memory[0].pageOffset(0);
            final int rxRing = g.memory[0].pageOffset(1);
            final UnsafeBuffer good = new UnsafeBuffer(new FrameBuilder().ethernet(B, B - 1).raw(0x88B5, 64).toBytes());
            int reqProd = 0;
            int goodSent = 0;
            for (int round = 0; round < 3000 && g.back[0].isConnected(); round++)
            {
                // Scribble over request slots, grant entries and the RX ring.
                for (int i = random.nextInt(8); i > 0; i--)
                {
                    final int slot = txRing + 64 + random.nextInt(TX_RING_SIZE) * TX_ENTRY_SIZE;
                    hostile.putInt(slot + TX_REQ_GREF, random.nextInt(-4, 1200), ByteOrder.LITTLE_ENDIAN);
                    hostile.putShort(slot + TX_REQ_OFFSET, (short)random.nextInt(0x10000), ByteOrder.LITTLE_ENDIAN);
                    hostile.putShort(slot + TX_REQ_FLAGS, (short)random.nextInt(16), ByteOrder.LITTLE_ENDIAN);
                    hostile.putShort(slot + TX_REQ_SIZE, (short)random.nextInt(0x10000), ByteOrder.LITTLE_ENDIAN);
                }
                for (int i = random.nextInt(4); i > 0; i--)
                {
                    hostile.putLong(random.nextInt(1024) * 8, random.nextLong(), ByteOrder.LITTLE_ENDIAN);
                }
                for (int i = random.nextInt(4); i > 0; i--)
                {
                    final int slot = rxRing + 64 + random.nextInt(RX_RING_SIZE) * RX_ENTRY_SIZE;
                    hostile.putInt(slot + RX_REQ_GREF, random.nextInt(-4, 1200), ByteOrder.LITTLE_ENDIAN);
                }
                // Publish a few requests, within a ring of what was answered (overrunning is tested below).
                reqProd += random.nextInt(1, 12);
                final int answered = hostile.getInt(txRing + RSP_PROD_OFFSET);
                if (reqProd - answered > TX_RING_SIZE)
                {
                    reqProd = answered + TX_RING_SIZE;
                }
                hostile.putIntVolatile(txRing + REQ_PROD_OFFSET, reqProd);
                hostile.putIntVolatile(rxRing + REQ_PROD_OFFSET, hostile.getInt(rxRing + RSP_PROD_OFFSET) +
                    random.nextInt(0, RX_RING_SIZE + 1));

                // The well-behaved guest keeps talking to the hostile one's MAC and to itself... to B.
                if (g.front[1].send(good, 0, good.capacity(), 0))
                {
                    goodSent++;
                }
                g.run();
            }
            final NetbackCounters c = g.back[0].counters();
            assertTrue(c.txErrors() + c.txFrames() > 100, "the hostile guest's requests were answered");
            assertTrue(c.txErrors() > 0, "and many refused: " + c.txErrors());
            assertTrue(goodSent > 100);
            assertEquals(0, g.back[1].counters().txErrors(), "the good guest never got an error");
            assertTrue(g.back[1].counters().txFrames() >= goodSent - 256, "the good guest was served throughout");
            assertTrue(g.back[0].isConnected(), "within the ring rules nothing is fatal");
            // Finally, a producer index far ahead: the vif is disconnected, the other one carries on.
            hostile.putIntVolatile(txRing + REQ_PROD_OFFSET, reqProd + 3 * TX_RING_SIZE);
            g.run();
            assertFalse(g.back[0].isConnected());
            final long before = g.back[1].counters().txFrames();
            g.run();
            assertTrue(g.front[1].send(good, 0, good.capacity(), 0));
            g.run();
            assertEquals(before + 1, g.back[1].counters().txFrames(), "the other vif carries on");
            assertEquals(0, g.pool.outstanding(), "every frame back in the pool");
        }
    }
}
