package io.xbow.vnic.datapath;

import io.xbow.packet.frame.FrameBatch;
import io.xbow.packet.frame.FramePool;

/**
 * One direction of a VNIC's bandwidth limit: a {@link TokenBucket} and a bounded FIFO of frames waiting for tokens.
 * A frame passes at once when nothing waits and the bucket holds its length; otherwise it waits at the tail, and
 * when the queue is full it is refused (the caller drops and counts it: over rate). Single-threaded; no allocation.
 */
final class Shaper
{
    private final TokenBucket bucket = new TokenBucket();
    private final int[] queue;
    private final int mask;
    private long head;
    private long tail;

    /**
     * @param queueCapacity frames that may wait, rounded up to a power of two.
     */
    Shaper(final int queueCapacity)
    {
        final int size = Integer.highestOneBit(Math.max(1, queueCapacity - 1)) << 1;
        queue = new int[size];
        mask = size - 1;
    }

    void refill(final long nowNs, final VnicPolicy policy)
    {
        bucket.refill(nowNs, policy.bytesPerNs(), policy.burstBytes());
    }

    static final int PASS = 0;
    static final int QUEUED = 1;
    static final int REFUSED = 2;

    /**
     * @param frame  a frame.
     * @param length its length.
     * @param pool   the switch's pool, of which a queue holds only what {@link FramePool#hasRoomToHold} allows.
     * @return {@link #PASS} (send it now), {@link #QUEUED} (the shaper holds it) or {@link #REFUSED} (drop it).
     */
    int admit(final int frame, final int length, final FramePool pool)
    {
        if (head == tail && bucket.tryTake(length))
        {
            return PASS;
        }
        if (tail - head == queue.length || (head != tail && !pool.hasRoomToHold()))
        {
            return REFUSED;
        }
        queue[(int)tail++ & mask] = frame;
        return QUEUED;
    }

    /**
     * Pay for a whole batch at once, when nothing waits: the fast path of a link well inside its limit.
     *
     * @param bytes the batch's total length.
     * @return true, and the bytes taken, if nothing waits and the bucket held them all.
     */
    boolean tryTakeAll(final long bytes)
    {
        return head == tail && bucket.tryTake(bytes);
    }

    /**
     * Move waiting frames the bucket now pays for into a batch, in order.
     *
     * @param pool      owning the frames.
     * @param out       the batch to fill.
     * @param unlimited true when the limit was lifted: release everything that fits.
     * @return frames moved.
     */
    int release(final FramePool pool, final FrameBatch out, final boolean unlimited)
    {
        int n = 0;
        while (head < tail && !out.isFull())
        {
            final int frame = queue[(int)head & mask];
            if (!unlimited && !bucket.tryTake(pool.length(frame)))
            {
                break;
            }
            head++;
            out.add(frame);
            n++;
        }
        return n;
    }

    boolean isEmpty()
    {
        return head == tail;
    }

    /**
     * @return when the waiting head frame can go: {@code nowNs} plus what the bucket still lacks at the policy's
     *         rate; {@link Long#MAX_VALUE} when nothing waits.
     */
    long nextReleaseNs(final long nowNs, final VnicPolicy policy, final FramePool pool)
    {
        if (head == tail)
        {
            return Long.MAX_VALUE;
        }
        if (!policy.isLimited())
        {
            return nowNs;
        }
        return nowNs + bucket.nanosUntil(pool.length(queue[(int)head & mask]), policy.bytesPerNs());
    }

    int depth()
    {
        return (int)(tail - head);
    }

    /**
     * Free every waiting frame.
     *
     * @param pool owning the frames.
     * @return frames freed.
     */
    int clear(final FramePool pool)
    {
        final int n = depth();
        while (head < tail)
        {
            pool.free(queue[(int)head++ & mask]);
        }
        return n;
    }
}
