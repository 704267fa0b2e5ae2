package io.xbow.control;

import io.xbow.control.api.ApiClient;
import io.xbow.control.capture.file.CaptureTools;
import io.xbow.control.cli.CaptureCommand;
import io.xbow.control.cli.CaptureFileSink;
import io.xbow.control.cli.DladmCommand;
import io.xbow.control.cli.XlCommand;
import io.xbow.control.daemon.Xbowd;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code xbow capture} against a daemon with two emulated guests: files that tcpdump and tshark read back, pcap
 * filters, a whole switch with its VLAN tags, a live stream into {@code tcpdump -r -}, and a client that goes away.
 */
class CaptureCommandTest
{
    @TempDir
    Path dir;

    private TestDaemon test;
    private Xbowd daemon;
    private ApiClient client;

    private record Result(int status, String out, String err)
    {
    }

    @BeforeEach
    void start()
    {
        test = new TestDaemon(dir);
        daemon = test.daemon;
        client = test.client;
    }

    @AfterEach
    void stop()
    {
        test.close();
    }

    private void domains(final String vifExtra) throws Exception
    {
        dladm("create-etherstub", "stub0");
        xl("web", "00:16:3e:00:00:0a", "10.0.0.10", vifExtra);
        xl("db", "00:16:3e:00:00:14", "10.0.0.20", vifExtra);
    }

    private void xl(final String name, final String mac, final String ip, final String vifExtra) throws Exception
    {
        final Path cfg = dir.resolve(name + ".cfg");
        Files.writeString(cfg, "name = \"" + name + "\"\nmemory = 256\nvif = [ 'mac=" + mac + ", bridge=stub0, ip=" +
            ip + "/24" + vifExtra + "' ]\n");
        assertEquals(0, XlCommand.run(client.xl(), new PrintWriter(new StringWriter()), new PrintWriter(System.err),
            new String[] {"create", cfg.toString()}));
    }

    private void dladm(final String... argv)
    {
        assertEquals(0, DladmCommand.run(client, new PrintWriter(new StringWriter()), new PrintWriter(System.err),
            argv));
    }

    private void ping(final String domain, final String address, final int count)
    {
        final StringWriter out = new StringWriter();
        assertEquals(0, XlCommand.run(client.xl(), new PrintWriter(out), new PrintWriter(System.err),
            new String[] {"ping", domain, address, "-c", Integer.toString(count), "-i", "0.2"}), out.toString());
    }

