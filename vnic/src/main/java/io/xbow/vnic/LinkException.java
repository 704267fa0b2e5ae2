package io.xbow.vnic;

/**
 * A link operation that cannot be done, with a message that says why in dladm's terms and names what is in the
 * way; nothing was changed.
 */
public final class LinkException extends RuntimeException
{
    private final boolean notFound;

    public LinkException(final String message)
    {
        this(message, false);
    }

    private LinkException(final String message, final boolean notFound)
    {
        super(message);
        this.notFound = notFound;
    }

    /**
     * @param message what was looked for.
     * @return the failure of naming a link or property that does not exist (the API answers 404).
     */
    public static LinkException notFound(final String message)
    {
        return new LinkException(message, true);
    }

    /**
     * @return true if the link or property named does not exist.
     */
    public boolean isNotFound()
    {
        return notFound;
    }
}
