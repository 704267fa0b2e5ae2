package io.xbow.perf;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.xbow.control.api.ApiClient;
import io.xbow.control.api.ApiServer;
import io.xbow.control.capture.CaptureService;
import io.xbow.control.cli.CaptureCommand;
import io.xbow.control.cli.CaptureFileSink;
import io.xbow.packet.frame.FramePool;
import io.xbow.vlan.VlanPolicy;
import io.xbow.vswitch.SwitchConfig;
import io.xbow.vswitch.SwitchPort;
import io.xbow.vswitch.VirtualSwitch;
import io.xbow.vswitch.capture.CaptureLink;
import io.xbow.vswitch.capture.CaptureRegistry;
import io.xbow.vswitch.capture.CaptureSession;
import org.agrona.concurrent.SystemNanoClock;

import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The whole capture path at full speed, end to end: a switch forwarding 64-byte frames between {@code ports}
 * reflector ports on its own thread as fast as it can, the daemon's API server and capture service, and
 * {@code xbow capture -i p0 -w FILE -c COUNT} (the client code, in this JVM) writing a pcap file on /dev/shm. Prints
 * the forwarding rate before and during the capture, frames captured per second through the socket into the file,
 * and the capture's drops.
 * <pre>
 *   java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp perf/target/benchmarks.jar \
 *       io.xbow.perf.CaptureStream [ports] [count]
 * </pre>
 */
public final class CaptureStream
{
    private CaptureStream()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final int ports = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        final int count = args.length > 1 ? Integer.parseInt(args[1]) : 10_000_000;
        final int batch = 32;
        final FramePool pool = new FramePool(ports * batch + 64, 1600);
        final VirtualSwitch sw = new VirtualSwitch("bench0", pool,
            SwitchConfig.defaults().withBatchSize(batch).withMaxPorts(Math.max(16, ports)), SystemNanoClock.INSTANCE);
        final ReflectorDevice[] reflectors = ReflectorRing.create(pool, ports, batch);
        final CaptureRegistry registry = new CaptureRegistry();
        for (int i = 0; i < ports; i++)
        {
            final SwitchPort port = sw.attach("p" + i, reflectors[i], VlanPolicy.DEFAULT);
            registry.register("p" + i, CaptureLink.port(port.captureIn(), port.captureOut()));
        }
        ReflectorRing.start(reflectors, pool, 64, batch, sw::doWork);

        final AtomicBoolean running = new AtomicBoolean(true);
        final long[] forwarded = new long[1];
        final Thread datapath = new Thread(() ->
        {
            long moved = 0;
            while (running.get())
            {
                moved += sw.doWork();
                if ((moved & 0xFFFF) < 256)
                {
                    forwarded[0] = moved; // read roughly by main: a rate, not an exact count
                }
            }
        }, "datapath");
        datapath.start();

        final Path dir = Files.createTempDirectory(Path.of("/dev/shm"), "xbow-capture-stream");
        final Path socket = dir.resolve("api.sock");
        final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        final CaptureService service = new CaptureService(registry, (e, s) ->
        {
            throw new IllegalArgumentException("no filters here");
        }, CaptureSession.DEFAULT_RING_BYTES);
        final ApiServer server = new ApiServer(Map.of(), metrics, null, "bench").captures(service);
        server.listenUnix(socket.toString());
        try
        {
            Thread.sleep(2000); // JIT warm
            final double before = rate(forwarded, 2000);
            final Path file = dir.resolve("p0.pcap");
            final StringWriter err = new StringWriter();
            final long[] during = new long[2];
            final Thread sampler = new Thread(() ->
            {
                try
                {
                    Thread.sleep(1000);
                    during[0] = forwarded[0];
                    Thread.sleep(2000);
                    during[1] = forwarded[0];
                }
                catch (final InterruptedException ignored)
                {
                    // the capture ended first
                }
            });
            sampler.start();
            final long start = System.nanoTime();
            final int status = CaptureCommand.run(new ApiClient(socket), new PrintWriter(OutputStream.nullOutputStream()),
                new PrintWriter(err, true), (o, links, snaplen) -> CaptureFileSink.open(o, links, snaplen,
                    OutputStream.nullOutputStream()),
                new String[] {"-i", "p0", "-w", file.toString(), "-c", Integer.toString(count)});
            final double seconds = (System.nanoTime() - start) / 1e9;
            sampler.join();
            final double duringRate = (during[1] - during[0]) / 2.0;
            final Matcher dropped = Pattern.compile("(\\d+) packets dropped").matcher(err.toString());
            System.out.printf("ports %d, 64-byte frames, batch %d; capture of p0 (in and out) to %s%n", ports, batch,
                file);
            System.out.printf("forwarding before the capture: %.1f M frames/s%n", before / 1e6);
            System.out.printf("forwarding during the capture: %.1f M frames/s (ratio %.2f)%n", duringRate / 1e6,
                duringRate / before);
            System.out.printf("captured %d frames into the file in %.2f s: %.2f M frames/s end to end; %s dropped;"
                + " file %d MB; exit %d%n", count, seconds, count / seconds / 1e6,
                dropped.find() ? dropped.group(1) : "?", Files.size(file) / 1_000_000, status);
        }
        finally
        {
            running.set(false);
            datapath.join();
            server.close();
            try (var files = Files.list(dir))
            {
                for (final Path f : files.toList())
                {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private static double rate(final long[] forwarded, final long millis) throws InterruptedException
    {
        final long from = forwarded[0];
        Thread.sleep(millis);
        return (forwarded[0] - from) * 1000.0 / millis;
    }
}
