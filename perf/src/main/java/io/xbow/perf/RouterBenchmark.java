package io.xbow.perf;

import io.xbow.nat.router.Router;
import io.xbow.nat.router.RouterInterface;
import io.xbow.packet.address.Ipv4Address;
import io.xbow.packet.checksum.InternetChecksum;
import io.xbow.packet.frame.FrameBatch;
import io.xbow.packet.frame.FramePool;
import io.xbow.vlan.VlanPolicy;
import io.xbow.vswitch.SwitchConfig;
import io.xbow.vswitch.VirtualSwitch;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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

import java.nio.ByteOrder;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The router's IPv4 forwarding, on one core, of 64-byte frames between two links, with 10 and 100,000 routes
 * (issue 15's target: at least 10 M frames/s, flat within 1.5x from 10 to 100k routes, nothing allocated per
 * frame). A batch of 32 frames, each written into link A's pool (as a port would), is handed to the router's port on
 * A as the switch hands it frames; the router checks each header, looks its destination up (spread over every
 * route), copies it into link B's pool, decrements its TTL and addresses it to the gateway's MAC; the benchmark
 * then takes them from the router's port on B, as B's switch would, and frees them. Switches are not in the
 * measured path: {@code L2ForwardBenchmark} measures them.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class RouterBenchmark
{
    private static final int BATCH = 32;
    private static final int DESTINATIONS = 1024;
    private static final int FRAME = 64;
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;
    private static final long ROUTER_A = 0x0216_3e00_0fa0L;
    private static final long ROUTER_B = 0x0216_3e00_0fb0L;
    private static final long HOST_A = 0x0216_3e00_000aL;
    private static final long GATEWAY_B = 0x0216_3e00_000bL;

    @Param({"10", "100000"})
    int routes;

    private long now = TimeUnit.SECONDS.toNanos(1);
    private FramePool poolA;
    private FramePool poolB;
    private VirtualSwitch swA;
    private VirtualSwitch swB;
    private RouterInterface ifA;
    private RouterInterface ifB;
    private final FrameBatch in = new FrameBatch(BATCH);
    private final FrameBatch out = new FrameBatch(BATCH);
    /**
     * The frames' source: off-heap and cache-line aligned, as a NIC's ring would be. From a heap array (placed
     * anywhere) the copies ran at one of two speeds from one JVM to the next: 8.2 or 11.8 M frames/s over 4 forks.
     */
    private final UnsafeBuffer templates = new UnsafeBuffer(
        org.agrona.BufferUtil.allocateDirectAligned(DESTINATIONS * FRAME, 64));
    private int next;

    @Setup(Level.Trial)
    public void setUp()
    {
        poolA = new FramePool(4096);
        poolB = new FramePool(4096);
        swA = new VirtualSwitch("a0", poolA, SwitchConfig.defaults(), () -> now);
        swB = new VirtualSwitch("b0", poolB, SwitchConfig.defaults(), () -> now);
        final Router router = new Router(100, 1024, now);
        ifA = router.addInterface("a0", ROUTER_A, Ipv4Address.parse("192.0.2.1"), 24, 1500, now);
        ifB = router.addInterface("b0", ROUTER_B, Ipv4Address.parse("198.51.100.1"), 24, 1500, now);
        swA.attach("router", ifA.port(), VlanPolicy.DEFAULT);
        swB.attach("router", ifB.port(), VlanPolicy.DEFAULT);
        swA.doWork();
        swB.doWork();
        final int gateway = Ipv4Address.parse("198.51.100.254");
        final Random random = new Random(42);
        final int[] prefixes = new int[routes];
        int added = 0;
        while (added < routes)
        {
            final int kind = random.nextInt(100);
            final int length = routes <= 10 ? 8 : kind < 60 ? 24 : kind < 95 ? 8 + random.nextInt(16) :
                25 + random.nextInt(8);
            final int prefix = random.nextInt() & (-1 << (32 - length));
            if ((prefix >>> 24) == 192 || (prefix >>> 24) == 198 || (prefix >>> 24) == 0 || (prefix >>> 28) >= 14)
            {
                continue;
            }
            if (router.addRoute(prefix, length, gateway) == Router.ADDED)
            {
                prefixes[added++] = prefix;
            }
        }
        // The gateway answers the router's ARP: every datagram goes straight out.
        learnGateway(gateway);
        for (int i = 0; i < DESTINATIONS; i++)
        {
            final int destination = prefixes[random.nextInt(routes)] | 1;
            writeTemplate(i * FRAME, Ipv4Address.parse("192.0.2.10"), destination);
        }
        System.out.printf("%n%d routes%n", routes);
    }

    private void learnGateway(final int gateway)
    {
        final int frame = poolB.allocate();
        final UnsafeBuffer b = new UnsafeBuffer(poolB.buffer().addressOffset() + poolB.offset(frame), 60);
        b.setMemory(0, 60, (byte)0);
        putMac(b, 0, ROUTER_B);
        putMac(b, 6, GATEWAY_B);
        b.putShort(12, (short)0x0806, BE);
        b.putShort(14, (short)1, BE);
        b.putShort(16, (short)0x0800, BE);
        b.putByte(18, (byte)6);
        b.putByte(19, (byte)4);
        b.putShort(20, (short)2, BE);
        putMac(b, 22, GATEWAY_B);
        b.putInt(28, gateway, BE);
        putMac(b, 32, ROUTER_B);
        b.putInt(38, Ipv4Address.parse("198.51.100.1"), BE);
        poolB.length(frame, 60);
        in.clear();
        in.add(frame);
        ifB.port().transmit(in);
        in.clear();
    }

    private void writeTemplate(final int at, final int source, final int destination)
    {
        putMac(templates, at, ROUTER_A);
        putMac(templates, at + 6, HOST_A);
        templates.putShort(at + 12, (short)0x0800, BE);
        final int ip = at + 14;
        templates.putByte(ip, (byte)0x45);
        templates.putShort(ip + 2, (short)(FRAME - 14), BE);
        templates.putShort(ip + 4, (short)0x1234, BE);
        templates.putByte(ip + 8, (byte)64);
        templates.putByte(ip + 9, (byte)17);
        templates.putInt(ip + 12, source, BE);
        templates.putInt(ip + 16, destination, BE);
        templates.putShort(ip + 10, (short)InternetChecksum.ipv4HeaderChecksum(templates, ip, 20), BE);
        templates.putShort(ip + 20, (short)40000, BE);
        templates.putShort(ip + 22, (short)9, BE);
        templates.putShort(ip + 24, (short)(FRAME - 34), BE);
    }

    private static void putMac(final UnsafeBuffer b, final int at, final long mac)
    {
        b.putShort(at, (short)(mac >>> 32), BE);
        b.putInt(at + 2, (int)mac, BE);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int forward()
    {
        in.clear();
        for (int i = 0; i < BATCH; i++)
        {
            final int frame = poolA.allocate();
            poolA.buffer().putBytes(poolA.offset(frame), templates, (next++ & (DESTINATIONS - 1)) * FRAME, FRAME);
            poolA.length(frame, FRAME);
            in.add(frame);
        }
        ifA.port().transmit(in);
        out.clear();
        final int taken = ifB.port().receive(out);
        for (int i = 0; i < out.count(); i++)
        {
            poolB.free(out.handle(i));
        }
        return taken;
    }

    @TearDown(Level.Trial)
    public void check()
    {
        if (ifA.counter(RouterInterface.FORWARDED) == 0)
        {
            throw new IllegalStateException("nothing was forwarded");
        }
        if (poolA.outstanding() != 0)
        {
            throw new IllegalStateException(poolA.outstanding() + " frames of link A were not freed");
        }
    }
}
