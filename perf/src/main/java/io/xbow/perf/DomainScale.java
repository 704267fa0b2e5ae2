package io.xbow.perf;

import io.xbow.control.api.ApiClient;
import io.xbow.control.cli.DladmCommand;
import io.xbow.control.cli.XlCommand;
import io.xbow.control.daemon.Xbowd;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The hypervisor core's targets against an in-process daemon, through the CLI code and the socket (all but the
 * JVM start of a {@code bin/xl} process):
 * <ol>
 *   <li>{@code xl create} + {@code xl destroy} of a one-vif domain, median of many, against the baseline of
 *       {@code dladm create-vnic} + {@code delete-vnic} measured in the same run;</li>
 *   <li>N emulated domains with one vif each on one etherstub, each pinging its neighbour; heap used after GC.</li>
 * </ol>
 * Usage: {@code java -cp benchmarks.jar io.xbow.perf.DomainScale [ITERATIONS] [DOMAINS]}.
 */
public final class DomainScale
{
    private DomainScale()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        final int domains = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        final Path dir = Files.createTempDirectory("xbow-domain-scale");
        final Xbowd daemon = new Xbowd(dir.resolve("sock"), dir.resolve("state"), null, null, false, "perf");
        daemon.start();
        try (ApiClient client = new ApiClient(daemon.socket()))
        {
            dladm(client, "create-etherstub", "stub0");
            final Path cfg = dir.resolve("one.cfg");
            Files.writeString(cfg, "name = 'one'\nvif = [ 'bridge=stub0' ]\n");

            final long[] baseline = new long[iterations];
            final long[] domain = new long[iterations];
            for (int i = 0; i < iterations + 20; i++) // the first 20 warm up
            {
                long start = System.nanoTime();
                dladm(client, "create-vnic", "-t", "-l", "stub0", "probe0");
                dladm(client, "delete-vnic", "probe0");
                final long b = System.nanoTime() - start;
                start = System.nanoTime();
                xl(client, "create", cfg.toString());
                xl(client, "destroy", "one");
                final long d = System.nanoTime() - start;
                if (i >= 20)
                {
                    baseline[i - 20] = b;
                    domain[i - 20] = d;
                }
            }
            final double baseMs = median(baseline) / 1e6;
            final double domainMs = median(domain) / 1e6;
            System.out.printf("xl create + destroy (1 vif): median %.2f ms; dladm create-vnic + delete-vnic: " +
                "median %.2f ms; ratio %.2f (%d iterations)%n", domainMs, baseMs, domainMs / baseMs, iterations);

            final long startCreate = System.nanoTime();
            for (int i = 0; i < domains; i++)
            {
                final Path c = dir.resolve("d" + i + ".cfg");
                Files.writeString(c, "name = 'd" + i + "'\nvif = [ 'bridge=stub0,ip=10." + (i >> 8) + "." +
                    (i & 255) + ".1' ]\n");
                xl(client, "create", c.toString());
            }
            final double createS = (System.nanoTime() - startCreate) / 1e9;
            int answered = 0;
            final long startPing = System.nanoTime();
            for (int i = 0; i < domains; i++)
            {
                final int next = (i + 1) % domains;
                final String out = xl(client, "ping", "d" + i, "10." + (next >> 8) + "." + (next & 255) + ".1",
                    "-c", "1", "-W", "2");
                if (out.contains("1 received"))
                {
                    answered++;
                }
            }
            final double pingS = (System.nanoTime() - startPing) / 1e9;
            System.gc();
            Thread.sleep(200);
            System.gc();
            final long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            System.out.printf("%d domains: created in %.1f s; %d of %d pinged their neighbour (%.1f s); " +
                "heap used after GC %.1f MiB%n", domains, createS, answered, domains, pingS, heap / 1048576.0);
        }
        finally
        {
            daemon.close();
        }
    }

    private static String dladm(final ApiClient client, final String... argv)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        if (DladmCommand.run(client, new PrintWriter(out), new PrintWriter(err), argv) != 0)
        {
            throw new IllegalStateException("dladm " + String.join(" ", argv) + ": " + err);
        }
        return out.toString();
    }

    private static String xl(final ApiClient client, final String... argv)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int status = XlCommand.run(client.xl(), new PrintWriter(out), new PrintWriter(err), argv);
        if (status != 0 && !argv[0].equals("ping"))
        {
            throw new IllegalStateException("xl " + String.join(" ", argv) + ": " + err);
        }
        return out.toString();
    }

    private static long median(final long[] values)
    {
        final long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
