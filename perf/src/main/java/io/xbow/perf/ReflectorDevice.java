package io.xbow.perf;

import io.xbow.packet.address.MacAddress;
import io.xbow.packet.frame.FrameBatch;
import io.xbow.packet.frame.FramePool;
import io.xbow.vswitch.port.PortDevice;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A port that plays a guest answering every frame: what the switch sends it comes straight back on the next poll,
 * readdressed from this port's MAC to a peer's. With a few frames primed on every port, a switch of reflectors
 * forwards forever without allocating, which is what the forwarding benchmark and the demo measure. The only
 * per-frame work here is rewriting the 12 bytes of MAC addresses, as a guest's stack would write them.
 */
public final class ReflectorDevice implements PortDevice
{
    private final FramePool pool;
    private final MutableDirectBuffer buffer;
    private final int[] ring;
    private final int mask;
    private long head;
    private long tail;
    private final long addressesFirst8;
    private final int addressesLast4;
    private boolean sink;

    /**
     * @param pool        the switch's pool.
     * @param capacity    most frames held, rounded up to a power of two.
     * @param ownMac      this port's MAC: the source of what it sends.
     * @param peerMac     where it sends: the destination of what it sends.
     */
    public ReflectorDevice(final FramePool pool, final int capacity, final long ownMac, final long peerMac)
    {
        this.pool = pool;
        this.buffer = pool.buffer();
        final int size = Integer.highestOneBit(Math.max(1, capacity - 1)) << 1;
        this.ring = new int[size];
        this.mask = size - 1;
        final UnsafeBuffer addresses = new UnsafeBuffer(new byte[12]);
        MacAddress.write(addresses, 0, peerMac);
        MacAddress.write(addresses, 6, ownMac);
        this.addressesFirst8 = addresses.getLong(0);
        this.addressesLast4 = addresses.getInt(8);
    }

    /**
     * Give the port a frame to send on the next poll, before the switch runs.
     *
     * @param frame a frame of the pool.
     */
    public void prime(final int frame)
    {
        if (tail - head == ring.length)
        {
            throw new IllegalStateException("reflector full");
        }
        ring[(int)tail++ & mask] = frame;
    }

    /**
     * @param sink true to free what the switch sends instead of sending it back: for warming a switch's forwarding
     *             table without the floods of the first frames multiplying.
     */
    public void sink(final boolean sink)
    {
        this.sink = sink;
    }

    /**
     * @return frames waiting in the port.
     */
    public int held()
    {
        return (int)(tail - head);
    }

    /**
     * Free every frame the port holds.
     */
    public void release()
    {
        while (head < tail)
        {
            pool.free(ring[(int)head++ & mask]);
        }
    }

    @Override
    public int receive(final FrameBatch batch)
    {
        int n = 0;
        while (head < tail && batch.remaining() > 0)
        {
            final int frame = ring[(int)head++ & mask];
            final int offset = pool.offset(frame);
            buffer.putLong(offset, addressesFirst8);
            buffer.putInt(offset + 8, addressesLast4);
            batch.add(frame);
            n++;
        }
        return n;
    }

    @Override
    public int transmit(final FrameBatch batch)
    {
        if (sink)
        {
            for (int i = 0; i < batch.count(); i++)
            {
                pool.free(batch.handle(i));
            }
            return batch.count();
        }
        final int n = Math.min(batch.count(), ring.length - (int)(tail - head));
        for (int i = 0; i < n; i++)
        {
            ring[(int)tail++ & mask] = batch.handle(i);
        }
        return n;
    }
}
