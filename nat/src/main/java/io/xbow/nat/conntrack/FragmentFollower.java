package io.xbow.nat.conntrack;

import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * Fragmented datagrams a NAT translated the first fragment of. It maps (direction, protocol, IP id, source,
 * destination, as the fragments arrive) to the address the later fragments take: the later fragments carry no ports,
 * so they follow the first one's translation.
 * <p>
 * The entries sit in a ring in the order they came. That is also the order they expire in, since they all live
 * {@link #LIFETIME_MS} (Linux's ipfrag_time). So the ring is bounded, needs no timer per entry, and when full gives
 * up its oldest entry. One thread owns it.
 */
final class FragmentFollower
{
    /** Fragmented datagrams followed at once. */
    static final int CAPACITY = 4096;
    static final long LIFETIME_MS = 30_000;
    /** Directions, as the key's top byte. */
    static final long OUT = 0;
    static final long IN = 1L << 56;
    static final int NONE = -1;

    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    private final FlowIndex index = new FlowIndex(CAPACITY);
    private final long[] keys = new long[CAPACITY * 2];
    private final int[] addresses = new int[CAPACITY];
    private final long[] expiries = new long[CAPACITY];
    private int head;
    private int tail;

    private static long key(final long direction, final DirectBuffer b, final int ip)
    {
        return direction | (long)(b.getByte(ip + 9) & 0xFF) << 48 | (long)(b.getShort(ip + 4, BE) & 0xFFFF) << 32 |
            (b.getInt(ip + 12, BE) & 0xFFFF_FFFFL);
    }

    /**
     * A first fragment was translated, its header as it arrived: its datagram's later fragments take this address.
     *
     * @return true if the oldest datagram followed had to be forgotten to make room.
     */
    boolean remember(final long direction, final DirectBuffer b, final int ip, final int address, final long nowMs)
    {
        final long keyA = key(direction, b, ip);
        final long keyB = b.getInt(ip + 16, BE) & 0xFFFF_FFFFL;
        final int known = index.get(keyA, keyB);
        if (known != FlowIndex.MISSING)
        {
            addresses[known] = address; // the first fragment again
            return false;
        }
        final boolean evicted = tail - head == CAPACITY;
        if (evicted)
        {
            forgetOldest();
        }
        final int slot = tail++ & (CAPACITY - 1);
        keys[slot * 2] = keyA;
        keys[slot * 2 + 1] = keyB;
        addresses[slot] = address;
        expiries[slot] = nowMs + LIFETIME_MS;
        index.put(keyA, keyB, slot);
        return evicted;
    }

    /**
     * @return the entry of a later fragment's datagram (for {@link #address}), or {@link #NONE} if its first fragment
     *         was not translated (or too long ago).
     */
    int find(final long direction, final DirectBuffer b, final int ip)
    {
        final int slot = index.get(key(direction, b, ip), b.getInt(ip + 16, BE) & 0xFFFF_FFFFL);
        return slot == FlowIndex.MISSING ? NONE : slot;
    }

    int address(final int entry)
    {
        return addresses[entry];
    }

    /** Forget the datagrams whose time is up. */
    void expire(final long nowMs)
    {
        while (head != tail && expiries[head & (CAPACITY - 1)] <= nowMs)
        {
            forgetOldest();
        }
    }

    void clear()
    {
        while (head != tail)
        {
            forgetOldest();
        }
    }

    private void forgetOldest()
    {
        final int slot = head++ & (CAPACITY - 1);
        index.remove(keys[slot * 2], keys[slot * 2 + 1]);
    }
}
