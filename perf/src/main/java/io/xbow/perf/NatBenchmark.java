package io.xbow.perf;

import io.xbow.nat.conntrack.NatRules;
import io.xbow.nat.conntrack.NatTable;
import io.xbow.nat.rules.IpnatRules;
import io.xbow.packet.address.Ipv4Address;
import io.xbow.packet.build.FrameBuilder;
import io.xbow.packet.checksum.InternetChecksum;
import org.agrona.BufferUtil;
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
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteOrder;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Masquerade (a NatTable with one map rule) on one core (issue 16's targets: at least 10 M frames/s for established
 * flows, flat within 1.5x from 1k to 1M tracked connections, nothing allocated per frame; at least 1 M new
 * connections a second):
 * <ul>
 *   <li>{@code established}: 64-byte UDP and TCP datagrams of {@code active} connections chosen at random across a
 *   table of {@code connections}, a batch of 32 copied from off-heap templates (as a port would write them) and
 *   translated outbound, then 32 replies translated inbound; {@code establishedBatched} the same as the router does
 *   it, every lookup's memory loaded first;</li>
 *   <li>{@code newConnections}: a UDP connection opened per operation while the clock runs 1 ms an operation and the
 *   table expires every 32 (as the router's port does once a duty cycle), so connections older than UDP's 5 minutes
 *   go as fast as new ones come: the steady state of a busy NAT, about 300,000 connections.</li>
 * </ul>
 * The table's bytes per connection are printed at setup.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx8g"})
public class NatBenchmark
{
    private static final int BATCH = 32;
    private static final int TEMPLATES = 4096;
    private static final int FRAME = 64;
    private static final int IP = 14;
    private static final int OUTSIDE = Ipv4Address.parse("192.0.2.1");
    private static final int INSIDE = Ipv4Address.parse("10.0.0.0");
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    /** A table of established connections, and datagrams of them. */
    @State(Scope.Thread)
    public static class Table
    {
        @Param({"1000", "1000000"})
        int connections;

        /**
         * How many of them carry the traffic, chosen at random across the table: "1000" compares tables of every size
         * under the same traffic (the table's own cost); "8192" (each template a different connection) spreads it
         * further than the TLB reaches.
         */
        @Param({"1000", "8192"})
        int active;

        NatTable nat;
        final long startMs = 1_000_000;
        /** The clock: a millisecond every 128 batches (8,192 frames), about as fast as the frames go. */
        long batches;
        final UnsafeBuffer outTemplates = new UnsafeBuffer(BufferUtil.allocateDirectAligned(TEMPLATES * FRAME, 64));
        final UnsafeBuffer inTemplates = new UnsafeBuffer(BufferUtil.allocateDirectAligned(TEMPLATES * FRAME, 64));
        final UnsafeBuffer work = new UnsafeBuffer(BufferUtil.allocateDirectAligned(BATCH * FRAME, 64));
        int next;
        final int[] tags = new int[BATCH];

        @Setup(Level.Trial)
        public void setUp()
        {
            nat = new NatTable(masquerade(), new NatTable.Config(connections, connections, false,
                7_440_000, 240_000, 300_000, 60_000), startMs);
            // 1,000 inside endpoints (endpoint-independent: a mapping each), each with connections / 1000 remotes.
            final int remotesEach = Math.max(1, connections / 1000);
            final Random random = new Random(42);
            final UnsafeBuffer scratch = new UnsafeBuffer(new byte[FRAME]);
            final int[][] made = new int[connections][];
            int n = 0;
            for (int e = 0; e < 1000 && n < connections; e++)
            {
                final int guest = INSIDE | (e + 2);
                for (int r = 0; r < remotesEach && n < connections; r++)
                {
                    final int remote = Ipv4Address.parse("198.51.0.0") | (r & 0xFFFF);
                    final int remotePort = 1024 + (r >>> 16);
                    final boolean tcp = (n & 1) == 1;
                    scratch.putBytes(0, build(tcp, guest, 20000, remote, remotePort));
                    if (nat.outbound(scratch, IP, startMs) != NatTable.TRANSLATED)
                    {
                        throw new IllegalStateException("connection " + n + " refused");
                    }
                    made[n++] = new int[] {tcp ? 1 : 0, guest, remote, remotePort, scratch.getShort(34, BE) & 0xFFFF};
                }
            }
            final int[] carrying = new int[Math.min(active, n)];
            for (int i = 0; i < carrying.length; i++)
            {
                carrying[i] = n == carrying.length ? i : random.nextInt(n);
            }
            for (int i = 0; i < TEMPLATES; i++)
            {
                final int[] c = made[carrying[i % carrying.length]];
                outTemplates.putBytes(i * FRAME, build(c[0] == 1, c[1], 20000, c[2], c[3]));
                final int[] d = made[carrying[(i + TEMPLATES) % carrying.length]];
                inTemplates.putBytes(i * FRAME, build(d[0] == 1, d[2], d[3], OUTSIDE, d[4]));
            }
            System.out.printf("%n%d connections tracked, %d carrying traffic, %d bytes of table per connection%n",
                nat.size(), carrying.length, nat.bytesPerConnection());
        }
    }

    /** A table new connections churn through. */
    @State(Scope.Thread)
    public static class Churn
    {
        NatTable nat;
        long clockMs = 1_000_000;
        int port;
        final UnsafeBuffer frame = new UnsafeBuffer(BufferUtil.allocateDirectAligned(FRAME, 64));
        final UnsafeBuffer template = new UnsafeBuffer(BufferUtil.allocateDirectAligned(FRAME, 64));

        @Setup(Level.Trial)
        public void setUp()
        {
            nat = new NatTable(masquerade(), new NatTable.Config(1 << 20, 1 << 20, false, 7_440_000,
                240_000, 300_000, 60_000), clockMs);
            template.putBytes(0, build(false, INSIDE | 9, 30000, Ipv4Address.parse("198.51.100.1"), 53));
        }
    }

    /** {@code map ... INSIDE/8 -> 0/32 portmap tcp/udp auto}. */
    static NatRules masquerade()
    {
        return NatRules.of(OUTSIDE, IpnatRules.parse("map net0 " + Ipv4Address.format(INSIDE) +
            "/8 -> 0/32 portmap tcp/udp auto", "NatBenchmark"));
    }

    static byte[] build(final boolean tcp, final int from, final int sport, final int to, final int dport)
    {
        final FrameBuilder b = new FrameBuilder().ethernet(1, 2).ipv4(from, to);
        final byte[] bytes = (tcp ? b.tcp(sport, dport, 0x10, 1, 10) : b.udp(sport, dport, 22)).toBytes();
        final byte[] frame = new byte[FRAME];
        System.arraycopy(bytes, 0, frame, 0, Math.min(FRAME, bytes.length));
        return frame;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH * 2)
    public int established(final Table t)
    {
        final NatTable nat = t.nat;
        final UnsafeBuffer work = t.work;
        final long nowMs = t.startMs + t.batches++ / 128;
        int translated = 0;
        for (int i = 0; i < BATCH; i++)
        {
            work.putBytes(i * FRAME, t.outTemplates, (t.next++ & (TEMPLATES - 1)) * FRAME, FRAME);
            translated += nat.outbound(work, i * FRAME + IP, nowMs);
        }
        for (int i = 0; i < BATCH; i++)
        {
            work.putBytes(i * FRAME, t.inTemplates, (t.next++ & (TEMPLATES - 1)) * FRAME, FRAME);
            translated += nat.inbound(work, i * FRAME + IP, nowMs);
        }
        return translated;
    }

    /**
     * The same, a batch at a time as the router hands them over: every frame's index slot loaded first, then every
     * record, then the translations (the loads of a pass do not depend on each other, so their misses overlap).
     */
    @Benchmark
    @OperationsPerInvocation(BATCH * 2)
    public long establishedBatched(final Table t)
    {
        final NatTable nat = t.nat;
        final UnsafeBuffer work = t.work;
        final int[] tags = t.tags;
        final long nowMs = t.startMs + t.batches++ / 128;
        long sink = 0;
        for (int direction = 0; direction < 2; direction++)
        {
            final boolean outbound = direction == 0;
            final UnsafeBuffer templates = outbound ? t.outTemplates : t.inTemplates;
            for (int i = 0; i < BATCH; i++)
            {
                work.putBytes(i * FRAME, templates, (t.next++ & (TEMPLATES - 1)) * FRAME, FRAME);
                tags[i] = nat.lookupTag(work, i * FRAME + IP, outbound);
                sink += nat.touch(tags[i], outbound);
            }
            for (int i = 0; i < BATCH; i++)
            {
                sink += nat.touchRecord(tags[i], outbound);
            }
            for (int i = 0; i < BATCH; i++)
            {
                sink += outbound ? nat.outbound(work, i * FRAME + IP, nowMs) : nat.inbound(work, i * FRAME + IP,
                    nowMs);
            }
        }
        return sink;
    }

    @Benchmark
    public int newConnections(final Churn c)
    {
        final long now = ++c.clockMs;
        if ((now & 31) == 0)
        {
            c.nat.expire(now); // as the router's port does once a duty cycle
        }
        final UnsafeBuffer frame = c.frame;
        frame.putBytes(0, c.template, 0, FRAME);
        final int port = 1024 + (c.port++ % 60000);
        frame.putShort(36, (short)port, BE); // a new remote port, or address, each time: a new connection
        frame.putInt(30, Ipv4Address.parse("198.51.100.0") | (c.port / 60000 & 0xFF), BE);
        frame.putShort(24, (short)0);
        frame.putShort(24, (short)InternetChecksum.ipv4HeaderChecksum(frame, IP, 20), BE);
        frame.putShort(40, (short)0); // no UDP checksum: the header changes each time
        final int result = c.nat.outbound(frame, IP, now);
        if (result != NatTable.TRANSLATED)
        {
            throw new IllegalStateException("a new connection was refused: the benchmark would measure refusals");
        }
        return result;
    }
}
