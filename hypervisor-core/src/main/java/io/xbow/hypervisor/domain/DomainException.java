package io.xbow.hypervisor.domain;

/**
 * A domain operation that cannot be done, with a message for the operator.
 */
public final class DomainException extends RuntimeException
{
    public DomainException(final String message)
    {
        super(message);
    }

    public DomainException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
