package io.xbow.hypervisor.guest;

import io.xbow.hostif.io.Readiness;

/**
 * A thread that runs guests: a {@link GuestRunner} (emulated guests share one; a netns guest may have its own), or
 * the datapath thread itself ({@link DatapathGuests}).
 */
public interface GuestThread
{
    /**
     * Run a guest from now on.
     *
     * @param guest the guest.
     */
    void add(Guest guest);

    /**
     * Stop running a guest.
     *
     * @param guest a guest added before.
     */
    void remove(Guest guest);

    /**
     * @return where the guests it runs watch their descriptors (the thread sleeps there), or null if it does not
     *         sleep in an epoll of its own.
     */
    Readiness readiness();
}
