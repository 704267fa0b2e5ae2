package io.xbow.vswitch.thread;

/**
 * Where an idle datapath thread sleeps, and how others wake it, when it does not simply park. A thread that also
 * reads descriptors (TAPs, packet sockets, guests' interfaces) sleeps in their {@code epoll_wait} instead, so that a
 * descriptor becoming readable wakes it directly, not through a thread that watches descriptors and then wakes it.
 * <p>
 * The handshake that loses no wakeup: the thread calls {@link #prepareToSleep()}, looks for work once more, then
 * {@link #await}s (or says {@link #awake()}); a producer publishes its work, then calls {@link #wake()}.
 */
public interface Sleeper
{
    /** The sleeping thread: it will look for work once more, then sleep. */
    void prepareToSleep();

    /** The sleeping thread: it found work after {@link #prepareToSleep()} and does not sleep. */
    void awake();

    /**
     * The sleeping thread: sleep until woken, or for at most this long (returning early is allowed).
     *
     * @param timeoutNs the longest sleep.
     */
    void await(long timeoutNs);

    /** Any other thread, after publishing work: end the sleep, or the coming one. */
    void wake();
}
