package io.xbow.vswitch;

import io.xbow.packet.frame.FramePool;
import io.xbow.vswitch.port.PortContext;
import io.xbow.vswitch.thread.Wakeup;
import org.agrona.concurrent.NanoClock;

/**
 * The {@link PortContext} a switch gives its ports: one per switch, so that when the switch moves to a datapath
 * thread ({@link VirtualSwitch#wakeupBy}) every port wakes the new thread without being told.
 */
final class SwitchContext implements PortContext
{
    private final FramePool pool;
    private final NanoClock clock;
    private volatile Wakeup wakeup = Wakeup.NONE;

    SwitchContext(final FramePool pool, final NanoClock clock)
    {
        this.pool = pool;
        this.clock = clock;
    }

    void wakeupBy(final Wakeup wakeup)
    {
        this.wakeup = wakeup;
    }

    @Override
    public FramePool pool()
    {
        return pool;
    }

    @Override
    public NanoClock clock()
    {
        return clock;
    }

    @Override
    public void wakeup()
    {
        wakeup.wakeup();
    }
}
