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
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A user who is neither root nor in the xbow group is refused by the socket, and the CLI says so in one line.
 * Needs root (to create the user); CI runs as root.
 */
class PermissionTest
{
    @TempDir
    Path dir;

    @Test
    void shouldRefuseAnotherUserWithAClearPermissionDenied() throws Exception
    {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root to create a user");
        Assumptions.assumeTrue(new File("/usr/sbin/useradd").canExecute() && new File("/usr/sbin/runuser").canExecute(),
            "needs useradd and runuser");
        final String user = "xbowt" + ProcessHandle.current().pid();
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        final Path classpath = copyClasspath(dir.resolve("cp"));
        final Xbowd daemon = new Xbowd(dir.resolve("xbowd.sock"), dir.resolve("state"), null, null, false, "test");
        daemon.start();
        try
        {
            assertEquals(0, run("/usr/sbin/useradd", "-M", "-s", "/bin/sh", user).exitValue());
            final List<String> command = new ArrayList<>(List.of("/usr/sbin/runuser", "-u", user, "--",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx64m", "-cp", classpath + "/*",
                "io.xbow.control.XbowMain", "--socket", daemon.socket().toString(), "dladm", "show-link"));
            final Process client = run(command.toArray(new String[0]));
            final String stderr = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(1, client.exitValue(), stderr);
            assertEquals("dladm: cannot connect to xbowd at " + daemon.socket() +
                ": permission denied (root or the xbow group only)\n", stderr.replaceAll("(?m)^WARNING.*\n", ""));
        }
        finally
        {
            run("/usr/sbin/userdel", user);
            daemon.close();
        }
    }

    private static Process run(final String... command) throws IOException, InterruptedException
    {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!process.waitFor(60, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            fail("timed out: " + String.join(" ", command));
        }
        return process;
    }

    /** The test's classpath as jars in a directory any user can read. */
    private static Path copyClasspath(final Path target) throws IOException, InterruptedException
    {
        Files.createDirectories(target);
        int n = 0;
        for (final String entry : System.getProperty("java.class.path").split(File.pathSeparator))
        {
            final Path source = Path.of(entry);
            if (Files.isDirectory(source))
            {
                final Path jar = target.resolve("classes" + n++ + ".jar");
                final Process process = run(Path.of(System.getProperty("java.home"), "bin", "jar").toString(), "cf",
                    jar.toString(), "-C", source.toString(), ".");
                assertEquals(0, process.exitValue());
            }
            else if (Files.isRegularFile(source))
            {
                Files.copy(source, target.resolve(n++ + "-" + source.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        try (Stream<Path> files = Files.list(target))
        {
            for (final Path file : (Iterable<Path>)files::iterator)
            {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
            }
        }
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
        return target;
    }
}
