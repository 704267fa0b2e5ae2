package io.xbow.hypervisor.guest;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * What runs behind a domain's frontends, on the {@link GuestRunner}'s thread while the domain runs: an emulated
 * IPv4 host ({@link EmulatedGuest}) or a Linux network namespace whose interfaces are TAP devices
 * ({@link NetnsGuest}). A paused guest does not run, so its vifs neither send nor take frames off their rings.
 * Control threads reach the guest only through commands that its thread runs.
 */
public abstract class Guest implements AutoCloseable
{
    private final String name;
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private volatile boolean running = true;
    private volatile Runnable wakeup = () -> { };

    protected Guest(final String name)
    {
        this.name = name;
    }

    public String name()
    {
        return name;
    }

    /**
     * Bring up an interface on a connected vif.
     *
     * @param nic the vif as the guest sees it.
     * @return a handle for {@link #removeInterface}.
     * @throws IllegalStateException naming what failed.
     */
    public abstract Object addInterface(GuestNic nic);

    /**
     * Take an interface down before its vif goes.
     *
     * @param handle from {@link #addInterface}.
     * @return completes when the guest thread will not touch the interface's netfront again.
     */
    public abstract CompletableFuture<Void> removeInterface(Object handle);

    /**
     * Tell the guest its interface's link went down or came back (the uplink under its vif vanished): as a cable
     * pulled out, which a guest sees as NO-CARRIER. Emulated guests do not look.
     *
     * @param handle from {@link #addInterface}.
     * @param on     true when the link is up.
     */
    public void carrier(final Object handle, final boolean on)
    {
    }

    /**
     * @return true if the guest takes TCP super-frames and partial checksums on receive (its netfront announces
     *         GSO, as Linux's does); emulated guests do not.
     */
    public boolean takesSuperFrames()
    {
        return false;
    }

    public boolean isRunning()
    {
        return running;
    }

    public void running(final boolean running)
    {
        this.running = running;
        wake();
    }

    /**
     * Release what the guest holds outside xbow (a namespace); after its interfaces are removed.
     */
    @Override
    public void close()
    {
    }

    /**
     * @param wakeup wakes the thread that runs this guest: a frame arrived, or a command is waiting.
     */
    void wakeupBy(final Runnable wakeup)
    {
        this.wakeup = wakeup;
    }

    protected final void wake()
    {
        wakeup.run();
    }

    protected final void command(final Runnable command)
    {
        commands.add(command);
        wake();
    }

    /**
     * Before the guest thread sleeps: every interface of a running guest asks to be woken by its next frame.
     *
     * @return true if there is work already (a frame came in, a command is queued): do not sleep.
     */
    final boolean armWakeups()
    {
        boolean ready = !commands.isEmpty();
        if (running)
        {
            ready |= armInterfaces();
        }
        return ready;
    }

    /**
     * @return true if an interface has work already.
     */
    protected abstract boolean armInterfaces();

    /**
     * @return when the guest next needs the thread by itself (a timer), or {@link Long#MAX_VALUE}.
     */
    final long nextDeadlineNanos(final long now)
    {
        return running ? interfacesDeadline(now) : Long.MAX_VALUE;
    }

    protected abstract long interfacesDeadline(long now);

    /**
     * One turn of the guest: commands (also while paused: they are the hypervisor's, not the guest's), then, while
     * it runs, every interface.
     *
     * @return work done.
     */
    final int step(final long now)
    {
        int work = 0;
        Runnable command;
        while ((command = commands.poll()) != null)
        {
            command.run();
            work++;
        }
        if (running)
        {
            work += stepInterfaces(now);
        }
        return work;
    }

    protected abstract int stepInterfaces(long now);
}
