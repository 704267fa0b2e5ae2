package io.xbow.vswitch.fdb;

import io.xbow.vswitch.stats.Counters;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.LongLongPredicate;

import java.util.ArrayList;
import java.util.List;

/**
 * The forwarding table: (VLAN id, MAC) to switch port, learned from source addresses and aged out, plus static
 * entries for addresses whose port is known (a VNIC's own MAC).
 * <p>
 * Keys and values are longs in one Agrona open-addressing map, so a lookup is a hash, a probe over adjacent longs,
 * and no object. The map's hash is strong but public, so a guest could choose source MACs whose keys share a bucket
 * and make every lookup walk a long probe (measured: 1,255 ns against 9 ns a lookup with 4,000 such MACs); each
 * table XORs its keys with a secret of its own first (SplitMix's mixer then spreads them), which no guest can
 * compute against:
 * <pre>
 *   key:   | 0:4 | VLAN id:12 | MAC:48 |  XOR the table's secret
 *   value: | 0:1 | last seen, ms since the table's epoch:46 | static:1 | port:16 |
 * </pre>
 * Learning is bounded twice, as in Open vSwitch's mac-learning: per port (a guest flooding random source MACs fills
 * only its own share) and in total; when the table is full a port that holds fewer entries than the largest takes
 * room from that one (fair eviction); addresses over a limit are not learned (frames to them flood) and are counted.
 * Entries are checked for age when looked up and swept periodically by {@link #age}, so a stale entry never
 * forwards. Owned by the datapath thread; not thread-safe.
 */
public final class MacTable
{
    /** Returned by {@link #lookup} when the address is unknown. */
    public static final int NO_PORT = -1;
    /** Most ports a table can name: the port field's width. */
    public static final int MAX_PORTS = 1 << 16;

    /** Counter: addresses learned. */
    public static final int LEARNED = 0;
    /** Counter: learned addresses seen on a different port than before. */
    public static final int MOVES = 1;
    /** Counter: addresses not learned because their port had reached its limit. */
    public static final int PORT_LIMIT_EXCEEDED = 2;
    /** Counter: addresses not learned because the table had reached its limit. */
    public static final int TABLE_LIMIT_EXCEEDED = 3;
    /** Counter: entries removed because they aged out. */
    public static final int AGED = 4;
    /** Counter: frames whose source is a static entry of another port (not learned: a static entry never moves). */
    public static final int STATIC_CONFLICTS = 5;
    /** Counter: learned entries evicted, when the table was full, to make room for a port that held fewer. */
    public static final int EVICTED = 6;
    private static final int COUNTER_COUNT = 7;

    private static final long MISSING = -1L;
    private static final int PORT_MASK = 0xFFFF;
    private static final long STATIC_BIT = 1L << 16;
    private static final int TIME_SHIFT = 17;

    /** Where the per-table secrets come from: unpredictable to a guest. */
    private static final java.security.SecureRandom SEEDS = new java.security.SecureRandom();

    private final long seed;
    private final Long2LongHashMap entries;
    private final int[] learnedPerPort;
    private final int maxLearnedPerPort;
    private final int maxLearned;
    private final long agingMs;
    private final Counters counters = new Counters(COUNTER_COUNT);
    private final SweepPredicate sweep = new SweepPredicate();
    private int learned;
    /**
     * No learned entry can age out before this time: a sweep walks the map's whole capacity (sized for the most
     * learned entries, 256 Ki slots by default), so it is skipped until one could have; a profile of an idle
     * daemon's datapath thread found half its samples in these once-a-second sweeps. Entries only grow younger when
     * refreshed, so the bound the last sweep left stays true.
     */
    private long nextAgeMs = Long.MAX_VALUE;
    private int statics;

