package io.xbow.nat.arp;

import org.agrona.DeadlineTimerWheel;
import org.agrona.collections.Int2IntHashMap;
import org.agrona.collections.Long2LongHashMap;

import java.util.concurrent.TimeUnit;

/**
 * The router's ARP cache for one link: IPv4 address to MAC, bounded, with the frames that wait for an address to
 * resolve held (a few per next hop) and the requests for it paced.
 * <p>
 * An entry is {@code INCOMPLETE} from the first frame for an unknown next hop: that frame is held and a request is
 * due; a request is repeated every {@code retryMs} while nothing answers, {@code attempts} times in all, then the
 * entry goes and its frames are handed back as unreachable (for an ICMP host unreachable and a counted drop). An
 * answer makes it {@code REACHABLE} for {@code reachableMs} and releases its frames; when that expires the entry
 * goes and the next frame resolves again. A full cache evicts a resolved entry (the next one the clock hand finds)
 * for a new one, never one with frames waiting, so a flood of addresses cannot push out what is in use for long,
 * and refuses the new frame when every entry has frames waiting.
 * <p>
 * Timeouts run on a timer wheel ({@link DeadlineTimerWheel}), never by scanning the table. Allocates nothing once
 * made; one thread (the router's) owns it.
 */
public final class ArpCache
{
    /** What {@link #lookup} answers for an address with no resolved MAC. */
    public static final long UNRESOLVED = -1;
    /** No frame (frame handles are 0 and up). */
    public static final int NO_FRAME = -1;

    /** {@link #hold}: the frame waits; a request for the address should be sent now. */
    public static final int HELD_SEND_REQUEST = 1;
    /** {@link #hold}: the frame waits behind others; a request is already out. */
    public static final int HELD = 2;
    /** {@link #hold}: no room (every entry has frames waiting): the frame is the caller's to drop. */
    public static final int REFUSED = 3;

    private static final byte FREE = 0;
    private static final byte INCOMPLETE = 1;
    private static final byte REACHABLE = 2;

    /** Told what the cache lets go of. */
    public interface Listener
    {
        /** A held frame can go: its next hop answered. */
        void release(int frame, long mac);

        /** A held frame cannot go: its next hop never answered (or it was displaced by newer frames). */
        void unreachable(int frame, int address);

        /** A request for an address is due again. */
        void request(int address);
    }

    private final int capacity;
    private final int pendingPerEntry;
    private final long reachableMs;
    private final long retryMs;
    private final int attempts;
    private final int[] addresses;
    private final long[] macs;
    private final byte[] states;
    private final long[] timers;
    /** Each entry's pending deadline, and the earliest of them: what the router's thread may sleep until. */
    private final long[] deadlines;
    private long earliestMs = Long.MAX_VALUE;
    private final int[] attemptsMade;
    private final int[] pending;
    private final int[] pendingCounts;
    private final Int2IntHashMap slots;
    private final Long2LongHashMap slotOfTimer = new Long2LongHashMap(-1);
    private final DeadlineTimerWheel wheel;
    private final int[] freeSlots;
    private int freeCount;
    private int hand;
    private Listener listener;
    private final DeadlineTimerWheel.TimerHandler onTimer = this::expired;

    /**
     * @param capacity        entries at most.
     * @param pendingPerEntry frames held per unresolved address; an older one is let go (unreachable) for a newer.
     * @param reachableMs     how long an answer is trusted.
     * @param retryMs         between requests for an address that does not answer.
     * @param attempts        requests sent before giving up on one.
     * @param nowMs           the clock now.
     */
    public ArpCache(final int capacity, final int pendingPerEntry, final long reachableMs, final long retryMs,
        final int attempts, final long nowMs)
    {
        if (capacity < 1 || pendingPerEntry < 1 || attempts < 1 || retryMs < 1 || reachableMs < 1)
        {
            throw new IllegalArgumentException("capacity, pending frames, attempts and times must be positive");
        }
        this.capacity = capacity;
        this.pendingPerEntry = pendingPerEntry;
        this.reachableMs = reachableMs;
        this.retryMs = retryMs;
        this.attempts = attempts;
        addresses = new int[capacity];
        macs = new long[capacity];
        states = new byte[capacity];
        timers = new long[capacity];
        java.util.Arrays.fill(timers, -1);
        deadlines = new long[capacity];
        java.util.Arrays.fill(deadlines, Long.MAX_VALUE);
        attemptsMade = new int[capacity];
        pending = new int[capacity * pendingPerEntry];
        pendingCounts = new int[capacity];
        slots = new Int2IntHashMap(capacity * 2, 0.65f, -1);
        freeSlots = new int[capacity];
        for (int i = capacity - 1; i >= 0; i--)
        {
            freeSlots[freeCount++] = i;
        }
        wheel = new DeadlineTimerWheel(TimeUnit.MILLISECONDS, nowMs, 16, 512);
    }

