package io.xbow.control;

import io.xbow.control.daemon.Xbowd;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A member of the socket's group who is not root, through the real socket with the native client: the daemon (root)
 * runs its command lines, and nothing in them makes the daemon read a file for it. Needs root to create the user and
 * group (CI runs as root) and the native client; both are removed afterwards, and leftovers of a killed run first.
 */
class GroupMemberTest
{
    private static final Path BINARY = Path.of("target", "xbow-client").toAbsolutePath();
    private static final String USER = "xbowgm" + ProcessHandle.current().pid() % 100_000;
    private static final String GROUP = USER + "g";

    @TempDir
    Path dir;

    @Test
    void shouldNotReadARootOnlyFileForAGroupMember() throws Exception
    {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root to create a user");
        Assumptions.assumeTrue(new File("/usr/sbin/useradd").canExecute() && new File("/usr/sbin/groupadd").canExecute()
            && new File("/usr/sbin/runuser").canExecute(), "needs useradd, groupadd and runuser");
        if (!Files.isExecutable(BINARY))
        {
            assertNotEquals("true", System.getenv("CI"), "on CI the native client must be built: " + BINARY);
            Assumptions.abort("no native client at " + BINARY);
        }
        removeLeftovers();
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        final Path client = Files.copy(BINARY, dir.resolve("xbow-client"));
        Files.setPosixFilePermissions(client, PosixFilePermissions.fromString("rwxr-xr-x"));
        final Path secret = dir.resolve("secret");
        Files.writeString(secret, "show-link\nroot-only-secret-line\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        final Xbowd daemon = new Xbowd(dir.resolve("xbowd.sock"), dir.resolve("state"), null, null, false, "test");
        daemon.start();
        try
        {
            assertEquals(0, run("/usr/sbin/groupadd", GROUP).exitValue());
            assertEquals(0, run("/usr/sbin/useradd", "-M", "-s", "/bin/sh", "-G", GROUP, USER).exitValue());
            final GroupPrincipal group = dir.getFileSystem().getUserPrincipalLookupService()
                .lookupPrincipalByGroupName(GROUP);
            Files.getFileAttributeView(daemon.socket(), PosixFileAttributeView.class).setGroup(group);

            final Process listed = run("/usr/sbin/runuser", "-u", USER, "--", client.toString(), "--socket",
                daemon.socket().toString(), "dladm", "show-link");
            final String listedOut = output(listed);
            assertEquals(0, listed.exitValue(), "the group member gets in: " + listedOut);

            for (final String[] argv : new String[][] {{"dladm", "@" + secret}, {"dladm", "show-link", "@" + secret},
                {"dladm", "show-vnic", "-o", "@" + secret}, {"xl", "create", secret.toString()}})
            {
                final java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("/usr/sbin/runuser",
                    "-u", USER, "--", client.toString(), "--socket=" + daemon.socket()));
                command.addAll(java.util.List.of(argv));
                final Process process = run(command.toArray(new String[0]));
                final String out = output(process);
                assertFalse(out.contains("root-only-secret-line"), String.join(" ", argv) + " leaked: " + out);
            }

            // A capture root started: the group member knows its id (say it guessed it) and still cannot stop it.
            try (io.xbow.control.api.ApiClient root = new io.xbow.control.api.ApiClient(daemon.socket()))
            {
                root.call("create-etherstub", java.util.Map.of("link", "stub0"));
            }
            try (io.xbow.control.api.ApiClient root = new io.xbow.control.api.ApiClient(daemon.socket());
                io.xbow.control.api.ApiClient.Stream capture = root.openStream("/v1/capture",
                    java.util.Map.of("links", java.util.List.of("stub0"))))
            {
                final String id = capture.headers().get(
                    io.xbow.control.capture.CaptureStreamFormat.ID_HEADER.toLowerCase());
                final String stop = "import socket,sys\n" +
                    "s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); b=('{\"id\":\"%s\"}' % sys.argv[2]).encode()\n" +
                    "s.sendall(b'POST /v1/capture/stop HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n" +
                    "Content-Length: %d\\r\\n\\r\\n' % len(b) + b)\n" +
                    "print(s.recv(4096).decode().split('\\r\\n')[0])\n";
                final Process other = run("/usr/sbin/runuser", "-u", USER, "--", "python3", "-c", stop,
                    daemon.socket().toString(), id);
                final String answer = output(other);
                assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
                assertEquals(1, daemon.runningCaptures(), "root's capture runs on");
            }
        }
        finally
        {
            removeLeftovers();
            daemon.close();
        }
    }

    private static void removeLeftovers() throws IOException, InterruptedException
    {
        run("/usr/sbin/userdel", USER);
        run("/usr/sbin/groupdel", GROUP);
    }

    private static String output(final Process process) throws IOException
    {
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    private static Process run(final String... command) throws IOException, InterruptedException
    {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        if (!process.waitFor(60, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            fail("timed out: " + String.join(" ", command));
        }
        return process;
    }
}
