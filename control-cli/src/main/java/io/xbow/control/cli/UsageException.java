package io.xbow.control.cli;

/**
 * A command used wrongly: reported as one line and exit status 2.
 */
public final class UsageException extends RuntimeException
{
    public UsageException(final String message)
    {
        super(message);
    }
}
