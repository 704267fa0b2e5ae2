package io.xbow.vswitch.fdb;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class MacTableTest
{
    private final MacTable table = new MacTable(16, 3, 5, 300_000);

    @Test
    void shouldKeepVlansApartForTheSameMac()
    {
        table.learn(10, 0xA, 1, 0);
        table.learn(20, 0xA, 2, 0);
        assertEquals(1, table.lookup(10, 0xA, 1));
        assertEquals(2, table.lookup(20, 0xA, 1));
        assertEquals(MacTable.NO_PORT, table.lookup(30, 0xA, 1));
    }

    @Test
    void shouldTreatAnEntryAsGoneTheMomentItReachesTheAgingTime()
    {
        table.learn(1, 0xA, 1, 1000);
        assertEquals(1, table.lookup(1, 0xA, 300_999));
        assertEquals(MacTable.NO_PORT, table.lookup(1, 0xA, 301_000));
        assertEquals(0, table.size());
        assertEquals(0, table.learnedOn(1));
    }

    @Test
    void shouldNotCountRelearningAnExpiredEntryElsewhereAsAMove()
    {
        table.learn(1, 0xA, 1, 0);
        table.learn(1, 0xA, 2, 400_000);
        assertEquals(0, table.counters().get(MacTable.MOVES));
        assertEquals(2, table.lookup(1, 0xA, 400_001));
        assertEquals(0, table.learnedOn(1));
        assertEquals(1, table.learnedOn(2));
    }

    @Test
    void shouldForgetAMoveThatWouldExceedTheNewPortsLimit()
    {
        for (int i = 0; i < 3; i++)
        {
            table.learn(1, 0x100 + i, 2, 0);
        }
        table.learn(1, 0xA, 1, 0);
        table.learn(1, 0xA, 2, 1); // port 2 is full
        assertEquals(MacTable.NO_PORT, table.lookup(1, 0xA, 2), "floods rather than pointing at the old port");
        assertEquals(1, table.counters().get(MacTable.PORT_LIMIT_EXCEEDED));
        assertEquals(3, table.learnedCount());
    }

    @Test
    void shouldReplaceALearnedEntryWithAStaticOneAndKeepCountsRight()
    {
        table.learn(1, 0xA, 1, 0);
        table.addStatic(1, 0xA, 3);
        assertEquals(0, table.learnedCount());
        assertEquals(1, table.staticCount());
        assertEquals(3, table.lookup(1, 0xA, 10_000_000));
        assertEquals(1, table.flushLearned() + 1, "flushing learned entries keeps static ones");
        assertEquals(1, table.removePort(3));
        assertEquals(0, table.size());
        assertFalse(table.removeStatic(1, 0xA));
    }

    @Test
    void sweepsSkippedUntilAnEntryCouldHaveAgedShouldStillRemoveEachInTime()
    {
        table.learn(1, 0xA, 1, 0);
        table.learn(1, 0xB, 1, 100_000);
        table.learn(1, 0xC, 1, 0);
        table.learn(1, 0xC, 1, 250_000); // refreshed: younger than the bound says
        assertEquals(0, table.age(299_999));
        assertEquals(1, table.age(300_000), "A, the oldest, on time");
        assertEquals(0, table.age(399_999));
        assertEquals(1, table.age(400_000), "B on time, by the bound the last sweep left");
        assertEquals(0, table.age(549_999));
        assertEquals(1, table.age(550_000), "C, refreshed, on its own time");
        assertEquals(0, table.learnedCount());
        table.learn(1, 0xD, 1, 600_000); // after an empty table, a new entry sets the bound again
        assertEquals(0, table.age(899_999));
        assertEquals(1, table.age(900_000));
    }

    @Test
    void shouldSweepOnlyAgedEntries()
    {
        table.learn(1, 0xA, 1, 0);
        table.learn(1, 0xB, 1, 200_000);
        table.addStatic(1, 0xC, 2);
        assertEquals(1, table.age(350_000));
        assertEquals(2, table.size());
        assertEquals(1, table.learnedOn(1));
        assertEquals(1, table.entries(350_000).stream().filter(FdbEntry::isStatic).count());
    }

    @Test
    void shouldEvictFromThePortHoldingTheMostWhenFullNeverFromOneHoldingFewer()
    {
        for (int i = 0; i < 3; i++)
        {
            table.learn(1, 0x0200_0000_0100L + i, 1, 0); // port 1: its limit, 3
        }
        table.learn(1, 0x0200_0000_0201L, 2, 0);
        table.learn(1, 0x0200_0000_0202L, 2, 0); // port 2: 2; the table (5) is full
        table.learn(1, 0x0200_0000_0301L, 3, 0);
        assertEquals(3, table.lookup(1, 0x0200_0000_0301L, 0), "port 3 took room from port 1, which held the most");
        assertEquals(2, table.learnedOn(1));
        assertEquals(1, table.counters().get(MacTable.EVICTED));

        table.learn(1, 0x0200_0000_0103L, 1, 0); // port 1 again: no one holds more than it does now
        assertEquals(MacTable.NO_PORT, table.lookup(1, 0x0200_0000_0103L, 0));
        assertEquals(1, table.counters().get(MacTable.TABLE_LIMIT_EXCEEDED));
        assertEquals(2, table.lookup(1, 0x0200_0000_0201L, 0), "port 2's entries stay");
        assertEquals(2, table.lookup(1, 0x0200_0000_0202L, 0));
        assertEquals(5, table.learnedCount());
    }
}
