package io.xbow.vswitch;

import io.xbow.packet.frame.FrameBatch;
import io.xbow.vswitch.fdb.MacTable;

import java.util.concurrent.TimeUnit;

/**
 * A switch's tunables, immutable. The defaults suit a host with a few hundred guests.
 *
 * @param batchSize          frames polled from a port per cycle, and the size of each output batch.
 * @param maxPorts           most ports the switch can have at once.
 * @param agingNs            idle time after which a learned MAC is forgotten (IEEE 802.1D: 300 s).
 * @param maxLearnedPerPort  most MACs learned on one port.
 * @param maxLearned         most MACs learned in total.
 */
public record SwitchConfig(int batchSize, int maxPorts, long agingNs, int maxLearnedPerPort, int maxLearned)
{
    public static final int DEFAULT_BATCH_SIZE = FrameBatch.DEFAULT_CAPACITY;
    public static final int DEFAULT_MAX_PORTS = 4096;
    public static final long DEFAULT_AGING_NS = TimeUnit.SECONDS.toNanos(300);
    public static final int DEFAULT_MAX_LEARNED_PER_PORT = 4096;
    public static final int DEFAULT_MAX_LEARNED = 65536;

    public SwitchConfig
    {
        if (batchSize < 1 || batchSize > FrameBatch.MAX_CAPACITY)
        {
            throw new IllegalArgumentException("batch size must be 1 to " + FrameBatch.MAX_CAPACITY + ", got " + batchSize);
        }
        if (maxPorts < 1 || maxPorts > MacTable.MAX_PORTS)
        {
            throw new IllegalArgumentException("a switch has 1 to " + MacTable.MAX_PORTS + " ports, got " + maxPorts);
        }
        if (agingNs < TimeUnit.MILLISECONDS.toNanos(1))
        {
            throw new IllegalArgumentException("MAC aging time must be at least 1 ms");
        }
        if (maxLearnedPerPort < 0 || maxLearned < 0)
        {
            throw new IllegalArgumentException("MAC learning limits must not be negative");
        }
    }

    /**
     * @return the defaults: batches of 32, 4096 ports, 300 s aging, 4096 MACs a port, 65536 in all.
     */
    public static SwitchConfig defaults()
    {
        return new SwitchConfig(
            DEFAULT_BATCH_SIZE, DEFAULT_MAX_PORTS, DEFAULT_AGING_NS, DEFAULT_MAX_LEARNED_PER_PORT, DEFAULT_MAX_LEARNED);
    }

    public SwitchConfig withBatchSize(final int batchSize)
    {
        return new SwitchConfig(batchSize, maxPorts, agingNs, maxLearnedPerPort, maxLearned);
    }

    public SwitchConfig withMaxPorts(final int maxPorts)
    {
        return new SwitchConfig(batchSize, maxPorts, agingNs, maxLearnedPerPort, maxLearned);
    }

    public SwitchConfig withAging(final long duration, final TimeUnit unit)
    {
        return new SwitchConfig(batchSize, maxPorts, unit.toNanos(duration), maxLearnedPerPort, maxLearned);
    }

    public SwitchConfig withLearningLimits(final int maxLearnedPerPort, final int maxLearned)
    {
        return new SwitchConfig(batchSize, maxPorts, agingNs, maxLearnedPerPort, maxLearned);
    }
}