    /**
     * @param maxPorts          highest port index + 1 the table will see, at most {@link #MAX_PORTS}.
     * @param maxLearnedPerPort most learned entries on one port.
     * @param maxLearned        most learned entries in total; the map is sized for them up front so that learning
     *                          never resizes it on the datapath.
     * @param agingMs           idle time after which a learned entry is removed.
     */
    public MacTable(final int maxPorts, final int maxLearnedPerPort, final int maxLearned, final long agingMs)
    {
        this.seed = SEEDS.nextLong();
        if (maxPorts < 1 || maxPorts > MAX_PORTS)
        {
            throw new IllegalArgumentException("a MAC table serves 1 to " + MAX_PORTS + " ports, got " + maxPorts);
        }
        if (maxLearnedPerPort < 0 || maxLearned < 0)
        {
            throw new IllegalArgumentException("MAC learning limits must not be negative");
        }
        if (agingMs < 1)
        {
            throw new IllegalArgumentException("MAC aging time must be at least 1 ms, got " + agingMs);
        }
        this.learnedPerPort = new int[maxPorts];
        this.maxLearnedPerPort = maxLearnedPerPort;
        this.maxLearned = maxLearned;
        this.agingMs = agingMs;
        final int initialCapacity = (int)Math.min(1 << 30, Math.max(64, (long)maxLearned * 2));
        this.entries = new Long2LongHashMap(initialCapacity, 0.65f, MISSING);
    }

    /**
     * @param vid VLAN id.
     * @param mac MAC address.
     * @return the table key for the pair.
     */
    private long key(final int vid, final long mac)
    {
        return ((long)vid << 48 | (mac & 0xFFFF_FFFF_FFFFL)) ^ seed;
    }

    /**
     * Find the port for a destination.
     *
     * @param vid   VLAN id.
     * @param mac   destination MAC.
     * @param nowMs the current time in the table's milliseconds.
     * @return the port, or {@link #NO_PORT} if unknown or aged out (an aged entry is removed here).
     */
    public int lookup(final int vid, final long mac, final long nowMs)
    {
        final long key = key(vid, mac);
        final long value = entries.get(key);
        if (value == MISSING)
        {
            return NO_PORT;
        }
        if ((value & STATIC_BIT) == 0 && nowMs - (value >>> TIME_SHIFT) >= agingMs)
        {
            removeLearned(key, value);
            counters.increment(AGED);
            return NO_PORT;
        }
        return (int)value & PORT_MASK;
    }

    /**
     * Learn or refresh a source address.
     *
     * @param vid   VLAN id.
     * @param mac   source MAC, a valid unicast address.
     * @param port  the port the frame came in by.
     * @param nowMs the current time in the table's milliseconds.
     */
    public void learn(final int vid, final long mac, final int port, final long nowMs)
    {
        final long key = key(vid, mac);
        final long value = entries.get(key);
        if (value == MISSING)
        {
            insert(key, port, nowMs);
            return;
        }
        final int oldPort = (int)value & PORT_MASK;
        if ((value & STATIC_BIT) != 0)
        {
            if (oldPort != port)
            {
                counters.increment(STATIC_CONFLICTS);
            }
            return;
        }
        if (oldPort == port)
        {
            if (value >>> TIME_SHIFT != nowMs)
            {
                entries.put(key, learnedValue(port, nowMs));
            }
            return;
        }
        final boolean expired = nowMs - (value >>> TIME_SHIFT) >= agingMs;
        removeLearned(key, value);
        if (expired)
        {
            counters.increment(AGED);
        }
        else
        {
            counters.increment(MOVES);
        }
        insert(key, port, nowMs);
    }

    private void insert(final long key, final int port, final long nowMs)
    {
        if (learnedPerPort[port] >= maxLearnedPerPort)
        {
            counters.increment(PORT_LIMIT_EXCEEDED);
            return;
        }
        if (learned >= maxLearned && !evictForPort(port))
        {
            counters.increment(TABLE_LIMIT_EXCEEDED);
            return;
        }
        entries.put(key, learnedValue(port, nowMs));
        learnedPerPort[port]++;
        learned++;
        counters.increment(LEARNED);
        if (nowMs + agingMs < nextAgeMs)
        {
            nextAgeMs = nowMs + agingMs;
        }
    }

