package io.xbow.hypervisor.domain;

/**
 * A domain operation that cannot be done, with a message for the operator.
 */
public final class DomainException extends RuntimeException
{
    private final boolean notFound;

    public DomainException(final String message)
    {
        this(message, false);
    }

    private DomainException(final String message, final boolean notFound)
    {
        super(message);
        this.notFound = notFound;
    }

    /**
     * @param message what was looked for.
     * @return the failure of naming a domain that does not exist (the API answers 404).
     */
    public static DomainException notFound(final String message)
    {
        return new DomainException(message, true);
    }

    /**
     * @return true if the domain named does not exist.
     */
    public boolean isNotFound()
    {
        return notFound;
    }

    public DomainException(final String message, final Throwable cause)
    {
        super(message, cause);
        this.notFound = false;
    }
}
