package io.xbow.hostif.sys;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/**
 * The one libc binding, loaded on first use, and errno.
 */
public final class Native
{
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int EAGAIN = 11;
    public static final int ENODEV = 19;
    public static final int EBUSY = 16;
    public static final int EINVAL = 22;
    public static final int EMSGSIZE = 90;
    public static final int EOPNOTSUPP = 95;
    public static final int EPERM = 1;
    public static final int EBADFD = 77;
    public static final int ENETDOWN = 100;
    /** ENXIO: what a packet socket's send answers on an interface that is down. */
    public static final int ENXIO_DOWN = 6;
    public static final int ENOBUFS = 105;

    public static final int O_RDWR = 2;
    public static final int O_NONBLOCK = 0x800;
    public static final int O_CLOEXEC = 0x80000;

    private static final class Holder
    {
        static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
        static final Runtime RUNTIME = Runtime.getRuntime(LIBC);
    }

    private Native()
    {
    }

    /**
     * @return libc.
     */
    public static LibC libc()
    {
        return Holder.LIBC;
    }

    /**
     * @return errno as the last call on this thread that saves it left it.
     */
    public static int errno()
    {
        return Holder.RUNTIME.getLastError();
    }

    /**
     * @param what what failed, for the message.
     * @return an exception whose message names the call and errno's text.
     */
    public static NativeException failure(final String what)
    {
        final int errno = errno();
        return new NativeException(what + ": " + Holder.LIBC.strerror(errno), errno);
    }
}