    /**
     * @param listener told of released and unreachable frames and of requests due (from {@link #learn},
     *                 {@link #poll} and {@link #hold}).
     */
    public void listener(final Listener listener)
    {
        this.listener = listener;
    }

    /**
     * @return the MAC of a resolved address, or {@link #UNRESOLVED}.
     */
    public long lookup(final int address)
    {
        final int slot = slots.get(address);
        return slot >= 0 && states[slot] == REACHABLE ? macs[slot] : UNRESOLVED;
    }

    /**
     * Hold a frame for an address that {@link #lookup} did not resolve.
     *
     * @return {@link #HELD_SEND_REQUEST}, {@link #HELD} or {@link #REFUSED}.
     */
    public int hold(final int address, final int frame, final long nowMs)
    {
        int slot = slots.get(address);
        if (slot < 0)
        {
            slot = take(nowMs);
            if (slot < 0)
            {
                return REFUSED;
            }
            addresses[slot] = address;
            states[slot] = INCOMPLETE;
            attemptsMade[slot] = 1;
            slots.put(address, slot);
            schedule(slot, nowMs + retryMs);
            push(slot, frame);
            return HELD_SEND_REQUEST;
        }
        if (states[slot] == REACHABLE)
        {
            listener.release(frame, macs[slot]); // resolved meanwhile: it can go at once
            return HELD;
        }
        push(slot, frame);
        return HELD;
    }

    /**
     * An ARP packet told us an address's MAC (a reply, or a request's sender): a known or awaited entry is
     * updated, its held frames released. An address nothing asked about is not added (RFC 826 merges only what is
     * in the table or addressed to us; the router adds the latter with {@code create}).
     *
     * @param create add the address even if nothing waits for it (an ARP request for one of our addresses).
     */
    public void learn(final int address, final long mac, final long nowMs, final boolean create)
    {
        int slot = slots.get(address);
        if (slot < 0)
        {
            if (!create || (slot = take(nowMs)) < 0)
            {
                return;
            }
            addresses[slot] = address;
            slots.put(address, slot);
        }
        macs[slot] = mac;
        states[slot] = REACHABLE;
        schedule(slot, nowMs + reachableMs);
        final int base = slot * pendingPerEntry;
        for (int i = 0; i < pendingCounts[slot]; i++)
        {
            listener.release(pending[base + i], mac);
        }
        pendingCounts[slot] = 0;
    }

    /**
     * Run the timeouts due by now: requests repeated, addresses given up on (their frames unreachable), answers
     * expired.
     *
     * @return timeouts handled.
     */
    public int poll(final long nowMs)
    {
        if (nowMs < earliestMs)
        {
            return 0;
        }
        // The wheel moves a tick per poll: after a quiet spell it is brought up to now (or reset when empty).
        int handled = 0;
        for (int ticks = 0; ticks < (1 << 22); ticks++)
        {
            handled += wheel.poll(nowMs, onTimer, Integer.MAX_VALUE);
            if (wheel.timerCount() == 0)
            {
                wheel.resetStartTime(nowMs);
                break;
            }
            if (wheel.currentTickTime() > nowMs)
            {
                break;
            }
        }
        recomputeEarliest();
        return handled;
    }

    /**
     * The wheel does not say when its next timer is due: the entries' deadlines do, looked at when the earliest one
     * passes or is withdrawn (never per frame), so that an idle router sleeps until then and no longer.
     */
    private void recomputeEarliest()
    {
        long earliest = Long.MAX_VALUE;
        for (final long deadline : deadlines)
        {
            earliest = Math.min(earliest, deadline);
        }
        earliestMs = earliest;
    }

