package io.xbow.vswitch.capture;

import org.agrona.DirectBuffer;

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

    CaptureTap(final CaptureSession session, final CapturePoint point, final int link, final int direction,
        final FrameFilter filter)
    {
        this.session = session;
        this.filter = filter;
        this.point = point;
        this.link = link;
        this.direction = direction;
    }

    /**
     * Called on the datapath thread; never blocks: when the capture's ring is full the frame is dropped from the
     * capture and counted.
     */
    void offer(final DirectBuffer buffer, final int offset, final int length, final long timestampNs,
        final int insertedTci)
    {
        session.offer(filter, link, direction, buffer, offset, length, timestampNs, insertedTci);
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
