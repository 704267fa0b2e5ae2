package io.xbow.vswitch.capture;

import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One running capture: its taps (each with its own copy of the capture's filter) on the capture points of the links it watches, and the bounded
 * hand-off ring between the datapath (which copies matching frames in and never waits) and the capture's reader
 * (which writes them out). When the reader falls behind the ring fills and frames are dropped from the capture
 * and counted; the network never notices.
 * <p>
 * A many-to-one ring, because the links of one capture may be served by different datapath threads. Each record
 * is a 16-byte header (switch-clock timestamp, original length, link index, direction) and the captured bytes.
 */
public final class CaptureSession implements AutoCloseable
{
    /** Default ring size: about 100,000 small frames, or 900 jumbo ones. */
    public static final int DEFAULT_RING_BYTES = 8 << 20;
    /** The snapshot length tcpdump uses when none is given (and for {@code -s 0}). */
    public static final int DEFAULT_SNAPLEN = 262_144;

    private static final int FRAME_RECORD = 1;
    private static final int TIMESTAMP = 0;
    private static final int ORIGINAL_LENGTH = 8;
    private static final int LINK = 12;
    private static final int DIRECTION = 14;
    private static final int HEADER = 16;
    private static final int MAC_ADDRESSES = 12;
    private static final int TAG = 4;

    private final List<String> links;
    private final int snaplen;
    private final long epochOffsetNs;
    private final ManyToOneRingBuffer ring;
    private final AtomicLong matched = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final List<CaptureTap> taps = new ArrayList<>();
    private volatile String endReason;
    private volatile boolean closed;

    /**
     * @param links         the link names, in the order their indexes are recorded.
     * @param snaplen       the most bytes kept of a frame.
     * @param ringBytes     the hand-off ring's size (a power of two, at least 64 KiB).
     * @param epochOffsetNs what to add to the switch clock's nanoseconds to get nanoseconds since the epoch.
     */
    CaptureSession(final List<String> links, final int snaplen, final int ringBytes,
        final long epochOffsetNs)
    {
        if (!BitUtil.isPowerOfTwo(ringBytes) || ringBytes < (64 << 10))
        {
            throw new IllegalArgumentException("capture ring size must be a power of two of at least 64 KiB: "
                + ringBytes);
        }
        if (snaplen < 1)
        {
            throw new IllegalArgumentException("snapshot length must be positive: " + snaplen);
        }
        this.links = List.copyOf(links);
        this.snaplen = Math.min(snaplen, ringBytes / 8 - HEADER - 64);
        this.epochOffsetNs = epochOffsetNs;
        this.ring = new ManyToOneRingBuffer(new UnsafeBuffer(
            ByteBuffer.allocateDirect(ringBytes + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    void addTap(final CaptureTap tap)
    {
        taps.add(tap);
        tap.point().add(tap);
    }

    /**
     * The datapath's half: filter, then copy into the ring or count a drop. Allocates nothing.
     */
    void offer(final FrameFilter filter, final int link, final int direction, final DirectBuffer buffer,
        final int offset, final int length, final long timestampNs, final int insertedTci)
    {
        final int wanted = filter.accept(buffer, offset, length, insertedTci);
        if (wanted <= 0)
        {
            return;
        }
        matched.incrementAndGet();
        final boolean tagged = insertedTci != FrameFilter.NO_TAG;
        final int shown = tagged ? length + TAG : length;
        final int captured = Math.min(Math.min(wanted, shown), snaplen);
        final int index = ring.tryClaim(FRAME_RECORD, HEADER + captured);
        if (index <= 0)
        {
            dropped.incrementAndGet();
            return;
        }
        final MutableDirectBuffer out = ring.buffer();
        out.putLong(index + TIMESTAMP, timestampNs);
        out.putInt(index + ORIGINAL_LENGTH, shown);
        out.putShort(index + LINK, (short)link);
        out.putByte(index + DIRECTION, (byte)direction);
        final int data = index + HEADER;
        if (!tagged)
        {
            out.putBytes(data, buffer, offset, captured);
        }
        else
        {
            final int macs = Math.min(captured, MAC_ADDRESSES);
            out.putBytes(data, buffer, offset, macs);
            final int tag = Math.min(captured - macs, TAG);
            if (tag > 0)
            {
                final int word = 0x8100_0000 | (insertedTci & 0xFFFF);
                for (int i = 0; i < tag; i++)
                {
                    out.putByte(data + macs + i, (byte)(word >>> (24 - 8 * i)));
                }
            }
            final int rest = captured - macs - tag;
            if (rest > 0)
            {
                out.putBytes(data + MAC_ADDRESSES + TAG, buffer, offset + MAC_ADDRESSES, rest);
            }
        }
        ring.commit(index);
    }

    /**
     * The reader's half: hand up to {@code limit} captured frames to the handler, oldest first.
     *
     * @param handler receives them.
     * @param limit   the most to hand over in this call.
     * @return how many were handed over.
     */
    public int poll(final CaptureHandler handler, final int limit)
    {
        return ring.read((type, buffer, index, length) -> handler.onFrame(
            buffer.getShort(index + LINK),
            buffer.getByte(index + DIRECTION),
            buffer.getLong(index + TIMESTAMP) + epochOffsetNs,
            buffer.getInt(index + ORIGINAL_LENGTH),
            buffer,
            index + HEADER,
            length - HEADER), limit);
    }

    /**
     * @return the link names, in index order.
     */
    public List<String> links()
    {
        return links;
    }

    /**
     * @return the snapshot length in force (the one asked for, or less if the ring could not hold such records).
     */
    public int snaplen()
    {
        return snaplen;
    }

    /**
     * @return frames the filter accepted: tcpdump's "received by filter".
     */
    public long matched()
    {
        return matched.get();
    }

    /**
     * @return accepted frames dropped because the reader fell behind: tcpdump's "dropped by kernel".
     */
    public long dropped()
    {
        return dropped.get();
    }

    /**
     * @return why the capture ended on its own (a link it watched went away), or null while it may go on.
     */
    public String endReason()
    {
        return endReason;
    }

    void linkGone(final String name)
    {
        endReason = "link " + name + " went away";
    }

    public boolean isClosed()
    {
        return closed;
    }

    /**
     * Stop capturing: the taps leave their points (frames already in the ring can still be polled).
     */
    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        for (final CaptureTap tap : taps)
        {
            tap.point().remove(tap);
        }
        taps.clear();
    }
}
