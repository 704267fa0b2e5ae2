package io.xbow.packet.frame;

import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class FramePoolTest
{
    @Test
    void shouldHandOutEverySlotOnceThenReportExhaustion()
    {
        final FramePool pool = new FramePool(8);
        final boolean[] seen = new boolean[8];
        for (int i = 0; i < 8; i++)
        {
            final int frame = pool.allocate();
            assertFalse(seen[frame], "slot handed out twice");
            seen[frame] = true;
        }
        assertEquals(8, pool.outstanding());
        assertEquals(FramePool.NO_FRAME, pool.allocate());
        assertEquals(1, pool.allocationFailures());
    }

    @Test
    void shouldRefuseDoubleFreeAndForeignHandles()
    {
        final FramePool pool = new FramePool(4);
        final int frame = pool.allocate();
        pool.free(frame);
        assertThrows(IllegalStateException.class, () -> pool.free(frame));
        assertThrows(IllegalStateException.class, () -> pool.free(99));
        assertThrows(IllegalStateException.class, () -> pool.free(-1));
        assertEquals(0, pool.outstanding());
    }

    @Test
    void shouldUseStandardSlotsByDefaultAndJumboSlotsOnRequest()
    {
        final FramePool standard = new FramePool(2);
        assertEquals(2048, standard.slotSize());
        assertTrue(standard.maxFrameLength() >= 1500 + 14 + 8);

        final FramePool jumbo = new FramePool(2, FrameDescriptor.MAX_FRAME_LENGTH);
        assertTrue(jumbo.maxFrameLength() >= 9216 + 14 + 8);
        assertEquals(0, jumbo.slotSize() % 64);
        final int frame = jumbo.allocate();
        jumbo.length(frame, 9216 + 14);
        jumbo.buffer().setMemory(jumbo.offset(frame), 9216 + 14, (byte)0x5A);
        assertEquals(9216 + 14, jumbo.length(frame));

        assertThrows(IllegalArgumentException.class, () -> new FramePool(2, FrameDescriptor.MAX_FRAME_LENGTH + 1));
        assertThrows(IllegalArgumentException.class, () -> new FramePool(0));
        assertThrows(IllegalArgumentException.class, () -> standard.length(standard.allocate(), 5000));
    }

    @Test
    void shouldResetMetadataOnAllocateAndCopyItWithTheFrame()
    {
        final FramePool pool = new FramePool(4);
        final int frame = pool.allocate();
        pool.put(frame, new byte[]{1, 2, 3, 4, 5});
        pool.ingressPort(frame, 7);
        pool.vlanTci(frame, 0xA064);
        pool.timestampNs(frame, 123456789L);

        final int copy = pool.copy(frame);
        assertArrayEquals(new byte[]{1, 2, 3, 4, 5}, pool.bytes(copy));
        assertEquals(7, pool.ingressPort(copy));
        assertEquals(100, pool.vlanId(copy));
        assertEquals(123456789L, pool.timestampNs(copy));

        pool.free(frame);
        final int again = pool.allocate();
        assertEquals(0, pool.length(again));
        assertEquals(FrameDescriptor.NO_PORT, pool.ingressPort(again));
        assertEquals(0, pool.vlanTci(again));
    }

    @Test
    void shouldCopyAFrameThatGrewIntoItsHeadroomWithoutLeavingTheSlot()
    {
        final FramePool pool = new FramePool(3);
        final int frame = pool.allocate();
        final int full = pool.capacity(frame);
        pool.length(frame, full);
        assertTrue(pool.adjustStart(frame, -pool.headroom(frame))); // pushed headers fill the headroom too
        final byte[] bytes = new byte[pool.length(frame)];
        for (int i = 0; i < bytes.length; i++)
        {
            bytes[i] = (byte)i;
        }
        pool.put(frame, bytes);
        final int neighbour = pool.allocate();
        pool.put(neighbour, new byte[]{9, 9, 9});

        final int slotSize = (pool.offset(frame) + pool.length(frame)) / (frame + 1); // the frame fills its slot
        final int copy = pool.copy(frame);
        assertArrayEquals(bytes, pool.bytes(copy));
        assertTrue(pool.offset(copy) + pool.length(copy) <= (copy + 1) * slotSize, "the copy ends inside its slot");
        assertArrayEquals(new byte[]{9, 9, 9}, pool.bytes(neighbour), "no other frame was overwritten");
    }

    @Test
    void shouldGrowIntoHeadroomAndShrinkWithinTheFrame()
    {
        final FramePool pool = new FramePool(1);
        final int frame = pool.allocate();
        pool.length(frame, 60);
        final int start = pool.offset(frame);
        final int headroom = pool.headroom(frame);
        assertTrue(pool.adjustStart(frame, -4));
        assertEquals(start - 4, pool.offset(frame));
        assertEquals(64, pool.length(frame));
        assertTrue(pool.adjustStart(frame, 4));
        assertEquals(headroom, pool.headroom(frame));
        assertFalse(pool.adjustStart(frame, -(headroom + 1)), "beyond the headroom");
        assertFalse(pool.adjustStart(frame, 61), "beyond the frame");
        assertEquals(start, pool.offset(frame));
        assertEquals(60, pool.length(frame));
    }

    @Test
    void shouldHaveEveryFrameBackAfterARandomWorkload()
    {
        final FramePool pool = new FramePool(64);
        final ArrayDeque<Integer> held = new ArrayDeque<>();
        final SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 100_000; i++)
        {
            if (random.nextBoolean())
            {
                final int frame = pool.allocate();
                if (frame != FramePool.NO_FRAME)
                {
                    held.add(frame);
                }
            }
            else if (!held.isEmpty())
            {
                pool.free(random.nextBoolean() ? held.pollFirst() : held.pollLast());
            }
            assertEquals(held.size(), pool.outstanding());
        }
        held.forEach(pool::free);
        assertEquals(0, pool.outstanding());
        assertEquals(64, pool.available());
    }

    @Test
    void shouldHoldSuperFramesInLargeSlotsThatNeverOverlapTheOthers()
    {
        final FramePool pool = new FramePool(4, 1522, 2);
        final int small = pool.allocate();
        final int large = pool.allocateLarge();
        assertTrue(pool.isLarge(large));
        assertFalse(pool.isLarge(small));
        assertTrue(pool.capacity(large) >= FrameDescriptor.MAX_SUPER_FRAME_LENGTH);
        final byte[] superFrame = new byte[FrameDescriptor.MAX_SUPER_FRAME_LENGTH];
        new SplittableRandom(7).nextBytes(superFrame);
        pool.put(large, superFrame);
        pool.put(small, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14});
        final int other = pool.allocateLarge();
        pool.put(other, new byte[60]);
        assertArrayEquals(superFrame, pool.bytes(large), "neither neighbour wrote into it");
        assertEquals(FramePool.NO_FRAME, pool.allocateLarge(), "two large slots only");

        pool.offload(large, FrameOffload.of(FrameOffload.CSUM_PARTIAL, FrameOffload.GSO_TCPV4, 1448));
        pool.csum(large, 34, 16);
        final int copy = pool.copy(large);
        assertEquals(FramePool.NO_FRAME, copy, "a copy of a super-frame needs a large slot");
        pool.free(other);
        final int copied = pool.copy(large);
        assertTrue(pool.isLarge(copied));
        assertArrayEquals(superFrame, pool.bytes(copied));
        assertEquals(1448, FrameOffload.gsoSize(pool.offload(copied)));
        assertEquals(FrameOffload.GSO_TCPV4, FrameOffload.gsoType(pool.offload(copied)));
        assertEquals(34, pool.csumStart(copied));
        assertEquals(16, pool.csumOffset(copied));
        assertEquals(3, pool.outstanding());

        pool.free(copied);
        pool.free(large);
        final int again = pool.allocateLarge();
        assertEquals(0, pool.offload(again), "a fresh frame is plain");
        pool.free(again);
        pool.free(small);
        assertThrows(IllegalStateException.class, () -> pool.free(large), "freed once only, large or not");
        assertEquals(0, pool.outstanding());
        assertEquals(2, pool.availableLarge());
        assertEquals(4, pool.available());
    }
}
