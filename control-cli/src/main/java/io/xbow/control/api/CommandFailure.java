package io.xbow.control.api;

/**
 * A command that could not be done: one line on standard error, and an exit status (1 for a refused request,
 * 2 for wrong usage).
 */
public final class CommandFailure extends RuntimeException
{
    private final int exitStatus;

    public CommandFailure(final String message, final int exitStatus)
    {
        super(message);
        this.exitStatus = exitStatus;
    }

    public int exitStatus()
    {
        return exitStatus;
    }
}
