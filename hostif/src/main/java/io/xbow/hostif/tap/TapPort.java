package io.xbow.hostif.tap;

import io.xbow.hostif.io.Readiness;
import io.xbow.hostif.io.SuperFrameIntake;
import io.xbow.hostif.sys.NativeException;
import io.xbow.hostif.uring.IoUring;
import io.xbow.packet.DropReason;
import io.xbow.packet.frame.FrameBatch;
import io.xbow.packet.frame.FrameOffload;
import io.xbow.packet.frame.FramePool;
import io.xbow.packet.offload.Offloads;
import io.xbow.vswitch.port.PortContext;
import io.xbow.vswitch.port.PortDevice;
import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A TAP device behind a switch port. The datapath reads frames straight into pool slots and writes them straight
 * from them: the virtio-net header goes in the slot's headroom, just before the frame, so each frame is one
 * {@code read} or {@code write} and is never copied. When a read finds nothing the port stops reading and asks
 * {@link Readiness} to say when there is something (an idle TAP costs no CPU and no syscall per cycle).
 * <p>
 * Offloads are on both ways ({@code TUNSETOFFLOAD} CSUM, TSO4, TSO6): the host's stack hands over partial checksums
 * and TCP super-frames of up to 64 KiB, read as a slot and an overflow area ({@code readv}) and passed on whole in a
 * large slot ({@link SuperFrameIntake}); the switch finishes or cuts them only for a port that cannot take them.
 * One read carries what would be some forty MTU-sized frames.
 * <p>
 * Reads go to the kernel several at a time ({@link TapReadBatch}, each into its own slot and overflow area) and a
 * batch to send in one {@link IoUring} submission (a {@code readv} or {@code write} each where there is no io_uring):
 * on a virtual machine a system call costs more than the kernel's work for a small frame.
 */
public final class TapPort implements PortDevice
{
    /** Counter: frames read from the TAP. */
    public static final int RX_FRAMES = 0;
    /** Counter: frames written to the TAP. */
    public static final int TX_FRAMES = 1;
    /** Counter: frames read that were dropped (runts, super-frames that are not, no room, bad checksum offsets). */
    public static final int RX_DROPPED = 2;
    /**
     * Counter: writes the TAP refused (a full queue, a header the kernel will not take); the frames go back to the
     * switch, counted there as queue-full drops.
     */
    public static final int TX_QUEUE_FULL = 3;
    /** Counter: partial checksums passed on, for the switch to finish where a port needs it. */
    public static final int PARTIAL_CHECKSUMS = 4;
    /** Counter: super-frames read (passed on whole, or cut with no large slot free). */
    public static final int SUPER_FRAMES = 5;
    private static final int COUNTERS = 6;
    /** Writes one submission carries at most. */
    private static final int TX_BATCH = 256;
    /** Reads one submission carries at most; each has an overflow area of its own for a super-frame's tail. */
    private static final int READ_BATCH = 16;
    /** Off with {@code -Dxbow.tap.batched=false}, as for netns guests. */
    private static final boolean BATCHED = Boolean.parseBoolean(System.getProperty("xbow.tap.batched", "true"));
    private static final int MIN_FRAME = 14;
    private static final int NO_TAG = -1;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    private final TapDevice tap;
    private final Readiness readiness;
    private final AtomicLongArray counters = new AtomicLongArray(COUNTERS);
    private final int maxReadsPerPoll;
    private final SuperFrameIntake intake = new SuperFrameIntake(256);
    private final int[] readFrames = new int[READ_BATCH];
    private PortContext context = PortContext.DETACHED;
    private FramePool pool;
    private MutableDirectBuffer frames;
    private long base;
    private Readiness.Registration registration;
    /** Null where io_uring is missing or disabled: a read and a write per frame. */
    private IoUring ring;
    private TapWriteBatch writes;
    /** The frames of the batch being sent that the TAP refused, by index, and a place to hold them meanwhile. */
    private final boolean[] refusedAt = new boolean[FrameBatch.MAX_CAPACITY];
    private final int[] held = new int[FrameBatch.MAX_CAPACITY];
    private int refusedCount;
    private final TapWriteBatch.Refusals refusals = index ->
    {
        refusedAt[index] = true;
        refusedCount++;
    };
    /** Each read's iovecs: its slot (behind the virtio-net header), then its part of {@link #overflow}. */
    private TapReadBatch reads;
    /** Where each read of a batch puts a super-frame's tail, {@link SuperFrameIntake#OVERFLOW} bytes apiece. */
    private UnsafeBuffer overflow;

