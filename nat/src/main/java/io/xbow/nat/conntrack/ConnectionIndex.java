package io.xbow.nat.conntrack;

/**
 * A hash index from a flow's key to its connection id, for the NAT table, where the key itself lives in the
 * connection's record: a slot holds the low 32 bits of the key's hash (its tag, which also names its home slot)
 * and the id, 8 bytes, so a table of a million connections indexes in 16 MiB where keys in the slots took 48.
 * A lookup compares tags and reads a record only on a tag's match (a false match is about one in 2^(32 - log2
 * capacity)). Open addressing with linear probing, removal by backward shift (no tombstones). Fixed capacity: twice
 * the entries it holds at most.
 * <p>
 * The caller walks the probe sequence ({@link #first}, {@link #next}, {@link #tagAt}, {@link #idAt}) and checks a
 * candidate against its record, so the index needs no callback. One thread owns it.
 */
final class ConnectionIndex
{
    /** What a walk ends at: an empty slot. */
    static final int END = -1;

    /** Per slot: tag (the hash's low 32 bits) << 32 | id; 0 for empty (a tag is never 0). */
    private final long[] slots;
    private final int mask;
    private int size;

    ConnectionIndex(final int maxEntries)
    {
        final int capacity = Integer.highestOneBit(Math.max(4, maxEntries) * 2 - 1) << 1;
        slots = new long[capacity];
        mask = capacity - 1;
    }

    /** A key's tag: its hash's low 32 bits, never 0. */
    static int tag(final long a, final long b)
    {
        final int tag = (int)FlowIndex.hash(a, b);
        return tag == 0 ? 1 : tag;
    }

    /** The first slot of a tag's probe sequence, or {@link #END} if it is empty. */
    int first(final int tag)
    {
        final int i = tag & mask;
        return slots[i] == 0 ? END : i;
    }

    /** The slot after {@code i} in the probe sequence, or {@link #END}. */
    int next(final int i)
    {
        final int j = (i + 1) & mask;
        return slots[j] == 0 ? END : j;
    }

    int tagAt(final int i)
    {
        return (int)(slots[i] >>> 32);
    }

    int idAt(final int i)
    {
        return (int)slots[i];
    }

    /** Reads the tag's home slot, so a lookup that follows finds it in cache (a batch's loads overlap). */
    long touch(final int tag)
    {
        return slots[tag & mask];
    }

    void put(final int tag, final int id)
    {
        if (size == mask)
        {
            throw new IllegalStateException("connection index full");
        }
        int i = tag & mask;
        while (slots[i] != 0)
        {
            i = (i + 1) & mask;
        }
        slots[i] = (long)tag << 32 | (id & 0xFFFF_FFFFL);
        size++;
    }

    /** Removes the entry of this tag and id, if there is one. */
    void remove(final int tag, final int id)
    {
        final long entry = (long)tag << 32 | (id & 0xFFFF_FFFFL);
        int i = tag & mask;
        while (slots[i] != entry)
        {
            if (slots[i] == 0)
            {
                return;
            }
            i = (i + 1) & mask;
        }
        size--;
        // Backward shift: move up every later entry of the run that may sit in the hole (its home is its tag's).
        int hole = i;
        for (int j = (i + 1) & mask; slots[j] != 0; j = (j + 1) & mask)
        {
            final int home = (int)(slots[j] >>> 32) & mask;
            if (((j - home) & mask) >= ((j - hole) & mask))
            {
                slots[hole] = slots[j];
                hole = j;
            }
        }
        slots[hole] = 0;
    }

    void clear()
    {
        java.util.Arrays.fill(slots, 0);
        size = 0;
    }

    int size()
    {
        return size;
    }

    long footprintBytes()
    {
        return (long)slots.length * 8;
    }
}
