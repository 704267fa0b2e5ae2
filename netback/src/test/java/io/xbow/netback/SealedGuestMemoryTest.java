package io.xbow.netback;

import io.xbow.netback.shm.GuestMemory;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The daemon's guest memory is a sealed memfd: a frontend that maps it can write its pages but cannot change its
 * size, which would make the backend's next access fault (SIGBUS) and bring down the daemon.
 */
class SealedGuestMemoryTest
{
    @Test
    void aFrontendCanShareTheMemoryButNeverShrinkOrGrowIt() throws Exception
    {
        final GuestMemory backend = GuestMemory.createSealed("sealed-test", 1, 8);
        try
        {
            assertTrue(backend.isSealed());
            assertTrue(backend.file().toString().startsWith("/proc/" + ProcessHandle.current().pid() + "/fd/"),
                backend.file().toString());
            final long size = 9L * GuestMemory.PAGE_SIZE;
            try (GuestMemory frontend = GuestMemory.open(backend.file(), 1);
                 FileChannel channel = FileChannel.open(backend.file(), StandardOpenOption.READ,
                     StandardOpenOption.WRITE))
            {
                frontend.buffer().putInt(frontend.pageOffset(7) + 12, 0x5EA1ED);
                assertEquals(0x5EA1ED, backend.buffer().getInt(backend.pageOffset(7) + 12), "one memory, two maps");

                assertThrows(IOException.class, () -> channel.truncate(GuestMemory.PAGE_SIZE), "shrink refused");
                assertThrows(IOException.class, () -> channel.write(ByteBuffer.allocate(1), size), "grow refused");
                assertEquals(size, channel.size());
                assertEquals(0x5EA1ED, backend.buffer().getInt(backend.pageOffset(7) + 12),
                    "the backend's last page is still there to read");
            }
        }
        finally
        {
            backend.close();
        }
        assertFalse(Files.exists(backend.file()), "nothing is left behind to clean up");
    }
}
