package io.xbow.control;

import io.xbow.control.api.ApiClient;
import io.xbow.control.cli.DladmCommand;
import io.xbow.control.cli.InDaemonCli;
import io.xbow.control.cli.XlCommand;
import io.xbow.control.daemon.Xbowd;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code POST /v1/cli/{xl|dladm}}: a command line run in the daemon prints what the JVM client prints, with the
 * same exit status; relative files resolve against the client's directory; what the daemon will not run goes
 * back to the client.
 */
class CliRouteTest
{
    @TempDir
    Path dir;

    private Xbowd daemon;
    private ApiClient client;

    /** What a command line printed, and how it ended; runInClient when the daemon sent it back. */
    record Run(int status, String out, String err, String runInClient)
    {
        Run normalized()
        {
            // Uptimes move between two runs.
            return new Run(status, out.replaceAll("\\d+\\.\\d\\n", "T\n"), err, runInClient);
        }
    }

    @BeforeEach
    void start() throws IOException
    {
        daemon = new Xbowd(dir.resolve("xbowd.sock"), dir.resolve("state"), null, null, false, "test");
        daemon.start();
        client = new ApiClient(daemon.socket());
        Files.copy(Path.of("../examples/web.cfg"), dir.resolve("web.cfg"));
    }

    @AfterEach
    void stop()
    {
        client.close();
        daemon.close();
    }

