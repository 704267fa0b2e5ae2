package io.xbow.perf;

import io.xbow.vswitch.fdb.MacTable;
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
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Forwarding table lookups with 1k, 100k and 1M learned entries, in nanoseconds per lookup.
 * <ul>
 *   <li>{@code hot}: lookups go to 1024 of the entries, as a switch's traffic mostly does; this shows whether the
 *   table's algorithm stays flat as it grows.</li>
 *   <li>{@code uniform}: lookups go to any entry at random; past the CPU caches this measures memory latency.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {Jvm.ADD_EXPORTS, Jvm.MISC_UNSAFE})
@State(Scope.Thread)
public class FdbLookupBenchmark
{
    private static final int LOOKUPS = 1024;

    @Param({"1000", "100000", "1000000"})
    int entries;

    /**
     * {@code hot}: lookups over 1,024 of the entries; {@code uniform}: over all; {@code adversarial}: every entry is
     * a MAC a guest chose so that the keys, if hashed without a secret, land in one bucket, looked up uniformly
     * (use with entries of a few thousand: setting up costs 8,192 hashes an entry).
     */
    @Param({"hot", "uniform", "adversarial"})
    String pattern;

    private MacTable table;
    private long[] probeMacs;
    private int[] probeVids;

    @Setup
    public void setUp()
    {
        table = new MacTable(1024, entries, entries, Long.MAX_VALUE >>> 20);
        final SplittableRandom random = new SplittableRandom(1);
        final long[] macs = new long[entries];
        final int[] vids = new int[entries];
        final boolean adversarial = pattern.equals("adversarial");
        for (int i = 0; i < entries; i++)
        {
            if (adversarial)
            {
                // Found offline, as a guest could: MACs whose table keys hash (Agrona's public, unkeyed mixer) to
                // the same low 13 bits, so that without a secret they share one bucket of any table up to 16k slots.
                vids[i] = 1;
                long mac;
                do
                {
                    mac = random.nextLong() & 0xFEFF_FFFF_FFFFL;
                }
                while ((org.agrona.collections.Hashing.hash(1L << 48 | mac) & 0x1FFF) != 0x0ABC);
                macs[i] = mac;
            }
            else
            {
                macs[i] = random.nextLong() & 0xFEFF_FFFF_FFFFL;
                vids[i] = 1 + random.nextInt(4094);
            }
            table.learn(vids[i], macs[i], random.nextInt(1024), 0);
        }
        final int span = pattern.equals("hot") ? Math.min(1024, entries) : entries;
        probeMacs = new long[LOOKUPS * 64];
        probeVids = new int[probeMacs.length];
        for (int i = 0; i < probeMacs.length; i++)
        {
            final int index = random.nextInt(span);
            probeMacs[i] = macs[index];
            probeVids[i] = vids[index];
        }
    }

    private int cursor;

    @Benchmark
    @OperationsPerInvocation(LOOKUPS)
    public int lookup()
    {
        int sum = 0;
        int c = cursor;
        for (int i = 0; i < LOOKUPS; i++)
        {
            sum += table.lookup(probeVids[c], probeMacs[c], 1);
            c = (c + 1) & (probeMacs.length - 1);
        }
        cursor = c;
        return sum;
    }
}
