package io.xbow.packet.frame;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

class FrameQueueTest
{
    @Test
    void shouldDeliverInOrderAndRefuseWhenFull()
    {
        final FrameQueue queue = new FrameQueue(4);
        for (int i = 0; i < 4; i++)
        {
            assertTrue(queue.offer(i));
        }
        assertFalse(queue.offer(4));
        assertEquals(4, queue.size());
        for (int i = 0; i < 4; i++)
        {
            assertEquals(i, queue.poll());
        }
        assertEquals(FramePool.NO_FRAME, queue.poll());
    }

    @Test
    void shouldAcceptAPrefixOfABatchAndLeaveTheBatchAlone()
    {
        final FrameQueue queue = new FrameQueue(4);
        final FrameBatch batch = new FrameBatch(8);
        for (int i = 10; i < 16; i++)
        {
            batch.add(i);
        }
        assertEquals(4, queue.offer(batch));
        assertEquals(6, batch.count(), "the caller still holds the batch and decides about the rest");
        final FrameBatch out = new FrameBatch(3);
        assertEquals(3, queue.drainTo(out));
        assertEquals(10, out.handle(0));
        assertEquals(12, out.handle(2));
        assertEquals(0, queue.drainTo(out), "no room left in the batch");
        out.clear();
        assertEquals(1, queue.drainTo(out));
        assertEquals(13, out.handle(0));
    }

    @Test
    void shouldCarryEveryHandleAcrossThreadsInOrder() throws InterruptedException
    {
        final FrameQueue queue = new FrameQueue(256);
        final int total = 2_000_000;
        final AtomicReference<String> failure = new AtomicReference<>();
        final Thread consumer = new Thread(() ->
        {
            final FrameBatch batch = new FrameBatch(64);
            int expected = 0;
            while (expected < total)
            {
                batch.clear();
                queue.drainTo(batch);
                for (int i = 0; i < batch.count(); i++)
                {
                    if (batch.handle(i) != (expected++ & 0xFFFFFF))
                    {
                        failure.compareAndSet(null, "out of order at " + expected);
                        return;
                    }
                }
                if (batch.isEmpty())
                {
                    Thread.onSpinWait();
                }
            }
        });
        consumer.start();
        final FrameBatch batch = new FrameBatch(32);
        int next = 0;
        while (next < total)
        {
            while (!batch.isFull() && next + batch.count() < total)
            {
                batch.add((next + batch.count()) & 0xFFFFFF);
            }
            final int accepted = queue.offer(batch);
            next += accepted;
            batch.removeFirst(accepted);
            if (accepted == 0)
            {
                Thread.onSpinWait();
            }
        }
        consumer.join(30_000);
        assertFalse(consumer.isAlive(), "consumer did not finish");
        assertNull(failure.get());
        assertTrue(queue.isEmpty());
    }
}
