package io.xbow.nat.conntrack;

/**
 * A hash index from a 128-bit key (two longs: a flow's addresses, ports and protocol) to an int, for the NAT table:
 * open addressing with linear probing in one flat array, a slot's key and value side by side (a probe is one cache
 * line, where three arrays cost three misses in a table of a million flows; no object per entry, nothing allocated
 * after construction),
 * removal by backward shift (no tombstones, so lookups stay short however many flows came and went). Its capacity is
 * fixed: twice the entries it will hold at most, keeping probes short.
 * <p>
 * One thread (the datapath's) owns it.
 */
public final class FlowIndex
{
    /** What {@link #get} answers for a key that is not there. */
    public static final int MISSING = -1;

    /** Per slot: key a, key b, value + 1 (0: empty). */
    private final long[] slots;
    private final int mask;
    private int size;

    /**
     * @param maxEntries the most entries it will hold.
     */
    public FlowIndex(final int maxEntries)
    {
        final int capacity = Integer.highestOneBit(Math.max(4, maxEntries) * 2 - 1) << 1;
        slots = new long[capacity * 3];
        mask = capacity - 1;
    }

    private int slot(final long a, final long b)
    {
        return (int)hash(a, b) & mask;
    }

    /** A 128-bit key's hash: both halves multiplied in, then mixed (as splitmix64 finishes). */
    static long hash(final long a, final long b)
    {
        long h = a * 0x9E37_79B9_7F4A_7C15L ^ b * 0xC2B2_AE3D_27D4_EB4FL;
        h ^= h >>> 29;
        h *= 0xBF58_476D_1CE4_E5B9L;
        return h ^ h >>> 32;
    }

    public int get(final long a, final long b)
    {
        for (int i = slot(a, b); ; i = (i + 1) & mask)
        {
            final int at = i * 3;
            final long value = slots[at + 2];
            if (value == 0)
            {
                return MISSING;
            }
            if (slots[at] == a && slots[at + 1] == b)
            {
                return (int)value - 1;
            }
        }
    }

    private long keyA(final int i)
    {
        return slots[i * 3];
    }

    private long keyB(final int i)
    {
        return slots[i * 3 + 1];
    }

    private boolean empty(final int i)
    {
        return slots[i * 3 + 2] == 0;
    }

    /**
     * @param value 0 or more.
     */
    public void put(final long a, final long b, final int value)
    {
        int i = slot(a, b);
        while (!empty(i) && (keyA(i) != a || keyB(i) != b))
        {
            i = (i + 1) & mask;
        }
        if (empty(i))
        {
            if (size == mask)
            {
                throw new IllegalStateException("flow index full");
            }
            size++;
        }
        slots[i * 3] = a;
        slots[i * 3 + 1] = b;
        slots[i * 3 + 2] = value + 1L;
    }

    /**
     * @return the value removed, or {@link #MISSING}.
     */
    public int remove(final long a, final long b)
    {
        int i = slot(a, b);
        while (!empty(i) && (keyA(i) != a || keyB(i) != b))
        {
            i = (i + 1) & mask;
        }
        if (empty(i))
        {
            return MISSING;
        }
        final int removed = (int)slots[i * 3 + 2] - 1;
        size--;
        // Backward shift: move up every later entry of the run that is allowed to sit in the hole.
        int hole = i;
        for (int j = (i + 1) & mask; !empty(j); j = (j + 1) & mask)
        {
            final int home = slot(keyA(j), keyB(j));
            if (((j - home) & mask) >= ((j - hole) & mask))
            {
                System.arraycopy(slots, j * 3, slots, hole * 3, 3);
                hole = j;
            }
        }
        slots[hole * 3 + 2] = 0;
        return removed;
    }

    public int size()
    {
        return size;
    }

    /** Bytes of its arrays. */
    public long footprintBytes()
    {
        return (long)slots.length * 8;
    }
}
