package io.xbow.hostif;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What tests with real network namespaces need: root, /dev/net/tun and the tools. They skip with the reason
 * without them on a developer's machine; on CI (CI=true), which is root and installs the tools, they must run.
 */
public final class NetTests
{
    private NetTests()
    {
    }

    /**
     * @param tools commands the test runs.
     */
    public static void assumeRootNetwork(final String... tools)
    {
        final boolean ci = "true".equals(System.getenv("CI"));
        String missing = null;
        if (!"root".equals(System.getProperty("user.name")))
        {
            missing = "needs root for network namespaces and TAP devices";
        }
        else if (!Files.exists(Path.of("/dev/net/tun")))
        {
            missing = "needs /dev/net/tun";
        }
        else
        {
            for (final String tool : tools)
            {
                if (!onPath(tool))
                {
                    missing = "needs " + tool + " (scripts/setup.sh installs it)";
                    break;
                }
            }
        }
        if (missing != null)
        {
            if (ci && "root".equals(System.getProperty("user.name")))
            {
                throw new AssertionError(missing);
            }
            Assumptions.abort(missing);
        }
    }

    private static boolean onPath(final String tool)
    {
        for (final String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":"))
        {
            if (Files.isExecutable(Path.of(dir, tool)))
            {
                return true;
            }
        }
        return false;
    }
}
