package io.xbow.packet.frame;

import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import static io.xbow.packet.frame.FrameDescriptor.*;

/**
 * A pool of frames in one pre-allocated off-heap arena of fixed-size slots. Frames are handed around as
 * {@code int} handles (the slot index); the bytes live in {@link #buffer()} at {@link #offset(int)}, the metadata
 * (length, start, ingress port, VLAN TCI, offload state, timestamp) in compact arrays beside it (see
 * {@link FrameDescriptor}). Beside its standard slots (an MTU's frame) a pool may have a few large ones, each for a
 * super-frame of up to 64 KiB ({@link #allocateLarge()}): a second size class rather than chained slots, so that a
 * super-frame is contiguous for the code that reads it (parsing, checksums, segmentation, a TAP's write) and a
 * handle stays one {@code int} freed exactly once.
 * <p>
 * The pool belongs to one thread: {@link #allocate()} and {@link #free(int)} take no lock. Frames cross threads
 * through {@link FrameQueue}s, and the frames a thread receives that way are freed back to the owning pool by the
 * owner. The pool counts the frames that are out ({@link #outstanding()}) so that a test can assert a workload
 * returned every frame, and it refuses a double free, which would otherwise hand one slot to two owners.
 */
public final class FramePool
{
    /** Returned by {@link #allocate()} when every slot is in use. */
    public static final int NO_FRAME = -1;
    /** {@link FrameOffload#CSUM_PARTIAL} where it sits in the VLAN TCI field. */
    private static final int OFFLOAD_CSUM_PARTIAL = FrameOffload.CSUM_PARTIAL << 16;

    private final UnsafeBuffer arena;
    private final int[] metadata;
    /**
     * A frame's offload flags and GSO type ride in the upper half of its VLAN TCI field, so that asking whether a
     * frame carries offloads reads the record the switch reads anyway; the segment size and the partial checksum's
     * place live apart, read only for such frames. (A record of eight ints, with them inside, cost 256 ports 7% of
     * their frames in L2ForwardBenchmark; a separate array read for every frame cost 2 ports 3-7%.)
     */
    private final int[] gsoSizes;
    private final int[] csums;
    private final long[] timestamps;
    private final int slotSize;
    private final int slotCount;
    private final int maxFrameLength;
    private final int[] freeStack;
    private final boolean[] allocated;
    /** Large slots, for super-frames: handles {@code slotCount} and up, after the standard slots in the arena. */
    private final int largeCount;
    private final int largeSlotSize;
    private final int[] largeFreeStack;
    private int largeFreeCount;
    private int freeCount;
    private long allocationFailures;

    /**
     * A pool of standard 2 KiB slots, for frames of up to {@code 1500 + 22} bytes and some to spare.
     *
     * @param slotCount number of frames the pool holds.
     */
    public FramePool(final int slotCount)
    {
        this(slotCount, DEFAULT_SLOT_SIZE - DEFAULT_DATA_OFFSET);
    }

    /**
     * @param slotCount      number of frames the pool holds.
     * @param maxFrameLength the largest frame a slot must hold, at most {@link FrameDescriptor#MAX_FRAME_LENGTH}
     *                       (a 9216-byte jumbo MTU with an Ethernet header and two VLAN tags).
     */
    public FramePool(final int slotCount, final int maxFrameLength)
    {
        this(slotCount, maxFrameLength, 0);
    }