    /**
     * The table is full: make room for a port by evicting one learned entry of the port that holds the most, if it
     * holds more than this one (Open vSwitch evicts from the port with the most entries). A port flooding source
     * MACs can then only take room from itself, never push out the entries of ports that hold fewer. The entry is
     * the first of that port the map's iterator meets: keys are spread by the table's secret, so the scan is short
     * (that port holds at least its share) and a guest cannot choose which entry goes.
     *
     * @return true if an entry was evicted.
     */
    private boolean evictForPort(final int port)
    {
        int largest = -1;
        int most = learnedPerPort[port];
        for (int p = 0; p < learnedPerPort.length; p++)
        {
            if (learnedPerPort[p] > most)
            {
                most = learnedPerPort[p];
                largest = p;
            }
        }
        if (largest < 0)
        {
            return false;
        }
        final Long2LongHashMap.EntryIterator it = entries.entrySet().iterator();
        while (it.hasNext())
        {
            it.next();
            final long value = it.getLongValue();
            if ((value & STATIC_BIT) == 0 && ((int)value & PORT_MASK) == largest)
            {
                it.remove();
                learnedPerPort[largest]--;
                learned--;
                counters.increment(EVICTED);
                return true;
            }
        }
        return false;
    }

    private void removeLearned(final long key, final long value)
    {
        entries.remove(key);
        learnedPerPort[(int)value & PORT_MASK]--;
        learned--;
    }

    private static long learnedValue(final int port, final long nowMs)
    {
        return nowMs << TIME_SHIFT | port;
    }

    /**
     * Add or replace a static entry: it never ages, learning never moves it, and it counts against no limit.
     *
     * @param vid  VLAN id.
     * @param mac  a unicast MAC.
     * @param port the port the address is reached by.
     */
    public void addStatic(final int vid, final long mac, final int port)
    {
        final long key = key(vid, mac);
        final long old = entries.put(key, STATIC_BIT | port);
        if (old == MISSING)
        {
            statics++;
        }
        else if ((old & STATIC_BIT) == 0)
        {
            learnedPerPort[(int)old & PORT_MASK]--;
            learned--;
            statics++;
        }
    }

    /**
     * @param vid VLAN id.
     * @param mac MAC address.
     * @return true if a static entry was removed.
     */
    public boolean removeStatic(final int vid, final long mac)
    {
        final long key = key(vid, mac);
        final long value = entries.get(key);
        if (value == MISSING || (value & STATIC_BIT) == 0)
        {
            return false;
        }
        entries.remove(key);
        statics--;
        return true;
    }

    /**
     * Remove every entry, learned and static, that points at a port: when the port is detached.
     *
     * @param port a port index.
     * @return the number removed.
     */
    public int removePort(final int port)
    {
        return sweep(SweepPredicate.PORT, port, 0, true);
    }

    /**
     * Remove the learned entries of a port, keeping static ones: when the port's VLANs change.
     *
     * @param port a port index.
     * @return the number removed.
     */
    public int flushLearned(final int port)
    {
        return sweep(SweepPredicate.PORT, port, 0, false);
    }

    /**
     * Remove every learned entry, keeping static ones.
     *
     * @return the number removed.
     */
    public int flushLearned()
    {
        return sweep(SweepPredicate.ALL_LEARNED, 0, 0, false);
    }

    /**
     * @return the earliest time, in the table's milliseconds, at which a learned entry can have aged (a sweep before
     *         it removes nothing), or {@link Long#MAX_VALUE} with nothing learned.
     */
    public long nextAgeMs()
    {
        return nextAgeMs;
    }

