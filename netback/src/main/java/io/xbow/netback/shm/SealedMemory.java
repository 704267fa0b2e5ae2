package io.xbow.netback.shm;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.SaveError;

import java.io.IOException;

/**
 * Anonymous shared memory of a fixed size that no process can shrink or grow: a Linux memfd with the
 * {@code F_SEAL_SHRINK}, {@code F_SEAL_GROW} and {@code F_SEAL_SEAL} seals. Whoever maps it (through
 * {@code /proc/PID/fd/FD}) can read and write its pages but never truncate it under another mapping, which would
 * make every later access of that mapping fault (SIGBUS): a guest's frontend cannot crash the daemon that way.
 * It lives while a descriptor or a mapping of it does, so nothing is left behind when the daemon dies.
 */
final class SealedMemory
{
    private static final int MFD_CLOEXEC = 0x1;
    private static final int MFD_ALLOW_SEALING = 0x2;
    private static final int F_ADD_SEALS = 1024 + 9;
    private static final int F_GET_SEALS = 1024 + 10;
    static final int F_SEAL_SEAL = 0x1;
    static final int F_SEAL_SHRINK = 0x2;
    static final int F_SEAL_GROW = 0x4;

    /** The libc calls this needs, bound by JNR-FFI. */
    public interface LibC
    {
        @SaveError
        int memfd_create(String name, int flags);

        @SaveError
        int ftruncate(int fd, long length);

        @SaveError
        int fcntl(int fd, int cmd, int arg);

        int close(int fd);

        String strerror(int errnum);
    }

    private static final class Holder
    {
        static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
    }

    private SealedMemory()
    {
    }

    /**
     * @param name for {@code /proc/PID/fd} listings ({@code memfd:NAME}).
     * @param size bytes.
     * @return the descriptor of a sealed memfd of that size, zero-filled.
     * @throws IOException if the kernel refuses.
     */
    static int create(final String name, final long size) throws IOException
    {
        final LibC libc = Holder.LIBC;
        final int fd = libc.memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
        {
            throw failure(libc, "memfd_create " + name);
        }
        if (libc.ftruncate(fd, size) != 0)
        {
            final IOException ex = failure(libc, "ftruncate memfd " + name);
            libc.close(fd);
            throw ex;
        }
        if (libc.fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0)
        {
            final IOException ex = failure(libc, "seal memfd " + name);
            libc.close(fd);
            throw ex;
        }
        return fd;
    }

    /**
     * @param fd a memfd.
     * @return its seals.
     */
    static int seals(final int fd)
    {
        return Holder.LIBC.fcntl(fd, F_GET_SEALS, 0);
    }

    static void close(final int fd)
    {
        Holder.LIBC.close(fd);
    }

    private static IOException failure(final LibC libc, final String what)
    {
        final int errno = Runtime.getRuntime(libc).getLastError();
        return new IOException(what + ": " + libc.strerror(errno));
    }
}
