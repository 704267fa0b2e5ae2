package io.xbow.vswitch.capture;

import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A single-producer, single-consumer ring of variable-length records, from the datapath thread serving one capture
 * point to the capture's reader. Unlike Agrona's ring buffers, the reader never writes to the records (it does not
 * zero what it has read): positions alone say what is written, so a record's cache lines move from the producer to
 * the reader and back without the reader taking them over. Records are a 4-byte length and the bytes, 8-aligned; a
 * record that would cross the end leaves padding (a negative length) and starts again at 0.
 */
final class CaptureRing
{
    private static final int LENGTH_FIELD = 4;
    private static final int ALIGNMENT = 8;
    /** Tail and head, 128 bytes apart: neither side's writes evict the other's line. */
    private static final int TAIL = 15;
    private static final int HEAD = 31;

    private final UnsafeBuffer buffer;
    private final int capacity;
    private final int mask;
    private final AtomicLongArray positions = new AtomicLongArray(HEAD + 16);

    // Producer side.
    private long tail;
    private long headCache;

    /**
     * @param capacity bytes, a power of two.
     */
    CaptureRing(final int capacity)
    {
        if (!BitUtil.isPowerOfTwo(capacity))
        {
            throw new IllegalArgumentException("capacity must be a power of two: " + capacity);
        }
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(capacity));
    }

    /**
     * @return the largest record the ring takes.
     */
    int maxRecordLength()
    {
        return capacity / 8;
    }

    UnsafeBuffer buffer()
    {
        return buffer;
    }

    /**
     * Producer: room for a record of {@code length} bytes.
     *
     * @return where to write them, or -1 if the reader has not made room.
     */
    int claim(final int length)
    {
        final int recordLength = BitUtil.align(length + LENGTH_FIELD, ALIGNMENT);
        long position = tail;
        int index = (int)(position & mask);
        final int toEnd = capacity - index;
        final int needed = recordLength > toEnd ? toEnd + recordLength : recordLength;
        if (position + needed - headCache > capacity)
        {
            headCache = positions.get(HEAD);
            if (position + needed - headCache > capacity)
            {
                return -1;
            }
        }
        if (recordLength > toEnd)
        {
            buffer.putInt(index, -toEnd); // padding to the end
            position += toEnd;
            index = 0;
        }
        buffer.putInt(index, length);
        tail = position + recordLength;
        return index + LENGTH_FIELD;
    }

    /**
     * Producer: publish what was claimed (an ordered store: a plain store on x86).
     */
    void commit()
    {
        positions.lazySet(TAIL, tail);
    }

    /**
     * Consumer: the index of the oldest record's bytes, or -1 when there is none. Padding is skipped.
     */
    int peek()
    {
        final long published = positions.get(TAIL);
        long head = positions.get(HEAD);
        while (head < published)
        {
            final int index = (int)(head & mask);
            final int length = buffer.getInt(index);
            if (length >= 0)
            {
                return index + LENGTH_FIELD;
            }
            head -= length;
            positions.lazySet(HEAD, head);
        }
        return -1;
    }

    /**
     * Consumer: the length of the record whose bytes start at {@code index} (from {@link #peek}).
     */
    int length(final int index)
    {
        return buffer.getInt(index - LENGTH_FIELD);
    }

    /**
     * Consumer: let go of the oldest record (the one {@link #peek} returned).
     */
    void release(final int index)
    {
        final int recordLength = BitUtil.align(length(index) + LENGTH_FIELD, ALIGNMENT);
        positions.lazySet(HEAD, positions.get(HEAD) + recordLength);
    }

    /**
     * @return the buffer, for reading records at the indexes {@link #peek} gives.
     */
    DirectBuffer records()
    {
        return buffer;
    }
}
