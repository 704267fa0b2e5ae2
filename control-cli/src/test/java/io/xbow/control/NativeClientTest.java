package io.xbow.control;

import io.xbow.control.api.ApiClient;
import io.xbow.control.cli.XlCommand;
import io.xbow.control.daemon.Xbowd;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The native client ({@code target/xbow-client}, built by Maven when a C compiler is there) against a daemon:
 * what it prints, its exit status, its error without a daemon, and its way back to the JVM client. Skipped when the
 * binary was not built, except on CI, where it must be.
 */
class NativeClientTest
{
    private static final Path BINARY = Path.of("target", "xbow-client").toAbsolutePath();

    @TempDir
    Path dir;

    private Xbowd daemon;

    private record Run(int status, String out, String err)
    {
    }

    @BeforeEach
    void start() throws IOException
    {
        if (!Files.isExecutable(BINARY))
        {
            assertNotEquals("true", System.getenv("CI"), "on CI the native client must be built: " + BINARY);
            Assumptions.abort("no native client at " + BINARY + " (no C compiler when Maven ran)");
        }
        daemon = new Xbowd(dir.resolve("xbowd.sock"), dir.resolve("state"), null, null, false, "test");
        daemon.start();
        Files.copy(Path.of("../examples/web.cfg"), dir.resolve("web.cfg"));
    }

    @AfterEach
    void stop()
    {
        if (daemon != null)
        {
            daemon.close();
        }
    }

    private Run run(final Map<String, String> env, final String... argv) throws Exception
    {
        final List<String> command = new ArrayList<>(List.of(BINARY.toString()));
        command.addAll(List.of(argv));
        final ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
        builder.environment().remove("XBOW_LAUNCHER");
        builder.environment().putAll(env);
        final Process process = builder.start();
        process.getOutputStream().close();
        final byte[] out = process.getInputStream().readAllBytes();
        final byte[] err = process.getErrorStream().readAllBytes();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        return new Run(process.exitValue(), new String(out, StandardCharsets.UTF_8),
            new String(err, StandardCharsets.UTF_8));
    }

    private Run run(final String... argv) throws Exception
    {
        final List<String> all = new ArrayList<>(List.of("--socket", daemon.socket().toString()));
        all.addAll(List.of(argv));
        return run(Map.of(), all.toArray(new String[0]));
    }

    @Test
    void shouldCreateListAndDestroyADomain() throws Exception
    {
        assertEquals(new Run(0, "", ""), run("dladm", "create-etherstub", "stub0"));
        assertEquals(new Run(0, "", "Parsing config from web.cfg\n"), run("xl", "create", "web.cfg"),
            "a relative file, read in the client's directory");
        final Run list = run("xl", "list");
        assertEquals(0, list.status());
        assertTrue(list.out().startsWith("Name                                        ID   Mem VCPUs\tState\tTime(s)\n"),
            list.out());
        assertTrue(list.out().matches("(?s).*\nweb {37}     1   512     2     r----- +\\d+\\.\\d\n"), list.out());
        assertTrue(run("dladm", "show-vnic", "-p", "-o", "link,over").out().equals("xvm1_0:stub0\n"));
        assertEquals(new Run(0, "", ""), run("xl", "destroy", "web"));
        assertEquals(new Run(1, "", "xl: 'web' is an invalid domain identifier\n"), run("xl", "destroy", "web"));
        assertEquals(2, run("xl", "destroy").status());

        // The router's programs run in the daemon too, with their own words.
        assertEquals(new Run(0, "", ""), run("ipadm", "create-addr", "-t", "-T", "static", "-a", "192.0.2.1/24",
            "stub0/v4"));
        assertEquals(new Run(0, "stub0/v4:192.0.2.1/24\n", ""), run("ipadm", "show-addr", "-p", "-o", "addrobj,addr"));
        assertEquals(new Run(1, "add net default: gateway 10.9.9.9: Network is unreachable\n", ""),
            run("route", "add", "default", "10.9.9.9"));
        assertEquals(new Run(0, "ipv4-forwarding persistent=disabled default=disabled current=disabled\n", ""),
            run("routeadm", "-p"));
    }

    @Test
    void shouldPrintTheJvmClientsErrorWithoutADaemon() throws Exception
    {
        final Path nowhere = dir.resolve("none.sock");
        final StringWriter err = new StringWriter();
        final int status = XlCommand.run(new ApiClient(nowhere).xl(), new PrintWriter(new StringWriter()),
            new PrintWriter(err), new String[] {"list"});
        final Run run = run(Map.of("XBOW_SOCKET", nowhere.toString()), "xl", "list");
        assertEquals(new Run(status, "", err.toString()), run);
        assertEquals(new Run(1, "", "xl: cannot connect to xbowd at " + nowhere +
            ": is the daemon running? (xbow daemon)\n"), run);
    }

    @Test
    void shouldHandWhatTheDaemonWillNotRunToTheJvmClient() throws Exception
    {
        final Path launcher = dir.resolve("launcher");
        Files.writeString(launcher, "#!/bin/sh\necho \"jvm client ($XBOW_JAVA_CLIENT): $*\"\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwx------"));
        final Run run = run(Map.of("XBOW_LAUNCHER", launcher.toString()), "--socket", daemon.socket().toString(),
            "dladm", "show-link", "-s", "-i", "1");
        assertEquals(new Run(0, "jvm client (1): --socket " + daemon.socket() + " dladm show-link -s -i 1\n", ""),
            run);
        assertEquals(2, run("dladm", "show-link", "-s", "-i", "1").status(), "no launcher to hand it to");
    }
}
