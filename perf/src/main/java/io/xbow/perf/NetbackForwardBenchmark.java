package io.xbow.perf;

import io.xbow.netback.backend.Netback;
import io.xbow.netback.event.LocalEventChannel;
import io.xbow.netback.frontend.Netfront;
import io.xbow.netback.shm.GuestMemory;
import io.xbow.packet.build.FrameBuilder;
import io.xbow.packet.frame.FramePool;
import io.xbow.vlan.VlanPolicy;
import io.xbow.vswitch.SwitchConfig;
import io.xbow.vswitch.VirtualSwitch;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Guest to guest through netback, the switch and netback, on one thread: guest A's frames (prepared in its TX
 * pages once, sent without copying) are copied by netback into the switch's pool, forwarded, and copied by the
 * other netback into guest B's posted buffers, which B hands back without copying. So a frame is copied twice, as
 * in Xen's grant-copy model. {@code memoryCopy} measures one core's copy bandwidth B in the same run (1500-byte
 * blocks between two 64 MiB buffers, beyond the caches as frames in flight are); for 1500-byte frames the bound is
 * B/2 bytes of frames per second. Read the {@code frames} rows (frames/s) and {@code memoryCopy} (copies/s).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {Jvm.ADD_EXPORTS, Jvm.MISC_UNSAFE})
@State(Scope.Thread)
public class NetbackForwardBenchmark
{
    private static final long A = 0x0016_3e00_0001L;
    private static final long B = 0x0016_3e00_0002L;
    private static final int BURST = 32;

    @Param({"64", "1500"})
    int frameSize;

    private Path dir;
    private GuestMemory memA;
    private GuestMemory memB;
    private Netfront guestA;
    private Netfront guestB;
    private VirtualSwitch sw;
    private int received;
    private final Netfront.FrameHandler counter = (buffer, offset, length) -> received++;

    private UnsafeBuffer copyFrom;
    private UnsafeBuffer copyTo;
    private int copyAt;

    @Setup
    public void setUp() throws IOException
    {
        dir = Files.createTempDirectory(Path.of("/dev/shm").toFile().isDirectory() ? Path.of("/dev/shm") :
            Path.of(System.getProperty("java.io.tmpdir")), "xbow-bench");
        final FramePool pool = new FramePool(2048);
        sw = new VirtualSwitch("stub0", pool, SwitchConfig.defaults(), SystemNanoClock.INSTANCE);
        memA = GuestMemory.create(dir.resolve("a"), Netfront.GRANT_PAGES, Netfront.GUEST_PAGES);
        memB = GuestMemory.create(dir.resolve("b"), Netfront.GRANT_PAGES, Netfront.GUEST_PAGES);
        final LocalEventChannel[] eventsA = LocalEventChannel.pair();
        final LocalEventChannel[] eventsB = LocalEventChannel.pair();
        guestA = new Netfront(memA, 0, eventsA[0]);
        guestB = new Netfront(memB, 0, eventsB[0]);
        sw.attach("vif1.0", Netback.connect(pool, memA, 0, Netfront.TX_RING_REF, Netfront.RX_RING_REF, eventsA[1],
            1500, false, 256, reason -> { }), VlanPolicy.DEFAULT);
        sw.attach("vif2.0", Netback.connect(pool, memB, 0, Netfront.TX_RING_REF, Netfront.RX_RING_REF, eventsB[1],
            1500, false, 256, reason -> { }), VlanPolicy.DEFAULT);
        sw.addStaticMac(1, A, sw.port("vif1.0"));
        sw.addStaticMac(1, B, sw.port("vif2.0"));
        final byte[] frame = new FrameBuilder().ethernet(B, A).ipv4(1, 2).udp(1, 2, frameSize - 42).toBytes();
        for (int page = 0; page < 256; page++)
        {
            memA.buffer().putBytes(guestA.txPageOffset(page), frame);
        }
        sw.doWork();

        copyFrom = new UnsafeBuffer(ByteBuffer.allocateDirect(64 << 20));
        copyTo = new UnsafeBuffer(ByteBuffer.allocateDirect(64 << 20));
        copyFrom.setMemory(0, 64 << 20, (byte)1);
        copyTo.setMemory(0, 64 << 20, (byte)2);
    }

    @TearDown
    public void tearDown() throws IOException
    {
        memA.close();
        memB.close();
        Files.deleteIfExists(dir.resolve("a"));
        Files.deleteIfExists(dir.resolve("b"));
        Files.deleteIfExists(dir);
    }

    @Benchmark
    public int forward(final FrameCounter frames)
    {
        for (int i = 0; i < BURST; i++)
        {
            if (!guestA.sendPrepared(frameSize, 0))
            {
                break;
            }
        }
        sw.doWork();
        received = 0;
        guestB.poll(counter);
        frames.frames += received;
        return received;
    }

    @Benchmark
    public int memoryCopy()
    {
        copyTo.putBytes(copyAt, copyFrom, copyAt, 1500);
        copyAt += 1536;
        if (copyAt + 1536 > (64 << 20))
        {
            copyAt = 0;
        }
        return copyAt;
    }
}
