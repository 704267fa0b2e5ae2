package io.xbow.perf;

import io.xbow.control.api.ApiClient;
import io.xbow.control.cli.DladmCommand;
import io.xbow.control.daemon.Xbowd;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The control path against a real daemon in the same JVM (its API over the Unix socket, its configuration written
 * and fsynced on every change): a VNIC created and deleted through the API and through the dladm command code
 * (argument parsing, the request, the formatting; without the JVM start of a {@code bin/dladm} process), and
 * {@code dladm show-vnic} over 1,000 VNICs. Scores are operations per second; one operation of the create/delete
 * benchmarks is a create plus a delete.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {Jvm.ADD_EXPORTS, Jvm.MISC_UNSAFE})
public class ControlPathBenchmark
{
    /**
     * A daemon with one etherstub.
     */
    @State(Scope.Benchmark)
    public static class Daemon
    {
        Path directory;
        Xbowd daemon;
        ApiClient client;
        int next;

        @Setup(Level.Trial)
        public void start() throws IOException
        {
            directory = Files.createTempDirectory("xbow-bench");
            daemon = new Xbowd(directory.resolve("xbowd.sock"), directory.resolve("state"), null, null, false, "bench");
            daemon.start();
            client = new ApiClient(daemon.socket());
            client.call("create-etherstub", Map.of("link", "stub0"));
        }

        @TearDown(Level.Trial)
        public void stop() throws IOException
        {
            client.close();
            daemon.close();
            delete(directory);
        }
    }

    /**
     * A daemon with 1,000 (temporary) VNICs on its etherstub.
     */
    @State(Scope.Benchmark)
    public static class ThousandVnics extends Daemon
    {
        @Setup(Level.Trial)
        public void createVnics()
        {
            for (int i = 0; i < 1000; i++)
            {
                client.call("create-vnic", Map.of("link", "vnic" + i, "over", "stub0", "temporary", true));
            }
        }
    }

    @Benchmark
    public Object apiCreateDeleteVnic(final Daemon d)
    {
        final String name = "vnic" + d.next++;
        d.client.call("create-vnic", Map.of("link", name, "over", "stub0"));
        return d.client.call("delete-vnic", Map.of("link", name));
    }

    @Benchmark
    public int cliCreateDeleteVnic(final Daemon d)
    {
        final String name = "vnic" + d.next++;
        final PrintWriter sink = new PrintWriter(new StringWriter());
        final int created = DladmCommand.run(d.client, sink, sink, "create-vnic", "-l", "stub0", name);
        return created + DladmCommand.run(d.client, sink, sink, "delete-vnic", name);
    }

    @Benchmark
    public int showVnicWithThousandVnics(final ThousandVnics d)
    {
        final StringWriter out = new StringWriter();
        final PrintWriter sink = new PrintWriter(out);
        DladmCommand.run(d.client, sink, sink, "show-vnic");
        return out.getBuffer().length();
    }

    private static void delete(final Path directory) throws IOException
    {
        try (Stream<Path> paths = Files.walk(directory))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(path ->
            {
                try
                {
                    Files.deleteIfExists(path);
                }
                catch (final IOException ex)
                {
                    throw new UncheckedIOException(ex);
                }
            });
        }
    }
}
