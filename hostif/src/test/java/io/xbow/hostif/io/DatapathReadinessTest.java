package io.xbow.hostif.io;

import io.xbow.hostif.sys.LibC;
import io.xbow.hostif.sys.Native;
import io.xbow.packet.frame.FramePool;
import io.xbow.vswitch.SwitchConfig;
import io.xbow.vswitch.VirtualSwitch;
import io.xbow.vswitch.thread.DatapathThread;
import org.agrona.BufferUtil;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteOrder;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A datapath thread that sleeps in the epoll of its descriptors: a command from another thread wakes it (the
 * eventfd), a descriptor that becomes readable wakes it directly (its listener runs on the datapath thread, no
 * other thread in between), and asleep it costs no CPU.
 */
class DatapathReadinessTest
{
    private static final int EFD_NONBLOCK = 0x800;

    @Test
    void shouldBeWokenByACommandAndDirectlyByAReadableDescriptorAndSleepForFree() throws Exception
    {
        final LibC libc = Native.libc();
        final Readiness readiness = Readiness.ownedByCaller();
        final VirtualSwitch sw = new VirtualSwitch("epoll0", new FramePool(16), SwitchConfig.defaults(),
            SystemNanoClock.INSTANCE);
        final int fd = libc.eventfd(0, EFD_NONBLOCK);
        assertTrue(fd >= 0);
        final AtomicReference<String> listenedOn = new AtomicReference<>();
        final CountDownLatch readable = new CountDownLatch(1);
        try (DatapathThread thread = DatapathThread.start("xbow-dp-epoll", DatapathThread.Idle.of(() ->
            new VirtualSwitch[] {sw}), readiness, 0, sw))
        {
            sw.sync().get(5, TimeUnit.SECONDS);
            Thread.sleep(300); // asleep in epoll_wait, for up to a minute with nothing timed
            final long before = thread.wakeups();
            sw.sync().get(5, TimeUnit.SECONDS);
            assertTrue(thread.wakeups() > before, "the command woke the thread through the eventfd");

            readiness.register(fd, () ->
            {
                listenedOn.set(Thread.currentThread().getName());
                readable.countDown();
            }).drained(); // armed: told when it is readable
            Thread.sleep(300);
            final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            if (threads.isThreadCpuTimeSupported())
            {
                threads.setThreadCpuTimeEnabled(true);
                final long cpu = threads.getThreadCpuTime(thread.thread().getId());
                Thread.sleep(500);
                final double share = (threads.getThreadCpuTime(thread.thread().getId()) - cpu) / 500e6;
                assertTrue(share < 0.02, "asleep in epoll, it used " + share * 100 + "% of a core");
            }
            final UnsafeBuffer one = new UnsafeBuffer(BufferUtil.allocateDirectAligned(8, 8));
            one.putLong(0, 1, ByteOrder.nativeOrder());
            assertEquals(8, libc.write(fd, one.addressOffset(), 8));
            assertTrue(readable.await(5, TimeUnit.SECONDS), "the readable descriptor woke the thread");
            assertEquals("xbow-dp-epoll", listenedOn.get(), "its listener ran on the datapath thread itself");
        }
        finally
        {
            libc.close(fd);
            readiness.close();
            sw.onClose();
        }
    }

    /**
     * Read dry, drained, something new: the owner hears of it at its next look, every time, including when it came
     * between the read that found nothing and {@code drained()} (no frame is left waiting for the next one).
     */
    @Test
    void shouldReportEveryArrivalAfterADrainIncludingOneJustBeforeTheDrainIsSaid() throws Exception
    {
        final LibC libc = Native.libc();
        final Readiness readiness = Readiness.ownedByCaller();
        final int fd = libc.eventfd(0, EFD_NONBLOCK);
        assertTrue(fd >= 0);
        final UnsafeBuffer word = new UnsafeBuffer(BufferUtil.allocateDirectAligned(8, 8));
        final int[] heard = {0};
        try
        {
            final Readiness.Registration registration = readiness.register(fd, () -> heard[0]++);
            for (int round = 0; round < 50; round++)
            {
                while (libc.read(fd, word.addressOffset(), 8) == 8)
                {
                    // read it dry
                }
                final boolean late = round % 2 == 1;
                word.putLong(0, 1, ByteOrder.nativeOrder());
                if (late)
                {
                    assertEquals(8, libc.write(fd, word.addressOffset(), 8)); // after the empty read, before drained
                    registration.drained();
                }
                else
                {
                    registration.drained();
                    assertEquals(8, libc.write(fd, word.addressOffset(), 8));
                }
                final int before = heard[0];
                readiness.prepareToSleep();
                readiness.await(2_000_000_000L);
                assertTrue(registration.isReadable(), "round " + round + (late ? " (late)" : "") + ": not told");
                assertEquals(before + 1, heard[0], "round " + round + ": the listener ran once");
            }
            while (libc.read(fd, word.addressOffset(), 8) == 8)
            {
                // dry again
            }
            registration.drained();
            final long start = System.nanoTime();
            readiness.prepareToSleep();
            readiness.await(50_000_000L);
            assertFalse(registration.isReadable(), "nothing new: nothing reported");
            assertTrue(System.nanoTime() - start >= 40_000_000L, "it slept its timeout");
        }
        finally
        {
            libc.close(fd);
            readiness.close();
        }
    }
}