    /**
     * @param slotCount      number of standard frames the pool holds.
     * @param maxFrameLength the largest frame a standard slot must hold, at most
     *                       {@link FrameDescriptor#MAX_FRAME_LENGTH} (a 9216-byte jumbo MTU with an Ethernet header
     *                       and two VLAN tags).
     * @param largeCount     number of large slots, each for a super-frame of up to
     *                       {@link FrameDescriptor#MAX_SUPER_FRAME_LENGTH} ({@link #allocateLarge()}); 0 for none.
     */
    public FramePool(final int slotCount, final int maxFrameLength, final int largeCount)
    {
        if (slotCount < 1)
        {
            throw new IllegalArgumentException("frame pool needs at least one slot, got " + slotCount);
        }
        if (maxFrameLength < 64 || maxFrameLength > MAX_FRAME_LENGTH)
        {
            throw new IllegalArgumentException(
                "maximum frame length must be 64 to " + MAX_FRAME_LENGTH + " bytes, got " + maxFrameLength);
        }
        if (largeCount < 0)
        {
            throw new IllegalArgumentException("negative number of large slots: " + largeCount);
        }
        this.slotSize = slotSizeFor(maxFrameLength);
        // A large slot spans whole standard slots and its handle is the first of them, so that every frame's
        // offset is handle * slotSize, with no branch on the hot path; the handles it spans beyond the first are
        // never handed out.
        final int largeStride = (slotSizeFor(MAX_SUPER_FRAME_LENGTH) + slotSize - 1) / slotSize;
        this.largeSlotSize = largeStride * slotSize;
        final long arenaSize = (long)slotCount * slotSize + (long)largeCount * largeSlotSize;
        if (arenaSize > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("frame pool of " + slotCount + " slots of " + slotSize + " bytes and " +
                largeCount + " large ones exceeds 2 GiB");
        }
        this.slotCount = slotCount;
        this.largeCount = largeCount;
        this.maxFrameLength = slotSize - DEFAULT_DATA_OFFSET;
        this.arena = new UnsafeBuffer(BufferUtil.allocateDirectAligned((int)arenaSize, SLOT_ALIGNMENT));
        final int total = slotCount + largeCount * largeStride;
        this.metadata = new int[total << METADATA_SHIFT];
        this.gsoSizes = new int[total];
        this.csums = new int[total];
        this.timestamps = new long[total];
        this.freeStack = new int[slotCount];
        this.allocated = new boolean[total];
        for (int i = 0; i < slotCount; i++)
        {
            freeStack[i] = slotCount - 1 - i;
        }
        this.freeCount = slotCount;
        this.largeFreeStack = new int[largeCount];
        for (int i = 0; i < largeCount; i++)
        {
            largeFreeStack[i] = slotCount + (largeCount - 1 - i) * largeStride;
        }
        this.largeFreeCount = largeCount;
    }

    /**
     * Take a frame from the pool. The frame is empty, its data starts after the default headroom, and its
     * ingress port is {@link FrameDescriptor#NO_PORT}.
     *
     * @return the frame's handle, or {@link #NO_FRAME} when the pool is empty (counted in
     * {@link #allocationFailures()}).
     */
    public int allocate()
    {
        if (freeCount == 0)
        {
            allocationFailures++;
            return NO_FRAME;
        }
        return taken(freeStack[--freeCount]);
    }

    /**
     * Take a large slot, for a super-frame of up to {@link FrameDescriptor#MAX_SUPER_FRAME_LENGTH} bytes; freed
     * like any frame.
     *
     * @return the frame's handle, or {@link #NO_FRAME} when every large slot is in use (or the pool has none).
     */
    public int allocateLarge()
    {
        if (largeFreeCount == 0)
        {
            allocationFailures++;
            return NO_FRAME;
        }
        return taken(largeFreeStack[--largeFreeCount]);
    }

    private int taken(final int handle)
    {
        allocated[handle] = true;
        final int meta = handle << METADATA_SHIFT;
        metadata[meta + LENGTH] = 0;
        metadata[meta + DATA_OFFSET] = DEFAULT_DATA_OFFSET;
        metadata[meta + INGRESS_PORT] = NO_PORT;
        metadata[meta + VLAN_TCI] = 0;
        timestamps[handle] = 0;
        return handle;
    }

    /**
     * Return a frame to the pool.
     *
     * @param handle of a frame this pool allocated and that is still out.
     * @throws IllegalStateException if the frame is not out: a double free is a bug in the caller, and letting it
     *                               pass would give one slot to two owners.
     */
    public void free(final int handle)
    {
        if (handle < 0 || handle >= allocated.length || !allocated[handle])
        {
            throw new IllegalStateException("free of a frame that is not allocated: handle " + handle);
        }
        allocated[handle] = false;
        if (handle < slotCount)
        {
            freeStack[freeCount++] = handle;
        }
        else
        {
            largeFreeStack[largeFreeCount++] = handle;
        }
    }

    /**
     * Free every frame in a batch and clear it.
     *
     * @param batch of frames owned by the caller.
     */
    public void freeAll(final FrameBatch batch)
    {
        free(batch, 0, batch.count());
        batch.clear();
    }

    /**
     * Free the frames at {@code from} (inclusive) to {@code to} (exclusive) in a batch, leaving the batch as it is:
     * for a device that sent a prefix of a batch, or a switch freeing what a failed device left.
     *
     * @param batch of frames owned by the caller.
     * @param from  first index.
     * @param to    index past the last.
     */
    public void free(final FrameBatch batch, final int from, final int to)
    {
        for (int i = from; i < to; i++)
        {
            free(batch.handle(i));
        }
    }

