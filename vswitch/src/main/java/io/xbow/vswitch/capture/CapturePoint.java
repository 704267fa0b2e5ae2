package io.xbow.vswitch.capture;

import io.xbow.packet.frame.FrameOffload;
import io.xbow.packet.frame.FramePool;
import org.agrona.DirectBuffer;

import java.util.Arrays;

/**
 * A place on the datapath where frames can be captured in one direction: a switch port's ingress or egress, a
 * guest device's side of a VNIC, the whole switch. When no capture runs its {@link #taps()} is null, so the cost is
 * one field read per batch; a running capture adds a {@link CaptureTap}.
 * <p>
 * The taps array is replaced whole (copy on write) by the control plane; the datapath reads it once per batch.
 */
public final class CapturePoint
{
    private volatile CaptureTap[] taps;

    /**
     * @return the running captures' taps, or null when none runs. Read once per batch on the datapath.
     */
    public CaptureTap[] taps()
    {
        return taps;
    }

    /**
     * Offer a frame to every tap: the datapath's call, after a null check of {@link #taps()}.
     *
     * @param taps        what {@link #taps()} returned for this batch.
     * @param buffer      holds the frame.
     * @param offset      where it starts.
     * @param length      its length.
     * @param timestampNs when it entered the switch (the switch's clock).
     * @param insertedTci {@link FrameFilter#NO_TAG} or a VLAN tag to show.
     */
    public static void offer(
        final CaptureTap[] taps,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final long timestampNs,
        final int insertedTci)
    {
        for (final CaptureTap tap : taps)
        {
            tap.offer(buffer, offset, length, timestampNs, insertedTci);
        }
    }

    /**
     * Offer a frame of a pool to every tap as the wire would carry it: a super-frame as its segments, a partial
     * checksum finished (see {@link CaptureTap}).
     *
     * @param taps        what {@link #taps()} returned for this batch.
     * @param pool        the frame's pool.
     * @param frame       the frame.
     * @param timestampNs when it entered the switch (the switch's clock).
     * @param insertedTci {@link FrameFilter#NO_TAG} or a VLAN tag to show.
     */
    public static void offer(
        final CaptureTap[] taps,
        final FramePool pool,
        final int frame,
        final long timestampNs,
        final int insertedTci)
    {
        final DirectBuffer buffer = pool.buffer();
        final int offset = pool.offset(frame);
        final int length = pool.length(frame);
        final int offload = pool.offload(frame);
        if (FrameOffload.needs(offload) == 0)
        {
            offer(taps, buffer, offset, length, timestampNs, insertedTci);
            return;
        }
        final int csumStart = pool.csumStart(frame);
        final int csumOffset = pool.csumOffset(frame);
        for (final CaptureTap tap : taps)
        {
            tap.offerCompleted(buffer, offset, length, offload, csumStart, csumOffset, timestampNs, insertedTci);
        }
    }

    synchronized void add(final CaptureTap tap)
    {
        final CaptureTap[] current = taps;
        if (current == null)
        {
            taps = new CaptureTap[] {tap};
            return;
        }
        final CaptureTap[] grown = Arrays.copyOf(current, current.length + 1);
        grown[current.length] = tap;
        taps = grown;
    }

    synchronized void remove(final CaptureTap tap)
    {
        final CaptureTap[] current = taps;
        if (current == null)
        {
            return;
        }
        int n = 0;
        final CaptureTap[] kept = new CaptureTap[current.length];
        for (final CaptureTap t : current)
        {
            if (t != tap)
            {
                kept[n++] = t;
            }
        }
        taps = n == 0 ? null : Arrays.copyOf(kept, n);
    }

    synchronized CaptureTap[] removeAll()
    {
        final CaptureTap[] current = taps;
        taps = null;
        return current == null ? new CaptureTap[0] : current;
    }
}
