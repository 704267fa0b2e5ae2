package io.xbow.netback;

import io.xbow.netback.backend.Netback;
import io.xbow.netback.event.LocalEventChannel;
import io.xbow.netback.frontend.Netfront;
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

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Guests that stop taking frames cannot starve the others: what their netbacks hold never takes the switch pool's
 * last quarter, and after Linux's rx_drain_timeout what they hold is dropped. Two guests keep exchanging frames
 * throughout while twelve take nothing.
 */
class StalledGuestsTest
{
    private static final int STALLED = 12;
    private static final long A = MacAddress.parse("0:16:3e:0:1:1");
    private static final long B = MacAddress.parse("0:16:3e:0:1:2");

    @TempDir
    Path dir;

    @Test
    void shouldKeepTwoGuestsTalkingWhileTwelveStopTakingFrames() throws Exception
    {
        final FramePool pool = new FramePool(2048);
        final CachedNanoClock clock = new CachedNanoClock();
        final VirtualSwitch sw = new VirtualSwitch("stub0", pool, SwitchConfig.defaults(), clock);
        final int guests = STALLED + 2;
        final GuestMemory[] memory = new GuestMemory[guests];
        final Netfront[] front = new Netfront[guests];
        final Netback[] back = new Netback[guests];
        try
        {
            for (int g = 0; g < guests; g++)
            {
                memory[g] = GuestMemory.create(dir.resolve("g" + g), Netfront.GRANT_PAGES, Netfront.GUEST_PAGES);
                final LocalEventChannel[] events = LocalEventChannel.pair();
                front[g] = new Netfront(memory[g], 0, events[0]);
                back[g] = Netback.connect(pool, memory[g], 0, Netfront.TX_RING_REF, Netfront.RX_RING_REF, events[1],
                    1500, false, 256, reason -> { });
                sw.attach("vif" + g + ".0", back[g], VlanPolicy.DEFAULT);
            }
            final Netfront a = front[STALLED];
            final Netfront b = front[STALLED + 1];
            final UnsafeBuffer broadcast = new UnsafeBuffer(new FrameBuilder().ethernet(MacAddress.BROADCAST, A)
                .raw(0x88B5, 46).toBytes());
            final UnsafeBuffer toB = new UnsafeBuffer(new FrameBuilder().ethernet(B, A).raw(0x88B5, 46).toBytes());
            final UnsafeBuffer toA = new UnsafeBuffer(new FrameBuilder().ethernet(A, B).raw(0x88B5, 46).toBytes());
            final int[] atA = new int[1];
            final int[] atB = new int[1];

            // A floods: every stalled guest's buffers fill, then its netback holds what it may.
            for (int round = 0; round < 40; round++)
            {
                for (int i = 0; i < 32; i++)
                {
                    a.send(broadcast, 0, broadcast.capacity(), 0);
                }
                cycle(sw, clock);
                a.reclaim();
                b.poll((buffer, offset, length) -> { });
                a.poll((buffer, offset, length) -> { });
            }
            assertTrue(pool.available() >= pool.slotCount() / 4 - STALLED,
                "stalled guests hold no more than the pool can spare: " + pool.available() + " free");

            // A and B talk: every frame arrives.
            b.send(toA, 0, toA.capacity(), 0); // B's MAC learned
            cycle(sw, clock);
            int sent = 0;
            for (int round = 0; round < 20; round++)
            {
                for (int i = 0; i < 32; i++)
                {
                    sent += a.send(toB, 0, toB.capacity(), 0) ? 1 : 0;
                }
                cycle(sw, clock);
                a.reclaim();
                b.poll((buffer, offset, length) -> atB[0]++);
                a.poll((buffer, offset, length) -> atA[0]++);
                cycle(sw, clock);
            }
            assertEquals(sent, atB[0], "every frame A sent reached B while twelve guests took nothing");

            // The datapath knows when the oldest waiting frame times out, so that it wakes for it with nothing else
            // to do; past the drain timeout the stalled guests' frames go back to the pool, though no frame came.
            final long delay = sw.nextDelayNs();
            assertTrue(delay > Netback.RX_DRAIN_TIMEOUT_NS - TimeUnit.SECONDS.toNanos(1) &&
                delay <= Netback.RX_DRAIN_TIMEOUT_NS + 1, "wakes for the drain timeout: " + delay);
            clock.advance(delay);
            cycle(sw, clock);
            long held = 0;
            for (int g = 0; g < STALLED; g++)
            {
                held += back[g].pendingFrames();
            }
            assertEquals(0, held, "after the drain timeout the stalled guests hold nothing");
            assertTrue(sw.nextDelayNs() > Netback.RX_DRAIN_TIMEOUT_NS + TimeUnit.SECONDS.toNanos(1),
                "and nothing is timed but the MAC entries' aging: " + sw.nextDelayNs());
        }
        finally
        {
            sw.onClose();
            for (final GuestMemory m : memory)
            {
                if (m != null)
                {
                    m.close();
                }
            }
        }
    }

    private static void cycle(final VirtualSwitch sw, final CachedNanoClock clock)
    {
        int guard = 0;
        while (sw.doWork() > 0 && guard++ < 10_000)
        {
            clock.advance(1000);
        }
        clock.advance(1000);
    }
}
