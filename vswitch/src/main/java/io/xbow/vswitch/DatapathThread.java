package io.xbow.vswitch;

import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.CompositeAgent;
import org.agrona.concurrent.IdleStrategy;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A thread that runs datapath agents (switches, and later ports with devices) in one duty cycle. When a cycle finds
 * no work, the thread backs off: a few spins, then yields, then parks for up to {@code maxParkNs}, so that an idle
 * switch costs close to no CPU while a busy one never sleeps. Which agents share a thread is the caller's choice.
 * <p>
 * An exception escaping an agent is counted and logged (rate-limited) and the cycle goes on; agents are written so
 * that frame content can never cause one.
 */
public final class DatapathThread implements AutoCloseable
{
    /** Longest park when idle: bounds the latency of the first frame after a quiet spell. */
    public static final long DEFAULT_MAX_PARK_NS = TimeUnit.MILLISECONDS.toNanos(1);

    private static final System.Logger LOG = System.getLogger(DatapathThread.class.getName());
    private static final long LOG_INTERVAL_NS = TimeUnit.SECONDS.toNanos(10);

    private final AgentRunner runner;
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong lastLogNs = new AtomicLong(System.nanoTime() - LOG_INTERVAL_NS);

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
        final IdleStrategy idle = new BackoffIdleStrategy(100, 10, TimeUnit.MICROSECONDS.toNanos(1), maxParkNs);
        return new DatapathThread(threadName, idle, agents);
    }

    private DatapathThread(final String threadName, final IdleStrategy idle, final Agent... agents)
    {
        final Agent agent = agents.length == 1 ? agents[0] : new CompositeAgent(List.of(agents));
        final ErrorHandler onError = this::onError;
        runner = new AgentRunner(idle, onError, null, agent);
        AgentRunner.startOnThread(runner, r ->
        {
            final Thread thread = new Thread(r, threadName);
            thread.setDaemon(true);
            return thread;
        });
    }

    private void onError(final Throwable error)
    {
        errors.incrementAndGet();
        final long now = System.nanoTime();
        final long last = lastLogNs.get();
        if (now - last >= LOG_INTERVAL_NS && lastLogNs.compareAndSet(last, now))
        {
            LOG.log(System.Logger.Level.ERROR, "datapath agent error (" + errors.get() + " so far)", error);
        }
    }

    /**
     * @return the thread running the agents, or null before it has started.
     */
    public Thread thread()
    {
        return runner.thread();
    }

    /**
     * @return exceptions that escaped an agent.
     */
    public long errors()
    {
        return errors.get();
    }

    /**
     * Stop the thread and close its agents; waits for the current cycle to end.
     */
    @Override
    public void close()
    {
        runner.close();
    }
}
