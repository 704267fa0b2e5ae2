package io.xbow.hostif.sys;

import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;

/**
 * The libc calls hostif makes, bound by JNR-FFI. Buffers on the datapath are passed as raw addresses
 * ({@code long}: a pointer on the 64-bit Linux ABIs xbow runs on) into memory xbow owns (the frame pool, native
 * scratch buffers), so that a call allocates nothing; control-plane calls take byte arrays. Every call that can fail
 * saves errno ({@link Native#errno()}).
 */
public interface LibC
{
    @SaveError
    int open(String path, int flags);

    @SaveError
    int close(int fd);

    @SaveError
    int ioctl(int fd, long request, @In @Out byte[] argument);

    @SaveError
    int ioctl(int fd, long request, long argument);

    @SaveError
    long read(int fd, long buffer, long count);

    @SaveError
    long write(int fd, long buffer, long count);

    @SaveError
    long writev(int fd, long iov, int iovcnt);

    @SaveError
    long readv(int fd, long iov, int iovcnt);

    @SaveError
    int fcntl(int fd, int command, int argument);

    @SaveError
    int epoll_create1(int flags);

    @SaveError
    int epoll_ctl(int epfd, int op, int fd, long event);

    @SaveError
    int epoll_wait(int epfd, long events, int maxEvents, int timeoutMs);

    /** Linux 5.11, glibc 2.35: epoll_wait with a nanosecond timeout (a struct timespec; 0 for none). */
    @SaveError
    int epoll_pwait2(int epfd, long events, int maxEvents, long timeout, long sigmask);

    @SaveError
    int eventfd(int initial, int flags);

    @SaveError
    int socket(int domain, int type, int protocol);

    @SaveError
    int bind(int fd, @In byte[] address, int length);

    @SaveError
    int setsockopt(int fd, int level, int name, @In byte[] value, int length);

    @SaveError
    int recvmmsg(int fd, long messages, int count, int flags, long timeout);

    @SaveError
    int sendmmsg(int fd, long messages, int count, int flags);

    /**
     * A raw system call, for those glibc has no wrapper for (io_uring's). Declared with six fixed arguments: on the
     * 64-bit Linux ABIs glibc's {@code syscall} only moves registers, so unused ones are harmless.
     */
    @SaveError
    long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    int if_nametoindex(String name);

    String strerror(int errno);
}
