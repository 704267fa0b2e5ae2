package io.xbow.hostif.tap;

import io.xbow.hostif.sys.Native;
import io.xbow.hostif.sys.NativeException;
import io.xbow.hostif.uring.IoUring;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Reads from a TAP posted together: each read aimed by its caller at memory of its own (a pool slot, a guest's TX
 * pages), each bringing one frame or answering that there is none ({@code RWF_NOWAIT}), all of them in one
 * io_uring submission; one {@code readv} at a time where there is no ring, or where the TAP cannot answer "none" to
 * io_uring. The reads land in the order they were posted: the kernel issues them one after the other, so read
 * {@code i} holds the frame queued before read {@code i + 1}'s.
 * <p>
 * How many to post adapts ({@link #wanted}): it doubles while every read brings a frame, and falls back to one more
 * than brought one once some find nothing, so that a TAP read as fast as it fills is not asked a dozen times for one
 * frame. One thread.
 */
public final class TapReadBatch
{
    private static final int IOVEC = 16;

    private final TapDevice tap;
    /** Null: one readv at a time. */
    private final IoUring ring;
    private final int ringFd;
    private final int capacity;
    private final int iovecsPerRead;
    private final UnsafeBuffer iovecs;
    private final int[] results;
    private final IoUring.Completion completed;
    /** Off when the TAP cannot say "none" to io_uring: one readv at a time. */
    private boolean batched;
    private int wanted = 2;
    private boolean drained;

    /**
     * @param ring          the reader's ring, or null: one readv at a time.
     * @param ringFd        the TAP as the ring names it (its descriptor, or a registered index).
     * @param capacity      reads one batch posts at most (at most the ring's capacity).
     * @param iovecsPerRead struct iovec each read scatters over.
     */
    public TapReadBatch(final TapDevice tap, final IoUring ring, final int ringFd, final int capacity,
        final int iovecsPerRead)
    {
        if (capacity < 1 || ring != null && capacity > ring.capacity() || iovecsPerRead < 1)
        {
            throw new IllegalArgumentException("capacity " + capacity + ", iovecs per read " + iovecsPerRead);
        }
        this.tap = tap;
        this.ring = ring;
        this.ringFd = ringFd;
        this.capacity = capacity;
        this.iovecsPerRead = iovecsPerRead;
        this.iovecs = new UnsafeBuffer(BufferUtil.allocateDirectAligned(capacity * iovecsPerRead * IOVEC, 8));
        final int[] results = new int[capacity];
        this.results = results;
        this.completed = (index, result) -> results[(int)index] = result;
        this.batched = ring != null;
    }

    /**
     * @return reads the next batch should post: 1 where they go one at a time.
     */
    public int wanted()
    {
        return batched ? wanted : 1;
    }

    /**
     * @return reads one batch may post at most.
     */
    public int capacity()
    {
        return batched ? capacity : 1;
    }

    /**
     * Where the reads' iovecs lie, for their caller to aim: read {@code i}'s {@code iovecsPerRead} struct iovec
     * (base, then length, native longs) start at {@link #iovecsOffset}.
     */
    public UnsafeBuffer iovecs()
    {
        return iovecs;
    }

    public int iovecsOffset(final int read)
    {
        return read * iovecsPerRead * IOVEC;
    }

    /**
     * Post reads {@code 0 .. count - 1}, as their iovecs are aimed, and wait for all of them.
     *
     * @param count at most {@link #capacity()}.
     * @return frames read; {@link #result} says what each read brought.
     * @throws NativeException if the TAP failed (the interface went away).
     */
    public int read(final int count) throws NativeException
    {
        if (count < 1 || count > capacity())
        {
            throw new IllegalArgumentException("reads " + count + " of at most " + capacity());
        }
        if (!batched)
        {
            final int n = tap.readv(iovecs.addressOffset(), iovecsPerRead);
            results[0] = n < 0 ? -Native.EAGAIN : n;
            drained = n < 0;
            return n < 0 ? 0 : 1;
        }
        for (int i = 0; i < count; i++)
        {
            results[i] = -Native.EAGAIN;
            ring.readv(ringFd, iovecs.addressOffset() + iovecsOffset(i), iovecsPerRead, i);
        }
        ring.submit(completed);
        int frames = 0;
        boolean empty = false;
        for (int i = 0; i < count; i++)
        {
            final int n = results[i];
            if (n >= 0)
            {
                frames++;
            }
            else if (n == -Native.EAGAIN)
            {
                empty = true;
            }
            else if (n == -Native.EOPNOTSUPP)
            {
                batched = false; // this TAP cannot say "none" to io_uring: a readv at a time from now on
                results[i] = -Native.EAGAIN;
            }
            else
            {
                throw new NativeException("read from " + tap.name() + ": errno " + -n, -n);
            }
        }
        drained = empty;
        wanted = empty ? Math.max(2, frames + 1) : Math.min(capacity, count * 2);
        return frames;
    }

    /**
     * @param read which read of the last batch.
     * @return bytes it brought (the virtio-net header's included), or a negative number if it brought none.
     */
    public int result(final int read)
    {
        return results[read];
    }

    /**
     * @return true if a read of the last batch found nothing: the TAP is empty; its readiness may be reset.
     */
    public boolean drained()
    {
        return drained;
    }
}
