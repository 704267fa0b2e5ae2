package io.xbow.hostif.uring;

import io.xbow.hostif.sys.LibC;
import io.xbow.hostif.sys.Native;
import io.xbow.hostif.sys.NativeException;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The batching ring against an eventfd (a non-blocking descriptor that takes 8-byte writes and reads): every
 * operation of a batch completes within its one submit, with its own user data and result, and a read with nothing
 * to read answers -EAGAIN instead of waiting.
 */
@Timeout(30) // a read that waited for data would hang the batch: fail instead
class IoUringTest
{
    private static final int EFD_NONBLOCK = 0x800;
    private static final int EAGAIN = 11;
    private static final int EBADF = 9;

    private final LibC libc = Native.libc();
    private final UnsafeBuffer memory = new UnsafeBuffer(BufferUtil.allocateDirectAligned(4096, 8));
    private final List<long[]> completions = new ArrayList<>();
    private IoUring ring;
    private int eventFd;

    @BeforeEach
    void open()
    {
        try
        {
            ring = IoUring.open(4);
        }
        catch (final NativeException ex)
        {
            assumeTrue(false, "this kernel gives no io_uring (" + ex.getMessage() + "): the shims fall back to writev");
        }
        eventFd = libc.eventfd(0, EFD_NONBLOCK);
        assertTrue(eventFd >= 0);
    }

    @AfterEach
    void close()
    {
        if (ring != null)
        {
            ring.close();
            libc.close(eventFd);
        }
    }

    /** An iovec at {@code at} for 8 bytes at {@code data}. */
    private long iovec(final int at, final int data)
    {
        memory.putLong(at, memory.addressOffset() + data);
        memory.putLong(at + 8, 8);
        return memory.addressOffset() + at;
    }

    private int submit() throws NativeException
    {
        return ring.submit((userData, result) -> completions.add(new long[] {userData, result}));
    }

    @Test
    void shouldCompleteEveryOperationOfABatchInOneSubmit() throws NativeException
    {
        memory.putLong(1024, 5, ByteOrder.nativeOrder());
        memory.putLong(1032, 7, ByteOrder.nativeOrder());
        assertTrue(ring.writev(eventFd, iovec(0, 1024), 1, 11));
        assertTrue(ring.writev(eventFd, iovec(16, 1032), 1, 12));
        assertEquals(2, ring.prepared());
        assertEquals(2, submit());
        assertEquals(0, ring.prepared());
        assertEquals(List.of(11L, 12L), completions.stream().map(c -> c[0]).toList());
        assertEquals(List.of(8L, 8L), completions.stream().map(c -> c[1]).toList());

        completions.clear();
        assertTrue(ring.readv(eventFd, iovec(32, 2048), 1, 21));
        assertTrue(ring.readv(eventFd, iovec(48, 2056), 1, 22));
        assertEquals(2, submit());
        assertEquals(12, memory.getLong(2048, ByteOrder.nativeOrder()), "the counter holds both writes");
        assertEquals(List.of(21L, 22L), completions.stream().map(c -> c[0]).toList());
        assertEquals(8, completions.get(0)[1]);
        assertEquals(-EAGAIN, completions.get(1)[1], "nothing left to read: an answer, not a wait");
    }

    @Test
    void shouldRefuseMoreThanItsCapacityAndReportEachFailureAsItsOwn() throws NativeException
    {
        memory.putLong(1024, 1, ByteOrder.nativeOrder());
        for (int i = 0; i < ring.capacity(); i++)
        {
            assertTrue(ring.writev(i % 2 == 0 ? eventFd : 1_000_000, iovec(i * 16, 1024), 1, i));
        }
        assertFalse(ring.writev(eventFd, iovec(0, 1024), 1, 99), "a full batch is submitted first");
        assertEquals(ring.capacity(), submit());
        for (final long[] c : completions)
        {
            assertEquals(c[0] % 2 == 0 ? 8 : -EBADF, c[1], "operation " + c[0]);
        }
        assertEquals(0, submit(), "nothing prepared: nothing to wait for");
    }

    @Test
    void shouldNameARegisteredDescriptorByItsIndex() throws NativeException
    {
        ring.register(eventFd);
        memory.putLong(1024, 3, ByteOrder.nativeOrder());
        assertTrue(ring.writev(IoUring.registered(0), iovec(0, 1024), 1, 1));
        assertTrue(ring.readv(IoUring.registered(0), iovec(16, 2048), 1, 2));
        assertTrue(ring.readv(IoUring.registered(1), iovec(32, 2048), 1, 3));
        assertEquals(3, submit());
        assertEquals(List.of(8L, 8L, (long)-EBADF), completions.stream().map(c -> c[1]).toList(),
            "index 1 names nothing");
        assertEquals(3, memory.getLong(2048, ByteOrder.nativeOrder()));
    }
}
