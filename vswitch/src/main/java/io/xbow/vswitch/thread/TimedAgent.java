package io.xbow.vswitch.thread;

import org.agrona.concurrent.Agent;

/**
 * An agent that shares a datapath thread with the switches and has timed work of its own (the guests whose
 * frontends run there: a ping's next probe, a retry on a full ring), which the thread must not sleep past.
 */
public interface TimedAgent extends Agent
{
    /**
     * On the datapath thread, before it sleeps.
     *
     * @return nanoseconds until the agent's next timed work, or {@link Long#MAX_VALUE}.
     */
    long nextDelayNs();
}
