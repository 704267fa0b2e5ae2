package io.xbow.nat.route;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Longest-prefix match, checked against a plain scan of the routes after every change of a long random history of
 * nested adds, replacements and removals at every prefix length, and in the cases an operator meets.
 */
class RouteTableTest
{
    private static int address(final String dotted)
    {
        final String[] p = dotted.split("\\.");
        return Integer.parseInt(p[0]) << 24 | Integer.parseInt(p[1]) << 16 | Integer.parseInt(p[2]) << 8 |
            Integer.parseInt(p[3]);
    }

    @Test
    void shouldPickTheLongestPrefixAndFallBackWhenItGoes()
    {
        final RouteTable table = new RouteTable();
        assertEquals(RouteTable.NO_ROUTE, table.lookup(address("198.51.100.7")));
        table.add(0, 0, 1);                                   // default
        table.add(address("198.51.100.0"), 24, 2);
        table.add(address("198.51.100.7"), 32, 3);            // a routed guest's /32
        table.add(address("198.51.0.0"), 16, 4);
        assertEquals(3, table.lookup(address("198.51.100.7")));
        assertEquals(2, table.lookup(address("198.51.100.8")));
        assertEquals(4, table.lookup(address("198.51.7.1")));
        assertEquals(1, table.lookup(address("203.0.113.1")));
        assertEquals(3, table.remove(address("198.51.100.7"), 32));
        assertEquals(2, table.lookup(address("198.51.100.7")), "the /24 again");
        assertEquals(2, table.remove(address("198.51.100.99"), 24), "bits past the length do not matter");
        assertEquals(4, table.lookup(address("198.51.100.7")), "then the /16");
        assertEquals(1, table.add(0, 0, 5), "a default route replaced");
        assertEquals(5, table.lookup(address("192.0.2.1")));
        assertEquals(RouteTable.NO_ROUTE, table.remove(address("10.0.0.0"), 8));
        assertEquals(2, table.size());
        assertThrows(IllegalArgumentException.class, () -> table.add(0, 33, 1));
        assertThrows(IllegalArgumentException.class, () -> table.add(0, 8, -1));
    }

    @Test
    void shouldAgreeWithAScanOfTheRoutesThroughoutARandomHistory()
    {
        final Random random = new Random(1624);
        final RouteTable table = new RouteTable();
        final Map<Long, Integer> routes = new LinkedHashMap<>(); // (prefix << 6 | length) -> next hop
        final List<Long> keys = new ArrayList<>();
        final int[] lengths = {0, 1, 7, 8, 9, 15, 16, 17, 20, 23, 24, 25, 28, 31, 32};
        // A few /8s to nest everything under, so that prefixes overlap often.
        final int[] roots = {address("10.0.0.0"), address("198.51.0.0"), address("203.0.113.0")};
        for (int step = 0; step < 6000; step++)
        {
            final int choice = random.nextInt(10);
            if (choice < 6 || keys.isEmpty())
            {
                final int length = lengths[random.nextInt(lengths.length)];
                final int base = roots[random.nextInt(roots.length)] ^ (random.nextInt(1 << 12) << 4);
                final int prefix = base & (length == 0 ? 0 : -1 << (32 - length));
                final int hop = random.nextInt(1000);
                final long key = (prefix & 0xFFFF_FFFFL) << 6 | length;
                final Integer old = routes.put(key, hop);
                assertEquals(old == null ? RouteTable.NO_ROUTE : old, table.add(prefix, length, hop));
                if (old == null)
                {
                    keys.add(key);
                }
            }
            else
            {
                final long key = keys.remove(random.nextInt(keys.size()));
                final int hop = routes.remove(key);
                assertEquals(hop, table.remove((int)(key >>> 6), (int)(key & 0x3F)));
            }
            assertEquals(routes.size(), table.size());
            for (int probe = 0; probe < 20; probe++)
            {
                final int addr = roots[random.nextInt(roots.length)] ^ random.nextInt(1 << 16) ^
                    (random.nextInt(8) == 0 ? random.nextInt() : 0);
                assertEquals(scan(routes, addr), table.lookup(addr), "step " + step + ", address " +
                    Integer.toUnsignedString(addr));
            }
        }
    }

    private static int scan(final Map<Long, Integer> routes, final int addr)
    {
        int best = -1;
        int hop = RouteTable.NO_ROUTE;
        for (final Map.Entry<Long, Integer> route : routes.entrySet())
        {
            final int length = (int)(route.getKey() & 0x3F);
            final int prefix = (int)(route.getKey() >>> 6);
            final int mask = length == 0 ? 0 : -1 << (32 - length);
            if ((addr & mask) == prefix && length > best)
            {
                best = length;
                hop = route.getValue();
            }
        }
        return hop;
    }
}
