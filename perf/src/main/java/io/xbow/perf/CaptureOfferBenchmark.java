package io.xbow.perf;

import io.xbow.packet.address.Ipv4Address;
import io.xbow.packet.address.MacAddress;
import io.xbow.packet.build.FrameBuilder;
import io.xbow.vswitch.capture.CaptureDirection;
import io.xbow.vswitch.capture.CaptureHandler;
import io.xbow.vswitch.capture.CaptureLink;
import io.xbow.vswitch.capture.CapturePoint;
import io.xbow.vswitch.capture.CaptureRegistry;
import io.xbow.vswitch.capture.CaptureSession;
import io.xbow.vswitch.capture.FrameFilter;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The datapath's cost of one captured frame, alone on one thread: 32 64-byte frames offered to a capture point per
 * operation, then read back on the same thread (so the ring's lines stay in this core's cache: no cross-core cost).
 * {@code copy} is the baseline: the same 32 frames copied into a buffer of the ring's size with no capture code.
 * Score: ns per frame.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {Jvm.ADD_EXPORTS, Jvm.MISC_UNSAFE})
@State(Scope.Thread)
public class CaptureOfferBenchmark
{
    private static final int FRAMES = 32;

    @Param({"capture", "reject", "copy"})
    String mode;

    private final CapturePoint point = new CapturePoint();
    private CaptureSession session;
    private final UnsafeBuffer frames = new UnsafeBuffer(ByteBuffer.allocateDirect(FRAMES * 64));
    private final UnsafeBuffer target = new UnsafeBuffer(ByteBuffer.allocateDirect(1 << 20));
    private int targetOffset;
    private final CaptureHandler discard = (link, direction, ts, originalLength, buffer, offset, length) -> { };

    @Setup
    public void setUp()
    {
        final byte[] frame = new FrameBuilder().ethernet(MacAddress.parse("0:16:3e:0:0:2"),
            MacAddress.parse("0:16:3e:0:0:1")).ipv4(Ipv4Address.parse("10.0.0.1"), Ipv4Address.parse("10.0.0.2"))
            .udp(1000, 2000, 64 - 42).toBytes();
        for (int i = 0; i < FRAMES; i++)
        {
            frames.putBytes(i * 64, frame);
        }
        final CaptureRegistry registry = new CaptureRegistry();
        registry.register("p0", CaptureLink.port(point, new CapturePoint()));
        session = registry.start(List.of("p0"), CaptureDirection.IN,
            mode.equals("reject") ? (buffer, offset, length, tci) -> 0 : FrameFilter.ALL, CaptureSession.DEFAULT_SNAPLEN,
            1 << 20);
    }

    @TearDown
    public void tearDown()
    {
        session.close();
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public int offer()
    {
        if (mode.equals("copy"))
        {
            for (int i = 0; i < FRAMES; i++)
            {
                target.putBytes(targetOffset, frames, i * 64, 64);
                targetOffset = (targetOffset + 88) & ((1 << 20) - 128);
            }
            return targetOffset;
        }
        final var taps = point.taps();
        for (int i = 0; i < FRAMES; i++)
        {
            CapturePoint.offer(taps, frames, i * 64, 64, i, FrameFilter.NO_TAG);
        }
        return session.poll(discard, FRAMES);
    }
}
