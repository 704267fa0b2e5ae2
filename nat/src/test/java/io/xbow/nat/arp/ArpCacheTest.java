package io.xbow.nat.arp;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The router's ARP cache as a next hop sees it: frames held until it answers and released then, requests paced
 * and given up after the last, answers trusted for a while, a bound that floods cannot break.
 */
class ArpCacheTest
{
    private static final int GW = 0xC633_6401;   // 198.51.100.1
    private static final long GW_MAC = 0x0216_3e00_0001L;

    private final List<String> events = new ArrayList<>();
    private final ArpCache.Listener listener = new ArpCache.Listener()
    {
        @Override
        public void release(final int frame, final long mac)
        {
            events.add("release " + frame + " " + Long.toHexString(mac));
        }

        @Override
        public void unreachable(final int frame, final int address)
        {
            events.add("unreachable " + frame);
        }

        @Override
        public void request(final int address)
        {
            events.add("request " + Integer.toHexString(address));
        }
    };

    private ArpCache cache(final int capacity, final long now)
    {
        final ArpCache cache = new ArpCache(capacity, 3, 60_000, 1_000, 3, now);
        cache.listener(listener);
        return cache;
    }

    @Test
    void shouldHoldFramesUntilTheNextHopAnswersThenTrustItAMinute()
    {
        final ArpCache cache = cache(16, 0);
        assertEquals(ArpCache.UNRESOLVED, cache.lookup(GW));
        assertEquals(ArpCache.HELD_SEND_REQUEST, cache.hold(GW, 10, 0));
        assertEquals(ArpCache.HELD, cache.hold(GW, 11, 5), "one request is out already");
        cache.learn(GW, GW_MAC, 20, false);
        assertEquals(List.of("release 10 2163e000001", "release 11 2163e000001"), events, "in order");
        assertEquals(GW_MAC, cache.lookup(GW));
        assertEquals(59_980, cache.nextDeadlineMs(40));
        cache.poll(59_000);
        assertEquals(GW_MAC, cache.lookup(GW));
        cache.poll(60_100);
        assertEquals(ArpCache.UNRESOLVED, cache.lookup(GW), "forgotten after a minute: resolved again next time");
        assertEquals(0, cache.size());
        assertEquals(Long.MAX_VALUE, cache.nextDeadlineMs(60_100), "nothing timed: the router may sleep");
    }

    @Test
    void shouldRepeatTheRequestEverySecondThenGiveUpAndLetTheFramesGo()
    {
        final ArpCache cache = cache(16, 1_000);
        cache.hold(GW, 1, 1_000);
        for (int frame = 2; frame <= 5; frame++)
        {
            cache.hold(GW, frame, 1_100);
        }
        assertEquals(List.of("unreachable 1", "unreachable 2"), events, "three held at most: the oldest go");
        events.clear();
        cache.poll(1_999);
        assertEquals(List.of(), events, "not yet");
        cache.poll(2_030);
        cache.poll(3_050);
        assertEquals(List.of("request c6336401", "request c6336401"), events, "a request a second");
        events.clear();
        cache.poll(4_100);
        assertEquals(List.of("unreachable 3", "unreachable 4", "unreachable 5"), events, "given up after three");
        assertEquals(0, cache.size());
        cache.learn(GW, GW_MAC, 4_200, false);
        assertEquals(ArpCache.UNRESOLVED, cache.lookup(GW), "an answer nobody asked for is not taken");
        cache.learn(GW, GW_MAC, 4_200, true);
        assertEquals(GW_MAC, cache.lookup(GW), "unless it asked us (a request for our address)");
    }

    @Test
    void shouldKeepItsBoundUnderAFloodOfAddressesAndNeverDropWhatWaits()
    {
        final ArpCache cache = cache(8, 0);
        for (int i = 0; i < 4; i++)
        {
            cache.learn(0x0A00_0000 + i, 0x0216_3e00_0100L + i, 0, true);
        }
        for (int i = 0; i < 100; i++)
        {
            cache.hold(0xCB00_7100 + i, 100 + i, 1);
        }
        assertEquals(8, cache.size(), "the bound holds");
        long waiting = 0;
        for (int i = 0; i < 100; i++)
        {
            waiting += cache.lookup(0xCB00_7100 + i) == ArpCache.UNRESOLVED ? 0 : 1;
        }
        assertEquals(0, waiting);
        assertEquals(0, events.stream().filter(e -> e.startsWith("unreachable")).count(),
            "resolved entries were evicted for new ones; frames waiting were never dropped, new ones refused");
        assertEquals(ArpCache.REFUSED, cache.hold(0xCB00_71FF, 999, 2));
        final List<Integer> seen = new ArrayList<>();
        cache.forEach((address, mac) -> seen.add(address));
        assertEquals(8, seen.size());
    }
}
