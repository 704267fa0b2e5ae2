package io.xbow.hostif.io;

import io.xbow.hostif.sys.LibC;
import io.xbow.hostif.sys.Native;
import io.xbow.hostif.sys.NativeException;
import io.xbow.vswitch.thread.Sleeper;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tells the datapath when a descriptor it stopped polling has something to read, so that an idle TAP or packet
 * socket costs no CPU: one thread sleeps in {@code epoll_wait} for every registered descriptor.
 * <p>
 * Either a thread of its own does ({@link #Readiness(String)}), whose listeners wake the reader's thread: two
 * wakeups for a frame after a quiet spell. Or the reader's thread sleeps here itself ({@link #ownedByCaller()}):
 * it calls {@link #prepareToSleep()}, looks for work once more, then {@link #await}s, and others wake it with
 * {@link #wake()} (an eventfd); a descriptor that becomes readable wakes it directly, one wakeup instead of two.
 * On a virtual machine a wakeup of an idle CPU costs tens of microseconds, and a ping crosses several threads.
 * <p>
 * With a thread of its own, a descriptor is registered one-shot ({@code EPOLLONESHOT}): when it becomes readable
 * its listener runs once (it marks the registration readable and runs its listener, which wakes the reader), and
 * the descriptor stays quiet while the reader reads it dry. The reader says {@link Registration#drained} when a read
 * finds nothing: one {@code epoll_ctl} per transition to idle, never per frame, and no frame crosses threads.
 * <p>
 * Owned by the caller, a descriptor is registered edge-triggered ({@code EPOLLET}) instead: events are collected
 * only when the owner looks for them, so edges while it reads cost nothing, and {@code drained} needs no system
 * call. A frame that arrives after the read that found nothing is a new edge, reported at the owner's next look.
 * (During single-stream TCP between two guests the rearming was a fifth of the datapath thread's system calls.)
 */
public final class Readiness implements AutoCloseable, Sleeper
{
    private static final int EPOLL_CLOEXEC = 0x80000;
    private static final int EPOLL_CTL_ADD = 1;
    private static final int EPOLL_CTL_DEL = 2;
    private static final int EPOLL_CTL_MOD = 3;
    private static final int EPOLLIN = 0x001;
    private static final int EPOLLONESHOT = 1 << 30;
    private static final int EPOLLET = 1 << 31;
    private static final int EVENT_SIZE = 12; // struct epoll_event is packed on x86_64: u32 events, u64 data
    private static final int MAX_EVENTS = 64;
    private static final int EFD_CLOEXEC = 0x80000;
    private static final int EFD_NONBLOCK = 0x800;

    private final LibC libc = Native.libc();
    private final int epoll;
    private final int stop;
    private final ConcurrentHashMap<Integer, Registration> registrations = new ConcurrentHashMap<>();
    private final Thread thread;
    private final UnsafeBuffer events = new UnsafeBuffer(BufferUtil.allocateDirectAligned(MAX_EVENTS * EVENT_SIZE, 8));
    private final UnsafeBuffer timeout = new UnsafeBuffer(BufferUtil.allocateDirectAligned(16, 8));
    private final UnsafeBuffer counter = new UnsafeBuffer(BufferUtil.allocateDirectAligned(8, 8));
    private final UnsafeBuffer drain = new UnsafeBuffer(BufferUtil.allocateDirectAligned(8, 8));
    private volatile boolean running = true;
    /** Owned by the caller: its thread is about to sleep here, or sleeps; {@link #wake()} must write. */
    private volatile boolean sleeping;
    private boolean nanosecondTimeouts = true;
    /** Owned by the caller: descriptors are edge-triggered, with no rearming (see above). */
    private final boolean edgeTriggered;

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
            if (!edgeTriggered)
            {
                control(EPOLL_CTL_MOD, this);
            }
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
        this(name, true);
    }

    /**
     * A readiness set with no thread of its own: the thread that reads the descriptors sleeps in {@link #await}.
     *
     * @return it.
     * @throws NativeException if epoll or eventfd cannot be created.
     */
    public static Readiness ownedByCaller() throws NativeException
    {
        return new Readiness(null, false);
    }

    private Readiness(final String name, final boolean ownThread) throws NativeException
    {
        this.edgeTriggered = !ownThread;
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
        counter.putLong(0, 1, ByteOrder.nativeOrder());
        if (ownThread)
        {
            thread = new Thread(this::run, name);
            thread.setDaemon(true);
            thread.start();
        }
        else
        {
            thread = null;
        }
    }

    /**
     * Owner's thread: it is about to sleep. Look for work once more after this, then {@link #await} (or
     * {@link #awake()} if there is some): a {@link #wake()} from then on is not lost.
     */
    @Override
    public void prepareToSleep()
    {
        sleeping = true;
        VarHandle.fullFence(); // the flag before the owner's last look for work: the other half of wake()'s fence
    }

    /**
     * Owner's thread: it found work after {@link #prepareToSleep()} and does not sleep.
     */
    @Override
    public void awake()
    {
        sleeping = false;
    }

    /**
     * Owner's thread: sleep until a registered descriptor is readable (its listener runs here first), a
     * {@link #wake()}, or the timeout.
     *
     * @param timeoutNs longest sleep; {@link Long#MAX_VALUE} for none.
     */
    @Override
    public void await(final long timeoutNs)
    {
        final int n;
        if (nanosecondTimeouts)
        {
            long at = 0;
            if (timeoutNs != Long.MAX_VALUE)
            {
                timeout.putLong(0, timeoutNs / 1_000_000_000L, ByteOrder.nativeOrder());
                timeout.putLong(8, timeoutNs % 1_000_000_000L, ByteOrder.nativeOrder());
                at = timeout.addressOffset();
            }
            n = epollPwait2(at);
        }
        else
        {
            // Without epoll_pwait2 (a kernel before 5.11): milliseconds, rounded up, so timed work is never early.
            n = libc.epoll_wait(epoll, events.addressOffset(), MAX_EVENTS, timeoutNs == Long.MAX_VALUE ? -1 :
                (int)Math.min(Integer.MAX_VALUE, (timeoutNs + 999_999) / 1_000_000));
        }
        sleeping = false;
        if (n > 0)
        {
            dispatch(n);
        }
    }

    private int epollPwait2(final long at)
    {
        try
        {
            return libc.epoll_pwait2(epoll, events.addressOffset(), MAX_EVENTS, at, 0);
        }
        catch (final UnsatisfiedLinkError ex)
        {
            nanosecondTimeouts = false;
            return 0; // a spurious wakeup: the owner looks for work and sleeps again, in milliseconds
        }
    }

    /**
     * Wake the owner's thread if it sleeps here, or is about to; any thread, after publishing the work.
     */
    @Override
    public void wake()
    {
        VarHandle.fullFence();
        if (sleeping)
        {
            sleeping = false;
            libc.write(stop, counter.addressOffset(), 8);
        }
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
        event.putInt(0, EPOLLIN | (edgeTriggered ? EPOLLET : EPOLLONESHOT), ByteOrder.nativeOrder());
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
            dispatch(n);
        }
    }

    private void dispatch(final int n)
    {
        for (int i = 0; i < n; i++)
        {
            final int fd = (int)events.getLong(i * EVENT_SIZE + 4, ByteOrder.nativeOrder());
            if (fd == stop)
            {
                libc.read(stop, drain.addressOffset(), 8); // reset the eventfd: the wake is taken
                continue;
            }
            final Registration registration = registrations.get(fd);
            if (registration != null)
            {
                registration.readable = true;
                registration.listener.readable();
            }
        }
    }

    /**
     * Stop the readiness thread (owned by the caller: after its thread no longer awaits). Registered descriptors are
     * the owners' to close.
     */
    @Override
    public void close()
    {
        if (!running)
        {
            return;
        }
        running = false;
        if (thread != null)
        {
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
        }
        libc.close(stop);
        libc.close(epoll);
    }
}