    /** The command line through the route, as the native client sends it. */
    static Run route(final Path socket, final String program, final Path cwd, final String... argv)
        throws IOException
    {
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (final String word : concat(cwd.toString(), argv))
        {
            body.writeBytes(word.getBytes(StandardCharsets.UTF_8));
            body.write(0);
        }
        final byte[] head = ("POST /v1/cli/" + program + " HTTP/1.1\r\nHost: xbowd\r\nContent-Length: " +
            body.size() + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        final ByteArrayOutputStream answer = new ByteArrayOutputStream();
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX))
        {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.write(ByteBuffer.wrap(head));
            channel.write(ByteBuffer.wrap(body.toByteArray()));
            final ByteBuffer chunk = ByteBuffer.allocate(65536);
            while (channel.read(chunk.clear()) >= 0)
            {
                answer.write(chunk.array(), 0, chunk.position());
            }
        }
        final byte[] bytes = answer.toByteArray();
        final String text = new String(bytes, StandardCharsets.ISO_8859_1);
        final int end = text.indexOf("\r\n\r\n");
        assertTrue(text.startsWith("HTTP/1.1 200 "), text);
        final Map<String, String> headers = new HashMap<>();
        for (final String line : text.substring(0, end).split("\r\n"))
        {
            final int colon = line.indexOf(':');
            if (colon > 0)
            {
                headers.put(line.substring(0, colon).toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
        }
        if (headers.containsKey("x-xbow-run-in-client"))
        {
            return new Run(-1, "", "", headers.get("x-xbow-run-in-client"));
        }
        final int stdout = Integer.parseInt(headers.get("x-xbow-stdout"));
        final int start = end + 4;
        return new Run(Integer.parseInt(headers.get("x-xbow-exit")),
            new String(bytes, start, stdout, StandardCharsets.UTF_8),
            new String(bytes, start + stdout, bytes.length - start - stdout, StandardCharsets.UTF_8), null);
    }

    private static String[] concat(final String first, final String... rest)
    {
        final String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    private Run route(final String program, final String... argv) throws IOException
    {
        return route(daemon.socket(), program, dir, argv);
    }

    private Run jvm(final String program, final String... argv)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int status = program.equals("xl") ?
            XlCommand.run(client.xl(), new PrintWriter(out), new PrintWriter(err), argv) :
            DladmCommand.run(client, new PrintWriter(out), new PrintWriter(err), argv);
        return new Run(status, out.toString(), err.toString(), null);
    }

    /** Runs a read-only command line both ways and expects the same. */
    private Run same(final String program, final String... argv) throws IOException
    {
        final Run viaRoute = route(program, argv);
        assertEquals(jvm(program, argv).normalized(), viaRoute.normalized(), String.join(" ", argv));
        return viaRoute;
    }

    @Test
    void shouldPrintWhatTheJvmClientPrints() throws IOException
    {
        final String cfg = dir.resolve("web.cfg").toString();
        final Run stub = route("dladm", "create-etherstub", "stub0");
        assertEquals(new Run(0, "", "", null), stub);

        final Run created = route("xl", "create", cfg);
        assertEquals(new Run(0, "", "Parsing config from " + cfg + "\n", null), created);
        assertTrue(same("xl", "list").out().contains("\nweb "), "the domain the route created is listed");
        same("xl", "list", "web");
        same("xl", "network-list", "web");
        assertTrue(same("dladm", "show-vnic").out().contains("xvm1_0       stub0"));
        same("dladm", "show-vnic", "-p", "-o", "link,macaddress");
        final Run destroyed = route("xl", "destroy", "web");

        assertEquals(created, jvm("xl", "create", cfg), "create prints the same both ways");
        assertEquals(destroyed, jvm("xl", "destroy", "web"), "and so does destroy");
        assertEquals(new Run(0, "", "", null), destroyed);

        assertEquals(1, same("xl", "destroy", "web").status(), "no such domain: refused, exit 1");
        assertEquals(1, same("dladm", "delete-vnic", "nosuch").status());
        assertEquals(1, same("xl", "create", dir.resolve("missing.cfg").toString()).status());
    }

    @Test
    void shouldExitWithStatus2OnUsageErrors() throws IOException
    {
        final Run xl = same("xl", "destroy");
        assertEquals(new Run(2, "", "xl: usage: xl destroy [-f] DOMAIN\n", null), xl);
        final Run dladm = same("dladm", "create-vnic", "vnic0");
        assertEquals(2, dladm.status());
        assertTrue(dladm.err().startsWith("dladm: Missing required option: '--link=link'"), dladm.err());
        assertEquals(2, same("xl").status(), "no subcommand: the usage on stderr");
        assertEquals(0, same("dladm", "--help").status());
    }

    @Test
    void shouldReadARelativeConfigFileInTheClientsDirectory() throws IOException
    {
        route("dladm", "create-etherstub", "stub0");
        Files.createDirectories(dir.resolve("sub"));
        Files.move(dir.resolve("web.cfg"), dir.resolve("sub/web.cfg"));
        final Run created = route(daemon.socket(), "xl", dir.resolve("sub"), "create", "web.cfg");
        assertEquals(new Run(0, "", "Parsing config from web.cfg\n", null), created);
        final Run missing = route("xl", "create", "web.cfg");
        assertEquals(new Run(1, "", "xl: cannot read config file web.cfg: web.cfg\n", null), missing,
            "not in the client's directory, named as the user named it");
    }

    @Test
    void shouldReuseDladmsCommandLineWithoutCarryingOptionsOver() throws IOException
    {
        route("dladm", "create-etherstub", "stub0");
        for (int i = 0; i < 3; i++)
        {
            assertEquals("stub0\n", route("dladm", "show-etherstub", "-p", "-o", "link").out());
            assertEquals("LINK\nstub0\n", route("dladm", "show-etherstub").out(), "no -p, -o left from before");
        }
    }

    @Test
    void shouldSendWhatStreamsBackToTheClient() throws IOException
    {
        assertEquals("dladm -i repeats until interrupted", route("dladm", "show-link", "-s", "-i", "1").runInClient());
        assertEquals("dladm -i repeats until interrupted", route("dladm", "show-vnic", "-si", "1").runInClient());
        assertNull(route("dladm", "show-link", "-s").runInClient());
    }

    @Test
    void shouldKeepAnsweringWhileAPingWaits() throws Exception
    {
        route("dladm", "create-etherstub", "stub0");
        Files.writeString(dir.resolve("a.cfg"), "name = 'a'\nvif = [ 'bridge=stub0,ip=192.168.7.1' ]\n");
        assertEquals(0, route("xl", "create", "a.cfg").status());
        final CompletableFuture<Run> ping = CompletableFuture.supplyAsync(() ->
        {
            try
            {
                return route("xl", "ping", "a", "192.168.7.9", "-c", "1", "-W", "2");
            }
            catch (final IOException ex)
            {
                throw new java.io.UncheckedIOException(ex);
            }
        });
        Thread.sleep(200);
        final long start = System.nanoTime();
        assertEquals(0, route("xl", "list").status());
        assertEquals(0, jvm("dladm", "show-etherstub").status());
        assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(1500), "nothing waited for the ping");
        assertFalse(ping.isDone(), "the ping still waits for its reply");
        final Run lost = ping.get(10, TimeUnit.SECONDS);
        assertEquals(1, lost.status());
        assertTrue(lost.out().contains("1 packets transmitted, 0 received, 100% packet loss"), lost.out());
    }

    @Test
    void shouldLeaveConfigFilesOfOtherUsersToTheirOwnClient() throws Exception
    {
        try (InDaemonCli cli = new InDaemonCli((api, command, args) ->
            CompletableFuture.failedFuture(new AssertionError("no call expected"))))
        {
            final byte[] body = (dir + "\0create\0web.cfg\0").getBytes(StandardCharsets.UTF_8);
            final InDaemonCli.Result other = cli.run("xl", body, 12345).get(5, TimeUnit.SECONDS);
            assertEquals("the daemon reads config files for its own user only", other.runInClient());
            final InDaemonCli.Result malformed = cli.run("xl", "create\0".getBytes(StandardCharsets.UTF_8), 0)
                .get(5, TimeUnit.SECONDS);
            assertEquals(2, malformed.exitStatus(), "the first word must be an absolute directory");
            assertEquals(2, cli.run("xl", Arrays.copyOf(body, body.length - 1), 0).get(5, TimeUnit.SECONDS)
                .exitStatus(), "every word ends with a NUL");
        }
    }
}
