package io.xbow.control.daemon;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;

/**
 * Where the daemon's socket and state live. Root uses the system places ({@code /run/xbow/xbowd.sock},
 * {@code /var/lib/xbow}); anyone else their own ({@code $XDG_RUNTIME_DIR/xbow/xbowd.sock},
 * {@code ~/.local/state/xbow}). {@code --socket} or {@code XBOW_SOCKET}, and {@code --state-dir}, choose others,
 * so that several daemons can run side by side.
 */
public final class Paths
{
    private Paths()
    {
    }

    /**
     * @param option the {@code --socket} value, or null.
     * @return the socket path to use.
     */
    public static Path socket(final String option)
    {
        if (option != null)
        {
            return Path.of(option);
        }
        final String env = System.getenv("XBOW_SOCKET");
        if (env != null && !env.isBlank())
        {
            return Path.of(env);
        }
        if (isRoot())
        {
            return Path.of("/run/xbow/xbowd.sock");
        }
        final String runtime = System.getenv("XDG_RUNTIME_DIR");
        final Path base = runtime != null && !runtime.isBlank() ? Path.of(runtime) : sharedTmpRuntimeDirectory();
        return base.resolve("xbow").resolve("xbowd.sock");
    }

    /** Where a user without {@code XDG_RUNTIME_DIR} keeps the socket: in the shared, world-writable tmp. */
    static Path sharedTmpRuntimeDirectory()
    {
        return Path.of(System.getProperty("java.io.tmpdir"), "xbow-" + System.getProperty("user.name"));
    }

    /**
     * Before a socket goes under {@link #sharedTmpRuntimeDirectory()}: anyone can create that name in tmp first,
     * and whoever owns the directory can swap the socket for their own. The daemon creates it 0700, or uses it only
     * if it is a real directory (not a link) of its own user with no access for group or others.
     *
     * @param socket the socket the daemon will listen on.
     * @throws IOException with the reason, if the directory is not safe.
     */
    static void ensureOwnRuntimeDirectory(final Path socket) throws IOException
    {
        final Path base = sharedTmpRuntimeDirectory();
        if (!socket.toAbsolutePath().normalize().startsWith(base))
        {
            return;
        }
        try
        {
            Files.createDirectory(base, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        catch (final FileAlreadyExistsException exists)
        {
            // checked below, whoever made it
        }
        final PosixFileAttributes attributes = Files.readAttributes(base, PosixFileAttributes.class,
            LinkOption.NOFOLLOW_LINKS);
        final UserPrincipal me = Files.getOwner(Path.of("/proc/self"));
        if (!attributes.isDirectory() || !attributes.owner().equals(me))
        {
            throw new IOException(base + ": not a directory of " + me.getName() + "; refusing to put the socket " +
                "there (set XDG_RUNTIME_DIR or --socket)");
        }
        if (!attributes.permissions().equals(PosixFilePermissions.fromString("rwx------")))
        {
            throw new IOException(base + ": mode " + PosixFilePermissions.toString(attributes.permissions()) +
                ", not rwx------; refusing to put the socket there (set XDG_RUNTIME_DIR or --socket)");
        }
    }

    /**
     * @param option the {@code --state-dir} value, or null.
     * @return the state directory to use.
     */
    public static Path stateDirectory(final String option)
    {
        if (option != null)
        {
            return Path.of(option);
        }
        return isRoot() ? Path.of("/var/lib/xbow") :
            Path.of(System.getProperty("user.home"), ".local", "state", "xbow");
    }

    static boolean isRoot()
    {
        return "root".equals(System.getProperty("user.name"));
    }
}
