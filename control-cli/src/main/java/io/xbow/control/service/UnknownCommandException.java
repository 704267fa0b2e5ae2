package io.xbow.control.service;

/**
 * A request for a subcommand the API does not have (the API answers 404).
 */
public final class UnknownCommandException extends IllegalArgumentException
{
    public UnknownCommandException(final String command)
    {
        super("unknown subcommand '" + command + "'");
    }
}
