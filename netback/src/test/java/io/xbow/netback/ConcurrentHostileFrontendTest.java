package io.xbow.netback;

import io.xbow.netback.backend.Netback;
import io.xbow.netback.event.LocalEventChannel;
import io.xbow.netback.frontend.Netfront;
import io.xbow.netback.grant.GrantTableDescriptor;
import io.xbow.netback.shm.GuestMemory;
import io.xbow.packet.address.MacAddress;
import io.xbow.packet.build.FrameBuilder;
import io.xbow.packet.frame.FramePool;
import io.xbow.vlan.VlanPolicy;
import io.xbow.vswitch.SwitchConfig;
import io.xbow.vswitch.VirtualSwitch;
import org.agrona.concurrent.CachedNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.xbow.netback.ring.RingDescriptor.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A frontend in another thread (as in another process) rewrites its rings, grant entries, offsets and sizes while
 * netback works on them: netback never throws, never writes a page the guest did not grant (canary pages after the
 * guest's own are never granted and must stay as they were), and the other guest on the switch is served.
 */
class ConcurrentHostileFrontendTest
{
    private static final long A = MacAddress.parse("0:16:3e:0:0:1");
    private static final long B = MacAddress.parse("0:16:3e:0:0:2");
    private static final int CANARY_PAGES = 8;
    private static final byte CANARY = (byte)0xA5;

    @TempDir
    Path dir;

    @Test
    void shouldNeverTouchUngrantedMemoryWhileTheGuestRewritesEverythingUnderIt() throws Exception
    {
        final FramePool pool = new FramePool(1024, 9216 + 22);
        final VirtualSwitch sw = new VirtualSwitch("stub0", pool, SwitchConfig.defaults(), new CachedNanoClock());
        final GuestMemory hostileMemory = GuestMemory.create(dir.resolve("hostile"), Netfront.GRANT_PAGES,
            Netfront.GUEST_PAGES + CANARY_PAGES);
        final GuestMemory goodMemory = GuestMemory.create(dir.resolve("good"), Netfront.GRANT_PAGES,
            Netfront.GUEST_PAGES);
        final AtomicBoolean stop = new AtomicBoolean();
        Thread mutator = null;
        try
        {
            final UnsafeBuffer hostile = hostileMemory.buffer();
            final int canaries = hostileMemory.pageOffset(Netfront.GUEST_PAGES);
            hostile.setMemory(canaries, CANARY_PAGES * 4096, CANARY);
            final LocalEventChannel[] hostileEvents = LocalEventChannel.pair();
            final LocalEventChannel[] goodEvents = LocalEventChannel.pair();
            new Netfront(hostileMemory, 0, hostileEvents[0]);
            final Netfront good = new Netfront(goodMemory, 0, goodEvents[0]);
            final Netback hostileBack = Netback.connect(pool, hostileMemory, 0, Netfront.TX_RING_REF,
                Netfront.RX_RING_REF, hostileEvents[1], 9000, true, 64, reason -> { });
            final Netback goodBack = Netback.connect(pool, goodMemory, 0, Netfront.TX_RING_REF, Netfront.RX_RING_REF,
                goodEvents[1], 9000, true, 64, reason -> { });
            sw.attach("vif1.0", hostileBack, VlanPolicy.DEFAULT);
            sw.attach("vif2.0", goodBack, VlanPolicy.DEFAULT);

            final int txRing = hostileMemory.pageOffset(0);
            final int rxRing = hostileMemory.pageOffset(1);
            final int grantEntries = Netfront.GRANT_PAGES * 4096 / GrantTableDescriptor.ENTRY_SIZE;
            mutator = new Thread(() ->
            {
                final SplittableRandom random = new SplittableRandom(0xC0FFEE);
                int reqProd = hostile.getIntVolatile(txRing + REQ_PROD_OFFSET);
                int rxProd = hostile.getIntVolatile(rxRing + REQ_PROD_OFFSET); // the buffers netfront posted
                while (!stop.get())
                {
                    final int slot = txRing + 64 + random.nextInt(TX_RING_SIZE) * TX_ENTRY_SIZE;
                    hostile.putInt(slot + TX_REQ_GREF, random.nextInt(-4, grantEntries + 4), ByteOrder.LITTLE_ENDIAN);
                    hostile.putShort(slot + TX_REQ_OFFSET, (short)random.nextInt(0x10000), ByteOrder.LITTLE_ENDIAN);
                    hostile.putShort(slot + TX_REQ_FLAGS, (short)random.nextInt(16), ByteOrder.LITTLE_ENDIAN);
                    hostile.putShort(slot + TX_REQ_SIZE, (short)random.nextInt(0x10000), ByteOrder.LITTLE_ENDIAN);
                    final int rxSlot = rxRing + 64 + random.nextInt(RX_RING_SIZE) * RX_ENTRY_SIZE;
                    // Not grants 0 and 1: they give netback the ring pages themselves, which it would fill as asked.
                    hostile.putInt(rxSlot + RX_REQ_GREF, random.nextInt(8) == 0 ? random.nextInt(-4, 0) :
                        random.nextInt(2, grantEntries + 4), ByteOrder.LITTLE_ENDIAN);
                    // Grant entries: any flags and domain, frames among the guest's data pages (never the canaries,
                    // which the guest therefore never granted; nor its own ring pages, which netback would rightly
                    // fill with frame data as asked, wrecking the rings the guest needs to stay connected).
                    final int entry = random.nextInt(2, grantEntries) * GrantTableDescriptor.ENTRY_SIZE;
                    hostile.putInt(entry + GrantTableDescriptor.FRAME_OFFSET, random.nextInt(2, Netfront.GUEST_PAGES),
                        ByteOrder.LITTLE_ENDIAN);
                    hostile.putShort(entry + GrantTableDescriptor.FLAGS_OFFSET, (short)random.nextInt(0x10000),
                        ByteOrder.LITTLE_ENDIAN);
                    hostile.putShort(entry + GrantTableDescriptor.DOMID_OFFSET, (short)random.nextInt(2),
                        ByteOrder.LITTLE_ENDIAN);
                    reqProd += random.nextInt(0, 4);
                    final int answered = hostile.getIntVolatile(txRing + RSP_PROD_OFFSET);
                    if (reqProd - answered > TX_RING_SIZE)
                    {
                        reqProd = answered + TX_RING_SIZE;
                    }
                    hostile.putIntVolatile(txRing + REQ_PROD_OFFSET, reqProd);
                    // Moving backwards or a ring ahead is fatal, and tested elsewhere: here the vif must live on.
                    final int rxAnswered = hostile.getIntVolatile(rxRing + RSP_PROD_OFFSET);
                    rxProd = Math.max(rxProd, rxAnswered + random.nextInt(0, RX_RING_SIZE / 2));
                    if (rxProd - rxAnswered > RX_RING_SIZE)
                    {
                        rxProd = rxAnswered + RX_RING_SIZE;
                    }
                    hostile.putIntVolatile(rxRing + REQ_PROD_OFFSET, rxProd);
                }
            }, "hostile-frontend");
            mutator.start();

            final UnsafeBuffer toHostile = new UnsafeBuffer(new FrameBuilder().ethernet(A, B).raw(0x88B5, 1400)
                .toBytes());
            final UnsafeBuffer broadcast = new UnsafeBuffer(new FrameBuilder().ethernet(MacAddress.BROADCAST, B)
                .raw(0x88B5, 64).toBytes());
            final long deadline = System.nanoTime() + 2_000_000_000L;
            int sent = 0;
            int roundsConnected = 0;
            while (System.nanoTime() < deadline)
            {
                roundsConnected += hostileBack.isConnected() ? 1 : 0;
                // The good guest sends to the hostile one (RX copies into whatever it granted) and floods.
                sent += good.send(toHostile, 0, toHostile.capacity(), 0) ? 1 : 0;
                sent += good.send(broadcast, 0, broadcast.capacity(), 0) ? 1 : 0;
                for (int i = 0; i < 4; i++)
                {
                    sw.doWork();
                }
                good.reclaim();
                good.poll((buffer, offset, length) -> { });
            }
            stop.set(true);
            mutator.join();
            assertTrue(sent > 1000, "the good guest was served throughout: " + sent);
            assertTrue(hostileBack.isConnected(), "within the ring rules nothing is fatal, whatever else is garbage");
            assertTrue(roundsConnected > 1000, "netback worked under the mutations: " + roundsConnected + " rounds");
            for (int i = 0; i < CANARY_PAGES * 4096; i++)
            {
                assertEquals(CANARY, hostile.getByte(canaries + i), "ungranted memory written at canary byte " + i);
            }
            sw.onClose();
            assertEquals(0, pool.outstanding(), "every frame back in the pool");
        }
        finally
        {
            stop.set(true);
            if (mutator != null)
            {
                mutator.join();
            }
            hostileMemory.close();
            goodMemory.close();
        }
    }
}
