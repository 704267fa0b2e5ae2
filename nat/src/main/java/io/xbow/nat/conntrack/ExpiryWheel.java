package io.xbow.nat.conntrack;

import java.util.Arrays;

/**
 * When connections expire: a timer wheel of one-second ticks whose slots are doubly linked lists threaded through
 * two int arrays indexed by connection id, so a connection's timer costs 8 bytes and no object, arming and disarming
 * are O(1), and nothing is scanned: a poll visits only the slots of the seconds that passed. A deadline further
 * than the wheel's span lands in its slot early and is looked at again then ({@link Expiry} re-arms it).
 * <p>
 * One thread owns it.
 */
final class ExpiryWheel
{
    /** What a slot's connection is asked when its tick comes. */
    @FunctionalInterface
    interface Expiry
    {
        /**
         * @return the connection's deadline if it is not due yet (to be armed again), or -1 once it is closed.
         */
        long due(int id, long nowMs);
    }

    private static final int SLOTS = 8192; // 2 h 16 min of seconds: an established TCP connection's 2 h 4 min fits
    private static final int NONE = -1;
    private static final long TICK_MS = 1000;

    private final int[] next;
    private final int[] prev; // the previous id, or -(slot + 2) for a slot's first
    private final int[] heads = new int[SLOTS];
    private long tick; // the last tick polled
    private int armed;

    ExpiryWheel(final int maxConnections, final long nowMs)
    {
        next = new int[maxConnections];
        prev = new int[maxConnections];
        Arrays.fill(heads, NONE);
        tick = nowMs / TICK_MS;
    }

    int armed()
    {
        return armed;
    }

    void arm(final int id, final long deadlineMs)
    {
        final long at = Math.max(deadlineMs / TICK_MS, tick + 1);
        final int slot = (int)(at & (SLOTS - 1));
        final int head = heads[slot];
        next[id] = head;
        prev[id] = -(slot + 2);
        if (head != NONE)
        {
            prev[head] = id;
        }
        heads[slot] = id;
        armed++;
    }

    void disarm(final int id)
    {
        final int before = prev[id];
        final int after = next[id];
        if (before >= 0)
        {
            next[before] = after;
        }
        else
        {
            heads[-before - 2] = after;
        }
        if (after != NONE)
        {
            prev[after] = before;
        }
        armed--;
    }

    /**
     * Every slot of the seconds since the last poll, up to now: each of its connections is asked, and armed again
     * if it is not due.
     *
     * @return how many expired.
     */
    int poll(final long nowMs, final Expiry expiry)
    {
        final long now = nowMs / TICK_MS;
        int expired = 0;
        // After a pause longer than the wheel's turn every slot is due once.
        final long from = Math.max(tick + 1, now - SLOTS + 1);
        for (long t = from; t <= now; t++)
        {
            final int slot = (int)(t & (SLOTS - 1));
            int id = heads[slot];
            heads[slot] = NONE;
            while (id != NONE)
            {
                final int following = next[id];
                armed--;
                final long due = expiry.due(id, nowMs);
                if (due < 0)
                {
                    expired++;
                }
                else
                {
                    tick = t; // armed for a later tick than this one
                    arm(id, due);
                }
                id = following;
            }
        }
        tick = Math.max(tick, now);
        return expired;
    }

    void clear()
    {
        Arrays.fill(heads, NONE);
        armed = 0;
    }
}
