package io.xbow.vswitch.capture;

import io.xbow.packet.frame.FrameOffload;
import io.xbow.packet.offload.Offloads;
import io.xbow.packet.offload.SuperFrameCutter;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One capture's hold on one capture point: frames offered here go through the capture's filter into its ring,
 * tagged with the link and direction they were seen on.
 * <p>
 * A capture shows what the wire carries: a super-frame is recorded as the segments it stands for, and a partial
 * checksum finished, in a scratch buffer of the tap's own (the frame itself is left as it goes on). Tcpdump on a
 * Linux interface with TSO records super-frames with checksums not yet computed, so that readers see lengths the
 * MTU forbids and "incorrect" checksums; xbow's capture of a link shows what a host on it receives, which is
 * what the filter and the reader are written for. It costs a copy per segment, only while a capture runs.
 */
public final class CaptureTap
{
    private final CaptureSession session;
    private final CapturePoint point;
    private final int link;
    private final int direction;
    private final FrameFilter filter;
    private final CaptureRing ring;
    private final SuperFrameCutter cutter = new SuperFrameCutter();
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[SCRATCH]);
    private volatile long matched;
    private volatile long dropped;

    /** Room for the longest segment of the longest super-frame. */
    private static final int SCRATCH = 65_536 + 256;
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

    /**
     * Offer a frame that carries offload state (a partial checksum, a super-frame) as the wire would carry it.
     * Called on the datapath thread, as {@link #offer}.
     *
     * @param offload    its offload word ({@link FrameOffload}): a partial checksum, a super-frame or both.
     * @param csumStart  where its checksummed part starts.
     * @param csumOffset where its checksum goes, from there.
     */
    void offerCompleted(final DirectBuffer buffer, final int offset, final int length, final int offload,
        final int csumStart, final int csumOffset, final long timestampNs, final int insertedTci)
    {
        final int gsoType = FrameOffload.gsoType(offload);
        if (gsoType == FrameOffload.GSO_NONE)
        {
            if (length <= SCRATCH && (offload & FrameOffload.CSUM_PARTIAL) != 0)
            {
                scratch.putBytes(0, buffer, offset, length);
                if (Offloads.finishChecksum(scratch, 0, length, csumStart, csumOffset))
                {
                    offer(scratch, 0, length, timestampNs, insertedTci);
                    return;
                }
            }
        }
        else
        {
            final int segments = cutter.wrap(buffer, offset, length, gsoType, FrameOffload.gsoSize(offload));
            if (segments > 0 && cutter.largestSegment() <= SCRATCH)
            {
                for (int i = 0; i < segments; i++)
                {
                    offer(scratch, 0, cutter.cut(i, scratch, 0), timestampNs, insertedTci);
                }
                return;
            }
        }
        // Offload state that does not hold (a guest's lie): shown as it came, as it will be dropped.
        offer(buffer, offset, length, timestampNs, insertedTci);
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
