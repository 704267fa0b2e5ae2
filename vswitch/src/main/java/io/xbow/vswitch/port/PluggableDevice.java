package io.xbow.vswitch.port;

import io.xbow.packet.frame.FrameBatch;

/**
 * A port whose device comes and goes while the port stays (a physical link's uplink: the host interface is opened
 * when the first VNIC goes over the link and closed when the last goes). Unplugged, it takes no frames and gives
 * none. {@link #plug} runs on the datapath thread (through the switch's command queue).
 */
public final class PluggableDevice implements PortDevice
{
    private PortContext context = PortContext.DETACHED;
    private PortDevice device;

    /**
     * Datapath thread: put a device behind the port, or take it away with null (it is told {@code onDetach}).
     *
     * @param next the device, or null.
     */
    public void plug(final PortDevice next)
    {
        final PortDevice previous = device;
        device = next;
        if (previous != null && previous != next)
        {
            previous.onDetach();
        }
        if (next != null)
        {
            next.attached(context);
            context.wakeup();
        }
    }

    @Override
    public void attached(final PortContext context)
    {
        this.context = context;
        if (device != null)
        {
            device.attached(context);
        }
    }

    @Override
    public int receive(final FrameBatch batch)
    {
        final PortDevice current = device;
        return current == null ? 0 : current.receive(batch);
    }

    @Override
    public int transmit(final FrameBatch batch)
    {
        final PortDevice current = device;
        return current == null ? 0 : current.transmit(batch);
    }

    @Override
    public void onDetach()
    {
        if (device != null)
        {
            device.onDetach();
            device = null;
        }
    }

    @Override
    public long nextDeadlineNs(final long nowNs)
    {
        final PortDevice current = device;
        return current == null ? Long.MAX_VALUE : current.nextDeadlineNs(nowNs);
    }

    @Override
    public int offloads()
    {
        final PortDevice current = device;
        return current == null ? 0 : current.offloads();
    }
}
