package io.xbow.vswitch.thread;

import io.xbow.vswitch.VirtualSwitch;

/**
 * Where the switches of the links run. The registry adds a switch when a physical link or an etherstub is created
 * and removes it when the link is deleted.
 */
public interface Datapath extends AutoCloseable
{
    /**
     * @param sw a switch to run from now on.
     */
    void add(VirtualSwitch sw);

    /**
     * Stop running a switch and close it (its ports let go of their frames).
     *
     * @param sw a switch this datapath runs.
     */
    void remove(VirtualSwitch sw);

    @Override
    void close();
}
