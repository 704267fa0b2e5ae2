package io.xbow.vswitch.stats;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A fixed set of 64-bit counters with one writer (the datapath thread that owns them) and any number of readers
 * (the control plane, metrics). Writes are opaque stores, which cost a plain store on x86 and never tear; readers
 * see each counter's latest value soon after, without a lock or a fence on the datapath.
 */
public final class Counters
{
    private static final VarHandle VALUES = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] values;

    /**
     * @param size number of counters.
     */
    public Counters(final int size)
    {
        values = new long[size];
    }

    /**
     * Add to a counter; only the owning thread may call this.
     *
     * @param index of the counter.
     * @param delta to add.
     */
    public void add(final int index, final long delta)
    {
        VALUES.setOpaque(values, index, values[index] + delta);
    }

    /**
     * Add one to a counter; only the owning thread may call this.
     *
     * @param index of the counter.
     */
    public void increment(final int index)
    {
        VALUES.setOpaque(values, index, values[index] + 1);
    }

    /**
     * Set a gauge; only the owning thread may call this.
     *
     * @param index of the counter.
     * @param value new value.
     */
    public void set(final int index, final long value)
    {
        VALUES.setOpaque(values, index, value);
    }

    /**
     * @param index of the counter.
     * @return its value, from any thread.
     */
    public long get(final int index)
    {
        return (long)VALUES.getOpaque(values, index);
    }

    /**
     * @return number of counters.
     */
    public int size()
    {
        return values.length;
    }
}
