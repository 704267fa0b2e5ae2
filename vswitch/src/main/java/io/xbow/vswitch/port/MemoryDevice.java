package io.xbow.vswitch.port;

import io.xbow.packet.frame.FrameBatch;
import io.xbow.packet.frame.FrameQueue;

/**
 * A port backed by two in-memory queues: frames {@link #inject injected} by another thread enter the switch, and
 * frames the switch sends wait to be {@link #drainTo drained}. It is what tests, benchmarks and the demo plug into
 * a switch, and the model for ports whose device runs on its own thread. Each queue has one producer and one
 * consumer: one outside thread injects and drains, the datapath thread does the rest.
 */
public final class MemoryDevice implements PortDevice
{
    private final FrameQueue toSwitch;
    private final FrameQueue fromSwitch;
    private volatile PortContext context = PortContext.DETACHED;
    private volatile int offloads;

    /**
     * @param capacity frames each direction holds.
     */
    public MemoryDevice(final int capacity)
    {
        toSwitch = new FrameQueue(capacity);
        fromSwitch = new FrameQueue(capacity);
    }

    /**
     * Outside thread: hand a frame to the switch.
     *
     * @param handle of a frame from the switch's pool.
     * @return false if the queue is full; the frame then still belongs to the caller.
     */
    public boolean inject(final int handle)
    {
        if (!toSwitch.offer(handle))
        {
            return false;
        }
        context.wakeup();
        return true;
    }

    /**
     * Outside thread: take frames the switch sent.
     *
     * @param batch to append to; the caller owns the frames.
     * @return the number taken.
     */
    public int drainTo(final FrameBatch batch)
    {
        return fromSwitch.drainTo(batch);
    }

    /**
     * Outside thread: take one frame the switch sent.
     *
     * @return its handle, or {@link io.xbow.packet.frame.FramePool#NO_FRAME}.
     */
    public int poll()
    {
        return fromSwitch.poll();
    }

    /**
     * @return frames sent by the switch and not yet drained.
     */
    public int pending()
    {
        return fromSwitch.size();
    }

    @Override
    public void attached(final PortContext context)
    {
        this.context = context;
    }

    @Override
    public int receive(final FrameBatch batch)
    {
        return toSwitch.drainTo(batch);
    }

    @Override
    public int transmit(final FrameBatch batch)
    {
        return fromSwitch.offer(batch);
    }

    /**
     * @param capabilities what this device is to take as it is (FrameOffload's CAN_* bits), as a TAP would.
     * @return this.
     */
    public MemoryDevice offloads(final int capabilities)
    {
        this.offloads = capabilities;
        return this;
    }

    @Override
    public int offloads()
    {
        return offloads;
    }
}
