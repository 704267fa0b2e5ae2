package io.xbow.control.daemon;

import java.nio.file.Path;

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
        final Path base = runtime != null && !runtime.isBlank() ? Path.of(runtime) :
            Path.of(System.getProperty("java.io.tmpdir"), "xbow-" + System.getProperty("user.name"));
        return base.resolve("xbow").resolve("xbowd.sock");
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
