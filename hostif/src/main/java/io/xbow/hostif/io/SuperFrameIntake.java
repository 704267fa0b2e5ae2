package io.xbow.hostif.io;

import io.xbow.packet.DropReason;
import io.xbow.packet.frame.FrameBatch;
import io.xbow.packet.frame.FrameOffload;
import io.xbow.packet.frame.FramePool;
import io.xbow.packet.offload.Offloads;
import io.xbow.packet.offload.SuperFrameCutter;
import io.xbow.vlan.VlanTagger;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * Where a port that reads from the kernel (a TAP, a packet socket) puts a TCP super-frame the kernel hands over
 * (its TSO, GRO on an interface): read into a pool slot with a virtio-net header before it, and its tail, past the
 * slot, into an overflow area beside it. It goes on whole in a large slot, and the switch cuts it only for a port
 * that cannot take it; with no large slot free, it is made contiguous and cut into segments here
 * ({@link SuperFrameCutter}). Either way it waits in a backlog until the switch's batch has room.
 * <p>
 * Reading into a small slot and an overflow area, rather than into a large slot every time, keeps the 64 large
 * slots for what needs them and costs a plain frame nothing; a super-frame costs one copy of its tail.
 * Datapath thread; allocates nothing.
 */
public final class SuperFrameIntake
{
    /** Room for a whole super-frame's tail: 64 KiB of IP and the link headers. */
    public static final int OVERFLOW = 65_536 + 64;
    /** Segments of a super-frame at a 1448-byte MSS: the backlog room each one read may need. */
    private static final int MAX_SEGMENTS = 46;
    private static final int NO_TAG = -1;
    private static final int TAG = 4;

    private final UnsafeBuffer assembly = new UnsafeBuffer(BufferUtil.allocateDirectAligned(OVERFLOW + 4096, 64));
    private final SuperFrameCutter cutter = new SuperFrameCutter();
    private final FrameBatch backlog;
    private FramePool pool;
    private MutableDirectBuffer frames;

    /**
     * @param backlogCapacity segments and super-frames that can wait for the switch.
     */
    public SuperFrameIntake(final int backlogCapacity)
    {
        this.backlog = new FrameBatch(backlogCapacity);
    }

    /**
     * @param pool the frames' pool, when the port is attached.
     */
    public void attached(final FramePool pool)
    {
        this.pool = pool;
        this.frames = pool.buffer();
    }

    /**
     * @return how many frames may be read now, each of which could be a super-frame that needs a place: a large slot
     *         and one place in the backlog while large slots last, a super-frame's segments' worth after.
     */
    public int room()
    {
        final int free = backlog.capacity() - backlog.count();
        final int large = pool.availableLarge();
        return free <= large ? free : large + (free - large) / MAX_SEGMENTS;
    }

    /**
     * Pass on a plain frame that was read, behind anything that waits: straight into the switch's batch when
     * nothing waits, so a super-frame and the frames of its flow read after it keep their order.
     *
     * @param frame the frame.
     * @param out   the switch's batch.
     */
    public void pass(final int frame, final FrameBatch out)
    {
        if (backlog.count() == 0 && !out.isFull())
        {
            out.add(frame);
        }
        else
        {
            backlog.add(frame); // room() kept a place for it
        }
    }

    /**
     * Take a super-frame that was read.
     *
     * @param frame          the slot its head was read into; taken (it moves on, or is freed).
     * @param length         its whole length.
     * @param vnet           where its virtio-net header is, in the pool's buffer.
     * @param overflow       holding its tail, past the slot.
     * @param overflowOffset where the tail starts there.
     * @param tci            an 802.1Q tag to put back in front of its payload (one the kernel took off), or -1.
     * @return null if it is in the backlog (whole, or cut), or why it was dropped (the slot freed).
     */
    public DropReason take(final int frame, final int length, final int vnet, final DirectBuffer overflow,
        final int overflowOffset, final int tci)
    {
        final int gsoType = Offloads.gsoType(frames, vnet);
        final int mss = Offloads.gsoSize(frames, vnet);
        final int inSlot = Math.min(length, pool.capacity(frame));
        final int large = pool.allocateLarge();
        if (large != FramePool.NO_FRAME && length <= pool.capacity(large))
        {
            // Whole, as it came: its head from the slot, its tail from the overflow, straight into the large slot.
            final int at = pool.offset(large);
            frames.putBytes(at, frames, pool.offset(frame), inSlot);
            if (length > inSlot)
            {
                frames.putBytes(at + inSlot, overflow, overflowOffset, length - inSlot);
            }
            pool.length(large, length);
            final boolean partial = (Offloads.flags(frames, vnet) & Offloads.F_NEEDS_CSUM) != 0;
            pool.offload(large, FrameOffload.of(partial ? FrameOffload.CSUM_PARTIAL : 0, gsoType, mss));
            pool.csum(large, Offloads.csumStart(frames, vnet), Offloads.csumOffset(frames, vnet));
            pool.free(frame);
            if (tci != NO_TAG && !VlanTagger.push(pool, large, tci))
            {
                pool.free(large);
                return DropReason.NO_BUFFER;
            }
            backlog.add(large);
            return null;
        }
        if (large != FramePool.NO_FRAME)
        {
            pool.free(large);
        }
        // No large slot: made contiguous (with its tag back in place, which every segment then repeats) and cut.
        final int head = Math.min(inSlot, 12);
        assembly.putBytes(0, frames, pool.offset(frame), head);
        int at = head;
        if (tci != NO_TAG && head == 12)
        {
            assembly.putInt(at, 0x8100_0000 | (tci & 0xFFFF), ByteOrder.BIG_ENDIAN);
            at += TAG;
        }
        assembly.putBytes(at, frames, pool.offset(frame) + head, inSlot - head);
        at += inSlot - head;
        if (length > inSlot)
        {
            assembly.putBytes(at, overflow, overflowOffset, length - inSlot);
            at += length - inSlot;
        }
        pool.free(frame);
        if (cutter.wrap(assembly, 0, at, gsoType, mss) < 0)
        {
            return DropReason.MALFORMED; // not a TCP super-frame after all
        }
        if (cutter.cutInto(pool, backlog) < 0)
        {
            return DropReason.NO_BUFFER; // no room for its segments
        }
        return null;
    }

    /**
     * Move what waits into the switch's batch, as far as it has room.
     */
    public void drainTo(final FrameBatch out)
    {
        int i = 0;
        final int count = backlog.count();
        for (; i < count && !out.isFull(); i++)
        {
            out.add(backlog.handle(i));
        }
        backlog.removeFirst(i);
    }

    /**
     * Free what waits: the port is leaving the switch.
     */
    public void clear()
    {
        if (pool != null)
        {
            pool.freeAll(backlog);
        }
    }
}
