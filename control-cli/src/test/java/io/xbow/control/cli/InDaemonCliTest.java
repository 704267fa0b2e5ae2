package io.xbow.control.cli;

import io.xbow.control.api.CommandLines;
import io.xbow.control.service.Table;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Command lines the daemon runs for a client are bounded and open nothing: no {@code @FILE} expansion, output and
 * run time capped, stopped when the client goes away, and a full queue answered at once.
 */
class InDaemonCliTest
{
    @TempDir
    Path dir;

    private static byte[] body(final Path cwd, final String... argv)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(cwd.toString().getBytes(StandardCharsets.UTF_8));
        out.write(0);
        for (final String arg : argv)
        {
            out.writeBytes(arg.getBytes(StandardCharsets.UTF_8));
            out.write(0);
        }
        return out.toByteArray();
    }

    private static String text(final CommandLines.Result result)
    {
        return new String(result.out(), StandardCharsets.UTF_8) + new String(result.err(), StandardCharsets.UTF_8);
    }

    @Test
    void shouldNeverOpenAFileNamedWithAnAt() throws Exception
    {
        final Path secret = dir.resolve("secret");
        Files.writeString(secret, "show-link\nroot:$6$hash-of-the-root-password\n");
        // As the daemon does, the backend names in its error what it was asked for.
        try (InDaemonCli cli = new InDaemonCli((api, command, args) -> CompletableFuture.failedFuture(
            new io.xbow.control.api.CommandFailure("link " + args.get("link") + " not found", 1))))
        {
            for (final String[] argv : new String[][] {{"@" + secret}, {"show-link", "@" + secret},
                {"show-vnic", "-o", "@" + secret}})
            {
                final CommandLines.Result result = cli.run("dladm", body(dir, argv), 0).get(10, TimeUnit.SECONDS);
                assertFalse(text(result).contains("hash-of-the-root-password"), text(result));
            }
        }
    }

    @Test
    void shouldSendRepeatingCommandsBackWhateverTheirSpelling() throws Exception
    {
        try (InDaemonCli cli = new InDaemonCli((api, command, args) -> CompletableFuture.completedFuture(null)))
        {
            for (final String[] argv : new String[][] {{"show-link", "-s", "--interval=1"},
                {"show-link", "-si1"}, {"show-vnic", "-s", "--interval", "2", "vnic1"}})
            {
                assertEquals("dladm -i repeats until interrupted",
                    cli.run("dladm", body(dir, argv), 0).get(10, TimeUnit.SECONDS).runInClient());
            }
            assertNull(cli.run("dladm", body(dir, "show-vnic", "-o", "link,vid"), 0).get(10, TimeUnit.SECONDS)
                .runInClient(), "-o link,vid names fields, it is no -i");
        }
    }

    @Test
    void shouldSendOutputOverTheLimitBackToTheClient() throws Exception
    {
        final List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < InDaemonCli.MAX_OUTPUT_CHARS / 40 + 1; i++)
        {
            rows.add(List.of("vnic" + i, "vnic", "1500", "up", "--", "stub0"));
        }
        final Table big = new Table(List.of("LINK", "CLASS", "MTU", "STATE", "BRIDGE", "OVER"), rows);
        try (InDaemonCli cli = new InDaemonCli((api, command, args) -> CompletableFuture.completedFuture(big)))
        {
            final CommandLines.Result result = cli.run("dladm", body(dir, "show-link"), 0).get(30, TimeUnit.SECONDS);
            assertTrue(result.runInClient().startsWith("the output is larger than the daemon sends back"),
                String.valueOf(result.runInClient()));
            assertEquals(0, result.out().length);
        }
    }

    @Test
    void shouldStopACommandLineThatRunsTooLongAndCancelItsCall() throws Exception
    {
        final List<CompletableFuture<Table>> calls = new CopyOnWriteArrayList<>();
        try (InDaemonCli cli = new InDaemonCli((api, command, args) ->
        {
            final CompletableFuture<Table> never = new CompletableFuture<>();
            calls.add(never);
            return never;
        }, TimeUnit.MILLISECONDS.toNanos(300)))
        {
            final CommandLines.Result result = cli.run("xl", body(dir, "list"), 0).get(10, TimeUnit.SECONDS);
            assertEquals(1, result.exitStatus());
            assertTrue(text(result).startsWith("xl: stopped after"), text(result));
            waitFor(() -> calls.size() == 1 && calls.get(0).isCancelled());
        }
    }

    @Test
    void shouldStopWhenTheClientGoesAwayAndRefuseWhenTheQueueIsFull() throws Exception
    {
        final List<CompletableFuture<Table>> calls = new CopyOnWriteArrayList<>();
        final InDaemonCli.Calls never = (api, command, args) ->
        {
            final CompletableFuture<Table> answer = new CompletableFuture<>();
            calls.add(answer);
            return answer;
        };
        try (InDaemonCli cli = new InDaemonCli(never))
        {
            final CompletableFuture<CommandLines.Result> first = cli.run("xl", body(dir, "list"), 0);
            waitFor(() -> calls.size() == 1);
            first.cancel(true);
            waitFor(() -> calls.get(0).isCancelled());
        }
        // A fresh one, so that no thread frees up while the queue fills (the cancelled command line's would).
        try (InDaemonCli cli = new InDaemonCli(never))
        {
            final List<CompletableFuture<CommandLines.Result>> held = new ArrayList<>();
            for (int i = 0; i < InDaemonCli.THREADS + InDaemonCli.MAX_QUEUED; i++)
            {
                held.add(cli.run("xl", body(dir, "list"), 0));
            }
            final CommandLines.Result refused = cli.run("xl", body(dir, "list"), 0).get(1, TimeUnit.SECONDS);
            assertEquals(1, refused.exitStatus());
            assertTrue(text(refused).startsWith("xl: xbowd is busy"), text(refused));
            held.forEach(f -> f.cancel(true));
        }
    }

    @Test
    void shouldReadNoConfigFileForAnUnknownPeer() throws Exception
    {
        Files.writeString(dir.resolve("web.cfg"), "name = 'web'\n");
        try (InDaemonCli cli = new InDaemonCli((api, command, args) -> CompletableFuture.completedFuture(null)))
        {
            assertEquals("the daemon reads config files for its own user only",
                cli.run("xl", body(dir, "create", "web.cfg"), -1).get(10, TimeUnit.SECONDS).runInClient());
        }
    }

    private static void waitFor(final java.util.function.BooleanSupplier condition) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean())
        {
            assertTrue(System.nanoTime() < deadline, "timed out");
            Thread.sleep(10);
        }
    }
}
