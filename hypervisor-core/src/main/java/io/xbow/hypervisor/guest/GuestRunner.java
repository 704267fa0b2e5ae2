package io.xbow.hypervisor.guest;

import org.agrona.concurrent.NanoClock;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;

/**
 * The thread that runs guests (emulated hosts; each netns guest's shim has a runner of its own), in turn. Idle, it
 * sleeps until something needs it: a frame for a guest (its netfront asked the backend to ring at the next one, as a
 * Xen frontend does before it blocks), a command (an interface, a ping, unpause), or a running ping's next probe or
 * timeout. With nothing to do it wakes once a minute at most (a backstop), so idle guests cost next to nothing.
 */
public final class GuestRunner implements AutoCloseable
{
    /** With nothing to time: a backstop only, every wakeup comes from an event or a ping's deadline. */
    static final long IDLE_PARK_NANOS = 60_000_000_000L;

    private final List<Guest> guests = new CopyOnWriteArrayList<>();
    private final NanoClock clock;
    private final long idleParkNanos;
    private final Thread thread;
    private volatile boolean stop;

    public GuestRunner(final String threadName, final NanoClock clock)
    {
        this(threadName, clock, IDLE_PARK_NANOS);
    }

    /**
     * @param idleParkNanos longest sleep with nothing to time (tests make it long, so that a lost wakeup shows).
     */
    public GuestRunner(final String threadName, final NanoClock clock, final long idleParkNanos)
    {
        this.clock = clock;
        this.idleParkNanos = idleParkNanos;
        thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    public void add(final Guest guest)
    {
        guest.wakeupBy(this::wakeup);
        guests.add(guest);
        wakeup();
    }

    /** Wake the thread now (a frame or a command arrived); safe from any thread, cheap when it is awake. */
    void wakeup()
    {
        LockSupport.unpark(thread);
    }

    public void remove(final Guest guest)
    {
        guests.remove(guest);
    }

    private void run()
    {
        while (!stop)
        {
            int work = 0;
            final long now = clock.nanoTime();
            for (final Guest guest : guests)
            {
                try
                {
                    work += guest.step(now);
                }
                catch (final RuntimeException ex)
                {
                    System.getLogger(GuestRunner.class.getName()).log(System.Logger.Level.WARNING,
                        "guest " + guest.name() + " stopped: " + ex);
                    guests.remove(guest);
                }
            }
            if (work > 0)
            {
                continue;
            }
            // Straight to sleep, no spinning first: on a small host the datapath thread needs the core more
            // (measured: a ping's median round trip 150-210 us so, 270-390 us with 250 turns of spinning first).
            boolean ready = false;
            long deadline = now + idleParkNanos;
            for (final Guest guest : guests)
            {
                ready |= guest.armWakeups();
                deadline = Math.min(deadline, guest.nextDeadlineNanos(now));
            }
            final long sleep = deadline - clock.nanoTime();
            if (!ready && sleep > 0)
            {
                // An unpark that came after the checks above makes this return at once: no wakeup is lost.
                LockSupport.parkNanos(sleep);
            }
        }
    }

    @Override
    public void close()
    {
        stop = true;
        LockSupport.unpark(thread);
        try
        {
            thread.join(5_000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
