package io.xbow.nat.conntrack;

import java.util.Arrays;

/**
 * A hash index from a 128-bit key (two longs: a flow's addresses, ports and protocol) to an int, for the NAT table:
 * open addressing with linear probing in flat arrays (no object per entry, nothing allocated after construction),
 * removal by backward shift (no tombstones, so lookups stay short however many flows came and went). Its capacity is
 * fixed: twice the entries it will hold at most, keeping probes short.
 * <p>
 * One thread (the datapath's) owns it.
 */
public final class FlowIndex
{
    /** What {@link #get} answers for a key that is not there. */
    public static final int MISSING = -1;

    private final long[] keysA;
    private final long[] keysB;
    private final int[] values;
    private final int mask;
    private int size;

    /**
     * @param maxEntries the most entries it will hold.
     */
    public FlowIndex(final int maxEntries)
    {
        final int capacity = Integer.highestOneBit(Math.max(4, maxEntries) * 2 - 1) << 1;
        keysA = new long[capacity];
        keysB = new long[capacity];
        values = new int[capacity];
        Arrays.fill(values, MISSING);
        mask = capacity - 1;
    }

    private int slot(final long a, final long b)
    {
        long h = a * 0x9E37_79B9_7F4A_7C15L ^ b * 0xC2B2_AE3D_27D4_EB4FL;
        h ^= h >>> 29;
        h *= 0xBF58_476D_1CE4_E5B9L;
        h ^= h >>> 32;
        return (int)h & mask;
    }

    public int get(final long a, final long b)
    {
        for (int i = slot(a, b); ; i = (i + 1) & mask)
        {
            final int value = values[i];
            if (value == MISSING)
            {
                return MISSING;
            }
            if (keysA[i] == a && keysB[i] == b)
            {
                return value;
            }
        }
    }

    /**
     * @param value 0 or more.
     */
    public void put(final long a, final long b, final int value)
    {
        int i = slot(a, b);
        while (values[i] != MISSING && (keysA[i] != a || keysB[i] != b))
        {
            i = (i + 1) & mask;
        }
        if (values[i] == MISSING)
        {
            if (size == mask)
            {
                throw new IllegalStateException("flow index full");
            }
            size++;
        }
        keysA[i] = a;
        keysB[i] = b;
        values[i] = value;
    }

    /**
     * @return the value removed, or {@link #MISSING}.
     */
    public int remove(final long a, final long b)
    {
        int i = slot(a, b);
        while (values[i] != MISSING && (keysA[i] != a || keysB[i] != b))
        {
            i = (i + 1) & mask;
        }
        final int removed = values[i];
        if (removed == MISSING)
        {
            return MISSING;
        }
        size--;
        // Backward shift: move up every later entry of the run that is allowed to sit in the hole.
        int hole = i;
        for (int j = (i + 1) & mask; values[j] != MISSING; j = (j + 1) & mask)
        {
            final int home = slot(keysA[j], keysB[j]);
            if (((j - home) & mask) >= ((j - hole) & mask))
            {
                keysA[hole] = keysA[j];
                keysB[hole] = keysB[j];
                values[hole] = values[j];
                hole = j;
            }
        }
        values[hole] = MISSING;
        return removed;
    }

    public int size()
    {
        return size;
    }

    /** Bytes of its arrays. */
    public long footprintBytes()
    {
        return (long)values.length * (8 + 8 + 4);
    }
}