    /**
     * @param tap             the device; the port does not close it.
     * @param readiness       the thread that says when it is readable.
     * @param maxReadsPerPoll frames read at most per cycle (a fair share against other ports).
     * @throws NativeException if the TAP refuses offloads.
     */
    public TapPort(final TapDevice tap, final Readiness readiness, final int maxReadsPerPoll) throws NativeException
    {
        tap.offload(TapDevice.TUN_F_CSUM | TapDevice.TUN_F_TSO4 | TapDevice.TUN_F_TSO6);
        this.tap = tap;
        this.readiness = readiness;
        this.maxReadsPerPoll = maxReadsPerPoll;
    }

    @Override
    public void attached(final PortContext context)
    {
        this.context = context;
        this.pool = context.pool();
        this.frames = pool.buffer();
        this.base = frames.addressOffset();
        intake.attached(pool);
        if (registration == null)
        {
            registration = readiness.register(tap.fd(), () -> this.context.wakeup());
        }
        if (ring == null && BATCHED)
        {
            try
            {
                // Not registered with the ring: a registered file would keep the TAP (and its interface) alive
                // after its owner closes it, until the port is detached.
                ring = IoUring.open(TX_BATCH);
            }
            catch (final NativeException | RuntimeException ex)
            {
                ring = null; // a read and a write per frame
            }
        }
        if (writes == null)
        {
            writes = new TapWriteBatch(tap, ring, tap.fd(), refusals);
        }
        if (reads == null)
        {
            reads = new TapReadBatch(tap, ring, tap.fd(), ring != null ? READ_BATCH : 1, 2);
            overflow = new UnsafeBuffer(BufferUtil.allocateDirectAligned(
                reads.capacity() * SuperFrameIntake.OVERFLOW, 64));
            final UnsafeBuffer iovecs = reads.iovecs();
            for (int i = 0; i < reads.capacity(); i++)
            {
                final int read = reads.iovecsOffset(i);
                iovecs.putLong(read + 16, overflow.addressOffset() + (long)i * SuperFrameIntake.OVERFLOW, NATIVE);
                iovecs.putLong(read + 24, SuperFrameIntake.OVERFLOW, NATIVE);
            }
        }
    }

    @Override
    public int receive(final FrameBatch batch)
    {
        final int start = batch.count();
        intake.drainTo(batch);
        if (!registration.isReadable())
        {
            return batch.count() - start;
        }
        int received = 0;
        // Each read may be a super-frame that needs a place: read no more than there are places for.
        int budget = Math.min(maxReadsPerPoll, intake.room());
        final UnsafeBuffer iovecs = reads.iovecs();
        while (budget > 0)
        {
            final int count = Math.min(budget, reads.wanted());
            int aimed = 0;
            for (; aimed < count; aimed++)
            {
                final int frame = pool.allocate();
                if (frame == FramePool.NO_FRAME)
                {
                    break; // the pool is dry: try again next cycle, leaving the frames in the kernel's queue
                }
                readFrames[aimed] = frame;
                final int read = reads.iovecsOffset(aimed);
                iovecs.putLong(read, base + pool.offset(frame) - TapDevice.VNET_HDR_LENGTH, NATIVE);
                iovecs.putLong(read + 8, TapDevice.VNET_HDR_LENGTH + pool.capacity(frame), NATIVE);
            }
            if (aimed == 0)
            {
                break;
            }
            try
            {
                reads.read(aimed);
            }
            catch (final NativeException ex)
            {
                for (int i = 0; i < aimed; i++)
                {
                    pool.free(readFrames[i]);
                }
                throw new UncheckedIOException(ex); // the switch takes the port out of service
            }
            for (int i = 0; i < aimed; i++)
            {
                final int frame = readFrames[i];
                final int n = reads.result(i);
                if (n < 0)
                {
                    pool.free(frame);
                    continue;
                }
                final int length = n - TapDevice.VNET_HDR_LENGTH;
                final int header = pool.offset(frame) - TapDevice.VNET_HDR_LENGTH;
                final DropReason refused = length < MIN_FRAME ? DropReason.MALFORMED :
                    accept(frame, header, length, i * SuperFrameIntake.OVERFLOW, batch);
                if (refused != null)
                {
                    if (length < MIN_FRAME)
                    {
                        pool.free(frame);
                    }
                    counters.incrementAndGet(RX_DROPPED);
                    context.dropped(refused);
                    continue;
                }
                received++;
            }
            budget -= aimed;
            if (reads.drained())
            {
                registration.drained();
                break;
            }
            if (aimed < count)
            {
                break;
            }
        }
        if (received > 0)
        {
            counters.addAndGet(RX_FRAMES, received);
        }
        intake.drainTo(batch);
        return batch.count() - start;
    }

