package io.xbow.vswitch.thread;

import io.xbow.vswitch.VirtualSwitch;
import io.xbow.vswitch.thread.DatapathThread;
import org.agrona.concurrent.DynamicCompositeAgent;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Every switch on one datapath thread, added and removed while it runs (Agrona's {@link DynamicCompositeAgent}).
 * One thread serves a host's virtual networks comfortably; more threads are a matter of configuration later.
 */
public final class ThreadedDatapath implements Datapath
{
    private final DynamicCompositeAgent agents = new DynamicCompositeAgent("xbow-datapath");
    private final DatapathThread thread;
    /** The switches the thread runs, replaced whole on add and remove (read by the thread when it idles). */
    private volatile VirtualSwitch[] switches = new VirtualSwitch[0];

    /**
     * @param threadName name of the datapath thread.
     */
    public ThreadedDatapath(final String threadName)
    {
        thread = DatapathThread.start(threadName, DatapathThread.Idle.of(() -> switches), agents);
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
