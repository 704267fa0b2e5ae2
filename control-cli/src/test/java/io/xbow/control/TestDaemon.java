package io.xbow.control;

import io.xbow.control.api.ApiClient;
import io.xbow.control.daemon.Xbowd;

import java.nio.file.Path;

/**
 * A daemon in a test's temporary directory (its socket and state there) and a client for it.
 */
final class TestDaemon implements AutoCloseable
{
    final Xbowd daemon;
    final ApiClient client;

    TestDaemon(final Path dir)
    {
        daemon = new Xbowd(dir.resolve("xbowd.sock"), dir.resolve("state"), null, null, false, "test");
        daemon.start();
        client = new ApiClient(daemon.socket());
    }

    @Override
    public void close()
    {
        client.close();
        daemon.close();
    }
}
