package io.xbow.perf;

import io.xbow.packet.frame.FramePool;
import io.xbow.vlan.VlanPolicy;
import io.xbow.vswitch.SwitchConfig;
import io.xbow.vswitch.SwitchPort;
import io.xbow.vswitch.VirtualSwitch;
import org.agrona.concurrent.SystemNanoClock;
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

import java.util.concurrent.TimeUnit;

/**
 * L2 forwarding through one switch on one thread, with a warm forwarding table: every port is a
 * {@link ReflectorDevice} that sends back what it receives, addressed to the next port, so each of the
 * {@code ports} ports has {@code batch} frames in flight and each duty cycle moves {@code ports * batch} frames
 * through the full path (header validation, VLAN ingress, learning, lookup, output batching, flush).
 * <p>
 * The score to read is {@code frames} (frames per second, a JMH auxiliary counter); {@code cycles} counts duty
 * cycles. Frame size, port count and batch size are parameters; one thread.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {Jvm.ADD_EXPORTS, Jvm.MISC_UNSAFE})
@State(Scope.Thread)
public class L2ForwardBenchmark
{
    @Param({"64", "1500"})
    int frameSize;

    @Param({"2", "16", "256"})
    int ports;

    @Param({"1", "32", "256"})
    int batch;

    private FramePool pool;
    private VirtualSwitch sw;
    private ReflectorDevice[] reflectors;

    @Setup
    public void setUp()
    {
        final int inFlight = ports * batch;
        pool = new FramePool(inFlight + 64, Math.max(1600, frameSize + 64));
        sw = new VirtualSwitch("bench0", pool,
            SwitchConfig.defaults().withBatchSize(batch).withMaxPorts(Math.max(ports, 16)),
            SystemNanoClock.INSTANCE);
        reflectors = ReflectorRing.create(pool, ports, batch);
        for (int i = 0; i < ports; i++)
        {
            sw.attach("p" + i, reflectors[i], VlanPolicy.DEFAULT);
        }
        ReflectorRing.start(reflectors, pool, frameSize, batch, sw::doWork);
        for (final SwitchPort port : sw.ports())
        {
            if (port.counters().totalDrops() != 0)
            {
                throw new IllegalStateException("warm-up dropped frames on " + port.name() + ": " + port.counters());
            }
        }
    }

    @TearDown
    public void tearDown()
    {
        // doWork() is this benchmark's thread; the table is safe to read here.
        if (sw.macTable().learnedCount() != ports)
        {
            throw new IllegalStateException("expected " + ports + " learned MACs, found " + sw.macTable().learnedCount());
        }
        ReflectorRing.stop(sw, reflectors);
        if (pool.outstanding() != 0)
        {
            throw new IllegalStateException(pool.outstanding() + " frames leaked");
        }
    }

    @Benchmark
    public int forward(final FrameCounter frames)
    {
        final int moved = sw.doWork();
        frames.frames += moved;
        return moved;
    }
}
