package io.xbow.perf;

import io.xbow.nat.route.RouteTable;
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

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Longest-prefix match in the router's {@link RouteTable} with 1,000 and 100,000 routes shaped like an Internet
 * table (six in ten /24, the rest /8 to /23 and a few /25 to /32, a default route), for addresses spread over the
 * whole space, 1,024 lookups an operation; and {@code addRemove}: adding then removing one /24 in the full table.
 * The lookup rate should not depend on the number of routes (at most three array reads); the table's size is
 * printed at setup.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class RouteLookupBenchmark
{
    private static final int LOOKUPS = 1024;

    @Param({"1000", "100000"})
    int routes;

    private RouteTable table;
    private final int[] addresses = new int[LOOKUPS];
    private int toggle;

    @Setup(Level.Trial)
    public void setUp()
    {
        final Random random = new Random(42);
        table = new RouteTable();
        table.add(0, 0, 0);
        while (table.size() < routes)
        {
            final int kind = random.nextInt(100);
            final int length = kind < 60 ? 24 : kind < 95 ? 8 + random.nextInt(16) : 25 + random.nextInt(8);
            table.add(random.nextInt(), length, 1 + random.nextInt(1000));
        }
        for (int i = 0; i < LOOKUPS; i++)
        {
            addresses[i] = random.nextInt();
        }
        System.out.printf("%n%d routes: %.1f MiB of lookup tables%n", table.size(),
            table.footprintBytes() / 1048576.0);
    }

    @Benchmark
    @OperationsPerInvocation(LOOKUPS)
    public int lookup()
    {
        int sum = 0;
        for (final int address : addresses)
        {
            sum += table.lookup(address);
        }
        return sum;
    }

    @Benchmark
    public int addRemove()
    {
        final int prefix = 0xC633_6400 + (toggle++ & 0xFF) * 256; // 198.51.100.0/24 and its neighbours
        table.add(prefix, 24, 7);
        return table.remove(prefix, 24);
    }
}
