package io.xbow.nat.route;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The router's IPv4 forwarding table: longest-prefix match in at most three array reads, whatever the number of
 * routes, with routes added and removed in place (no rebuild), as a datapath needs when an operator adds a
 * hundred thousand of them one by one.
 * <p>
 * A 16-8-8 multibit trie (the DIR family of Gupta, Lin and McKeown, with smaller second and third levels):
 * <pre>
 *   level 1: 65536 entries, by the address's top 16 bits
 *   level 2: chunks of 256, by the next 8 bits, made for a level-1 slot when a route longer than /16 falls in it
 *   level 3: chunks of 256, by the last 8 bits, made for a level-2 slot when a route longer than /24 falls in it
 *   entry:   a leaf (the route's next-hop id and its prefix length, "depth") or a chunk's index
 *            | bit 31: chunk | bits 6-30: next hop + 1 (0: no route) | bits 0-5: depth |
 * </pre>
 * Every slot a prefix covers holds the longest prefix covering it. Adding P/len writes the slots in P's range whose
 * depth is at most len (deeper ones belong to longer prefixes, which stay). Removing P/len writes its parent (the
 * longest shorter prefix that covers P, found in the per-length maps) into the slots whose depth is exactly len:
 * only P can have put len there. Chunks are never freed; a table with a 100,000 routes spread over 65,536 /16s
 * holds at most that many chunks (1 KiB each).
 * <p>
 * Not thread-safe: one thread (the router's datapath thread) owns it, and changes come to it as commands.
 */
public final class RouteTable
{
    /** What {@link #lookup} answers for an address no route covers. */
    public static final int NO_ROUTE = -1;
    /** Next-hop ids run from 0 to this. */
    public static final int MAX_NEXT_HOP = (1 << 25) - 2;

    private static final int CHUNK = 0x8000_0000;
    private static final int DEPTH_MASK = 0x3F;
    private static final int EMPTY = 0;

    private final int[] level1 = new int[1 << 16];
    private int[] level2 = new int[256 * 64];
    private int level2Chunks;
    private int[] level3 = new int[256 * 64];
    private int level3Chunks;
    /** The routes, by prefix length then masked prefix: the control side's view, to find a removed route's parent. */
    @SuppressWarnings("unchecked")
    private final Map<Integer, Integer>[] byLength = new Map[33];
    private int size;

    public RouteTable()
    {
        for (int i = 0; i <= 32; i++)
        {
            byLength[i] = new HashMap<>();
        }
    }

    /**
     * @param address an IPv4 address.
     * @return the next-hop id of the longest prefix covering it, or {@link #NO_ROUTE}.
     */
    public int lookup(final int address)
    {
        int entry = level1[address >>> 16];
        if (entry < 0)
        {
            entry = level2[((entry & ~CHUNK) << 8) | ((address >>> 8) & 0xFF)];
            if (entry < 0)
            {
                entry = level3[((entry & ~CHUNK) << 8) | (address & 0xFF)];
            }
        }
        return (entry >>> 6) - 1;
    }

    /**
     * Add a route, or replace the next hop of one with the same prefix.
     *
     * @param prefix  the destination (bits past the length are ignored).
     * @param length  the prefix length, 0 (the default route) to 32.
     * @param nextHop its next-hop id, 0 to {@link #MAX_NEXT_HOP}.
     * @return the next hop it replaced, or {@link #NO_ROUTE}.
     */
    public int add(final int prefix, final int length, final int nextHop)
    {
        checkLength(length);
        if (nextHop < 0 || nextHop > MAX_NEXT_HOP)
        {
            throw new IllegalArgumentException("next-hop id " + nextHop + " out of range");
        }
        final int masked = prefix & mask(length);
        final Integer old = byLength[length].put(masked, nextHop);
        if (old == null)
        {
            size++;
        }
        write(masked, length, leaf(nextHop, length), true);
        return old == null ? NO_ROUTE : old;
    }

    /**
     * @param prefix the destination.
     * @param length its prefix length.
     * @return the next hop of the route removed, or {@link #NO_ROUTE} if there was none.
     */
    public int remove(final int prefix, final int length)
    {
        checkLength(length);
        final int masked = prefix & mask(length);
        final Integer old = byLength[length].remove(masked);
        if (old == null)
        {
            return NO_ROUTE;
        }
        size--;
        int parent = EMPTY;
        for (int l = length - 1; l >= 0; l--)
        {
            final Integer hop = byLength[l].get(masked & mask(l));
            if (hop != null)
            {
                parent = leaf(hop, l);
                break;
            }
        }
        write(masked, length, parent, false);
        return old;
    }

    /**
     * @return the next hop of exactly this route, or {@link #NO_ROUTE}.
     */
    public int get(final int prefix, final int length)
    {
        checkLength(length);
        final Integer hop = byLength[length].get(prefix & mask(length));
        return hop == null ? NO_ROUTE : hop;
    }

    /**
     * @return the number of routes.
     */
    public int size()
    {
        return size;
    }

    /**
     * @return bytes the lookup structure holds (its three levels).
     */
    public long footprintBytes()
    {
        return 4L * (level1.length + level2.length + level3.length);
    }

    private static int leaf(final int nextHop, final int depth)
    {
        return (nextHop + 1) << 6 | depth;
    }

    private static int mask(final int length)
    {
        return length == 0 ? 0 : -1 << (32 - length);
    }

    private static void checkLength(final int length)
    {
        if (length < 0 || length > 32)
        {
            throw new IllegalArgumentException("prefix length " + length + " out of range: 0 to 32");
        }
    }

    /**
     * Write a prefix's slots: on add, every slot whose depth is at most {@code length}; on remove, those whose
     * depth is exactly {@code length} (with the parent's leaf, or empty).
     */
    private void write(final int prefix, final int length, final int value, final boolean adding)
    {
        if (length <= 16)
        {
            final int first = prefix >>> 16;
            final int count = 1 << (16 - length);
            for (int i = first; i < first + count; i++)
            {
                level1[i] = update(level1[i], length, value, adding, 1);
            }
            return;
        }
        final int l2 = chunkOf(prefix >>> 16, level1, 2);
        if (length <= 24)
        {
            final int first = (l2 << 8) | ((prefix >>> 8) & 0xFF);
            final int count = 1 << (24 - length);
            for (int i = first; i < first + count; i++)
            {
                level2[i] = update(level2[i], length, value, adding, 2);
            }
            return;
        }
        final int l3 = chunkOf((l2 << 8) | ((prefix >>> 8) & 0xFF), level2, 3);
        final int first = (l3 << 8) | (prefix & 0xFF);
        final int count = 1 << (32 - length);
        for (int i = first; i < first + count; i++)
        {
            level3[i] = update(level3[i], length, value, adding, 3);
        }
    }

    /** One slot: a leaf is written if the rule allows; a chunk has the rule applied to each of its entries. */
    private int update(final int entry, final int length, final int value, final boolean adding, final int level)
    {
        if (entry < 0)
        {
            final int base = (entry & ~CHUNK) << 8;
            final int[] chunk = level == 1 ? level2 : level3;
            for (int i = base; i < base + 256; i++)
            {
                chunk[i] = update(chunk[i], length, value, adding, level + 1);
            }
            return entry;
        }
        final int depth = entry & DEPTH_MASK;
        if (adding ? entry == EMPTY || depth <= length : entry != EMPTY && depth == length)
        {
            return value;
        }
        return entry;
    }

    /** The chunk under a slot of level 1 or 2, made (filled with the slot's leaf) if it has none yet. */
    private int chunkOf(final int slot, final int[] upper, final int level)
    {
        final int entry = upper[slot];
        if (entry < 0)
        {
            return entry & ~CHUNK;
        }
        final int index;
        if (level == 2)
        {
            if ((level2Chunks + 1) * 256 > level2.length)
            {
                level2 = Arrays.copyOf(level2, level2.length * 2);
            }
            index = level2Chunks++;
            Arrays.fill(level2, index << 8, (index + 1) << 8, entry);
        }
        else
        {
            if ((level3Chunks + 1) * 256 > level3.length)
            {
                level3 = Arrays.copyOf(level3, level3.length * 2);
            }
            index = level3Chunks++;
            Arrays.fill(level3, index << 8, (index + 1) << 8, entry);
        }
        upper[slot] = CHUNK | index;
        return index;
    }
}