    /**
     * A frame read: a super-frame goes to the intake, a plain one into the batch with its partial checksum, if any,
     * noted for the switch.
     *
     * @return null if it was taken, or why it was dropped (the slot freed).
     */
    private DropReason accept(final int frame, final int header, final int length, final int overflowOffset,
        final FrameBatch batch)
    {
        if (Offloads.gsoType(frames, header) != Offloads.GSO_NONE)
        {
            final DropReason refused = intake.take(frame, length, header, overflow, overflowOffset, NO_TAG);
            if (refused == null)
            {
                counters.incrementAndGet(SUPER_FRAMES);
            }
            return refused;
        }
        if (length > pool.capacity(frame))
        {
            pool.free(frame);
            return DropReason.OVERSIZE; // larger than a slot, not a super-frame: an MTU above the pool's frames
        }
        pool.length(frame, length);
        if ((Offloads.flags(frames, header) & Offloads.F_NEEDS_CSUM) != 0)
        {
            final int csumStart = Offloads.csumStart(frames, header);
            final int csumOffset = Offloads.csumOffset(frames, header);
            if (csumStart < MIN_FRAME || csumStart + csumOffset + 2 > length)
            {
                pool.free(frame);
                return DropReason.MALFORMED;
            }
            pool.offload(frame, FrameOffload.of(FrameOffload.CSUM_PARTIAL, FrameOffload.GSO_NONE, 0));
            pool.csum(frame, csumStart, csumOffset);
            counters.incrementAndGet(PARTIAL_CHECKSUMS);
        }
        else
        {
            pool.offload(frame, FrameOffload.NONE);
        }
        intake.pass(frame, batch);
        return null;
    }

    /**
     * The host's stack takes partial checksums and TCP super-frames written to a TAP (its virtio-net header says
     * what to finish); what it hands us is plain (no offloads asked with TUNSETOFFLOAD).
     */
    @Override
    public int offloads()
    {
        return FrameOffload.CAN_CSUM | FrameOffload.CAN_TSO4 | FrameOffload.CAN_TSO6;
    }

    /**
     * Every frame of the batch in one submission (a write each where there is no io_uring). The frames the TAP
     * refused go behind the others and back to the switch, which drops them counted as queue-full, not as sent.
     */
    @Override
    public int transmit(final FrameBatch batch)
    {
        final int count = batch.count();
        refusedCount = 0;
        for (int i = 0; i < count; i++)
        {
            final int frame = batch.handle(i);
            final int header = pool.offset(frame) - TapDevice.VNET_HDR_LENGTH;
            Offloads.writeHeader(pool, frame, header); // a partial checksum or a super-frame for the host's stack
            writes.write(base + header, TapDevice.VNET_HDR_LENGTH + pool.length(frame), i);
        }
        writes.flush(); // a failed TAP throws: the switch frees the batch and takes the port out of service
        final int sent = count - refusedCount;
        if (refusedCount > 0)
        {
            refusedToTheBack(batch);
            counters.addAndGet(TX_QUEUE_FULL, refusedCount);
        }
        pool.free(batch, 0, sent);
        counters.addAndGet(TX_FRAMES, sent);
        return sent;
    }

    /** Keeps the order of each kind: the sent frames first, then the refused ones. */
    private void refusedToTheBack(final FrameBatch batch)
    {
        final int count = batch.count();
        int sent = 0;
        int kept = 0;
        for (int i = 0; i < count; i++)
        {
            final int frame = batch.handle(i);
            if (refusedAt[i])
            {
                refusedAt[i] = false;
                held[kept++] = frame;
            }
            else
            {
                batch.set(sent++, frame);
            }
        }
        for (int k = 0; k < kept; k++)
        {
            batch.set(sent + k, held[k]);
        }
    }

    @Override
    public void onDetach()
    {
        if (ring != null)
        {
            ring.close();
            ring = null;
        }
        writes = null;
        reads = null;
        intake.clear(); // what never reached the switch
        if (registration != null)
        {
            registration.cancel();
            registration = null;
        }
    }

    /**
     * @param counter one of the counter constants.
     * @return its value; any thread.
     */
    public long counter(final int counter)
    {
        return counters.get(counter);
    }

    public TapDevice tap()
    {
        return tap;
    }
}
