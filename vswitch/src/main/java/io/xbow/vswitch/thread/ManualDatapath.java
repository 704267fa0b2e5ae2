package io.xbow.vswitch.thread;

import io.xbow.vswitch.VirtualSwitch;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A datapath the caller drives: each {@link #cycle()} runs every switch once, on the calling thread. For tests,
 * benchmarks with a simulated clock, and tools that step the datapath; the caller is then the datapath thread.
 */
public final class ManualDatapath implements Datapath
{
    private final List<VirtualSwitch> switches = new CopyOnWriteArrayList<>();

    @Override
    public void add(final VirtualSwitch sw)
    {
        switches.add(sw);
    }

    @Override
    public void remove(final VirtualSwitch sw)
    {
        sw.doWork(); // apply what was queued for it
        switches.remove(sw);
        sw.onClose();
    }

    /**
     * @return work done by all switches in one cycle.
     */
    public int cycle()
    {
        int work = 0;
        for (final VirtualSwitch sw : switches)
        {
            work += sw.doWork();
        }
        return work;
    }

    /**
     * Run cycles until one finds no work.
     */
    public void runUntilIdle()
    {
        int guard = 0;
        while (cycle() > 0)
        {
            if (++guard > 1_000_000)
            {
                throw new IllegalStateException("datapath never went idle");
            }
        }
    }

    @Override
    public void close()
    {
        for (final VirtualSwitch sw : switches)
        {
            sw.onClose();
        }
        switches.clear();
    }
}
