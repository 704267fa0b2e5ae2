package io.xbow.vswitch.thread;

import io.xbow.packet.address.MacAddress;
import io.xbow.packet.build.FrameBuilder;
import io.xbow.packet.frame.FrameBatch;
import io.xbow.packet.frame.FramePool;
import io.xbow.vlan.VlanPolicy;
import io.xbow.vswitch.SwitchConfig;
import io.xbow.vswitch.VirtualSwitch;
import io.xbow.vswitch.port.MemoryDevice;
import org.agrona.concurrent.SystemNanoClock;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The switch on its own datapath thread: frames cross from the test thread and back, commands from the test thread
 * take effect, and an idle switch parks instead of spinning.
 */
class DatapathThreadTest
{
    @Test
    void shouldForwardFramesInjectedFromAnotherThread() throws Exception
    {
        // One pool, owned by the datapath: the test allocates before the thread starts and frees after it stops.
        final FramePool pool = new FramePool(256);
        final VirtualSwitch sw = new VirtualSwitch("t0", pool, SwitchConfig.defaults(), SystemNanoClock.INSTANCE);
        final MemoryDevice a = new MemoryDevice(256);
        final MemoryDevice b = new MemoryDevice(256);
        sw.attach("a", a, VlanPolicy.DEFAULT);
        sw.attach("b", b, VlanPolicy.DEFAULT);
        final int[] frames = new int[100];
        for (int i = 0; i < frames.length; i++)
        {
            frames[i] = new FrameBuilder().ethernet(MacAddress.BROADCAST, 0x0016_3e00_0001L).raw(0x88B5, 46 + i)
                .build(pool);
        }
        final FrameBatch got = new FrameBatch(FrameBatch.MAX_CAPACITY);
        try (DatapathThread thread = DatapathThread.start("xbow-dp-test", sw))
        {
            sw.sync().get(5, TimeUnit.SECONDS);
            for (final int frame : frames)
            {
                assertTrue(a.inject(frame));
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (got.count() < frames.length && System.nanoTime() < deadline)
            {
                b.drainTo(got);
                Thread.sleep(1);
            }
            assertEquals(0, thread.errors());
        }
        assertEquals(frames.length, got.count());
        for (int i = 0; i < got.count(); i++)
        {
            assertEquals(60 + i, pool.length(got.handle(i)), "in order");
        }
        pool.freeAll(got);
        assertEquals(0, pool.outstanding());
        assertEquals(frames.length, sw.port("a").counters().rxFrames());
    }

    @Test
    void shouldUseAlmostNoCpuWhenIdle() throws Exception
    {
        final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        assumeCpuTime(threads);
        final FramePool pool = new FramePool(64);
        final VirtualSwitch sw = new VirtualSwitch("idle0", pool, SwitchConfig.defaults(), SystemNanoClock.INSTANCE);
        for (int i = 0; i < 16; i++)
        {
            sw.attach("p" + i, new MemoryDevice(64), VlanPolicy.DEFAULT);
        }
        try (DatapathThread thread = DatapathThread.start("xbow-dp-idle", sw))
        {
            sw.sync().get(5, TimeUnit.SECONDS);
            Thread.sleep(200); // past the spin and yield phases
            final long id = thread.thread().getId();
            final long cpuBefore = threads.getThreadCpuTime(id);
            final long wallBefore = System.nanoTime();
            Thread.sleep(1000);
            final long cpu = threads.getThreadCpuTime(id) - cpuBefore;
            final long wall = System.nanoTime() - wallBefore;
            final double share = (double)cpu / wall;
            System.out.printf("idle datapath thread used %.2f%% of a core%n", share * 100);
            assertTrue(share < 0.02, "idle switch used " + share * 100 + "% of a core");
        }
    }

    @Test
    void shouldWakeAParkedDatapathForAFrameOrACommand() throws Exception
    {
        final FramePool pool = new FramePool(16);
        final VirtualSwitch sw = new VirtualSwitch("wake0", pool, SwitchConfig.defaults(), SystemNanoClock.INSTANCE);
        final MemoryDevice a = new MemoryDevice(16);
        final MemoryDevice b = new MemoryDevice(16);
        sw.attach("a", a, VlanPolicy.DEFAULT);
        sw.attach("b", b, VlanPolicy.DEFAULT);
        final int frame = new FrameBuilder().ethernet(MacAddress.BROADCAST, 0x0016_3e00_0001L).raw(0x88B5, 46)
            .build(pool);
        // Parks of up to a minute: without a wakeup, nothing below would happen within the test's patience.
        try (DatapathThread thread = DatapathThread.start("xbow-dp-wake", TimeUnit.MINUTES.toNanos(1), sw))
        {
            sw.sync().get(5, TimeUnit.SECONDS);
            Thread.sleep(300); // long enough to be parked
            sw.sync().get(5, TimeUnit.SECONDS);
            assertTrue(thread.wakeups() >= 1, "the command woke the thread");

            Thread.sleep(300);
            final long before = thread.wakeups();
            assertTrue(a.inject(frame));
            int got = FramePool.NO_FRAME;
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (got == FramePool.NO_FRAME && System.nanoTime() < deadline)
            {
                got = b.poll();
                Thread.sleep(1);
            }
            assertNotEquals(FramePool.NO_FRAME, got, "the frame woke the thread and crossed the switch");
            assertTrue(thread.wakeups() > before);
            pool.free(got);
        }
        assertEquals(0, pool.outstanding());
    }

    private static void assumeCpuTime(final ThreadMXBean threads)
    {
        org.junit.jupiter.api.Assumptions.assumeTrue(threads.isThreadCpuTimeSupported(), "no thread CPU time here");
        threads.setThreadCpuTimeEnabled(true);
    }
}
