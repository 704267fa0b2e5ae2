package io.xbow.perf;

import io.xbow.packet.address.Ipv4Address;
import io.xbow.packet.build.FrameBuilder;
import io.xbow.packet.codec.EthernetFlyweight;
import io.xbow.packet.codec.Ipv4Flyweight;
import io.xbow.packet.codec.TcpFlyweight;
import io.xbow.packet.parse.HeaderChain;
import io.xbow.packet.parse.ParseResult;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Parsing an Ethernet/IPv4/TCP header chain from an off-heap frame, in nanoseconds per frame:
 * {@code validate} runs the datapath's validation; {@code validateAndRead} also reads the 5-tuple through the
 * flyweights; {@code validateReadAndVerifyIpChecksum} adds the IPv4 header checksum.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {Jvm.ADD_EXPORTS, Jvm.MISC_UNSAFE})
@State(Scope.Thread)
public class CodecBenchmark
{
    private final HeaderChain chain = new HeaderChain();
    private final EthernetFlyweight ethernet = new EthernetFlyweight();
    private final Ipv4Flyweight ipv4 = new Ipv4Flyweight();
    private final TcpFlyweight tcp = new TcpFlyweight();
    private UnsafeBuffer buffer;
    private int length;

    @Setup
    public void setUp()
    {
        buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(2048));
        length = new FrameBuilder().ethernet(0x0016_3e00_0001L, 0x0016_3e00_0002L)
            .ipv4(Ipv4Address.parse("10.0.0.1"), Ipv4Address.parse("10.0.0.2"))
            .tcp(40000, 80, TcpFlyweight.ACK | TcpFlyweight.PSH, 1, 100)
            .writeTo(buffer, 64);
        if (chain.parse(buffer, 64, length) != ParseResult.OK)
        {
            throw new IllegalStateException("benchmark frame does not parse");
        }
    }

    @Benchmark
    public ParseResult validate()
    {
        return chain.parse(buffer, 64, length);
    }

    @Benchmark
    public long validateAndRead()
    {
        if (chain.parse(buffer, 64, length) != ParseResult.OK)
        {
            return -1;
        }
        ethernet.wrap(buffer, 64);
        ipv4.wrap(buffer, chain.l3Offset());
        tcp.wrap(buffer, chain.l4Offset());
        return ethernet.destination() ^ ipv4.source() ^ ((long)ipv4.destination() << 16) ^
            ((long)tcp.sourcePort() << 32) ^ tcp.destinationPort() ^ ipv4.protocol();
    }

    @Benchmark
    public long validateReadAndVerifyIpChecksum()
    {
        final long tuple = validateAndRead();
        return ipv4.isHeaderChecksumValid() ? tuple : -tuple;
    }
}
