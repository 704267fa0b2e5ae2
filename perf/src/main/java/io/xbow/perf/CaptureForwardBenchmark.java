package io.xbow.perf;

import io.xbow.control.capture.file.CaptureFileOptions;
import io.xbow.control.capture.file.CaptureFiles;
import io.xbow.control.capture.file.CaptureWriter;
import io.xbow.packet.frame.FramePool;
import io.xbow.vlan.VlanPolicy;
import io.xbow.vswitch.SwitchConfig;
import io.xbow.vswitch.SwitchPort;
import io.xbow.vswitch.VirtualSwitch;
import io.xbow.vswitch.capture.CaptureDirection;
import io.xbow.vswitch.capture.CaptureLink;
import io.xbow.vswitch.capture.CaptureRegistry;
import io.xbow.vswitch.capture.CaptureSession;
import io.xbow.vswitch.capture.FrameFilter;
import org.agrona.concurrent.SystemNanoClock;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Forwarding while one port's traffic is captured to a pcap file on tmpfs: the L2ForwardBenchmark ring (each of
 * {@code ports} ports sends {@code batch} 64-byte frames a cycle to the next), with port p0 captured in both
 * directions through the daemon's path minus the socket: the datapath copies into the capture's ring, and a reader
 * thread writes pcap with the capture file writer (rotating over two 100 MB files so tmpfs stays bounded).
 * <p>
 * {@code capture=none} is the baseline; {@code port} captures everything of p0 (2/ports of all frames);
 * {@code reject} runs a capture whose filter takes nothing (the cost of the taps alone); {@code stalled} captures
 * p0 with a reader that never reads (the writer has fallen behind: every frame is dropped from the capture);
 * {@code drain} reads the rings and throws the frames away (the copy and the hand-off without the file). Rows: {@code frames} forwarded per second (all ports, one datapath thread), {@code captured} written to the
 * file per second, {@code dropped} from the capture per second because the writer fell behind.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {Jvm.ADD_EXPORTS, Jvm.MISC_UNSAFE})
@State(Scope.Thread)
public class CaptureForwardBenchmark
{
    @Param({"none", "reject", "stalled", "drain", "port"})
    String capture;

    @Param({"8"})
    int ports;

    @Param({"32"})
    int batch;

    /** Each tap's hand-off ring, KiB. */
    @Param({"4096"})
    int ringKiB;

    private static final int FRAME_SIZE = 64;

    private FramePool pool;
    private VirtualSwitch sw;
    private ReflectorDevice[] reflectors;
    private CaptureSession session;
    private Thread reader;
    private volatile boolean reading;
    private final AtomicLong written = new AtomicLong();
    private Path directory;

    /** Per-second rows beside the forwarding rate. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counters
    {
        public long frames;
        public long captured;
        public long dropped;
        long lastWritten;
        long lastDropped;

        @Setup(Level.Iteration)
        public void reset()
        {
            frames = 0;
            captured = 0;
            dropped = 0;
        }
    }

    @Setup
    public void setUp() throws IOException
    {
        pool = new FramePool(ports * batch + 64, 1600);
        sw = new VirtualSwitch("bench0", pool, SwitchConfig.defaults().withBatchSize(batch).withMaxPorts(16),
            SystemNanoClock.INSTANCE);
        reflectors = ReflectorRing.create(pool, ports, batch);
        final CaptureRegistry registry = new CaptureRegistry();
        for (int i = 0; i < ports; i++)
        {
            final SwitchPort port = sw.attach("p" + i, reflectors[i], VlanPolicy.DEFAULT);
            registry.register("p" + i, CaptureLink.port(port.captureIn(), port.captureOut()));
        }
        ReflectorRing.start(reflectors, pool, FRAME_SIZE, batch, sw::doWork);
        if (!capture.equals("none"))
        {
            final FrameFilter filter = capture.equals("reject") ? (buffer, offset, length, tci) -> 0 : FrameFilter.ALL;
            session = registry.start(List.of("p0"), CaptureDirection.INOUT, filter, CaptureSession.DEFAULT_SNAPLEN,
                ringKiB << 10);
            directory = Files.createTempDirectory(Path.of("/dev/shm"), "xbow-capture-bench");
            final CaptureWriter writer = CaptureFiles.open(CaptureFileOptions.of(
                directory.resolve("p0.pcap").toString(), false, List.of("p0")).withRotation(0, 100, 2),
                OutputStream.nullOutputStream());
            reading = true;
            reader = new Thread(() -> read(writer), "capture-reader");
            if (!capture.equals("stalled"))
            {
                reader.start();
            }
        }
    }

    private void read(final CaptureWriter writer)
    {
        final byte[] data = new byte[2048];
        try (writer)
        {
            while (reading)
            {
                final int n = capture.equals("drain") ?
                    session.poll((link, direction, ts, originalLength, buffer, offset, length) -> { }, 1024) :
                    session.poll((link, direction, ts, originalLength, buffer, offset, length) ->
                {
                    buffer.getBytes(offset, data, 0, length);
                    try
                    {
                        writer.write(link, direction, ts, originalLength, data, 0, length);
                    }
                    catch (final IOException ex)
                    {
                        throw new UncheckedIOException(ex);
                    }
                }, 1024);
                written.addAndGet(n);
                if (n == 0)
                {
                    writer.flush();
                    LockSupport.parkNanos(50_000);
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    @TearDown
    public void tearDown() throws Exception
    {
        if (session != null)
        {
            session.close();
            reading = false;
            if (reader.isAlive())
            {
                reader.join();
            }
            try (var files = Files.list(directory))
            {
                for (final Path file : files.toList())
                {
                    Files.delete(file);
                }
            }
            Files.delete(directory);
        }
        ReflectorRing.stop(sw, reflectors);
    }

    @Benchmark
    public int forward(final Counters counters)
    {
        final int moved = sw.doWork();
        counters.frames += moved;
        if (session != null && (counters.frames & 0x3FFF) < moved)
        {
            final long w = written.get();
            counters.captured += w - counters.lastWritten;
            counters.lastWritten = w;
            final long d = session.dropped();
            counters.dropped += d - counters.lastDropped;
            counters.lastDropped = d;
        }
        return moved;
    }
}
