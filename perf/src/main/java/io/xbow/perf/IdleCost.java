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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What an idle daemon costs, and how quickly two emulated guests answer each other, against an in-process daemon:
 * <ol>
 *   <li>100 VNICs and 10 running emulated domains (one vif each), left alone: the process's CPU time over a
 *       measurement window after settling, as a share of one core;</li>
 *   <li>{@code xl ping} between two of the guests: the median and the 90th percentile of the round-trip times
 *       ping prints.</li>
 * </ol>
 * Usage: {@code java -cp benchmarks.jar io.xbow.perf.IdleCost [SETTLE_S] [WINDOW_S] [PINGS] [VNICS] [DOMAINS]}
 * (defaults 10 30 200 100 10).
 */
public final class IdleCost
{
    private static final Pattern TIME = Pattern.compile("time=([\\d.]+) ms");

    private IdleCost()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final int settleS = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        final int windowS = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        final int pings = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        final int vnics = args.length > 3 ? Integer.parseInt(args[3]) : 100;
        final int domains = args.length > 4 ? Integer.parseInt(args[4]) : 10;
        final com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
            ManagementFactory.getOperatingSystemMXBean();
        // The baseline, same method and window: this JVM with nothing of xbow running (its own housekeeping).
        final long base0 = os.getProcessCpuTime();
        final long baseWall0 = System.nanoTime();
        Thread.sleep(windowS * 1000L);
        final double baseline = (os.getProcessCpuTime() - base0) / (double)(System.nanoTime() - baseWall0);
        System.out.printf("baseline: the JVM alone: %.3f%% of a core over %d s%n", 100 * baseline, windowS);
        final Path dir = Files.createTempDirectory("xbow-idle-cost");
        final Xbowd daemon = new Xbowd(dir.resolve("sock"), dir.resolve("state"), null, null, false, "perf");
        daemon.start();
        try (ApiClient client = new ApiClient(daemon.socket()))
        {
            dladm(client, "create-etherstub", "-t", "stub0");
            dladm(client, "create-etherstub", "-t", "stub1");
            for (int i = 0; i < vnics; i++)
            {
                dladm(client, "create-vnic", "-t", "-l", "stub1", "idle" + i);
            }
            for (int i = 0; i < domains; i++)
            {
                final Path cfg = dir.resolve("d" + i + ".cfg");
                Files.writeString(cfg, "name = 'd" + i + "'\nvif = [ 'bridge=stub0,ip=192.0.2." + (i + 1) + "' ]\n");
                xl(client, "create", cfg.toString());
            }
            // A daemon goes idle after carrying traffic: these resolve ARP and let the JIT compile the path, which
            // would otherwise be timed compiling (medians 2-3 times higher over the first few hundred pings).
            xl(client, "ping", "d0", "192.0.2.2", "-c", "1000", "-i", "0.005");
            Thread.sleep(settleS * 1000L);
            final java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            final java.util.Map<Long, Long> before = new java.util.HashMap<>();
            for (final long id : threads.getAllThreadIds())
            {
                before.put(id, threads.getThreadCpuTime(id));
            }
            final java.util.Map<String, Long> tasks0 = taskTicks();
            final long cpu0 = os.getProcessCpuTime();
            final long wall0 = System.nanoTime();
            Thread.sleep(windowS * 1000L);
            final long wall = System.nanoTime() - wall0;
            final double share = (os.getProcessCpuTime() - cpu0) / (double)wall;
            System.out.printf("idle: %d VNICs, %d emulated domains: %.3f%% of a core over %d s (after %d s); " +
                "%.3f%% above the baseline%n", vnics, domains, 100 * share, windowS, settleS, 100 * (share - baseline));
            // Every thread of the process, the JVM's own (GC, compilers) included, from /proc: 10 ms ticks.
            final java.util.Map<String, Long> tasks1 = taskTicks();
            tasks1.forEach((task, ticks) ->
            {
                final long used = ticks - tasks0.getOrDefault(task, 0L);
                if (used > 0)
                {
                    System.out.printf("  task %-27s %d ticks (%.3f%%)%n", task, used, 100.0 * used * 1e7 / wall);
                }
            });
            for (final java.lang.management.ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds()))
            {
                if (info == null)
                {
                    continue;
                }
                final long used = threads.getThreadCpuTime(info.getThreadId()) -
                    before.getOrDefault(info.getThreadId(), 0L);
                if (used > wall / 10_000)
                {
                    System.out.printf("  %-32s %.3f%%%n", info.getThreadName(), 100.0 * used / wall);
                }
            }

            final List<Double> rtts = new ArrayList<>();
            for (int round = 0; round < pings / 50; round++)
            {
                final Matcher m = TIME.matcher(xl(client, "ping", "d0", "192.0.2.2", "-c", "50", "-i", "0.01"));
                while (m.find())
                {
                    rtts.add(Double.parseDouble(m.group(1)));
                }
            }
            Collections.sort(rtts);
            System.out.printf("xl ping d0 -> d1: %d replies, median %.0f us, p90 %.0f us, min %.0f us%n", rtts.size(),
                1000 * rtts.get(rtts.size() / 2), 1000 * rtts.get(rtts.size() * 9 / 10), 1000 * rtts.get(0));
        }
        finally
        {
            daemon.close();
        }
    }

    /** Each thread's user and system time so far, in clock ticks, by "tid name" (Linux /proc). */
    private static java.util.Map<String, Long> taskTicks() throws java.io.IOException
    {
        final java.util.Map<String, Long> ticks = new java.util.TreeMap<>();
        try (java.util.stream.Stream<Path> tasks = Files.list(Path.of("/proc/self/task")))
        {
            for (final Path task : (Iterable<Path>)tasks::iterator)
            {
                try
                {
                    final String stat = Files.readString(task.resolve("stat"));
                    final String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    final String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    ticks.put(task.getFileName() + " " + name, Long.parseLong(fields[11]) + Long.parseLong(fields[12]));
                }
                catch (final java.io.IOException gone)
                {
                    // the thread ended
                }
            }
        }
        return ticks;
    }

    private static void dladm(final ApiClient client, final String... argv)
    {
        final StringWriter err = new StringWriter();
        if (DladmCommand.run(client, new PrintWriter(new StringWriter()), new PrintWriter(err), argv) != 0)
        {
            throw new IllegalStateException("dladm " + String.join(" ", argv) + ": " + err);
        }
    }

    private static String xl(final ApiClient client, final String... argv)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        if (XlCommand.run(client.xl(), new PrintWriter(out), new PrintWriter(err), argv) != 0)
        {
            throw new IllegalStateException("xl " + String.join(" ", argv) + ": " + out + err);
        }
        return out.toString();
    }
}
