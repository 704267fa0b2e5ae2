package io.xbow.perf;

import io.xbow.packet.address.Ipv4Address;
import io.xbow.packet.build.FrameBuilder;
import io.xbow.packet.frame.FrameBatch;
import io.xbow.packet.frame.FramePool;
import io.xbow.vnic.LinkRegistry;
import io.xbow.vnic.RegistryConfig;
import io.xbow.vnic.link.SwitchLink;
import io.xbow.vnic.mac.MacSpec;
import io.xbow.vswitch.port.PortDevice;
import io.xbow.vswitch.thread.ManualDatapath;
import org.agrona.concurrent.CachedNanoClock;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * How exactly maxbw holds: a guest offers 1.5 times its cap through a VNIC and a receiving VNIC counts what
 * arrives over a 5-second window, after a half-second settling. Runs every cap from 2 Mbit/s to 1 Gbit/s with 64-
 * and 1500-byte frames, on a simulated clock (advanced 50 microseconds at a time), on the wall clock, and on a
 * threaded datapath as the daemon runs it (the thread sleeps and must wake on time for the shaper), and prints
 * delivered / configured (and, threaded, each frame's delay from creation to delivery).
 * <pre>
 *   java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp perf/target/benchmarks.jar \
 *       io.xbow.perf.ShapingAccuracy [simulated|wall|both|threaded|all]
 * </pre>
 */
public final class ShapingAccuracy
{
    private static final long[] RATES = {2_000_000L, 10_000_000L, 100_000_000L, 1_000_000_000L};
    private static final int[] FRAME_SIZES = {64, 1500};
    private static final double OFFERED = 1.5;
    private static final long SETTLE_NS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final long WINDOW_NS = TimeUnit.SECONDS.toNanos(5);
    private static final long STEP_NS = TimeUnit.MICROSECONDS.toNanos(50);
    /** Where the source writes a frame's creation time: inside the UDP payload. */
    private static final int STAMP_OFFSET = 42;
    private static final long SRC = 0x0016_3e00_0001L;
    private static final long DST = 0x0016_3e00_0002L;

    public static void main(final String[] args) throws InterruptedException
    {
        final String which = args.length > 0 ? args[0] : "both";
        System.out.printf("%-10s %10s %6s %14s %14s %8s%n", "CLOCK", "MAXBW", "FRAME", "OFFERED", "DELIVERED", "RATIO");
        double worst = 0;
        for (final String mode : new String[]{"simulated", "wall", "threaded"})
        {
            if (!which.equals("all") && !which.equals(mode) && !(which.equals("both") && !mode.equals("threaded")))
            {
                continue;
            }
            for (final long rate : RATES)
            {
                for (final int frameSize : FRAME_SIZES)
                {
                    final double ratio = mode.equals("threaded") ? runThreaded(rate, frameSize) :
                        run(mode.equals("wall"), rate, frameSize);
                    worst = Math.max(worst, Math.abs(ratio - 1));
                }
            }
        }
        System.out.printf("largest deviation from the configured rate: %.2f%%%n", worst * 100);
    }

    private static double run(final boolean wall, final long rate, final int frameSize)
    {
        final CachedNanoClock simulated = new CachedNanoClock();
        final NanoClock clock = wall ? SystemNanoClock.INSTANCE : simulated;
        final ManualDatapath datapath = new ManualDatapath();
        try (LinkRegistry registry = new LinkRegistry(RegistryConfig.defaults().withFramesPerSwitch(8192),
            datapath, clock))
        {
            final Guests guests = Guests.over(registry, clock, rate, frameSize);
            final Source source = guests.source();
            final Sink sink = guests.sink();
            registry.plug("src0", source);
            registry.plug("dst0", sink);
            datapath.runUntilIdle();

            final long start = clock.nanoTime();
            source.start(start);
            sink.window(start + SETTLE_NS, start + SETTLE_NS + WINDOW_NS);
            while (clock.nanoTime() < start + SETTLE_NS + WINDOW_NS)
            {
                if (!wall)
                {
                    simulated.advance(STEP_NS);
                }
                int guard = 0;
                while ((datapath.cycle() > 0 || source.behind()) && guard++ < 1000)
                {
                    Thread.onSpinWait();
                }
            }
            final double delivered = sink.bytes * 8.0 / (WINDOW_NS / 1e9);
            final double ratio = delivered / rate;
            System.out.printf("%-10s %10s %6d %14.0f %14.0f %8.4f%n", wall ? "wall" : "simulated",
                rate / 1_000_000 + "M", frameSize, rate * OFFERED, delivered, ratio);
            return ratio;
        }
    }

    /**
     * The daemon's setting: the switch on its own datapath thread, which sleeps between cycles and must wake when a
     * shaper's next frame is paid for (and when the source's next frame is due). Also reports each frame's delay
     * from creation to delivery.
     */
    private static double runThreaded(final long rate, final int frameSize) throws InterruptedException
    {
        final NanoClock clock = SystemNanoClock.INSTANCE;
        final io.xbow.vswitch.thread.ThreadedDatapath datapath = new io.xbow.vswitch.thread.ThreadedDatapath("shaping");
        final Sink sink;
        try (LinkRegistry registry = new LinkRegistry(RegistryConfig.defaults().withFramesPerSwitch(8192),
            datapath, clock))
        {
            final Guests guests = Guests.over(registry, clock, rate, frameSize);
            final Source source = guests.source();
            sink = guests.sink();
            final long start = clock.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
            source.start(start);
            sink.window(start + SETTLE_NS, start + SETTLE_NS + WINDOW_NS);
            registry.plug("src0", source);
            registry.plug("dst0", sink);
            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(start + SETTLE_NS + WINDOW_NS - clock.nanoTime()) + 50);
        }
        datapath.close(); // joins the thread: what the sink counted is visible here
        final double delivered = sink.bytes * 8.0 / (WINDOW_NS / 1e9);
        final double ratio = delivered / rate;
        final long[] delays = java.util.Arrays.copyOf(sink.delays, (int)Math.min(sink.delayCount, sink.delays.length));
        java.util.Arrays.sort(delays);
        System.out.printf("%-10s %10s %6d %14.0f %14.0f %8.4f   delay p50 %.2f ms, p99 %.2f ms, p99-p50 %.2f ms%n",
            "threaded", rate / 1_000_000 + "M", frameSize, rate * OFFERED, delivered, ratio,
            percentile(delays, 0.5) / 1e6, percentile(delays, 0.99) / 1e6,
            (percentile(delays, 0.99) - percentile(delays, 0.5)) / 1e6);
        return ratio;
    }

    private static double percentile(final long[] sorted, final double q)
    {
        return sorted.length == 0 ? 0 : sorted[(int)Math.min(sorted.length - 1, q * sorted.length)];
    }

    /** The sending guest's VNIC (capped) and the receiving one's on an etherstub, and their devices, not plugged. */
    private record Guests(Source source, Sink sink)
    {
        static Guests over(final LinkRegistry registry, final NanoClock clock, final long rate, final int frameSize)
        {
            final FramePool pool = ((SwitchLink)registry.createEtherstub("stub0", true)).switchOf().pool();
            registry.createVnic("src0", "stub0", MacSpec.fixed(SRC), 0,
                Map.of("maxbw", rate / 1000 + "K", "mtu", "1500"), true);
            registry.createVnic("dst0", "stub0", MacSpec.fixed(DST), 0, Map.of(), true);
            return new Guests(new Source(pool, clock, (long)(rate * OFFERED), frameSize), new Sink(pool, clock));
        }
    }

    /** A guest that sends frames at a set rate, from the clock. */
    private static final class Source implements PortDevice
    {
        private final FramePool pool;
        private final NanoClock clock;
        private final double framesPerNs;
        private final UnsafeBuffer template;
        private long startNs;
        private long sent;
        private boolean behind;

        Source(final FramePool pool, final NanoClock clock, final long bitsPerSecond, final int frameSize)
        {
            this.pool = pool;
            this.clock = clock;
            this.framesPerNs = bitsPerSecond / 8.0 / frameSize / 1e9;
            this.template = new UnsafeBuffer(new FrameBuilder().ethernet(DST, SRC)
                .ipv4(Ipv4Address.parse("10.0.0.1"), Ipv4Address.parse("10.0.0.2"))
                .udp(1, 2, frameSize - 42).toBytes());
            this.startNs = Long.MAX_VALUE;
        }

        void start(final long nowNs)
        {
            startNs = nowNs;
        }

        boolean behind()
        {
            return behind;
        }

        @Override
        public int receive(final FrameBatch batch)
        {
            final long now = clock.nanoTime();
            if (now < startNs)
            {
                return 0;
            }
            final long owed = (long)((now - startNs) * framesPerNs) - sent;
            int n = 0;
            while (n < owed && !batch.isFull())
            {
                final int frame = pool.allocate();
                if (frame == FramePool.NO_FRAME)
                {
                    break;
                }
                pool.length(frame, template.capacity());
                pool.buffer().putBytes(pool.offset(frame), template, 0, template.capacity());
                pool.buffer().putLong(pool.offset(frame) + STAMP_OFFSET, now); // for the sink's delay
                batch.add(frame);
                n++;
            }
            sent += n;
            behind = n < owed;
            return n;
        }

        /** Its next frame is due at a time: a threaded datapath sleeps no longer. */
        @Override
        public long nextDeadlineNs(final long nowNs)
        {
            return startNs == Long.MAX_VALUE ? Long.MAX_VALUE : startNs + (long)Math.ceil((sent + 1) / framesPerNs);
        }

        @Override
        public int transmit(final FrameBatch batch)
        {
            return 0;
        }
    }

    /** A guest that counts the bytes it receives inside the window, and frees every frame. */
    private static final class Sink implements PortDevice
    {
        private final FramePool pool;
        private final NanoClock clock;
        private long fromNs;
        private long toNs;
        long bytes;
        final long[] delays = new long[1 << 20];
        long delayCount;

        Sink(final FramePool pool, final NanoClock clock)
        {
            this.pool = pool;
            this.clock = clock;
        }

        void window(final long fromNs, final long toNs)
        {
            this.fromNs = fromNs;
            this.toNs = toNs;
        }

        @Override
        public int receive(final FrameBatch batch)
        {
            return 0;
        }

        @Override
        public int transmit(final FrameBatch batch)
        {
            final long now = clock.nanoTime();
            final boolean inside = now >= fromNs && now < toNs;
            for (int i = 0; i < batch.count(); i++)
            {
                final int frame = batch.handle(i);
                if (inside)
                {
                    bytes += pool.length(frame);
                    delays[(int)(delayCount++ & (delays.length - 1))] =
                        now - pool.buffer().getLong(pool.offset(frame) + STAMP_OFFSET);
                }
                pool.free(frame);
            }
            return batch.count();
        }
    }
}
