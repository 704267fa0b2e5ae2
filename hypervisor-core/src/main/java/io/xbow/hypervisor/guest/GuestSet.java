package io.xbow.hypervisor.guest;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The guests one thread runs, and what that thread does with them each turn: step them, and before it sleeps, have
 * each ask to be woken by its next frame and say when it needs the thread by itself. A guest that throws is
 * stopped and logged; the others go on.
 */
final class GuestSet
{
    private final List<Guest> guests = new CopyOnWriteArrayList<>();

    void add(final Guest guest)
    {
        guests.add(guest);
    }

    void remove(final Guest guest)
    {
        guests.remove(guest);
    }

    /**
     * @return work done.
     */
    int step(final long now)
    {
        int work = 0;
        for (final Guest guest : guests)
        {
            try
            {
                work += guest.step(now);
            }
            catch (final RuntimeException ex)
            {
                System.getLogger(GuestSet.class.getName()).log(System.Logger.Level.WARNING,
                    "guest " + guest.name() + " stopped: " + ex);
                guests.remove(guest);
            }
        }
        return work;
    }

    /**
     * @return true if a guest has work already: do not sleep.
     */
    boolean armWakeups()
    {
        boolean ready = false;
        for (final Guest guest : guests)
        {
            ready |= guest.armWakeups();
        }
        return ready;
    }

    /**
     * @return the first guest's deadline, or {@link Long#MAX_VALUE}.
     */
    long nextDeadlineNanos(final long now)
    {
        long deadline = Long.MAX_VALUE;
        for (final Guest guest : guests)
        {
            deadline = Math.min(deadline, guest.nextDeadlineNanos(now));
        }
        return deadline;
    }
}
