package io.xbow.packet.frame;

import org.agrona.BitUtil;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A bounded single-producer, single-consumer queue of frame handles: how frames cross from one thread to another
 * (a port's device thread to the switch, the switch to a capture writer). Batches go in and out with one
 * release/acquire pair per batch, and each side caches the other's index so that a busy queue rarely touches the
 * other side's cache line. Agrona's queues hold objects, and boxing a handle per frame would allocate, hence this
 * small primitive variant.
 */
public final class FrameQueue
{
    private static final VarHandle HEAD;
    private static final VarHandle TAIL;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            HEAD = lookup.findVarHandle(FrameQueue.class, "head", long.class);
            TAIL = lookup.findVarHandle(FrameQueue.class, "tail", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final int[] slots;
    private final int mask;

    // Producer side, padded away from the consumer's line.
    @SuppressWarnings("unused")
    private long p01, p02, p03, p04, p05, p06, p07;
    private volatile long tail;
    private long headCache;
    @SuppressWarnings("unused")
    private long p11, p12, p13, p14, p15, p16, p17;
    // Consumer side.
    private volatile long head;
    private long tailCache;
    @SuppressWarnings("unused")
    private long p21, p22, p23, p24, p25, p26, p27;

    /**
     * @param capacity most handles held; rounded up to a power of two.
     */
    public FrameQueue(final int capacity)
    {
        if (capacity < 1 || capacity > (1 << 24))
        {
            throw new IllegalArgumentException("queue capacity must be 1 to 2^24, got " + capacity);
        }
        final int size = BitUtil.findNextPositivePowerOfTwo(capacity);
        this.slots = new int[size];
        this.mask = size - 1;
    }

    /**
     * Producer: append one handle.
     *
     * @param handle to append.
     * @return false if the queue is full; the frame then still belongs to the caller.
     */
    public boolean offer(final int handle)
    {
        final long t = tail;
        if (t - headCache >= slots.length)
        {
            headCache = (long)HEAD.getAcquire(this);
            if (t - headCache >= slots.length)
            {
                return false;
            }
        }
        slots[(int)t & mask] = handle;
        TAIL.setRelease(this, t + 1);
        return true;
    }

    /**
     * Producer: append as many frames from the front of the batch as fit. The batch is not changed: the frames
     * from index 0 to the returned count now belong to the consumer, the rest still to the caller.
     *
     * @param batch frames to hand over.
     * @return the number handed over.
     */
    public int offer(final FrameBatch batch)
    {
        final long t = tail;
        int free = slots.length - (int)(t - headCache);
        if (free < batch.count())
        {
            headCache = (long)HEAD.getAcquire(this);
            free = slots.length - (int)(t - headCache);
        }
        final int n = Math.min(free, batch.count());
        final int[] handles = batch.array();
        for (int i = 0; i < n; i++)
        {
            slots[(int)(t + i) & mask] = handles[i];
        }
        if (n > 0)
        {
            TAIL.setRelease(this, t + n);
        }
        return n;
    }

    /**
     * Consumer: take one handle.
     *
     * @return the handle, or {@link FramePool#NO_FRAME} if the queue is empty.
     */
    public int poll()
    {
        final long h = head;
        if (h >= tailCache)
        {
            tailCache = (long)TAIL.getAcquire(this);
            if (h >= tailCache)
            {
                return FramePool.NO_FRAME;
            }
        }
        final int handle = slots[(int)h & mask];
        HEAD.setRelease(this, h + 1);
        return handle;
    }

    /**
     * Consumer: move as many handles as the batch has room for into it.
     *
     * @param batch to fill.
     * @return the number moved.
     */
    public int drainTo(final FrameBatch batch)
    {
        final long h = head;
        if (h + batch.remaining() > tailCache)
        {
            tailCache = (long)TAIL.getAcquire(this);
        }
        final int n = (int)Math.min(tailCache - h, batch.remaining());
        if (n <= 0)
        {
            return 0;
        }
        final int[] handles = batch.array();
        final int start = batch.count();
        for (int i = 0; i < n; i++)
        {
            handles[start + i] = slots[(int)(h + i) & mask];
        }
        batch.count(start + n);
        HEAD.setRelease(this, h + n);
        return n;
    }

    /**
     * @return handles in the queue; exact only when neither side is active.
     */
    public int size()
    {
        return (int)((long)TAIL.getAcquire(this) - (long)HEAD.getAcquire(this));
    }

    /**
     * @return true if the queue looks empty from the calling thread.
     */
    public boolean isEmpty()
    {
        return size() == 0;
    }

    /**
     * @return most handles the queue holds.
     */
    public int capacity()
    {
        return slots.length;
    }
}