    /**
     * @return milliseconds until the next timeout is due (0 if it is), or {@link Long#MAX_VALUE} with none.
     */
    public long nextDeadlineMs(final long nowMs)
    {
        return earliestMs == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(0, earliestMs - nowMs);
    }

    /**
     * Forget everything; frames held are let go (unreachable). For a link leaving the router.
     */
    public void clear()
    {
        for (int slot = 0; slot < capacity; slot++)
        {
            if (states[slot] != FREE)
            {
                free(slot);
            }
        }
    }

    public int size()
    {
        return capacity - freeCount;
    }

    /**
     * @param consumer gets each entry: address, MAC ({@link #UNRESOLVED} while incomplete).
     */
    public void forEach(final EntryConsumer consumer)
    {
        for (int slot = 0; slot < capacity; slot++)
        {
            if (states[slot] != FREE)
            {
                consumer.accept(addresses[slot], states[slot] == REACHABLE ? macs[slot] : UNRESOLVED);
            }
        }
    }

    /** An entry, as {@link #forEach} shows it. */
    @FunctionalInterface
    public interface EntryConsumer
    {
        void accept(int address, long mac);
    }

    private boolean expired(final TimeUnit unit, final long nowMs, final long timerId)
    {
        final long slotValue = slotOfTimer.remove(timerId);
        if (slotValue < 0)
        {
            return true;
        }
        final int slot = (int)slotValue;
        timers[slot] = -1;
        deadlines[slot] = Long.MAX_VALUE;
        if (states[slot] == INCOMPLETE && attemptsMade[slot] < attempts)
        {
            attemptsMade[slot]++;
            schedule(slot, nowMs + retryMs);
            listener.request(addresses[slot]);
            return true;
        }
        free(slot);
        return true;
    }

    /** A free slot, or one freed by evicting a resolved entry (clock hand); -1 if every entry has frames waiting. */
    private int take(final long nowMs)
    {
        if (freeCount > 0)
        {
            return freeSlots[--freeCount];
        }
        for (int looked = 0; looked < capacity; looked++)
        {
            final int slot = hand;
            hand = (hand + 1) % capacity;
            if (states[slot] == REACHABLE)
            {
                free(slot);
                return freeSlots[--freeCount];
            }
        }
        return -1;
    }

    private void free(final int slot)
    {
        final int base = slot * pendingPerEntry;
        for (int i = 0; i < pendingCounts[slot]; i++)
        {
            listener.unreachable(pending[base + i], addresses[slot]);
        }
        pendingCounts[slot] = 0;
        if (timers[slot] >= 0)
        {
            wheel.cancelTimer(timers[slot]);
            slotOfTimer.remove(timers[slot]);
            timers[slot] = -1;
        }
        final boolean wasEarliest = deadlines[slot] == earliestMs;
        deadlines[slot] = Long.MAX_VALUE;
        if (wasEarliest)
        {
            recomputeEarliest();
        }
        slots.remove(addresses[slot]);
        states[slot] = FREE;
        freeSlots[freeCount++] = slot;
    }

    private void schedule(final int slot, final long deadlineMs)
    {
        if (timers[slot] >= 0)
        {
            wheel.cancelTimer(timers[slot]);
            slotOfTimer.remove(timers[slot]);
        }
        final long id = wheel.scheduleTimer(deadlineMs);
        timers[slot] = id;
        final boolean wasEarliest = deadlines[slot] == earliestMs && deadlineMs > earliestMs;
        deadlines[slot] = deadlineMs;
        if (wasEarliest)
        {
            recomputeEarliest();
        }
        earliestMs = Math.min(earliestMs, deadlineMs);
        slotOfTimer.put(id, slot);
    }

    /** Hold a frame; the oldest is let go (unreachable) when the entry's room is full. */
    private void push(final int slot, final int frame)
    {
        final int base = slot * pendingPerEntry;
        if (pendingCounts[slot] == pendingPerEntry)
        {
            listener.unreachable(pending[base], addresses[slot]);
            System.arraycopy(pending, base + 1, pending, base, pendingPerEntry - 1);
            pendingCounts[slot]--;
        }
        pending[base + pendingCounts[slot]++] = frame;
    }
}
