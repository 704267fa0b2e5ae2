package io.xbow.vswitch.thread;

import io.xbow.vswitch.VirtualSwitch;
import org.agrona.concurrent.Agent;

import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * A thread that runs datapath agents (switches, and later ports with devices) in one duty cycle. When cycles find no
 * work the thread backs off: it spins, then yields, then parks for growing periods up to {@code maxParkNs} (while
 * no switch holds a frame, until the first timed work the switches name: a MAC entry's aging, a shaper's release). Work
 * handed over from other threads comes with a {@link #wakeup()}, which unparks it at once, so an idle datapath
 * costs close to no CPU and still answers the first frame after a quiet spell without waiting out a park.
 * <p>
 * It parks, or sleeps in a {@link Sleeper}: the epoll of the descriptors its ports and agents read, so that a frame
 * arriving on one wakes it directly. In the yield phase it then looks at those descriptors instead of yielding, and
 * it may keep doing so for a while after its last work ({@code pollNs}), trading a core for latency.
 * <p>
 * No wakeup is lost: before parking the thread announces it ({@code parked}, a volatile store) and runs one more
 * cycle; a producer publishes its work, fences, and unparks the thread if it has announced. Either the extra cycle
 * sees the work or the producer sees the announcement. Timers need no wakeup: the park ends at the first of them.
 * <p>
 * An exception escaping an agent is counted and logged (rate-limited) and the cycle goes on; agents are written so
 * that frame content can never cause one.
 */
public final class DatapathThread implements AutoCloseable, Wakeup
{
    /** Longest park when idle: how often an idle datapath still runs its timers. */
    public static final long DEFAULT_MAX_PARK_NS = TimeUnit.MILLISECONDS.toNanos(100);

    private static final System.Logger LOG = System.getLogger(DatapathThread.class.getName());
    private static final long LOG_INTERVAL_NS = TimeUnit.SECONDS.toNanos(10);
    private static final int SPINS = 100;
    private static final int YIELDS = 10;
    private static final long MIN_PARK_NS = TimeUnit.MICROSECONDS.toNanos(50);
    /**
     * Longest park when no switch holds a frame: a backstop only, since the switches name their timed work (a MAC
     * entry's aging, a shaper's release, a guest's drain deadline) and the thread sleeps until the first of them.
     */
    static final long QUIESCENT_PARK_NS = TimeUnit.SECONDS.toNanos(60);
    /** Shortest sleep towards timed work: below it, the next cycle comes as soon. */
    private static final long MIN_TIMED_PARK_NS = TimeUnit.MICROSECONDS.toNanos(1);

    private final List<Agent> agents;
    private final long maxParkNs;
    private final Idle idle;
    /** Where it sleeps when not parking: the epoll of the descriptors its ports read, or null. */
    private final Sleeper sleeper;
    /** How long it keeps polling after its last work before it sleeps: latency bought with CPU. */
    private final long pollNs;
    private final Thread thread;
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong wakeups = new AtomicLong();
    private long lastLogNs = System.nanoTime() - LOG_INTERVAL_NS;
    private volatile boolean running = true;
    private volatile boolean parked;

    /**
     * Start a thread running the agents with the default back-off.
     *
     * @param threadName name of the thread.
     * @param agents     to run, in order, each cycle.
     * @return the running thread.
     */
    public static DatapathThread start(final String threadName, final Agent... agents)
    {
        return start(threadName, DEFAULT_MAX_PARK_NS, agents);
    }

    /**
     * @param threadName name of the thread.
     * @param maxParkNs  longest park when idle.
     * @param agents     to run, in order, each cycle.
     * @return the running thread.
     */
    public static DatapathThread start(final String threadName, final long maxParkNs, final Agent... agents)
    {
        return new DatapathThread(threadName, maxParkNs, null, null, 0, agents);
    }

    /**
     * @param threadName name of the thread.
     * @param idle       asked, on the thread, before it sleeps (agents that hold switches inside, such as a
     *                   composite, cannot say it themselves: {@link Idle#of}).
     * @param agents     to run, in order, each cycle.
     * @return the running thread.
     */
    public static DatapathThread start(final String threadName, final Idle idle, final Agent... agents)
    {
        return new DatapathThread(threadName, DEFAULT_MAX_PARK_NS, idle, null, 0, agents);
    }

    /**
     * @param threadName name of the thread.
     * @param idle       asked, on the thread, before it sleeps.
     * @param sleeper    where it sleeps (the epoll of the descriptors its ports read), or null to park.
     * @param pollNs     how long it keeps polling (its sleeper's descriptors, or yielding) after its last work
     *                   before it sleeps: 0 for a few turns only. Each frame after a quiet spell then costs no
     *                   wakeup, at the price of a core while traffic comes more often than this.
     * @param agents     to run, in order, each cycle.
     * @return the running thread.
     */
    public static DatapathThread start(final String threadName, final Idle idle, final Sleeper sleeper,
        final long pollNs, final Agent... agents)
    {
        return new DatapathThread(threadName, DEFAULT_MAX_PARK_NS, idle, sleeper, pollNs, agents);
    }

    private DatapathThread(final String threadName, final long maxParkNs, final Idle idle, final Sleeper sleeper,
        final long pollNs, final Agent... agents)
    {
        this.agents = List.of(agents);
        this.sleeper = sleeper;
        this.pollNs = Math.max(0, pollNs);
        this.idle = idle != null ? idle : idleOf(agents);
        this.maxParkNs = Math.max(MIN_PARK_NS, maxParkNs);
        for (final Agent agent : agents)
        {
            if (agent instanceof VirtualSwitch)
            {
                ((VirtualSwitch)agent).wakeupBy(this);
            }
        }
        thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    private void run()
    {
        for (final Agent agent : agents)
        {
            agent.onStart();
        }
        int idleCycles = 0;
        long parkNs = MIN_PARK_NS;
        long lastWorkNs = 0;
        while (running)
        {
            if (cycle() > 0)
            {
                idleCycles = 0;
                parkNs = MIN_PARK_NS;
                if (pollNs > 0)
                {
                    lastWorkNs = System.nanoTime();
                }
                continue;
            }
            idleCycles++;
            if (idleCycles <= SPINS)
            {
                Thread.onSpinWait();
            }
            else if (idleCycles <= SPINS + YIELDS || pollNs > 0 && System.nanoTime() - lastWorkNs < pollNs)
            {
                if (sleeper != null)
                {
                    sleeper.await(0); // a look at the descriptors, as cheap as a yield
                }
                else
                {
                    Thread.yield();
                }
            }
            else
            {
                parked = true;
                if (sleeper != null)
                {
                    sleeper.prepareToSleep();
                }
                if (cycle() > 0)
                {
                    parked = false;
                    if (sleeper != null)
                    {
                        sleeper.awake();
                    }
                    idleCycles = 0;
                    parkNs = MIN_PARK_NS;
                    continue;
                }
                // Never past a port's timed work (a shaper's next release): it comes on time, not a park late.
                final long sleepNs = Math.min(parkNs, Math.max(MIN_TIMED_PARK_NS, idle.nextDelayNs()));
                if (sleeper != null)
                {
                    sleeper.await(sleepNs); // a readable descriptor's listener runs in here, on this thread
                }
                else
                {
                    LockSupport.parkNanos(this, sleepNs);
                }
                parked = false;
                parkNs = Math.min(parkNs * 2, idle.quiescent() ? Math.max(maxParkNs, QUIESCENT_PARK_NS) : maxParkNs);
            }
        }
        for (final Agent agent : agents)
        {
            agent.onClose();
        }
    }

    /**
     * What the thread asks, on itself, before it sleeps.
     */
    public interface Idle
    {
        /**
         * @return true when no agent holds a frame (nothing waits for tokens, buffers or a retry): then only MAC
         *         aging needs the clock, and the thread may sleep longer.
         */
        boolean quiescent();

        /**
         * @return nanoseconds until an agent's timed work (a shaper's next release), or {@link Long#MAX_VALUE}.
         */
        long nextDelayNs();

        /**
         * @param switches the switches the thread runs, asked for each time (they may change).
         * @return what they say, together.
         */
        static Idle of(final Supplier<VirtualSwitch[]> switches)
        {
            return new Idle()
            {
                @Override
                public boolean quiescent()
                {
                    for (final VirtualSwitch sw : switches.get())
                    {
                        if (!sw.isQuiescent())
                        {
                            return false;
                        }
                    }
                    return true;
                }

                @Override
                public long nextDelayNs()
                {
                    long delay = Long.MAX_VALUE;
                    for (final VirtualSwitch sw : switches.get())
                    {
                        delay = Math.min(delay, sw.nextDelayNs());
                    }
                    return delay;
                }
            };
        }
    }

    /** The switches among the agents; agents that are not switches are never quiescent (they cannot say). */
    private static Idle idleOf(final Agent... agents)
    {
        final VirtualSwitch[] switches = Arrays.stream(agents).filter(VirtualSwitch.class::isInstance)
            .map(VirtualSwitch.class::cast).toArray(VirtualSwitch[]::new);
        final Idle idle = Idle.of(() -> switches);
        if (switches.length == agents.length)
        {
            return idle;
        }
        return new Idle()
        {
            @Override
            public boolean quiescent()
            {
                return false;
            }

            @Override
            public long nextDelayNs()
            {
                return idle.nextDelayNs();
            }
        };
    }

    private int cycle()
    {
        int work = 0;
        for (int i = 0, n = agents.size(); i < n; i++)
        {
            try
            {
                work += agents.get(i).doWork();
            }
            catch (final Throwable error)
            {
                onError(error);
            }
        }
        return work;
    }

    private void onError(final Throwable error)
    {
        errors.incrementAndGet();
        final long now = System.nanoTime();
        if (now - lastLogNs >= LOG_INTERVAL_NS)
        {
            lastLogNs = now;
            LOG.log(System.Logger.Level.ERROR, "datapath agent error (" + errors.get() + " so far)", error);
        }
    }

    /**
     * Unpark the thread if it is parked; call after publishing work for it, from any thread.
     */
    @Override
    public void wakeup()
    {
        // Orders the caller's publication before the read of the flag: the other half of the parking handshake.
        VarHandle.fullFence();
        if (parked)
        {
            if (sleeper == null)
            {
                wakeups.incrementAndGet();
                LockSupport.unpark(thread);
            }
            else if (Thread.currentThread() != thread)
            {
                wakeups.incrementAndGet();
                sleeper.wake();
            }
        }
    }

    /**
     * @return the thread running the agents.
     */
    public Thread thread()
    {
        return thread;
    }

    /**
     * @return exceptions that escaped an agent.
     */
    public long errors()
    {
        return errors.get();
    }

    /**
     * @return times a wakeup found the thread parked and unparked it.
     */
    public long wakeups()
    {
        return wakeups.get();
    }

    /**
     * Stop the thread and close its agents; waits for the current cycle to end.
     */
    @Override
    public void close()
    {
        running = false;
        if (sleeper != null)
        {
            sleeper.wake();
        }
        LockSupport.unpark(thread);
        try
        {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive())
        {
            throw new IllegalStateException("datapath thread " + thread.getName() + " did not stop");
        }
    }
}
