package io.xbow.hypervisor.guest;

import io.xbow.hostif.io.Readiness;
import io.xbow.hostif.sys.NativeException;
import org.agrona.concurrent.NanoClock;

import java.util.concurrent.locks.LockSupport;

/**
 * The thread that runs guests (emulated hosts; each netns guest's shim has a runner of its own), in turn. Idle, it
 * sleeps until something needs it: a frame for a guest (its netfront asked the backend to ring at the next one, as a
 * Xen frontend does before it blocks), a command (an interface, a ping, unpause), or a running ping's next probe or
 * timeout. With nothing to do it wakes once a minute at most (a backstop), so idle guests cost next to nothing.
 * <p>
 * A netns guest's runner sleeps in the {@code epoll_wait} of its own {@link Readiness} ({@link #withReadiness}),
 * where its TAPs' descriptors are watched: a frame from the guest's kernel wakes it directly, rather than waking a
 * readiness thread that wakes it (a ping's round trip crosses four such wakeups fewer).
 */
public final class GuestRunner implements AutoCloseable, GuestThread
{
    /** With nothing to time: a backstop only, every wakeup comes from an event or a ping's deadline. */
    static final long IDLE_PARK_NANOS = 60_000_000_000L;

    private final GuestSet guests = new GuestSet();
    private final NanoClock clock;
    private final long idleParkNanos;
    private final Readiness readiness;
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
        this(threadName, clock, idleParkNanos, null);
    }

    /**
     * A runner that sleeps in a readiness set of its own, for guests whose interfaces have descriptors.
     *
     * @param threadName its thread's name.
     * @param clock      the clock.
     * @return it, running; {@link #readiness()} is where its guests register their descriptors.
     * @throws IllegalStateException if epoll cannot be had.
     */
    public static GuestRunner withReadiness(final String threadName, final NanoClock clock)
    {
        try
        {
            return new GuestRunner(threadName, clock, IDLE_PARK_NANOS, Readiness.ownedByCaller());
        }
        catch (final NativeException ex)
        {
            throw new IllegalStateException("cannot watch the guest's interfaces: " + ex.getMessage());
        }
    }

    private GuestRunner(final String threadName, final NanoClock clock, final long idleParkNanos,
        final Readiness readiness)
    {
        this.clock = clock;
        this.idleParkNanos = idleParkNanos;
        this.readiness = readiness;
        thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void add(final Guest guest)
    {
        guest.wakeupBy(this::wakeup);
        guests.add(guest);
        wakeup();
    }

    /**
     * @return where the guests of a runner {@link #withReadiness} watch their descriptors; null for others.
     */
    @Override
    public Readiness readiness()
    {
        return readiness;
    }

    /** Wake the thread now (a frame or a command arrived); safe from any thread, cheap when it is awake. */
    void wakeup()
    {
        if (readiness == null)
        {
            LockSupport.unpark(thread);
        }
        else if (Thread.currentThread() != thread)
        {
            readiness.wake(); // on its own thread (a readable TAP's listener inside await) it is awake already
        }
    }

    @Override
    public void remove(final Guest guest)
    {
        guests.remove(guest);
    }

    private void run()
    {
        while (!stop)
        {
            final long now = clock.nanoTime();
            if (guests.step(now) > 0)
            {
                continue;
            }
            // Straight to sleep, no spinning first: on a small host the datapath thread needs the core more
            // (measured: a ping's median round trip 150-210 us so, 270-390 us with 250 turns of spinning first).
            if (readiness != null)
            {
                readiness.prepareToSleep(); // before the last look for work: a wake from now on is kept
            }
            final boolean ready = guests.armWakeups();
            final long deadline = Math.min(now + idleParkNanos, guests.nextDeadlineNanos(now));
            final long sleep = deadline - clock.nanoTime();
            if (readiness != null)
            {
                if (!ready && sleep > 0)
                {
                    readiness.await(sleep); // a readable TAP's listener runs in here
                }
                else
                {
                    readiness.awake();
                }
            }
            else if (!ready && sleep > 0)
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
        wakeup();
        try
        {
            thread.join(5_000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        if (readiness != null && !thread.isAlive())
        {
            readiness.close();
        }
    }
}
