package io.xbow.vswitch.thread;

/**
 * Wakes a datapath thread that may be parked because it found no work. Whoever hands the datapath work from another
 * thread (a port's device thread, the control plane) calls {@link #wakeup()} after publishing it, once per batch.
 */
@FunctionalInterface
public interface Wakeup
{
    /** For a datapath driven by the caller's own thread (tests, benchmarks): nothing to wake. */
    Wakeup NONE = () -> {};

    /**
     * Make sure the datapath thread runs a cycle soon; cheap when it is not parked.
     */
    void wakeup();
}
