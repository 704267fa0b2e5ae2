package io.xbow.hostif.tap;

import io.xbow.hostif.io.Readiness;
import io.xbow.hostif.sys.NativeException;
import io.xbow.packet.DropReason;
import io.xbow.packet.frame.FrameBatch;
import io.xbow.packet.frame.FrameOffload;
import io.xbow.packet.frame.FramePool;
import io.xbow.packet.offload.Offloads;
import io.xbow.vswitch.port.PortContext;
import io.xbow.vswitch.port.PortDevice;
import org.agrona.MutableDirectBuffer;

import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A TAP device behind a switch port. The datapath reads frames straight into pool slots and writes them straight
 * from them: the virtio-net header goes in the slot's headroom, just before the frame, so each frame is one
 * {@code read} or {@code write} and is never copied. When a read finds nothing the port stops reading and asks
 * {@link Readiness} to say when there is something (an idle TAP costs no CPU and no syscall per cycle).
 * <p>
 * Offloads are off for now ({@code TUNSETOFFLOAD 0}): the kernel hands over only complete, MTU-sized frames. A
 * frame that still comes with {@code VIRTIO_NET_HDR_F_NEEDS_CSUM} has its checksum finished here; one that claims
 * segmentation (which the kernel must not send us) is dropped and counted.
 */
public final class TapPort implements PortDevice
{
    /** Counter: frames read from the TAP. */
    public static final int RX_FRAMES = 0;
    /** Counter: frames written to the TAP. */
    public static final int TX_FRAMES = 1;
    /** Counter: frames read that were dropped (runts, super-frames, partial checksums that could not be finished). */
    public static final int RX_DROPPED = 2;
    /** Counter: writes the TAP refused with a full queue (the frames go back to the switch, counted there). */
    public static final int TX_QUEUE_FULL = 3;
    /** Counter: checksums finished for frames the kernel handed over with a partial one. */
    public static final int CHECKSUMS_FINISHED = 4;
    private static final int COUNTERS = 5;
    private static final int MIN_FRAME = 14;

    private final TapDevice tap;
    private final Readiness readiness;
    private final AtomicLongArray counters = new AtomicLongArray(COUNTERS);
    private final int maxReadsPerPoll;
    private PortContext context = PortContext.DETACHED;
    private FramePool pool;
    private MutableDirectBuffer frames;
    private long base;
    private Readiness.Registration registration;

    /**
     * @param tap             the device; the port does not close it.
     * @param readiness       the thread that says when it is readable.
     * @param maxReadsPerPoll frames read at most per cycle (a fair share against other ports).
     */
    public TapPort(final TapDevice tap, final Readiness readiness, final int maxReadsPerPoll)
    {
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
        if (registration == null)
        {
            registration = readiness.register(tap.fd(), () -> this.context.wakeup());
        }
    }

    @Override
    public int receive(final FrameBatch batch)
    {
        if (!registration.isReadable())
        {
            return 0;
        }
        int received = 0;
        for (int reads = 0; reads < maxReadsPerPoll && !batch.isFull(); reads++)
        {
            final int frame = pool.allocate();
            if (frame == FramePool.NO_FRAME)
            {
                return received; // the pool is dry: try again next cycle, leaving the frames in the kernel's queue
            }
            final int offset = pool.offset(frame);
            final int header = offset - TapDevice.VNET_HDR_LENGTH;
            final int n;
            try
            {
                n = tap.read(base + header, TapDevice.VNET_HDR_LENGTH + pool.capacity(frame));
            }
            catch (final NativeException ex)
            {
                pool.free(frame);
                throw new UncheckedIOException(ex); // the switch takes the port out of service
            }
            if (n < 0)
            {
                pool.free(frame);
                registration.drained();
                break;
            }
            final int length = n - TapDevice.VNET_HDR_LENGTH;
            final DropReason refused =
                length < MIN_FRAME ? DropReason.MALFORMED : acceptOffloads(header, offset, length);
            if (refused != null)
            {
                pool.free(frame);
                counters.incrementAndGet(RX_DROPPED);
                context.dropped(refused);
                continue;
            }
            pool.length(frame, length);
            batch.add(frame);
            received++;
        }
        if (received > 0)
        {
            counters.addAndGet(RX_FRAMES, received);
        }
        return received;
    }

    /**
     * @return why this port cannot take the frame (a super-frame, a partial checksum outside the frame), or null
     *         when it can (a partial checksum is finished here).
     */
    private DropReason acceptOffloads(final int header, final int offset, final int length)
    {
        if (Offloads.gsoType(frames, header) != Offloads.GSO_NONE)
        {
            return DropReason.OVERSIZE; // a super-frame, though this side took no offloads
        }
        if ((Offloads.flags(frames, header) & Offloads.F_NEEDS_CSUM) == 0)
        {
            return null;
        }
        if (!Offloads.finishChecksum(frames, offset, length, Offloads.csumStart(frames, header),
            Offloads.csumOffset(frames, header)))
        {
            return DropReason.MALFORMED;
        }
        counters.incrementAndGet(CHECKSUMS_FINISHED);
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

    @Override
    public int transmit(final FrameBatch batch)
    {
        final int count = batch.count();
        int sent = 0;
        for (; sent < count; sent++)
        {
            final int frame = batch.handle(sent);
            final int header = pool.offset(frame) - TapDevice.VNET_HDR_LENGTH;
            Offloads.writeHeader(pool, frame, header); // a partial checksum or a super-frame for the host's stack
            final boolean written;
            try
            {
                written = tap.write(base + header, TapDevice.VNET_HDR_LENGTH + pool.length(frame));
            }
            catch (final NativeException ex)
            {
                throw new UncheckedIOException(ex); // the switch frees the batch and takes the port out of service
            }
            if (!written)
            {
                counters.incrementAndGet(TX_QUEUE_FULL);
                break;
            }
        }
        pool.free(batch, 0, sent);
        if (sent > 0)
        {
            counters.addAndGet(TX_FRAMES, sent);
        }
        return sent;
    }

    @Override
    public void onDetach()
    {
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
