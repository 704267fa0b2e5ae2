package io.xbow.control.daemon;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.UserPrincipal;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where daemons before sealed guest memory kept their guests' memory files (in {@code /dev/shm}):
 * {@code xbow-guests-PID-START-RANDOM}, named for the owning process and its start time, so that a daemon starting
 * up can tell the directories of daemons that were killed (kill -9 leaves them, with their memory files) from those
 * of daemons still running, and remove them. The start time tells a reused process id apart. Guest memory is now
 * an anonymous sealed memfd that dies with the daemon; this remains to clean up after older versions (and
 * {@link #create} to make such a directory in tests).
 */
public final class GuestMemoryDirectory
{
    static final String PREFIX = "xbow-guests-";

    private static final Pattern NAME = Pattern.compile(Pattern.quote(PREFIX) + "(\\d+)-(\\d+)-.+");

    private GuestMemoryDirectory()
    {
    }

    /**
     * @param parent where to make it.
     * @return a new directory owned by this process.
     */
    public static Path create(final Path parent) throws IOException
    {
        final ProcessHandle self = ProcessHandle.current();
        return Files.createTempDirectory(parent, PREFIX + self.pid() + "-" + startMillis(self) + "-");
    }

    /**
     * Remove the directories (and their files) of daemons that are gone; leave everything else. {@code /dev/shm} is
     * world-writable and this runs as root, so only directories of this process's own user are touched, and the
     * removal never follows a link: it works relative to directories it holds open ({@code openat}/{@code unlinkat}
     * through a {@link SecureDirectoryStream}), so a directory swapped for a symlink between listing and removal
     * fails to open rather than leading elsewhere.
     *
     * @param parent where the daemons keep them.
     * @return how many were removed.
     */
    public static int removeStale(final Path parent)
    {
        int removed = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(parent))
        {
            if (!(entries instanceof SecureDirectoryStream))
            {
                return 0; // no way to remove without following links here: leave them
            }
            final SecureDirectoryStream<Path> dir = (SecureDirectoryStream<Path>)entries;
            final UserPrincipal me = Files.getOwner(Path.of("/proc/self"));
            for (final Path entry : dir)
            {
                final Path name = entry.getFileName();
                final Matcher m = NAME.matcher(name.toString());
                if (!m.matches() || alive(Long.parseLong(m.group(1)), Long.parseLong(m.group(2))))
                {
                    continue;
                }
                final PosixFileAttributes attributes = dir.getFileAttributeView(name, PosixFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS).readAttributes();
                if (attributes.isDirectory() && attributes.owner().equals(me) && deleteTree(dir, name))
                {
                    removed++;
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            // Stale directories cost memory, not correctness: a daemon starts without removing them.
        }
        return removed;
    }

    private static boolean alive(final long pid, final long startMillis)
    {
        final Optional<ProcessHandle> process = ProcessHandle.of(pid);
        return process.isPresent() && process.get().isAlive() && startMillis(process.get()) == startMillis;
    }

    private static long startMillis(final ProcessHandle process)
    {
        return process.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
    }

    /** Remove {@code name} inside {@code parent}, depth first, never following a link. */
    private static boolean deleteTree(final SecureDirectoryStream<Path> parent, final Path name)
    {
        try (SecureDirectoryStream<Path> dir = parent.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS))
        {
            for (final Path entry : dir)
            {
                final Path child = entry.getFileName();
                final boolean directory = dir.getFileAttributeView(child, BasicFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS).readAttributes().isDirectory();
                if (directory)
                {
                    if (!deleteTree(dir, child))
                    {
                        return false;
                    }
                }
                else
                {
                    dir.deleteFile(child); // a link is removed itself, never what it points at
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            return false; // being removed by another daemon, or swapped under us: leave it
        }
        try
        {
            parent.deleteDirectory(name);
            return true;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }
}
