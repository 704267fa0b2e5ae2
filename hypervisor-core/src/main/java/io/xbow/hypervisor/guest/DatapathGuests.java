package io.xbow.hypervisor.guest;

import io.xbow.hostif.io.Readiness;
import io.xbow.vswitch.thread.TimedAgent;
import io.xbow.vswitch.thread.Wakeup;
import org.agrona.concurrent.NanoClock;

/**
 * Netns guests whose frontends run on the datapath thread, as an agent beside the switches, their TAPs watched in
 * the epoll the datapath thread sleeps in. A frame from one guest's kernel to another's then crosses no thread: the
 * datapath thread reads it from the TAP, puts it on the vif's ring, forwards it, and writes it to the other guest's
 * TAP in one wakeup, where threads of their own take four (on a virtual machine, tens of microseconds each).
 * The cost: the guests' TAP system calls share the datapath's core.
 */
public final class DatapathGuests implements TimedAgent, GuestThread
{
    private final GuestSet guests = new GuestSet();
    private final NanoClock clock;
    private final Wakeup datapath;
    private final Readiness readiness;

    /**
     * @param clock     the datapath's clock.
     * @param datapath  wakes the datapath thread.
     * @param readiness the epoll the datapath thread sleeps in.
     */
    public DatapathGuests(final NanoClock clock, final Wakeup datapath, final Readiness readiness)
    {
        this.clock = clock;
        this.datapath = datapath;
        this.readiness = readiness;
    }

    @Override
    public void add(final Guest guest)
    {
        guest.wakeupBy(datapath::wakeup);
        guests.add(guest);
        datapath.wakeup();
    }

    @Override
    public void remove(final Guest guest)
    {
        guests.remove(guest);
    }

    @Override
    public Readiness readiness()
    {
        return readiness;
    }

    /**
     * Step the guests; with nothing to do, have them ask to be woken by their next frame (cheap: ring indexes), so
     * that the thread may sleep after any idle cycle.
     */
    @Override
    public int doWork()
    {
        final int work = guests.step(clock.nanoTime());
        if (work > 0)
        {
            return work;
        }
        return guests.armWakeups() ? 1 : 0;
    }

    @Override
    public long nextDelayNs()
    {
        final long now = clock.nanoTime();
        final long deadline = guests.nextDeadlineNanos(now);
        return deadline == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(0, deadline - now);
    }

    @Override
    public String roleName()
    {
        return "netns-guests";
    }
}
