package io.xbow.hostif.io;

import io.xbow.hostif.sys.LibC;
import io.xbow.hostif.sys.Native;
import io.xbow.hostif.sys.NativeException;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tells the datapath when a descriptor it stopped polling has something to read, so that an idle TAP or packet
 * socket costs no CPU: one thread sleeps in {@code epoll_wait} for every registered descriptor.
 * <p>
 * A descriptor is registered one-shot ({@code EPOLLONESHOT}): when it becomes readable its listener runs once (it
 * marks the registration readable and runs its listener, which wakes the reader), and the descriptor stays quiet
 * while the reader reads it dry. The reader says {@link Registration#drained} when a read finds nothing: one
 * {@code epoll_ctl} per transition to idle, never per frame, and no frame crosses threads.
 */
public final class Readiness implements AutoCloseable
{
    private static final int EPOLL_CLOEXEC = 0x80000;
    private static final int EPOLL_CTL_ADD = 1;
    private static final int EPOLL_CTL_DEL = 2;
    private static final int EPOLL_CTL_MOD = 3;
    private static final int EPOLLIN = 0x001;
    private static final int EPOLLONESHOT = 1 << 30;
    private static final int EVENT_SIZE = 12; // struct epoll_event is packed on x86_64: u32 events, u64 data
    private static final int MAX_EVENTS = 64;
    private static final int EFD_CLOEXEC = 0x80000;
    private static final int EFD_NONBLOCK = 0x800;

    private final LibC libc = Native.libc();
    private final int epoll;
    private final int stop;
    private final ConcurrentHashMap<Integer, Registration> registrations = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    /**
     * What a readable descriptor runs: on the readiness thread, quickly (mark and wake).
     */
    @FunctionalInterface
    public interface Listener
    {
        void readable();
    }

    /**
     * A registered descriptor.
     */
    public final class Registration
    {
        private final int fd;
        private final Listener listener;
        /** Set here when the descriptor becomes readable, cleared by its reader when a read finds nothing. */
        private volatile boolean readable = true;
        // The datapath's own event buffer for rearming: nothing is allocated per call.
        private final UnsafeBuffer event = new UnsafeBuffer(BufferUtil.allocateDirectAligned(16, 8));

        private Registration(final int fd, final Listener listener)
        {
            this.fd = fd;
            this.listener = listener;
        }

        /**
         * @return false from a read that found nothing until the descriptor is readable again: read only then.
         */
        public boolean isReadable()
        {
            return readable;
        }

        /**
         * The reader found nothing to read: stop reading, and be told when there is something. The listener runs
         * at once (from the readiness thread) if something arrived meanwhile.
         */
        public void drained()
        {
            readable = false;
            control(EPOLL_CTL_MOD, this);
        }

        /**
         * Stop watching the descriptor (before it is closed).
         */
        public void cancel()
        {
            if (registrations.remove(fd, this))
            {
                libc.epoll_ctl(epoll, EPOLL_CTL_DEL, fd, 0);
            }
        }
    }

    /**
     * @param name the readiness thread's name.
     * @throws NativeException if epoll or eventfd cannot be created.
     */
    public Readiness(final String name) throws NativeException
    {
        epoll = libc.epoll_create1(EPOLL_CLOEXEC);
        if (epoll < 0)
        {
            throw Native.failure("epoll_create1");
        }
        stop = libc.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (stop < 0)
        {
            final NativeException ex = Native.failure("eventfd");
            libc.close(epoll);
            throw ex;
        }
        final UnsafeBuffer event = new UnsafeBuffer(BufferUtil.allocateDirectAligned(16, 8));
        event.putInt(0, EPOLLIN, ByteOrder.nativeOrder());
        event.putLong(4, stop, ByteOrder.nativeOrder());
        if (libc.epoll_ctl(epoll, EPOLL_CTL_ADD, stop, event.addressOffset()) != 0)
        {
            final NativeException ex = Native.failure("epoll_ctl");
            libc.close(stop);
            libc.close(epoll);
            throw ex;
        }
        thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Watch a descriptor; its listener runs the first time it is readable (it starts armed).
     *
     * @param fd       a non-blocking descriptor.
     * @param listener runs on the readiness thread when it becomes readable.
     * @return the registration, to rearm and cancel.
     */
    public Registration register(final int fd, final Listener listener)
    {
        final Registration registration = new Registration(fd, listener);
        if (registrations.putIfAbsent(fd, registration) != null)
        {
            throw new IllegalStateException("descriptor " + fd + " is already watched");
        }
        control(EPOLL_CTL_ADD, registration);
        return registration;
    }

    private void control(final int op, final Registration registration)
    {
        final UnsafeBuffer event = registration.event;
        event.putInt(0, EPOLLIN | EPOLLONESHOT, ByteOrder.nativeOrder());
        event.putLong(4, registration.fd, ByteOrder.nativeOrder());
        if (libc.epoll_ctl(epoll, op, registration.fd, event.addressOffset()) != 0 && op == EPOLL_CTL_ADD)
        {
            registrations.remove(registration.fd, registration);
            throw new IllegalStateException("cannot watch descriptor " + registration.fd + ": " +
                libc.strerror(Native.errno()));
        }
    }

    private void run()
    {
        final UnsafeBuffer events = new UnsafeBuffer(BufferUtil.allocateDirectAligned(MAX_EVENTS * EVENT_SIZE, 8));
        while (running)
        {
            final int n = libc.epoll_wait(epoll, events.addressOffset(), MAX_EVENTS, -1);
            if (n < 0)
            {
                if (Native.errno() == Native.EINTR)
                {
                    continue;
                }
                System.getLogger(Readiness.class.getName()).log(System.Logger.Level.ERROR,
                    "epoll_wait failed: " + libc.strerror(Native.errno()));
                return;
            }
            for (int i = 0; i < n; i++)
            {
                final int fd = (int)events.getLong(i * EVENT_SIZE + 4, ByteOrder.nativeOrder());
                final Registration registration = registrations.get(fd);
                if (registration != null)
                {
                    registration.readable = true;
                    registration.listener.readable();
                }
            }
        }
    }

    /**
     * Stop the readiness thread. Registered descriptors are the owners' to close.
     */
    @Override
    public void close()
    {
        if (!running)
        {
            return;
        }
        running = false;
        final UnsafeBuffer one = new UnsafeBuffer(BufferUtil.allocateDirectAligned(8, 8));
        one.putLong(0, 1, ByteOrder.nativeOrder());
        libc.write(stop, one.addressOffset(), 8);
        try
        {
            thread.join(5000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        libc.close(stop);
        libc.close(epoll);
    }
}
