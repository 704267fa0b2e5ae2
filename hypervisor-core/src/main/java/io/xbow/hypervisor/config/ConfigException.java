package io.xbow.hypervisor.config;

/**
 * A domain configuration that cannot be used; the message names the file, the line and the reason, as xl does.
 */
public final class ConfigException extends Exception
{
    public ConfigException(final String message)
    {
        super(message);
    }
}
