package io.xbow.hostif.sys;

import java.io.IOException;

/**
 * A libc call failed: the message names the call and errno's text.
 */
public final class NativeException extends IOException
{
    private final int errno;

    public NativeException(final String message, final int errno)
    {
        super(message);
        this.errno = errno;
    }

    /**
     * @return errno.
     */
    public int errno()
    {
        return errno;
    }
}
