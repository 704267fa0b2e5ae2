package io.xbow.hostif.tap;

import io.xbow.hostif.sys.NativeException;
import io.xbow.hostif.uring.IoUring;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.UncheckedIOException;

/**
 * Frames on their way to a TAP, written from where they lie (a guest's RX pages, pool slots) behind a virtio-net
 * header: gathered and handed to the kernel in one io_uring submission by {@link #flush}, which the writer calls
 * before it lets the frames' memory go; or one {@code writev} each where there is no ring. A frame the TAP refuses
 * is counted ({@link #refused}) and named to the writer's {@link Refusals}, and the batch goes on; a TAP that failed
 * fails the flush. One thread.
 */
public final class TapWriteBatch
{
    /**
     * Hears of each frame the TAP refused (a full queue, a virtio-net header the kernel will not take).
     */
    @FunctionalInterface
    public interface Refusals
    {
        /**
         * @param tag what the frame was written with.
         */
        void refused(int tag);
    }

    /** Iovecs for the writes of one submission: most frames take two or three. */
    private static final int IOVECS = 1024;

    private final TapDevice tap;
    private final IoUring ring;
    private final int ringFd;
    /** Each frame's iovecs: its virtio-net header, then its pieces. */
    private final UnsafeBuffer iovecs = new UnsafeBuffer(BufferUtil.allocateDirectAligned(IOVECS * 16, 8));
    /** Each gathered frame's own virtio-net header (the next frame's is written before this one goes). */
    private final UnsafeBuffer headers;
    private final IoUring.Completion written = this::written;
    /** Null: refusals are only counted. */
    private final Refusals refusals;
    private int iovecsUsed;
    private int headersUsed;
    private int failure;
    private long refused;

    /**
     * @param ring     the writer's ring, or null: a writev per frame.
     * @param ringFd   the TAP as the ring names it (its descriptor, or a registered index).
     * @param refusals hears which frames the TAP refused, or null: they are only counted.
     */
    public TapWriteBatch(final TapDevice tap, final IoUring ring, final int ringFd, final Refusals refusals)
    {
        this.tap = tap;
        this.ring = ring;
        this.ringFd = ringFd;
        this.refusals = refusals;
        this.headers = new UnsafeBuffer(BufferUtil.allocateDirectAligned(
            (ring == null ? 1 : ring.capacity()) * TapDevice.VNET_HDR_LENGTH, 8));
    }

    /**
     * Write a frame, or gather it for {@link #flush}: its pieces must stay as they are until then.
     *
     * @param header its virtio-net header ({@link TapDevice#VNET_HDR_LENGTH} bytes at index 0; copied).
     * @param base   the address the offsets count from.
     */
    public void write(final DirectBuffer header, final long base, final int[] offsets, final int[] lengths,
        final int pieces)
    {
        makeRoom(pieces + 1);
        final int first = ring != null ? iovecsUsed : 0;
        final int at = ring != null ? headersUsed++ * TapDevice.VNET_HDR_LENGTH : 0;
        headers.putBytes(at, header, 0, TapDevice.VNET_HDR_LENGTH);
        iovecs.putLong(first * 16, headers.addressOffset() + at);
        iovecs.putLong(first * 16 + 8, TapDevice.VNET_HDR_LENGTH);
        for (int p = 0; p < pieces; p++)
        {
            iovecs.putLong((first + p + 1) * 16, base + offsets[p]);
            iovecs.putLong((first + p + 1) * 16 + 8, lengths[p]);
        }
        submitOrWrite(first, pieces + 1, 0);
    }

    /**
     * Write a frame whose virtio-net header lies just before it, or gather it for {@link #flush}: the memory must
     * stay as it is until then.
     *
     * @param address its header's address.
     * @param length  the header's length and the frame's.
     * @param tag     names the frame to {@link Refusals} if the TAP refuses it.
     */
    public void write(final long address, final int length, final int tag)
    {
        makeRoom(1);
        final int first = ring != null ? iovecsUsed : 0;
        iovecs.putLong(first * 16, address);
        iovecs.putLong(first * 16 + 8, length);
        submitOrWrite(first, 1, tag);
    }

    private void makeRoom(final int count)
    {
        if (ring != null && (ring.prepared() == ring.capacity() || iovecsUsed + count > IOVECS))
        {
            flush();
        }
    }

    private void submitOrWrite(final int first, final int count, final int tag)
    {
        if (ring != null)
        {
            ring.writev(ringFd, iovecs.addressOffset() + first * 16L, count, tag);
            iovecsUsed += count;
            return;
        }
        try
        {
            if (!tap.writev(iovecs.addressOffset(), count))
            {
                refused(tag); // the stack behind the TAP is not taking frames: as a full receive queue, dropped
            }
        }
        catch (final NativeException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * The gathered frames go to the kernel, in one system call; when this returns their pages are free.
     *
     * @throws UncheckedIOException if the TAP failed (not for a frame it refused: that is a counted drop).
     */
    public void flush()
    {
        if (ring == null || ring.prepared() == 0)
        {
            return;
        }
        try
        {
            ring.submit(written);
        }
        catch (final NativeException ex)
        {
            throw new UncheckedIOException(ex);
        }
        finally
        {
            iovecsUsed = 0;
            headersUsed = 0;
        }
        if (failure != 0)
        {
            final int errno = failure;
            failure = 0;
            throw new UncheckedIOException(new NativeException("write to " + tap.name() + ": errno " + errno, errno));
        }
    }

    private void written(final long userData, final int result)
    {
        if (result < 0)
        {
            final int outcome = tap.writeOutcome(-result);
            if (outcome == 0)
            {
                refused((int)userData); // the stack behind the TAP is not taking frames, or refused this one
            }
            else if (outcome < 0)
            {
                failure = -result;
            }
        }
    }

    private void refused(final int tag)
    {
        refused++;
        if (refusals != null)
        {
            refusals.refused(tag);
        }
    }

    /**
     * @return frames the TAP refused, so far.
     */
    public long refused()
    {
        return refused;
    }
}
