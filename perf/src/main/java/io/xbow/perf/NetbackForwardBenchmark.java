package io.xbow.perf;

import io.xbow.netback.backend.Netback;
import io.xbow.netback.event.LocalEventChannel;
import io.xbow.netback.frontend.Netfront;
import io.xbow.netback.shm.GuestMemory;
import io.xbow.packet.build.FrameBuilder;
import io.xbow.packet.frame.FrameOffload;
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

import static io.xbow.netback.ring.RingDescriptor.NETTXF_CSUM_BLANK;
import static io.xbow.netback.ring.RingDescriptor.XEN_NETIF_GSO_TYPE_TCPV4;

/**
 * Guest to guest through netback, the switch and netback, on one thread: guest A's frames (prepared in its TX
 * pages once, sent without copying) are copied by netback into the switch's pool, forwarded, and copied by the
 * other netback into guest B's posted buffers, which B hands back without copying. So a frame is copied twice, as
 * in Xen's grant-copy model. {@code memoryCopy} measures one core's copy rate in the same run (blocks of the frame
 * size between two 64 MiB buffers, beyond the caches as frames in flight are): the bound for frames/s is half its
 * copies/s. Read the {@code frames} rows (frames/s) and {@code memoryCopy} (copies/s).
 * <p>
 * Frame size 65000: TCP super-frames (a GSO extra, 16 TX pages, checksum blank) from a guest with TSO to a guest
 * that announced GSO, crossing the switch whole, in large slots.
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

    @Param({"64", "1500", "65000"})
    int frameSize;

    private static final int MSS = 1448;
    private boolean superFrames;

    private Path dir;
    private GuestMemory memA;
    private GuestMemory memB;
    private Netfront guestA;
    private Netfront guestB;
    private VirtualSwitch sw;
    private int received;
    private final Netfront.FrameHandler counter = (buffer, offset, length) -> received++;
    private final Netfront.PagesHandler pieces = (base, offsets, lengths, count, length) -> received++;
    /** Super-frames sent per round: as many as the TX ring's 256 slots take at 17 each. */
    private static final int SUPER_BURST = 8;
    private static final int SUPER_PAGES = 16;

    private UnsafeBuffer copyFrom;
    private UnsafeBuffer copyTo;
    private int copyAt;

    @Setup
    public void setUp() throws IOException
    {
        dir = Files.createTempDirectory(Path.of("/dev/shm").toFile().isDirectory() ? Path.of("/dev/shm") :
            Path.of(System.getProperty("java.io.tmpdir")), "xbow-bench");
        superFrames = frameSize > 1514;
        final FramePool pool = new FramePool(2048, 1522, 64);
        sw = new VirtualSwitch("stub0", pool, SwitchConfig.defaults(), SystemNanoClock.INSTANCE);
        memA = GuestMemory.create(dir.resolve("a"), Netfront.GRANT_PAGES, Netfront.GUEST_PAGES);
        memB = GuestMemory.create(dir.resolve("b"), Netfront.GRANT_PAGES, Netfront.GUEST_PAGES);
        final LocalEventChannel[] eventsA = LocalEventChannel.pair();
        final LocalEventChannel[] eventsB = LocalEventChannel.pair();
        guestA = new Netfront(memA, 0, eventsA[0]);
        guestB = new Netfront(memB, 0, eventsB[0]);
        sw.attach("vif1.0", Netback.connect(pool, memA, 0, Netfront.TX_RING_REF, Netfront.RX_RING_REF, eventsA[1],
            1500, false, 256, reason -> { }), VlanPolicy.DEFAULT);
        final Netback backB = Netback.connect(pool, memB, 0, Netfront.TX_RING_REF, Netfront.RX_RING_REF, eventsB[1],
            1500, superFrames, 256, reason -> { });
        if (superFrames)
        {
            backB.rxOffloads(FrameOffload.CAN_CSUM | FrameOffload.CAN_TSO4 | FrameOffload.CAN_TSO6);
        }
        sw.attach("vif2.0", backB, VlanPolicy.DEFAULT);
        sw.addStaticMac(1, A, sw.port("vif1.0"));
        sw.addStaticMac(1, B, sw.port("vif2.0"));
        final byte[] frame = superFrames ?
            new FrameBuilder().ethernet(B, A).ipv4(1, 2).tcp(1, 2, 0x10, 1, frameSize - 54).toBytes() :
            new FrameBuilder().ethernet(B, A).ipv4(1, 2).udp(1, 2, frameSize - 42).toBytes();
        for (int page = 0; page < 256; page++)
        {
            // A super-frame's pages all begin with its headers: whichever page comes first, they are there.
            memA.buffer().putBytes(guestA.txPageOffset(page), frame, 0, Math.min(frame.length, 4096));
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
        if (superFrames)
        {
            return forwardSuperFrames(frames);
        }
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

    private int forwardSuperFrames(final FrameCounter frames)
    {
        for (int i = 0; i < SUPER_BURST; i++)
        {
            if (!guestA.canSendInPages(SUPER_PAGES) ||
                !guestA.sendInPages(frameSize, NETTXF_CSUM_BLANK, XEN_NETIF_GSO_TYPE_TCPV4, MSS))
            {
                break;
            }
        }
        sw.doWork();
        received = 0;
        guestB.poll(pieces);
        frames.frames += received;
        return received;
    }

    @Benchmark
    public int memoryCopy()
    {
        final int stride = (frameSize + 63) & ~63;
        copyTo.putBytes(copyAt, copyFrom, copyAt, frameSize);
        copyAt += stride;
        if (copyAt + stride > (64 << 20))
        {
            copyAt = 0;
        }
        return copyAt;
    }
}
