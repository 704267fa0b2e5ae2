package io.xbow.hypervisor.guest;

import org.agrona.concurrent.NanoClock;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;

/**
 * The thread that runs every emulated guest, in turn. Idle, it sleeps 1 ms between turns: guests are test and
 * demo hosts, not the datapath, and a millisecond is the resolution ping's times need.
 */
public final class GuestRunner implements AutoCloseable
{
    private static final long IDLE_PARK_NANOS = 1_000_000;

    private final List<EmulatedGuest> guests = new CopyOnWriteArrayList<>();
    private final NanoClock clock;
    private final Thread thread;
    private volatile boolean stop;

    public GuestRunner(final String threadName, final NanoClock clock)
    {
        this.clock = clock;
        thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    public void add(final EmulatedGuest guest)
    {
        guests.add(guest);
    }

    public void remove(final EmulatedGuest guest)
    {
        guests.remove(guest);
    }

    private void run()
    {
        while (!stop)
        {
            int work = 0;
            final long now = clock.nanoTime();
            for (final EmulatedGuest guest : guests)
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
            if (work == 0)
            {
                LockSupport.parkNanos(IDLE_PARK_NANOS);
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
