package io.xbow.vswitch.capture;

import org.agrona.DirectBuffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One capture's hold on one capture point: frames offered here go through the capture's filter into its ring,
 * tagged with the link and direction they were seen on.
 */
public final class CaptureTap
{
    private final CaptureSession session;
    private final CapturePoint point;
    private final int link;
    private final int direction;
    private final FrameFilter filter;
    private final CaptureRing ring;
    private volatile long matched;
    private volatile long dropped;

    private static final VarHandle MATCHED;
    private static final VarHandle DROPPED;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            MATCHED = lookup.findVarHandle(CaptureTap.class, "matched", long.class);
            DROPPED = lookup.findVarHandle(CaptureTap.class, "dropped", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    CaptureTap(final CaptureSession session, final CapturePoint point, final int link, final int direction,
        final FrameFilter filter)
    {
        this.session = session;
        this.ring = session.newRing();
        this.filter = filter;
        this.point = point;
        this.link = link;
        this.direction = direction;
    }

    /**
     * Called on the datapath thread; never blocks: when the capture's ring is full the frame is dropped from the
     * capture and counted. The counters have one writer (the thread serving this point), so they are plain
     * ordered stores, not atomic increments.
     */
    void offer(final DirectBuffer buffer, final int offset, final int length, final long timestampNs,
        final int insertedTci)
    {
        final int wanted = filter.accept(buffer, offset, length, insertedTci);
        if (wanted <= 0)
        {
            return;
        }
        MATCHED.setRelease(this, matched + 1);
        if (!session.copyIn(ring, link, direction, buffer, offset, length, wanted, timestampNs, insertedTci))
        {
            DROPPED.setRelease(this, dropped + 1);
        }
    }

    CaptureRing ring()
    {
        return ring;
    }

    long matched()
    {
        return matched;
    }

    long dropped()
    {
        return dropped;
    }

    CaptureSession session()
    {
        return session;
    }

    CapturePoint point()
    {
        return point;
    }
}
