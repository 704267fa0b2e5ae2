package io.xbow.control;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What daemon tests with TAP devices and network namespaces need: root, /dev/net/tun and the tools they run. They
 * skip, saying why, without them; on CI (CI=true), which is root and installs the tools, they must run.
 */
final class RootNetwork
{
    private RootNetwork()
    {
    }

    /**
     * @param what  what the test exercises, for the message.
     * @param tools programs the test runs (absolute paths).
     */
    static void assume(final String what, final String... tools)
    {
        boolean ready = "root".equals(System.getProperty("user.name")) && Files.exists(Path.of("/dev/net/tun"));
        for (final String tool : tools)
        {
            ready &= Files.isExecutable(Path.of(tool));
        }
        final String needs = what + " needs root, /dev/net/tun" + (tools.length == 0 ? "" :
            " and " + String.join(", ", tools));
        if ("true".equals(System.getenv("CI")))
        {
            assertTrue(ready, "CI: " + needs);
        }
        Assumptions.assumeTrue(ready, needs);
    }
}
