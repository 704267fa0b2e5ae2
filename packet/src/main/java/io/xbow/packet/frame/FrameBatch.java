package io.xbow.packet.frame;

/**
 * A reusable batch of frame handles: an {@code int[]} and a count. Stages pass batches instead of single frames so
 * that per-call costs are paid once per batch. A batch is never reallocated; whoever holds it owns its frames.
 */
public final class FrameBatch
{
    /** Batch size used where nothing else is configured. */
    public static final int DEFAULT_CAPACITY = 32;
    /** Largest batch a port is polled for. */
    public static final int MAX_CAPACITY = 1024;

    private final int[] handles;
    private int count;

    /**
     * @param capacity most frames the batch holds, 1 to {@link #MAX_CAPACITY}.
     */
    public FrameBatch(final int capacity)
    {
        if (capacity < 1 || capacity > MAX_CAPACITY)
        {
            throw new IllegalArgumentException("batch capacity must be 1 to " + MAX_CAPACITY + ", got " + capacity);
        }
        this.handles = new int[capacity];
    }

    /**
     * @param handle a frame to append.
     * @return false if the batch is full; the frame then still belongs to the caller.
     */
    public boolean add(final int handle)
    {
        if (count == handles.length)
        {
            return false;
        }
        handles[count++] = handle;
        return true;
    }

    /**
     * @param index 0 to {@link #count()} - 1.
     * @return the handle at that position.
     */
    public int handle(final int index)
    {
        if (index >= count)
        {
            throw new IndexOutOfBoundsException("index " + index + " of batch with " + count + " frames");
        }
        return handles[index];
    }

    /**
     * Replace the handle at a position: for stages that filter a batch in place, keeping the frames they pass at
     * the front and then {@link #truncate truncating}.
     *
     * @param index  0 to {@link #count()} - 1.
     * @param handle the handle to put there.
     */
    public void set(final int index, final int handle)
    {
        if (index >= count)
        {
            throw new IndexOutOfBoundsException("index " + index + " of batch with " + count + " frames");
        }
        handles[index] = handle;
    }

    /**
     * Keep only the first {@code count} handles; the caller has handed on or freed the others.
     *
     * @param count handles to keep, at most {@link #count()}.
     */
    public void truncate(final int count)
    {
        if (count < 0 || count > this.count)
        {
            throw new IllegalArgumentException("cannot truncate a batch of " + this.count + " to " + count);
        }
        this.count = count;
    }

    /**
     * @return frames in the batch.
     */
    public int count()
    {
        return count;
    }

    /**
     * @return most frames the batch holds.
     */
    public int capacity()
    {
        return handles.length;
    }

    /**
     * @return room left in the batch.
     */
    public int remaining()
    {
        return handles.length - count;
    }

    /**
     * @return true if no frame is in the batch.
     */
    public boolean isEmpty()
    {
        return count == 0;
    }

    /**
     * @return true if the batch holds {@link #capacity()} frames.
     */
    public boolean isFull()
    {
        return count == handles.length;
    }

    /**
     * Forget every handle; the caller must have handed the frames on or freed them.
     */
    public void clear()
    {
        count = 0;
    }

    /**
     * Drop the first {@code n} handles, keeping the rest in order: what is left after a port accepted a prefix.
     *
     * @param n handles to remove from the front.
     */
    public void removeFirst(final int n)
    {
        if (n >= count)
        {
            count = 0;
            return;
        }
        System.arraycopy(handles, n, handles, 0, count - n);
        count -= n;
    }

    /**
     * @return the backing array, valid from 0 to {@link #count()}; for bulk copies by queues.
     */
    int[] array()
    {
        return handles;
    }

    /**
     * @param count new count after a bulk copy into {@link #array()}.
     */
    void count(final int count)
    {
        this.count = count;
    }
}
