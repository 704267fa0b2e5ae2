package io.xbow.control.store;

/**
 * The configuration file cannot be used: the message names the file, the line and the reason.
 */
public final class ConfigException extends Exception
{
    public ConfigException(final String message)
    {
        super(message);
    }

    public ConfigException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
