package io.xbow.netback;

import io.xbow.netback.grant.GrantTable;
import io.xbow.netback.shm.GuestMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The backend maps a page only if it was granted to the backend's domain for the access it needs, and only inside
 * the guest's memory; whatever a guest writes into its grant table.
 */
class GrantTableTest
{
    private static final int BACKEND = 0;
    private static final int OTHER = 7;

    @TempDir
    Path dir;

    @Test
    void shouldMapOnlyWhatWasGrantedToUsForTheAccessWeNeed() throws Exception
    {
        try (GuestMemory memory = GuestMemory.create(dir.resolve("guest"), 1, 16))
        {
            final GrantTable grants = new GrantTable(memory);
            assertEquals(512, grants.entries());
            grants.grant(1, BACKEND, 3, false);
            grants.grant(2, BACKEND, 4, true);
            grants.grant(3, OTHER, 5, false);
            assertEquals(memory.pageOffset(3), grants.acquire(1, BACKEND, true));
            assertEquals(memory.pageOffset(4), grants.acquire(2, BACKEND, false));
            assertEquals(GrantTable.READ_ONLY, grants.acquire(2, BACKEND, true), "read-only stays read-only");
            assertEquals(GrantTable.WRONG_DOMAIN, grants.acquire(3, BACKEND, false));
            assertEquals(GrantTable.NOT_GRANTED, grants.acquire(4, BACKEND, false));
            assertEquals(GrantTable.BAD_REFERENCE, grants.acquire(512, BACKEND, false));
            assertEquals(GrantTable.BAD_REFERENCE, grants.acquire(-1, BACKEND, false));
            grants.grant(5, BACKEND, 16, false);
            assertEquals(GrantTable.BAD_FRAME, grants.acquire(5, BACKEND, false), "frame beyond guest memory");
            grants.release(1, true);
            assertTrue(grants.endAccess(1));
            assertEquals(GrantTable.NOT_GRANTED, grants.acquire(1, BACKEND, false));
            assertEquals("page granted read-only", GrantTable.describe(GrantTable.READ_ONLY));
        }
    }

    @Test
    void shouldNeverMapOutsideGuestMemoryWhateverTheTableHolds() throws Exception
    {
        try (GuestMemory memory = GuestMemory.create(dir.resolve("guest"), 1, 8))
        {
            final GrantTable grants = new GrantTable(memory);
            final SplittableRandom random = new SplittableRandom(9);
            final int first = memory.pageOffset(0);
            final int end = memory.pageOffset(memory.guestPages());
            for (int i = 0; i < 200_000; i++)
            {
                final int ref = random.nextInt(512);
                memory.buffer().putLong(ref * 8, random.nextLong(), ByteOrder.LITTLE_ENDIAN);
                final int page = grants.acquire(random.nextInt(-4, 600), random.nextInt(3), random.nextBoolean());
                assertTrue(page < 0 || (page >= first && page + 4096 <= end && (page & 4095) == 0),
                    "mapped " + page);
            }
        }
    }

    @Test
    void shouldShareTheGrantTableWithASecondMapping() throws Exception
    {
        final Path file = dir.resolve("guest");
        try (GuestMemory front = GuestMemory.create(file, 1, 4); GuestMemory back = GuestMemory.open(file, 1))
        {
            new GrantTable(front).grant(9, BACKEND, 2, true);
            assertEquals(back.pageOffset(2), new GrantTable(back).acquire(9, BACKEND, false));
            front.buffer().putInt(front.pageOffset(2) + 100, 0xC0FFEE);
            assertEquals(0xC0FFEE, back.buffer().getInt(back.pageOffset(2) + 100));
        }
    }

    private static int flags(final GuestMemory memory, final int ref)
    {
        return memory.buffer().getShort(ref * 8, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
    }

    @Test
    void aPageInUseShouldKeepItsGrantUntilTheBackendReleasesIt() throws Exception
    {
        try (GuestMemory memory = GuestMemory.create(dir.resolve("guest"), 1, 8))
        {
            final GrantTable grants = new GrantTable(memory);
            grants.grant(1, BACKEND, 3, true);
            grants.grant(2, BACKEND, 4, false);
            assertEquals(memory.pageOffset(3), grants.acquire(1, BACKEND, false));
            assertEquals(memory.pageOffset(4), grants.acquire(2, BACKEND, true));
            assertEquals(GRANTED_READONLY | READING, flags(memory, 1), "GTF_reading while read");
            assertEquals(GRANTED | READING | WRITING, flags(memory, 2), "GTF_reading and GTF_writing while written");
            assertFalse(grants.endAccess(1), "the frontend may not end a grant in use");
            assertFalse(grants.endAccess(2));
            assertEquals(GRANTED_READONLY | READING, flags(memory, 1), "a refused end changes nothing");

            grants.release(1, false);
            grants.release(2, true);
            assertEquals(GRANTED_READONLY, flags(memory, 1));
            assertEquals(GRANTED, flags(memory, 2));
            assertTrue(grants.endAccess(1));
            assertTrue(grants.endAccess(2));
            assertEquals(0, flags(memory, 1));
            assertEquals(GrantTable.NOT_GRANTED, grants.acquire(2, BACKEND, true));
        }
    }

    private static final int GRANTED = 1;
    private static final int GRANTED_READONLY = 1 | 4;
    private static final int READING = 8;
    private static final int WRITING = 16;
}
