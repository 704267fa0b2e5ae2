package io.xbow.vswitch.thread;

import io.xbow.vswitch.VirtualSwitch;
import io.xbow.vswitch.thread.DatapathThread;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.DynamicCompositeAgent;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Every switch on one datapath thread, added and removed while it runs (Agrona's {@link DynamicCompositeAgent}),
 * with the agents that share it ({@link TimedAgent}: the frontends of netns guests). One thread serves a host's
 * virtual networks comfortably; more threads are a matter of configuration later.
 */
public final class ThreadedDatapath implements Datapath
{
    private final DynamicCompositeAgent agents = new DynamicCompositeAgent("xbow-datapath");
    private final DatapathThread thread;
    /** The switches the thread runs, replaced whole on add and remove (read by the thread when it idles). */
    private volatile VirtualSwitch[] switches = new VirtualSwitch[0];
    /** The other agents it runs, likewise. */
    private volatile TimedAgent[] others = new TimedAgent[0];

    /**
     * @param threadName name of the datapath thread.
     */
    public ThreadedDatapath(final String threadName)
    {
        this(threadName, null, 0);
    }

    /**
     * @param threadName name of the datapath thread.
     * @param sleeper    where it sleeps: the epoll of the descriptors its ports read (then they wake it directly),
     *                   or null to park.
     * @param pollNs     how long the thread keeps polling after its last work before it sleeps
     *                   ({@link DatapathThread#start(String, DatapathThread.Idle, Sleeper, long, Agent...)}).
     */
    public ThreadedDatapath(final String threadName, final Sleeper sleeper, final long pollNs)
    {
        final DatapathThread.Idle switchesIdle = DatapathThread.Idle.of(() -> switches);
        final DatapathThread.Idle idle = new DatapathThread.Idle()
        {
            @Override
            public boolean quiescent()
            {
                return switchesIdle.quiescent();
            }

            @Override
            public long nextDelayNs()
            {
                long delay = switchesIdle.nextDelayNs();
                for (final TimedAgent agent : others)
                {
                    delay = Math.min(delay, agent.nextDelayNs());
                }
                return delay;
            }
        };
        thread = DatapathThread.start(threadName, idle, sleeper, pollNs, agents);
        // Until the thread has run onStart, tryAdd throws "add called when not active": a daemon restoring its
        // links right after starting the datapath would fail to start now and then.
        awaitTrue(() -> agents.status() == DynamicCompositeAgent.Status.ACTIVE);
    }

    @Override
    public synchronized void add(final VirtualSwitch sw)
    {
        sw.wakeupBy(thread);
        awaitTrue(() -> agents.tryAdd(sw));
        thread.wakeup();
        awaitTrue(agents::hasAddAgentCompleted);
        final VirtualSwitch[] more = Arrays.copyOf(switches, switches.length + 1);
        more[more.length - 1] = sw;
        switches = more;
    }

    @Override
    public synchronized void remove(final VirtualSwitch sw)
    {
        switches = Arrays.stream(switches).filter(s -> s != sw).toArray(VirtualSwitch[]::new);
        awaitTrue(() -> agents.tryRemove(sw));
        thread.wakeup();
        awaitTrue(agents::hasRemoveAgentCompleted);
    }

    /**
     * Run an agent beside the switches, from now on.
     *
     * @param agent the agent.
     */
    public synchronized void add(final TimedAgent agent)
    {
        awaitTrue(() -> agents.tryAdd(agent));
        thread.wakeup();
        awaitTrue(agents::hasAddAgentCompleted);
        final TimedAgent[] more = Arrays.copyOf(others, others.length + 1);
        more[more.length - 1] = agent;
        others = more;
    }

    /**
     * Stop running an agent (its onClose runs on the thread).
     *
     * @param agent an agent added before.
     */
    public synchronized void remove(final TimedAgent agent)
    {
        others = Arrays.stream(others).filter(a -> a != agent).toArray(TimedAgent[]::new);
        awaitTrue(() -> agents.tryRemove(agent));
        thread.wakeup();
        awaitTrue(agents::hasRemoveAgentCompleted);
    }

    /**
     * @return the thread, for its counters.
     */
    public DatapathThread thread()
    {
        return thread;
    }

    @Override
    public void close()
    {
        thread.close();
    }

    private void awaitTrue(final java.util.function.BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new IllegalStateException("the datapath thread did not answer within 10 s");
            }
            thread.wakeup();
            Thread.onSpinWait();
        }
    }
}
