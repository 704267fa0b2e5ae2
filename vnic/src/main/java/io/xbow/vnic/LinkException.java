package io.xbow.vnic;

/**
 * A link operation that cannot be done, with a message that says why in dladm's terms and names what is in the
 * way; nothing was changed.
 */
public final class LinkException extends RuntimeException
{
    public LinkException(final String message)
    {
        super(message);
    }
}
