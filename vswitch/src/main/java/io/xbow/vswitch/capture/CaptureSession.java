package io.xbow.vswitch.capture;

import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.UnsafeApi;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One running capture: its taps on the capture points of the links it watches (each tap with its own copy of the
 * filter, its own counters and its own bounded hand-off ring), and the reading side. The datapath copies matching
 * frames into a tap's ring and never waits; when the reader falls behind a ring fills and frames are dropped from
 * the capture and counted; the network never notices.
 * <p>
 * One single-producer ring per tap rather than one shared ring: a point is served by one datapath thread, so a
 * frame costs no atomic instruction, and the reader never writes into the records (see {@link CaptureRing});
 * the reader merges the rings by timestamp. Each record is a 16-byte header (switch-clock timestamp, original
 * length, link index, direction) and the captured bytes.
 */
public final class CaptureSession implements AutoCloseable
{
    /** Default ring size per tap: about 50,000 small frames, or 450 jumbo ones. */
    public static final int DEFAULT_RING_BYTES = 4 << 20;
    /** The snapshot length tcpdump uses when none is given (and for {@code -s 0}). */
    public static final int DEFAULT_SNAPLEN = 262_144;

    private static final int TIMESTAMP = 0;
    private static final int META = 8;
    private static final int HEADER = 16;
    private static final int MAC_ADDRESSES = 12;
    private static final int TAG = 4;

    private final List<String> links;
    private final int snaplen;
    private final long epochOffsetNs;
    private final int ringBytes;
    private CaptureRing[] rings = new CaptureRing[0];
    private final List<CaptureTap> taps = new ArrayList<>();
    private volatile String endReason;
    private volatile boolean closed;

    /**
     * @param links         the link names, in the order their indexes are recorded.
     * @param snaplen       the most bytes kept of a frame.
     * @param ringBytes     each tap's hand-off ring's size (a power of two, at least 64 KiB).
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
        this.ringBytes = ringBytes;
    }

    /** A tap's ring; the tap is added with {@link #addTap} once built around it. */
    CaptureRing newRing()
    {
        return new CaptureRing(ringBytes);
    }

    void addTap(final CaptureTap tap)
    {
        taps.add(tap);
        final CaptureRing[] grown = Arrays.copyOf(rings, rings.length + 1);
        grown[rings.length] = tap.ring();
        rings = grown;
        tap.point().add(tap);
    }

    /**
     * The datapath's half, for a frame a tap's filter accepted: copy it into the ring. Allocates nothing.
     *
     * @return false if the ring had no room: the frame is dropped from the capture.
     */
    boolean copyIn(final CaptureRing ring, final int link, final int direction, final DirectBuffer buffer,
        final int offset,
        final int length, final int wanted, final long timestampNs, final int insertedTci)
    {
        final boolean tagged = insertedTci != FrameFilter.NO_TAG;
        final int shown = tagged ? length + TAG : length;
        final int captured = Math.min(Math.min(wanted, shown), snaplen);
        final int index = ring.claim(HEADER + captured);
        if (index < 0)
        {
            return false;
        }
        // Plain stores: claim() checked that the record fits the ring; the frame lies inside its pool's buffer.
        final long record = ring.address() + index;
        UnsafeApi.putLong(record + TIMESTAMP, timestampNs);
        UnsafeApi.putLong(record + META, meta(shown, link, direction));
        final int data = index + HEADER;
        if (!tagged)
        {
            UnsafeApi.copyMemory(buffer.byteArray(), buffer.addressOffset() + offset, null, record + HEADER, captured);
        }
        else
        {
            final MutableDirectBuffer out = ring.buffer();
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
        ring.commit();
        return true;
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
        final CaptureRing[] all = rings;
        int moved = 0;
        while (moved < limit)
        {
            // The oldest of the rings' first records: the rings merge into one stream in timestamp order.
            CaptureRing oldest = null;
            int oldestIndex = -1;
            long oldestNs = Long.MAX_VALUE;
            for (final CaptureRing ring : all)
            {
                final int index = ring.peek();
                if (index >= 0)
                {
                    final long timestampNs = UnsafeApi.getLong(ring.address() + index + TIMESTAMP);
                    if (oldest == null || timestampNs < oldestNs)
                    {
                        oldest = ring;
                        oldestIndex = index;
                        oldestNs = timestampNs;
                    }
                }
            }
            if (oldest == null)
            {
                break;
            }
            deliver(handler, oldest, oldestIndex, oldest.length(oldestIndex));
            oldest.take(oldestIndex);
            moved++;
        }
        for (final CaptureRing ring : all)
        {
            ring.release();
        }
        return moved;
    }

    private void deliver(final CaptureHandler handler, final CaptureRing ring, final int index, final int length)
    {
        final long record = ring.address() + index;
        final long meta = UnsafeApi.getLong(record + META);
        handler.onFrame(
            (int)(meta >>> 32) & 0xFFFF,
            (int)(meta >>> 48) & 0xFF,
            UnsafeApi.getLong(record + TIMESTAMP) + epochOffsetNs,
            (int)meta,
            ring.buffer(),
            index + HEADER,
            length - HEADER);
    }

    /** Original length, link and direction in one word: one store on the datapath. */
    private static long meta(final int originalLength, final int link, final int direction)
    {
        return (originalLength & 0xFFFF_FFFFL) | (long)(link & 0xFFFF) << 32 | (long)(direction & 0xFF) << 48;
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
    public synchronized long matched()
    {
        long sum = 0;
        for (final CaptureTap tap : taps)
        {
            sum += tap.matched();
        }
        return sum;
    }

    /**
     * @return accepted frames dropped because the reader fell behind: tcpdump's "dropped by kernel".
     */
    public synchronized long dropped()
    {
        long sum = 0;
        for (final CaptureTap tap : taps)
        {
            sum += tap.dropped();
        }
        return sum;
    }

    /**
     * @return why the capture ended on its own (a link it watched went away), or null while it may go on.
     */
    public String endReason()
    {
        return endReason;
    }

    void ended(final String reason)
    {
        endReason = reason;
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
            tap.point().remove(tap); // kept in the list: their counters still count
        }
    }
}
