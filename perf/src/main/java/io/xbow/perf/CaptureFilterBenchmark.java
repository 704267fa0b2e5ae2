package io.xbow.perf;

import io.xbow.control.capture.filter.CaptureFilter;
import io.xbow.packet.build.FrameBuilder;
import io.xbow.packet.filter.BpfMachine;
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
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * What a capture filter costs the datapath per frame: libpcap's compiled program run by {@link BpfMachine} on a
 * 64-byte TCP frame in an off-heap buffer, as it is (tag 0) or with an out-of-band VLAN tag shown in band (tag 100).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {Jvm.ADD_EXPORTS, Jvm.MISC_UNSAFE})
@State(Scope.Thread)
public class CaptureFilterBenchmark
{
    @Param({"tcp port 80 and host 10.0.0.2", "vlan 100 and tcp", "udp"})
    String filter;

    @Param({"0", "100"})
    int tag;

    private BpfMachine machine;
    private UnsafeBuffer buffer;
    private int length;
    private int tci;

    @Setup
    public void setUp()
    {
        machine = CaptureFilter.compile(filter, 262144);
        final byte[] frame = new FrameBuilder().ethernet(0x00163e000002L, 0x00163e000001L)
            .ipv4(0x0A000001, 0x0A000002).tcp(40000, 80, 0x02, 1, 10).toBytes();
        buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(2048));
        buffer.putBytes(64, frame);
        length = frame.length;
        tci = tag == 0 ? BpfMachine.NO_TAG : tag;
    }

    @Benchmark
    public int run()
    {
        return machine.run(buffer, 64, length, tci);
    }
}
