package io.xbow.control.api;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.xbow.control.service.UnknownCommandException;
import io.xbow.hypervisor.domain.DomainException;
import io.xbow.vnic.LinkException;

import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * How a failed command answers: its HTTP status and the message the client prints. The status follows the
 * failure's kind (not found, refused, bad argument, I/O), never its wording.
 */
record Failures(HttpResponseStatus status, String message)
{
    static Failures of(final RuntimeException ex)
    {
        if (ex instanceof DomainException)
        {
            return new Failures(((DomainException)ex).isNotFound() ? HttpResponseStatus.NOT_FOUND :
                HttpResponseStatus.CONFLICT, ex.getMessage());
        }
        if (ex instanceof LinkException)
        {
            return new Failures(((LinkException)ex).isNotFound() ? HttpResponseStatus.NOT_FOUND :
                HttpResponseStatus.CONFLICT, ex.getMessage());
        }
        if (ex instanceof IllegalArgumentException || ex instanceof ClassCastException)
        {
            return new Failures(ex instanceof UnknownCommandException ? HttpResponseStatus.NOT_FOUND :
                HttpResponseStatus.BAD_REQUEST, String.valueOf(ex.getMessage()));
        }
        if (ex instanceof IllegalStateException)
        {
            return new Failures(HttpResponseStatus.CONFLICT, String.valueOf(ex.getMessage()));
        }
        if (ex instanceof UncheckedIOException)
        {
            return new Failures(HttpResponseStatus.INTERNAL_SERVER_ERROR, ex.getMessage());
        }
        return new Failures(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error: " + ex);
    }

    /** The value of a completed future, or its failure as the exception it failed with. */
    static <T> T unwrap(final CompletableFuture<T> answer)
    {
        try
        {
            return answer.join();
        }
        catch (final CompletionException ex)
        {
            throw ex.getCause() instanceof RuntimeException ? (RuntimeException)ex.getCause() : ex;
        }
    }
}