    /** Runs {@code xbow capture ARGV} on a thread; returns once it is listening (or has failed). */
    private CompletableFuture<Result> capture(final OutputStream stdout, final String... argv) throws Exception
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CompletableFuture<Result> result = CompletableFuture.supplyAsync(() ->
        {
            final int status = CaptureCommand.run(client, new PrintWriter(out, true), new PrintWriter(err, true),
                (o, links, snaplen) -> CaptureFileSink.open(o, links, snaplen, stdout), argv);
            return new Result(status, out.toString(), err.toString());
        });
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!err.toString().contains("listening on") && !result.isDone() && System.nanoTime() < deadline)
        {
            Thread.sleep(10);
        }
        return result;
    }

    /** The daemon's side of a capture ends just after the client's: wait for it (up to 5 s). */
    private void awaitNoCapture() throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (daemon.runningCaptures() > 0 && System.nanoTime() < deadline)
        {
            Thread.sleep(10);
        }
    }

    @Test
    void shouldWriteAPcapFileThatTcpdumpAndTsharkReadBack() throws Exception
    {
        domains("");
        final Path file = dir.resolve("vif.pcap");
        final CompletableFuture<Result> capture = capture(OutputStream.nullOutputStream(),
            "-i", "vif1.0", "-w", file.toString(), "-c", "3", "arp or icmp");
        ping("web", "10.0.0.20", 1);
        final Result result = capture.get(20, TimeUnit.SECONDS);

        assertEquals(0, result.status(), result.err());
        assertTrue(result.err().contains("3 packets captured"), result.err());
        assertTrue(result.err().contains("0 packets dropped by kernel"), result.err());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        awaitNoCapture();
        final String metrics = client.get("/metrics");
        assertTrue(metrics.matches("(?s).*xbow_capture_frames_total\\{result=\"matched\",?} [3-9]\\.0.*"), metrics);
        assertTrue(metrics.contains("xbow_captures_running 0.0"), metrics);
        final List<String> lines = CaptureTools.tcpdump(file);
        assertEquals(3, lines.size(), lines.toString());
        assertTrue(lines.get(0).contains("00:16:3e:00:00:0a > ff:ff:ff:ff:ff:ff") &&
            lines.get(0).contains("Request who-has 10.0.0.20 tell 10.0.0.10"), lines.get(0));
        assertTrue(lines.get(1).contains("00:16:3e:00:00:14 > 00:16:3e:00:00:0a") &&
            lines.get(1).contains("Reply 10.0.0.20 is-at 00:16:3e:00:00:14"), lines.get(1));
        assertEquals(List.of("00:16:3e:00:00:0a|10.0.0.10|10.0.0.20|8"),
            CaptureTools.tshark(file, "eth.src", "ip.src", "ip.dst", "icmp.type").stream()
                .filter(l -> l.contains("10.0.0")).filter(l -> l.split("\\|").length > 1 && !l.split("\\|")[1].isEmpty())
                .collect(Collectors.toList()), "the echo request, decoded");
    }

    @Test
    void shouldShowAWholeSwitchWithItsVlanTagsBesideAVifInOnePcapng() throws Exception
    {
        domains(", vlanid=100");
        final Path file = dir.resolve("two.pcapng");
        final CompletableFuture<Result> capture = capture(OutputStream.nullOutputStream(), "-i", "stub0", "-i",
            "vif1.0", "-w", file.toString(), "--pcapng", "-c", "4", "icmp", "or", "(vlan", "and", "icmp)");
        ping("web", "10.0.0.20", 1);
        final Result result = capture.get(20, TimeUnit.SECONDS);
        assertEquals(0, result.status(), result.err());

        final List<String> rows = CaptureTools.tshark(file, "frame.interface_name", "vlan.id", "ip.src", "ip.dst",
            "icmp.type");
        assertEquals(4, rows.size(), rows.toString());
        final Set<String> expected = Set.of(
            "stub0|100|10.0.0.10|10.0.0.20|8", "stub0|100|10.0.0.20|10.0.0.10|0",
            "vif1.0||10.0.0.10|10.0.0.20|8", "vif1.0||10.0.0.20|10.0.0.10|0");
        assertEquals(expected, Set.copyOf(rows), "the switch shows VLAN 100 as a tag; the guest's vif has none");
    }

    @Test
    void shouldCaptureEveryLinkWithIAnyAsTcpdumpDoes() throws Exception
    {
        domains("");
        // Text, as tcpdump -i any prints it: each frame after its link and direction.
        final CompletableFuture<Result> text = capture(OutputStream.nullOutputStream(), "-i", "any", "-c", "2", "-t",
            "icmp[icmptype] == icmp-echo");
        ping("web", "10.0.0.20", 1);
        final Result shown = text.get(20, TimeUnit.SECONDS);
        assertEquals(0, shown.status(), shown.err());
        final List<String> lines = shown.out().lines().collect(Collectors.toList());
        assertEquals(2, lines.size(), shown.out());
        assertTrue(lines.stream().anyMatch(l -> l.matches("vif1\\.0 +In  IP 10\\.0\\.0\\.10 > 10\\.0\\.0\\.20: ICMP " +
            "echo request, id \\d+, seq 1, length \\d+")), shown.out());
        awaitNoCapture();

        // pcap: Linux cooked headers, which keep each frame's direction (tshark reads them).
        final Path cooked = dir.resolve("any.pcap");
        final CompletableFuture<Result> file = capture(OutputStream.nullOutputStream(), "-i", "any", "-w",
            cooked.toString(), "-c", "4", "icmp");
        ping("web", "10.0.0.20", 1);
        assertEquals(0, file.get(20, TimeUnit.SECONDS).status());
        final List<String> rows = CaptureTools.tshark(cooked, "sll.pkttype", "ip.src", "ip.dst");
        assertEquals(4, rows.size(), rows.toString());
        assertTrue(rows.contains("0|10.0.0.10|10.0.0.20") && rows.contains("4|10.0.0.10|10.0.0.20"),
            "the request seen coming in (at web's vif) and going out (at db's): " + rows);
        awaitNoCapture();

        // pcapng: one interface per link, named.
        final Path named = dir.resolve("any.pcapng");
        final CompletableFuture<Result> ng = capture(OutputStream.nullOutputStream(), "-i", "any", "--pcapng", "-w",
            named.toString(), "-c", "2", "icmp[icmptype] == icmp-echo");
        ping("web", "10.0.0.20", 1);
        assertEquals(0, ng.get(20, TimeUnit.SECONDS).status());
        final List<String> interfaces = CaptureTools.tshark(named, "frame.interface_name");
        assertEquals(2, interfaces.size(), interfaces.toString());
        assertTrue(interfaces.containsAll(List.of("vif1.0", "vif2.0")) || interfaces.contains("stub0"),
            interfaces.toString());
        assertEquals(2, capture(OutputStream.nullOutputStream(), "-i", "any", "-i", "vif1.0").get(10,
            TimeUnit.SECONDS).status(), "-i any is every link already");
    }

    @Test
    void shouldRotateEverySecondAndEndAfterTheLastFileAsTcpdumpDoes() throws Exception
    {
        domains("");
        final Path rotated = Files.createDirectory(dir.resolve("rotated"));
        final CompletableFuture<Result> capture = capture(OutputStream.nullOutputStream(), "-i", "vif1.0", "-w",
            rotated.resolve("vif-%H%M%S.pcap").toString(), "-G", "1", "-W", "2", "icmp");
        final StringWriter out = new StringWriter();
        XlCommand.run(client.xl(), new PrintWriter(out), new PrintWriter(System.err),
            new String[] {"ping", "web", "10.0.0.20", "-c", "6", "-i", "0.5"});
        final Result result = capture.get(20, TimeUnit.SECONDS);

        assertEquals(0, result.status(), result.err());
        final List<Path> files;
        try (var listing = Files.list(rotated))
        {
            files = listing.sorted().collect(Collectors.toList());
        }
        assertEquals(2, files.size(), "-W 2: two files, then the capture ends: " + files);
        int packets = 0;
        for (final Path file : files)
        {
            assertTrue(file.getFileName().toString().matches("vif-\\d{6}\\.pcap"), file.toString());
            packets += CaptureTools.tcpdump(file).size();
        }
        final int captured = Integer.parseInt(result.err().replaceAll("(?s).*?(\\d+) packets? captured.*", "$1"));
        assertEquals(captured, packets, "every frame written to one of the files");
        assertTrue(packets >= 2, result.err());
    }

    @Test
    void shouldRefuseAFilterThatDoesNotCompileWithLibpcapsMessage() throws Exception
    {
        domains("");
        final Result result = capture(OutputStream.nullOutputStream(), "-i", "vif1.0", "tcp", "port", "and")
            .get(10, TimeUnit.SECONDS);
        assertEquals(1, result.status());
        assertTrue(result.err().contains("syntax error"), result.err());
        final Result unknown = capture(OutputStream.nullOutputStream(), "-i", "vif9.0").get(10, TimeUnit.SECONDS);
        assertEquals(1, unknown.status());
        assertTrue(unknown.err().contains("vif9.0: no such link"), unknown.err());
        assertEquals(0, daemon.runningCaptures());
    }

    @Test
    void shouldStreamLiveIntoTcpdumpAndEndWhenTheLinkGoesAway() throws Exception
    {
        CaptureTools.require("tcpdump");
        domains("");
        final Process tcpdump = new ProcessBuilder("tcpdump", "-nn", "-l", "-r", "-")
            .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try
        {
            final CompletableFuture<Result> capture = capture(tcpdump.getOutputStream(), "-i", "vif2.0", "-w", "-");
            ping("web", "10.0.0.20", 1);
            final BufferedReader lines = new BufferedReader(
                new InputStreamReader(tcpdump.getInputStream(), StandardCharsets.UTF_8));
            final List<String> seen = new ArrayList<>();
            final CompletableFuture<Void> echo = CompletableFuture.runAsync(() ->
            {
                try
                {
                    for (String line = lines.readLine(); line != null; line = lines.readLine())
                    {
                        seen.add(line);
                        if (line.contains("ICMP echo reply"))
                        {
                            return;
                        }
                    }
                }
                catch (final java.io.IOException ex)
                {
                    throw new java.io.UncheckedIOException(ex);
                }
            });
            echo.get(15, TimeUnit.SECONDS);
            assertFalse(capture.isDone(), "tcpdump decoded the reply while the capture still ran");
            assertTrue(seen.stream().anyMatch(l -> l.contains("10.0.0.10 > 10.0.0.20: ICMP echo request")),
                seen.toString());

            assertEquals(0, XlCommand.run(client.xl(), new PrintWriter(new StringWriter()),
                new PrintWriter(System.err), new String[] {"destroy", "db"}));
            final Result result = capture.get(10, TimeUnit.SECONDS);
            assertEquals(1, result.status(), result.err());
            assertTrue(result.err().contains("link vif2.0 went away"), result.err());
            tcpdump.getOutputStream().close(); // as the process's standard output closes when it exits
            assertTrue(tcpdump.waitFor(10, TimeUnit.SECONDS), "tcpdump saw the stream end");
        }
        finally
        {
            tcpdump.destroyForcibly();
        }
    }

    @Test
    void shouldEndACaptureAndLetGoOfItWhenTheClientDisconnects() throws Exception
    {
        domains("");
        final ApiClient.Stream stream = client.openStream("/v1/capture", Map.of("links", List.of("stub0")));
        assertEquals('H', stream.body().read(), "the stream starts with its hello");
        assertEquals(1, daemon.runningCaptures());
        stream.close();
        awaitNoCapture();
        assertEquals(0, daemon.runningCaptures(), "the capture ended with its client");
        ping("web", "10.0.0.20", 1); // and the network goes on
    }
}
