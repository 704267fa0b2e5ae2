package io.xbow.hostif.host;

/**
 * A host tool failed; the message says which and why, in one line.
 */
public final class HostCommandException extends Exception
{
    public HostCommandException(final String message)
    {
        super(message);
    }
}