    /**
     * Remove learned entries idle for the aging time or longer.
     *
     * @param nowMs the current time in the table's milliseconds.
     * @return the number removed.
     */
    public int age(final long nowMs)
    {
        if (nowMs < nextAgeMs)
        {
            return 0;
        }
        sweep.oldestKept = Long.MAX_VALUE;
        final int removed = sweep(SweepPredicate.AGED, 0, nowMs, false);
        counters.add(AGED, removed);
        nextAgeMs = learned == 0 || sweep.oldestKept == Long.MAX_VALUE ? Long.MAX_VALUE : sweep.oldestKept + agingMs;
        return removed;
    }

    private int sweep(final int mode, final int port, final long nowMs, final boolean includeStatic)
    {
        sweep.mode = mode;
        sweep.port = port;
        sweep.nowMs = nowMs;
        sweep.includeStatic = includeStatic;
        sweep.removed = 0;
        entries.entrySet().removeIfLong(sweep);
        return sweep.removed;
    }

    /**
     * A reused predicate for {@code removeIfLong}, so a sweep allocates nothing; it keeps the counts right as it
     * removes.
     */
    private final class SweepPredicate implements LongLongPredicate
    {
        static final int PORT = 0;
        static final int ALL_LEARNED = 1;
        static final int AGED = 2;

        int mode;
        int port;
        long nowMs;
        boolean includeStatic;
        int removed;
        /** AGED: the oldest last-seen time among the learned entries kept. */
        long oldestKept;

        @Override
        public boolean test(final long key, final long value)
        {
            final boolean isStatic = (value & STATIC_BIT) != 0;
            final int entryPort = (int)value & PORT_MASK;
            final boolean remove;
            switch (mode)
            {
                case PORT:
                    remove = entryPort == port && (includeStatic || !isStatic);
                    break;
                case ALL_LEARNED:
                    remove = !isStatic;
                    break;
                default:
                    remove = !isStatic && nowMs - (value >>> TIME_SHIFT) >= agingMs;
                    if (!isStatic && !remove)
                    {
                        oldestKept = Math.min(oldestKept, value >>> TIME_SHIFT);
                    }
            }
            if (remove)
            {
                removed++;
                if (isStatic)
                {
                    statics--;
                }
                else
                {
                    learnedPerPort[entryPort]--;
                    learned--;
                }
            }
            return remove;
        }
    }

    /**
     * @param nowMs the current time in the table's milliseconds.
     * @return every entry, for display; allocates.
     */
    public List<FdbEntry> entries(final long nowMs)
    {
        final List<FdbEntry> list = new ArrayList<>(entries.size());
        entries.forEachLong((stored, value) ->
        {
            final long key = stored ^ seed;
            final boolean isStatic = (value & STATIC_BIT) != 0;
            list.add(new FdbEntry(
                (int)(key >>> 48), key & 0xFFFF_FFFF_FFFFL, (int)value & PORT_MASK, isStatic,
                isStatic ? 0 : nowMs - (value >>> TIME_SHIFT)));
        });
        return list;
    }

    /**
     * @return entries in the table, learned and static.
     */
    public int size()
    {
        return entries.size();
    }

    /**
     * @return learned entries in the table.
     */
    public int learnedCount()
    {
        return learned;
    }

    /**
     * @return static entries in the table.
     */
    public int staticCount()
    {
        return statics;
    }

    /**
     * @param port a port index.
     * @return learned entries pointing at the port.
     */
    public int learnedOn(final int port)
    {
        return learnedPerPort[port];
    }

    /**
     * @return the idle time after which a learned entry is removed.
     */
    public long agingMs()
    {
        return agingMs;
    }

    /**
     * @return the table's event counters: {@link #LEARNED}, {@link #MOVES}, {@link #PORT_LIMIT_EXCEEDED},
     * {@link #TABLE_LIMIT_EXCEEDED}, {@link #AGED}, {@link #STATIC_CONFLICTS}; readable from any thread.
     */
    public Counters counters()
    {
        return counters;
    }
}
