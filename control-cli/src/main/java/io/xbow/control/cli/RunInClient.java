package io.xbow.control.cli;

/**
 * A command line the daemon will not run for a native client (it streams, or reads a file the client may read and
 * the daemon should not read for it): the client runs it in the JVM instead.
 */
public final class RunInClient extends RuntimeException
{
    public RunInClient(final String reason)
    {
        super(reason, null, false, false);
    }
}
