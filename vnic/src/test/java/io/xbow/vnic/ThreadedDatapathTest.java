package io.xbow.vnic;

import io.xbow.packet.build.FrameBuilder;
import io.xbow.packet.frame.FrameBatch;
import io.xbow.packet.frame.FramePool;
import io.xbow.vnic.link.SwitchLink;
import io.xbow.vnic.mac.MacSpec;
import io.xbow.vswitch.port.PortDevice;
import io.xbow.vswitch.thread.ThreadedDatapath;
import org.agrona.concurrent.SystemNanoClock;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The registry on a real datapath thread: switches of links created while it runs are served, changes apply, and
 * deleting links stops their switches with every frame back in the pool.
 */
class ThreadedDatapathTest
{
    private static final long A = 0x0016_3e00_0001L;
    private static final long B = 0x0016_3e00_0002L;

    @Test
    void shouldForwardBetweenVnicsCreatedWhileTheDatapathRuns() throws Exception
    {
        try (LinkRegistry registry = new LinkRegistry(RegistryConfig.defaults().withFramesPerSwitch(512),
            new ThreadedDatapath("xbow-dp-test"), SystemNanoClock.INSTANCE))
        {
            final FramePool pool = ((SwitchLink)registry.createEtherstub("stub0", false)).switchOf().pool();
            registry.createVnic("vnic1", "stub0", MacSpec.fixed(A), 0, Map.of(), false);
            registry.createVnic("vnic2", "stub0", MacSpec.fixed(B), 0, Map.of(), false);
            final Generator generator = new Generator(pool, 1000);
            final Counter counter = new Counter(pool);
            registry.plug("vnic2", counter);
            registry.plug("vnic1", generator);

            awaitCount(counter, 1000);
            assertEquals(1000, registry.stats("vnic1").opackets());

            registry.setProperties("vnic1", Map.of("protection", "mac-nospoof"));
            // A policy applies from the next batch: wait for a cycle boundary before the guest starts spoofing.
            ((SwitchLink)registry.link("stub0")).switchOf().sync().get(5, TimeUnit.SECONDS);
            generator.more(500, 0x0016_3e00_0099L); // spoofed from now on
            awaitDrops(registry, 500);
            assertEquals(1000, counter.frames.get(), "spoofed frames never arrive");

            registry.deleteVnic("vnic1");
            registry.deleteVnic("vnic2");
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (pool.outstanding() != 0 && System.nanoTime() < deadline)
            {
                Thread.sleep(5);
            }
            registry.deleteEtherstub("stub0");
            assertEquals(0, pool.outstanding(), "every frame back in the pool");
        }
    }

    private static void awaitCount(final Counter counter, final long frames) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (counter.frames.get() < frames && System.nanoTime() < deadline)
        {
            Thread.sleep(5);
        }
        assertEquals(frames, counter.frames.get());
    }

    private static void awaitDrops(final LinkRegistry registry, final long drops) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (registry.stats("vnic1").oerrors() < drops && System.nanoTime() < deadline)
        {
            Thread.sleep(5);
        }
        assertEquals(drops, registry.stats("vnic1").oerrors());
    }

    /** A guest that sends frames from the datapath thread (where the pool may be used). */
    private static final class Generator implements PortDevice
    {
        private final FramePool pool;
        private final AtomicLong toSend = new AtomicLong();
        private volatile long source = A;

        Generator(final FramePool pool, final long frames)
        {
            this.pool = pool;
            toSend.set(frames);
        }

        void more(final long frames, final long newSource)
        {
            source = newSource;
            toSend.addAndGet(frames);
        }

        @Override
        public int receive(final FrameBatch batch)
        {
            int n = 0;
            final FrameBuilder builder = new FrameBuilder().ethernet(B, source).ipv4(1, 2).udp(1, 2, 18);
            while (toSend.get() > 0 && !batch.isFull())
            {
                final int frame = builder.build(pool);
                if (frame == FramePool.NO_FRAME)
                {
                    break;
                }
                batch.add(frame);
                toSend.decrementAndGet();
                n++;
            }
            return n;
        }

        @Override
        public int transmit(final FrameBatch batch)
        {
            return 0;
        }
    }

    /** A guest that counts and frees what it receives. */
    private static final class Counter implements PortDevice
    {
        private final FramePool pool;
        final AtomicLong frames = new AtomicLong();

        Counter(final FramePool pool)
        {
            this.pool = pool;
        }

        @Override
        public int receive(final FrameBatch batch)
        {
            return 0;
        }

        @Override
        public int transmit(final FrameBatch batch)
        {
            for (int i = 0; i < batch.count(); i++)
            {
                pool.free(batch.handle(i));
            }
            frames.addAndGet(batch.count());
            return batch.count();
        }
    }
}