    /**
     * Copy a frame into a new one of its size class: bytes, length, ingress port, VLAN TCI, offload state and
     * timestamp, at the same place in its slot (a frame whose start moved into the headroom fills more of its slot
     * than a new frame's start allows).
     *
     * @param handle of the frame to copy.
     * @return the copy's handle, or {@link #NO_FRAME} if the pool is empty.
     */
    public int copy(final int handle)
    {
        final int copy = handle < slotCount ? allocate() : allocateLarge();
        if (copy != NO_FRAME)
        {
            final int length = length(handle);
            final int copyMeta = copy << METADATA_SHIFT;
            final int meta = handle << METADATA_SHIFT;
            metadata[copyMeta + DATA_OFFSET] = metadata[meta + DATA_OFFSET];
            arena.putBytes(offset(copy), arena, offset(handle), length);
            metadata[copyMeta + LENGTH] = length;
            metadata[copyMeta + INGRESS_PORT] = metadata[meta + INGRESS_PORT];
            metadata[copyMeta + VLAN_TCI] = metadata[meta + VLAN_TCI];
            gsoSizes[copy] = gsoSizes[handle];
            csums[copy] = csums[handle];
            timestamps[copy] = timestamps[handle];
        }
        return copy;
    }

    /**
     * @return the arena that holds every frame; a frame's bytes are at {@link #offset(int)}.
     */
    public MutableDirectBuffer buffer()
    {
        return arena;
    }

    /**
     * @param handle of a frame.
     * @return the offset in {@link #buffer()} of the frame's first byte.
     */
    public int offset(final int handle)
    {
        return handle * slotSize + metadata[(handle << METADATA_SHIFT) + DATA_OFFSET];
    }

    /**
     * @param handle of a frame.
     * @return the frame's length in bytes.
     */
    public int length(final int handle)
    {
        return metadata[(handle << METADATA_SHIFT) + LENGTH];
    }

    /**
     * @param handle of a frame.
     * @param length new length in bytes; must fit between the frame's start and the end of its slot.
     */
    public void length(final int handle, final int length)
    {
        if (length < 0 || length > capacity(handle))
        {
            throw new IllegalArgumentException("frame length " + length + " outside 0.." + capacity(handle));
        }
        metadata[(handle << METADATA_SHIFT) + LENGTH] = length;
    }

    /**
     * @param handle of a frame.
     * @return the most bytes the frame can hold from its current start to the end of its slot.
     */
    public int capacity(final int handle)
    {
        return (handle < slotCount ? slotSize : largeSlotSize) - metadata[(handle << METADATA_SHIFT) + DATA_OFFSET];
    }

    /**
     * @param handle of a frame.
     * @return bytes free in front of the frame, where headers can be pushed.
     */
    public int headroom(final int handle)
    {
        return metadata[(handle << METADATA_SHIFT) + DATA_OFFSET];
    }

    /**
     * Move the start of the frame, growing it at the front (negative delta: room for a pushed header) or
     * shrinking it (positive delta: a header popped). The bytes between the old and new start are not touched.
     *
     * @param handle of a frame.
     * @param delta  bytes to move the start by.
     * @return false, with nothing changed, if the move would leave the headroom or the frame.
     */
    public boolean adjustStart(final int handle, final int delta)
    {
        final int meta = handle << METADATA_SHIFT;
        final int dataOffset = metadata[meta + DATA_OFFSET] + delta;
        final int length = metadata[meta + LENGTH] - delta;
        if (dataOffset < 0 || length < 0)
        {
            return false;
        }
        metadata[meta + DATA_OFFSET] = dataOffset;
        metadata[meta + LENGTH] = length;
        if ((metadata[meta + VLAN_TCI] & OFFLOAD_CSUM_PARTIAL) != 0)
        {
            csums[handle] -= delta; // a tag pushed or popped in front: the checksummed part moved with it
        }
        return true;
    }

    /**
     * @param handle of a frame.
     * @return the switch port the frame arrived on, or {@link FrameDescriptor#NO_PORT}.
     */
    public int ingressPort(final int handle)
    {
        return metadata[(handle << METADATA_SHIFT) + INGRESS_PORT];
    }

    /**
     * @param handle of a frame.
     * @param port   the switch port the frame arrived on.
     */
    public void ingressPort(final int handle, final int port)
    {
        metadata[(handle << METADATA_SHIFT) + INGRESS_PORT] = port;
    }

    /**
     * @param handle of a frame.
     * @return the frame's tag control information inside the switch (PCP, DEI, VLAN id).
     */
    public int vlanTci(final int handle)
    {
        return metadata[(handle << METADATA_SHIFT) + VLAN_TCI] & 0xFFFF;
    }

    /**
     * @param handle of a frame.
     * @param tci    the frame's tag control information inside the switch.
     */
    public void vlanTci(final int handle, final int tci)
    {
        final int meta = (handle << METADATA_SHIFT) + VLAN_TCI;
        metadata[meta] = (metadata[meta] & 0xFFFF_0000) | (tci & 0xFFFF);
    }

    /**
     * @param handle of a frame.
     * @return the VLAN id inside the switch, from the TCI.
     */
    public int vlanId(final int handle)
    {
        return metadata[(handle << METADATA_SHIFT) + VLAN_TCI] & 0xFFF;
    }

