package io.xbow.control;

import io.xbow.control.api.ApiClient;
import io.xbow.control.cli.DladmCommand;
import io.xbow.control.cli.XlCommand;
import io.xbow.control.daemon.GuestMemoryDirectory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import org.junit.jupiter.api.Assumptions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Guest memory directories (of daemons before sealed guest memory) say which daemon owns them; a starting daemon
 * removes those of daemons that are gone. Guest memory itself is a sealed memfd that leaves nothing behind.
 */
class GuestMemoryDirectoryTest
{
    @TempDir
    Path dir;

    private static Path withFile(final Path directory) throws IOException
    {
        Files.createDirectories(directory);
        Files.write(directory.resolve("vif1.0.pages"), new byte[4096]);
        return directory;
    }

    @Test
    void shouldRemoveTheDirectoriesOfDeadDaemonsOnly() throws Exception
    {
        final Process gone = new ProcessBuilder("sleep", "30").start();
        final long goneStart = gone.info().startInstant().orElseThrow().toEpochMilli();
        gone.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        final long self = ProcessHandle.current().pid();

        final Path dead = withFile(dir.resolve("xbow-guests-" + gone.pid() + "-" + goneStart + "-1234"));
        final Path reused = withFile(dir.resolve("xbow-guests-" + self + "-1-5678"));
        final Path mine = withFile(GuestMemoryDirectory.create(dir));
        final Path legacy = withFile(dir.resolve("xbow-guests-10190318017285126817"));
        final Path other = withFile(dir.resolve("something-else"));

        assertTrue(mine.getFileName().toString().startsWith("xbow-guests-" + self + "-"), mine.toString());
        assertEquals(2, GuestMemoryDirectory.removeStale(dir));
        assertFalse(Files.exists(dead), "its daemon is gone");
        assertFalse(Files.exists(reused), "the pid lives on in another process (or this one), started at another time");
        assertTrue(Files.exists(mine.resolve("vif1.0.pages")), "this daemon's own stays");
        assertTrue(Files.exists(legacy), "a name that does not say its owner is left alone");
        assertTrue(Files.exists(other));
        assertEquals(0, GuestMemoryDirectory.removeStale(dir));
    }

    @Test
    void shouldRemoveOnlyItsOwnUsersDirectoriesAndNeverFollowALink() throws Exception
    {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root to plant another user's directory");
        final Process gone = new ProcessBuilder("sleep", "30").start();
        final long goneStart = gone.info().startInstant().orElseThrow().toEpochMilli();
        gone.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        final String stale = "xbow-guests-" + gone.pid() + "-" + goneStart + "-";

        final Path victim = withFile(dir.resolve("victim"));
        final Path planted = withFile(dir.resolve(stale + "planted"));
        final UserPrincipal nobody = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Files.setOwner(planted, nobody);
        Files.setOwner(planted.resolve("vif1.0.pages"), nobody);
        final Path linked = Files.createSymbolicLink(dir.resolve(stale + "link"), victim);
        final Path mine = withFile(dir.resolve(stale + "mine"));
        Files.createSymbolicLink(mine.resolve("pages-elsewhere"), victim);
        Files.createSymbolicLink(mine.resolve("file-elsewhere"), victim.resolve("vif1.0.pages"));

        assertEquals(1, GuestMemoryDirectory.removeStale(dir));
        assertFalse(Files.exists(mine, LinkOption.NOFOLLOW_LINKS), "a dead daemon's own directory goes, links and all");
        assertTrue(Files.exists(planted.resolve("vif1.0.pages")), "another user's directory is not ours to remove");
        assertTrue(Files.isSymbolicLink(linked), "a link named like a directory is left alone");
        assertTrue(Files.exists(victim.resolve("vif1.0.pages")), "nothing a link pointed at was touched");
    }

    @Test
    void aDaemonKilledWithSignal9LeavesNoGuestMemoryAndCleansUpAfterOlderVersions() throws Exception
    {
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/dev/shm")), "no /dev/shm: nothing to clean up there");
        // What a daemon of an earlier version, killed with -9, left in /dev/shm.
        final Process gone = new ProcessBuilder("sleep", "30").start();
        final long goneStart = gone.info().startInstant().orElseThrow().toEpochMilli();
        gone.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        final Path left = withFile(Path.of("/dev/shm", "xbow-guests-" + gone.pid() + "-" + goneStart + "-test"));
        try
        {
            Files.writeString(dir.resolve("g.cfg"), "name = 'g'\nvif = [ 'bridge=stub0' ]\n");
            try (DaemonProcess first = new DaemonProcess(Files.createDirectories(dir.resolve("first"))).start();
                 ApiClient client = first.client())
            {
                assertFalse(Files.exists(left), "a starting daemon removes what a dead daemon left");
                final StringWriter err = new StringWriter();
                assertEquals(0, DladmCommand.run(client, new PrintWriter(new StringWriter()), new PrintWriter(err),
                    "create-etherstub", "-t", "stub0"), err.toString());
                assertEquals(0, XlCommand.run(client.xl(), new PrintWriter(new StringWriter()), new PrintWriter(err),
                    new String[] {"create", dir.resolve("g.cfg").toString()}), err.toString());
                assertEquals(List.of("/memfd:xbow-dom1-vif0 (deleted)"), memfds(first.pid()),
                    "the guest's memory is a sealed memfd of the daemon");
                assertEquals(List.of(), owned(first.pid()), "and nothing of it is in /dev/shm");
                first.kill9();
            }
        }
        finally
        {
            deleteTree(left);
        }
    }

    /** The distinct memfds a process holds. */
    private static List<String> memfds(final long pid) throws IOException
    {
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd")))
        {
            return fds.map(fd ->
            {
                try
                {
                    return Files.readSymbolicLink(fd).toString();
                }
                catch (final IOException closed)
                {
                    return "";
                }
            }).filter(target -> target.startsWith("/memfd:")).distinct().sorted().toList();
        }
    }

    private static void deleteTree(final Path root) throws IOException
    {
        if (Files.exists(root, LinkOption.NOFOLLOW_LINKS))
        {
            try (Stream<Path> paths = Files.walk(root))
            {
                for (final Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList())
                {
                    Files.deleteIfExists(path);
                }
            }
        }
    }

    private static List<Path> owned(final long pid) throws IOException
    {
        try (Stream<Path> entries = Files.list(Path.of("/dev/shm")))
        {
            return entries.filter(p -> p.getFileName().toString().startsWith("xbow-guests-" + pid + "-")).toList();
        }
    }
}
