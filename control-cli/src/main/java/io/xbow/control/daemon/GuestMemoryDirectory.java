package io.xbow.control.daemon;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where a daemon keeps its guests' memory files (in {@code /dev/shm}): {@code xbow-guests-PID-START-RANDOM}, named
 * for the owning process and its start time, so that a daemon starting up can tell the directories of daemons
 * that were killed (kill -9 leaves them, with their memory files) from those of daemons still running, and remove
 * them. The start time tells a reused process id apart.
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
     * Remove the directories (and their files) of daemons that are gone; leave everything else.
     *
     * @param parent where the daemons keep them.
     * @return how many were removed.
     */
    public static int removeStale(final Path parent)
    {
        int removed = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(parent, PREFIX + "*"))
        {
            for (final Path entry : entries)
            {
                final Matcher m = NAME.matcher(entry.getFileName().toString());
                if (m.matches() && !alive(Long.parseLong(m.group(1)), Long.parseLong(m.group(2))) &&
                    deleteTree(entry))
                {
                    removed++;
                }
            }
        }
        catch (final IOException | NumberFormatException ex)
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

    private static boolean deleteTree(final Path root)
    {
        try (Stream<Path> paths = Files.walk(root))
        {
            for (final Path path : (Iterable<Path>)paths.sorted(Comparator.reverseOrder())::iterator)
            {
                Files.deleteIfExists(path);
            }
            return true;
        }
        catch (final IOException | java.io.UncheckedIOException ex)
        {
            return false; // another user's, or being removed by another daemon
        }
    }
}