    /**
     * @param handle of a frame.
     * @return its offload word ({@link FrameOffload}): 0 for a plain frame.
     */
    public int offload(final int handle)
    {
        final int high = metadata[(handle << METADATA_SHIFT) + VLAN_TCI] >>> 16;
        return high == 0 ? 0 : high | (high >>> 8 == 0 ? 0 : gsoSizes[handle] << 16);
    }

    /**
     * @param handle of a frame.
     * @return true if it carries offload state (a partial or validated checksum, a super-frame): cheap, for every
     *         frame.
     */
    public boolean hasOffload(final int handle)
    {
        return metadata[(handle << METADATA_SHIFT) + VLAN_TCI] >>> 16 != 0;
    }

    /**
     * @param handle  of a frame.
     * @param offload its offload word ({@link FrameOffload#of}); 0 for a plain frame.
     */
    public void offload(final int handle, final int offload)
    {
        final int meta = (handle << METADATA_SHIFT) + VLAN_TCI;
        metadata[meta] = (metadata[meta] & 0xFFFF) | (offload & 0xFFFF) << 16;
        gsoSizes[handle] = offload >>> 16;
    }

    /**
     * @param handle of a frame whose checksum is partial.
     * @return where the checksummed part starts, from the frame's first byte.
     */
    public int csumStart(final int handle)
    {
        return csums[handle] & 0xFFFF;
    }

    /**
     * @param handle of a frame whose checksum is partial.
     * @return where the checksum goes, from {@link #csumStart}.
     */
    public int csumOffset(final int handle)
    {
        return csums[handle] >>> 16;
    }

    /**
     * @param handle    of a frame.
     * @param start     where the checksummed part starts, from the frame's first byte.
     * @param offset    where the checksum goes, from there.
     */
    public void csum(final int handle, final int start, final int offset)
    {
        csums[handle] = (start & 0xFFFF) | (offset & 0xFFFF) << 16;
    }

    /**
     * @param handle of a frame.
     * @return true if it is in a large slot.
     */
    public boolean isLarge(final int handle)
    {
        return handle >= slotCount;
    }

    /**
     * @param handle of a frame.
     * @return when the frame entered the switch, in the switch clock's nanoseconds.
     */
    public long timestampNs(final int handle)
    {
        return timestamps[handle];
    }

    /**
     * @param handle      of a frame.
     * @param timestampNs when the frame entered the switch.
     */
    public void timestampNs(final int handle, final long timestampNs)
    {
        timestamps[handle] = timestampNs;
    }

    /**
     * Write bytes into a frame and set its length; for tests, tools and slow paths.
     *
     * @param handle of a frame.
     * @param bytes  the whole frame, from the destination MAC.
     */
    public void put(final int handle, final byte[] bytes)
    {
        length(handle, bytes.length);
        arena.putBytes(offset(handle), bytes);
    }

    /**
     * Copy a frame's bytes out; allocates, so for tests, tools and slow paths only.
     *
     * @param handle of a frame.
     * @return the frame's bytes.
     */
    public byte[] bytes(final int handle)
    {
        final byte[] bytes = new byte[length(handle)];
        arena.getBytes(offset(handle), bytes);
        return bytes;
    }

    /**
     * @param handle a value that may be a handle.
     * @return true if it names a frame of this pool that is currently out.
     */
    public boolean isAllocated(final int handle)
    {
        return handle >= 0 && handle < allocated.length && allocated[handle];
    }

    /**
     * @return frames currently out of the pool; zero after a workload that returned everything.
     */
    public int outstanding()
    {
        return slotCount - freeCount + largeCount - largeFreeCount;
    }

    /**
     * @return large slots available to allocate.
     */
    public int availableLarge()
    {
        return largeFreeCount;
    }

    /**
     * @return standard frames available to allocate.
     */
    public int available()
    {
        return freeCount;
    }

    /**
     * Stages that hold frames for later (a queue for a guest that posts no buffers, a shaping queue) may not take the
     * pool's last quarter: every port's traffic needs frames to move at all.
     *
     * @return true while more than a quarter of the pool is free.
     */
    public boolean hasRoomToHold()
    {
        return freeCount > slotCount / 4;
    }

    /**
     * @return number of standard frames in the pool (large slots not counted).
     */
    public int slotCount()
    {
        return slotCount;
    }

    /**
     * @return size of each slot in bytes.
     */
    public int slotSize()
    {
        return slotSize;
    }

    /**
     * @return the longest frame a fresh slot holds.
     */
    public int maxFrameLength()
    {
        return maxFrameLength;
    }

    /**
     * @return how many times {@link #allocate()} found the pool empty.
     */
    public long allocationFailures()
    {
        return allocationFailures;
    }

}
