package io.xbow.vswitch.capture;

import org.agrona.BitUtil;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A single-producer, single-consumer ring of variable-length records, from the datapath thread serving one capture
 * point to the capture's reader. Unlike Agrona's ring buffers, the reader never writes to the records (it does not
 * zero what it has read): positions alone say what is written, so a record's cache lines move from the producer to
 * the reader and back without the reader taking them over. Records are a 4-byte length and the bytes, 8-aligned; a
 * record that would cross the end leaves padding (a negative length) and starts again at 0.
 */
final class CaptureRing extends CaptureRingHead
{
    private static final VarHandle TAIL;
    private static final VarHandle HEAD;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            TAIL = lookup.findVarHandle(CaptureRingTail.class, "publishedTail", long.class);
            HEAD = lookup.findVarHandle(CaptureRingHead.class, "releasedHead", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private static final int LENGTH_FIELD = 4;
    private static final int ALIGNMENT = 8;

    private final UnsafeBuffer buffer;
    private final int capacity;
    private final int mask;
    private final long address;

    // Producer side.
    private long tail;
    private long headCache;

    // Consumer side.
    private long readHead;
    private long readLimit;

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
        this.address = buffer.addressOffset();
    }

    /**
     * @return the ring's bytes: records are read at the indexes {@link #peek} gives.
     */
    UnsafeBuffer buffer()
    {
        return buffer;
    }

    /**
     * @return the address of the ring's first byte: the producer writes records with plain stores there, since
     * {@link #claim} has already checked that the record fits (no bounds check per field).
     */
    long address()
    {
        return address;
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
            headCache = (long)HEAD.getAcquire(this);
            if (position + needed - headCache > capacity)
            {
                return -1;
            }
        }
        if (recordLength > toEnd)
        {
            UnsafeApi.putInt(address + index, -toEnd); // padding to the end
            position += toEnd;
            index = 0;
        }
        UnsafeApi.putInt(address + index, length);
        tail = position + recordLength;
        return index + LENGTH_FIELD;
    }

    /**
     * Producer: publish what was claimed (an ordered store: a plain store on x86).
     */
    void commit()
    {
        TAIL.setRelease(this, tail);
    }

    /**
     * Consumer: the index of the oldest record not yet taken, or -1 when there is none; padding is skipped. The
     * producer's position is read only when what was known to be written has been taken.
     */
    int peek()
    {
        while (true)
        {
            if (readHead >= readLimit)
            {
                readLimit = (long)TAIL.getAcquire(this);
                if (readHead >= readLimit)
                {
                    return -1;
                }
            }
            final int index = (int)(readHead & mask);
            final int length = UnsafeApi.getInt(address + index);
            if (length >= 0)
            {
                return index + LENGTH_FIELD;
            }
            readHead -= length;
        }
    }

    /**
     * Consumer: the length of the record whose bytes start at {@code index} (from {@link #peek}).
     */
    int length(final int index)
    {
        return UnsafeApi.getInt(address + index - LENGTH_FIELD);
    }

    /**
     * Consumer: take the oldest record (the one {@link #peek} returned); its room goes back to the producer at the
     * next {@link #release}.
     */
    void take(final int index)
    {
        readHead += BitUtil.align(length(index) + LENGTH_FIELD, ALIGNMENT);
    }

    /**
     * Consumer: give the room of every record taken back to the producer (once per batch read, not per record).
     */
    void release()
    {
        HEAD.setRelease(this, readHead);
    }
}

/** Cache-line padding before the producer's published position (Agrona's layout trick: fields of a superclass come first). */
abstract class CaptureRingPad1
{
    long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
}

/** The producer's published position: where written records end. */
abstract class CaptureRingTail extends CaptureRingPad1
{
    long publishedTail;
}

/** Padding between the two positions, so that neither side's stores evict the other's line. */
abstract class CaptureRingPad2 extends CaptureRingTail
{
    long p16, p17, p18, p19, p20, p21, p22, p23, p24, p25, p26, p27, p28, p29, p30, p31;
}

/** The consumer's released position: where records not yet given back begin. */
abstract class CaptureRingHead extends CaptureRingPad2
{
    long releasedHead;
    long p32, p33, p34, p35, p36, p37, p38, p39, p40, p41, p42, p43, p44, p45, p46, p47;
}
