package io.xbow.hostif.packet;

import io.xbow.hostif.io.Readiness;
import io.xbow.hostif.io.SuperFrameIntake;
import io.xbow.hostif.sys.LibC;
import io.xbow.hostif.sys.Native;
import io.xbow.packet.DropReason;
import io.xbow.packet.frame.FrameBatch;
import io.xbow.packet.frame.FrameOffload;
import io.xbow.packet.frame.FramePool;
import io.xbow.packet.offload.Offloads;
import io.xbow.vlan.VlanTagger;
import io.xbow.vswitch.port.PortContext;
import io.xbow.vswitch.port.PortDevice;
import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A host interface behind a switch port (a physical link's uplink), through a {@link PacketSocket}: frames come
 * in with {@code recvmmsg} and go out with {@code sendmmsg}, a batch per system call, straight into and out of pool
 * slots (no copy), their virtio-net header in the slot's headroom. A VLAN tag the kernel took off a received frame
 * is put back from the auxiliary data, so the uplink's trunk policy sees the frame as it was on the wire.
 * <p>
 * What the host hands over with offloads: a partial checksum (a local sender's checksum offload) is finished; a TCP
 * super-frame (GRO on the interface, a local sender's TSO; up to 64 KiB, its tail received into an overflow area
 * beside the slot) goes to the switch whole, or cut where no large slot is free ({@link SuperFrameIntake}).
 * <p>
 * Why not a {@code PACKET_MMAP} ring (measured with {@code perf/native/pktrx.sh}; see the README): a TPACKET_V3
 * ring takes 1.7 times the frames of a flood but holds a lone frame until its block times out (a median 0.5 ms
 * against 18 us), and a TPACKET_V2 ring is no faster than {@code recvmmsg}; both put frames in the ring's memory, to
 * be copied into pool slots, where {@code recvmmsg} writes them in place, a batch per system call.
 */
public final class PacketSocketPort implements PortDevice
{
    /** Counter: frames received from the interface. */
    public static final int RX_FRAMES = 0;
    /** Counter: frames sent on it. */
    public static final int TX_FRAMES = 1;
    /** Counter: frames received that were dropped (truncated, runts). */
    public static final int RX_DROPPED = 2;
    /** Counter: sends the kernel refused with a full queue (the switch counts those frames as queue-full). */
    public static final int TX_QUEUE_FULL = 3;
    /** Counter: VLAN tags put back from auxiliary data. */
    public static final int TAGS_RESTORED = 4;
    /** Counter: super-frames received (passed on whole, or cut into segments with no large slot free). */
    public static final int SUPER_FRAMES = 5;
    /** Counter: partial checksums finished. */
    public static final int CHECKSUMS_FINISHED = 6;
    private static final int COUNTERS = 7;
    private static final int HDR = Offloads.VNET_HDR_LENGTH;
    private static final int OVERFLOW = SuperFrameIntake.OVERFLOW;

    private static final int MMSGHDR = 64;
    private static final int IOVEC = 16;
    private static final int RX_IOVECS = 2;
    private static final int CMSG_SPACE = 16 + 24; // CMSG_SPACE(sizeof(struct tpacket_auxdata))
    private static final int MSG_DONTWAIT = 0x40;
    private static final int MSG_TRUNC = 0x20;
    private static final int TP_STATUS_VLAN_VALID = 0x10;
    private static final int TP_STATUS_VLAN_TPID_VALID = 0x40;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    private final PacketSocket socket;
    private final Readiness readiness;
    private final LibC libc;
    private final int batch;
    private final UnsafeBuffer rxHeaders;
    private final UnsafeBuffer rxIovecs;
    private final UnsafeBuffer rxControl;
    private final UnsafeBuffer txHeaders;
    private final UnsafeBuffer txIovecs;
    private final int[] rxFrames;
    private final UnsafeBuffer overflow;
    private final SuperFrameIntake intake = new SuperFrameIntake(256);
    private final AtomicLongArray counters = new AtomicLongArray(COUNTERS);
    private PortContext context = PortContext.DETACHED;
    private FramePool pool;
    private MutableDirectBuffer frames;
    private long base;
    private Readiness.Registration registration;

    /**
     * @param socket    the interface's packet socket; closed by {@link #close()}.
     * @param readiness the thread that says when it is readable.
     * @param batch     frames per system call.
     */
    public PacketSocketPort(final PacketSocket socket, final Readiness readiness, final int batch)
    {
        this.socket = socket;
        this.readiness = readiness;
        this.libc = socket.libc();
        this.batch = batch;
        this.rxHeaders = direct(batch * MMSGHDR);
        this.rxIovecs = direct(batch * IOVEC * RX_IOVECS);
        this.overflow = direct(batch * OVERFLOW);
        this.rxControl = direct(batch * CMSG_SPACE);
        this.txHeaders = direct(batch * MMSGHDR);
        this.txIovecs = direct(batch * IOVEC);
        this.rxFrames = new int[batch];
        for (int i = 0; i < batch; i++)
        {
            final int header = i * MMSGHDR;
            rxHeaders.putLong(header + 16, rxIovecs.addressOffset() + (long)i * IOVEC * RX_IOVECS, NATIVE); // msg_iov
            rxHeaders.putLong(header + 24, RX_IOVECS, NATIVE);                                              // msg_iovlen
            // The second iovec catches what does not fit the slot: the tail of a super-frame.
            rxIovecs.putLong((i * RX_IOVECS + 1) * IOVEC, overflow.addressOffset() + (long)i * OVERFLOW, NATIVE);
            rxIovecs.putLong((i * RX_IOVECS + 1) * IOVEC + 8, OVERFLOW, NATIVE);
            rxHeaders.putLong(header + 32, rxControl.addressOffset() + (long)i * CMSG_SPACE, NATIVE);
            txHeaders.putLong(header + 16, txIovecs.addressOffset() + (long)i * IOVEC, NATIVE);
            txHeaders.putLong(header + 24, 1, NATIVE);
        }
    }

    private static UnsafeBuffer direct(final int bytes)
    {
        return new UnsafeBuffer(BufferUtil.allocateDirectAligned(bytes, 64));
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
            registration = readiness.register(socket.fd(), () -> this.context.wakeup());
        }
    }

    @Override
    public int receive(final FrameBatch out)
    {
        final int start = out.count();
        intake.drainTo(out);
        if (!registration.isReadable() || out.isFull())
        {
            return out.count() - start;
        }
        // Every message taken must have a place should it be a super-frame: a large slot, or room in the backlog
        // for its segments. Fewer messages are taken while large slots are short, none are lost.
        final int room = Math.min(Math.min(batch, out.capacity() - out.count()), intake.room());
        int posted = 0;
        for (; posted < room; posted++)
        {
            final int frame = pool.allocate();
            if (frame == FramePool.NO_FRAME)
            {
                break;
            }
            rxFrames[posted] = frame;
            final int iov = posted * IOVEC * RX_IOVECS;
            rxIovecs.putLong(iov, base + pool.offset(frame) - HDR, NATIVE);
            rxIovecs.putLong(iov + 8, HDR + pool.capacity(frame), NATIVE);
            rxHeaders.putLong(posted * MMSGHDR + 40, CMSG_SPACE, NATIVE); // msg_controllen, reset every call
        }
        if (posted == 0)
        {
            return out.count() - start; // the pool is dry: the frames wait in the socket
        }
        final int n = libc.recvmmsg(socket.fd(), rxHeaders.addressOffset(), posted, MSG_DONTWAIT, 0);
        if (n < 0)
        {
            final int errno = Native.errno();
            for (int i = 0; i < posted; i++)
            {
                pool.free(rxFrames[i]);
            }
            if (errno == Native.EAGAIN || errno == Native.EINTR)
            {
                if (errno == Native.EAGAIN)
                {
                    registration.drained();
                }
                return out.count() - start;
            }
            throw new UncheckedIOException(Native.failure("receive on " + socket.name()));
        }
        int taken = 0;
        for (int i = 0; i < n; i++)
        {
            final int frame = rxFrames[i];
            final int header = i * MMSGHDR;
            final int length = rxHeaders.getInt(header + 56, NATIVE) - HDR;
            final int flags = rxHeaders.getInt(header + 48, NATIVE);
            if ((flags & MSG_TRUNC) != 0 || length < 14)
            {
                drop(frame, (flags & MSG_TRUNC) != 0 ? DropReason.OVERSIZE : DropReason.MALFORMED);
                continue;
            }
            final int vnet = pool.offset(frame) - HDR;
            final int gsoType = Offloads.gsoType(frames, vnet);
            final int tci = vlanTag(i);
            if (tci == BAD_TAG)
            {
                drop(frame, DropReason.MALFORMED);
                continue;
            }
            if (gsoType != Offloads.GSO_NONE)
            {
                final DropReason refused = intake.take(frame, length, vnet, overflow, i * OVERFLOW, tci);
                if (refused != null)
                {
                    counters.incrementAndGet(RX_DROPPED);
                    context.dropped(refused);
                    continue;
                }
                counters.incrementAndGet(SUPER_FRAMES);
                taken++;
                continue;
            }
            pool.length(frame, length);
            if ((Offloads.flags(frames, vnet) & Offloads.F_NEEDS_CSUM) != 0)
            {
                if (!Offloads.finishChecksum(frames, pool.offset(frame), length, Offloads.csumStart(frames, vnet),
                    Offloads.csumOffset(frames, vnet)))
                {
                    drop(frame, DropReason.MALFORMED);
                    continue;
                }
                counters.incrementAndGet(CHECKSUMS_FINISHED);
            }
            if (tci != NO_TAG && !tag(frame, tci))
            {
                continue;
            }
            intake.pass(frame, out); // behind a super-frame read before it, if one waits
            taken++;
        }
        for (int i = n; i < posted; i++)
        {
            pool.free(rxFrames[i]);
        }
        if (n < posted)
        {
            registration.drained(); // ask to be told when more comes
        }
        if (taken > 0)
        {
            counters.addAndGet(RX_FRAMES, taken);
        }
        intake.drainTo(out);
        return out.count() - start;
    }

    /**
     * With {@code PACKET_VNET_HDR} the kernel takes partial checksums and TCP super-frames on send, and finishes or
     * segments what the interface cannot.
     */
    @Override
    public int offloads()
    {
        return FrameOffload.CAN_CSUM | FrameOffload.CAN_TSO4 | FrameOffload.CAN_TSO6;
    }

    private void drop(final int frame, final DropReason reason)
    {
        pool.free(frame);
        counters.incrementAndGet(RX_DROPPED);
        context.dropped(reason);
    }

    private boolean tag(final int frame, final int tci)
    {
        if (!VlanTagger.push(pool, frame, tci))
        {
            drop(frame, DropReason.NO_BUFFER);
            return false;
        }
        counters.incrementAndGet(TAGS_RESTORED);
        return true;
    }

    private static final int NO_TAG = -1;
    private static final int BAD_TAG = -2;

    /**
     * The kernel moves a received frame's 802.1Q tag into the auxiliary data: the tag to put back where it was,
     * {@link #NO_TAG}, or {@link #BAD_TAG} for an outer tag this uplink does not take (802.1ad).
     */
    private int vlanTag(final int message)
    {
        final long controlLength = rxHeaders.getLong(message * MMSGHDR + 40, NATIVE);
        if (controlLength < 16 + 20)
        {
            return NO_TAG;
        }
        final int cmsg = message * CMSG_SPACE;
        if (rxControl.getInt(cmsg + 8, NATIVE) != PacketSocket.SOL_PACKET ||
            rxControl.getInt(cmsg + 12, NATIVE) != PacketSocket.PACKET_AUXDATA)
        {
            return NO_TAG;
        }
        final int status = rxControl.getInt(cmsg + 16, NATIVE);
        if ((status & TP_STATUS_VLAN_VALID) == 0)
        {
            return NO_TAG;
        }
        final int tpid = (status & TP_STATUS_VLAN_TPID_VALID) != 0 ?
            rxControl.getShort(cmsg + 16 + 18, NATIVE) & 0xFFFF : 0x8100;
        return tpid == 0x8100 ? rxControl.getShort(cmsg + 16 + 16, NATIVE) & 0xFFFF : BAD_TAG;
    }

    @Override
    public int transmit(final FrameBatch in)
    {
        final int count = in.count();
        int sent = 0;
        while (sent < count)
        {
            final int chunk = Math.min(batch, count - sent);
            for (int i = 0; i < chunk; i++)
            {
                final int frame = in.handle(sent + i);
                final int iov = i * IOVEC;
                final int header = pool.offset(frame) - HDR;
                Offloads.writeHeader(pool, frame, header);
                txIovecs.putLong(iov, base + header, NATIVE);
                txIovecs.putLong(iov + 8, HDR + pool.length(frame), NATIVE);
            }
            final int n = libc.sendmmsg(socket.fd(), txHeaders.addressOffset(), chunk, MSG_DONTWAIT);
            if (n < 0)
            {
                final int errno = Native.errno();
                if (errno == Native.EAGAIN || errno == Native.ENOBUFS || errno == Native.EINTR)
                {
                    counters.incrementAndGet(TX_QUEUE_FULL);
                    break;
                }
                if (errno == Native.ENETDOWN || errno == Native.ENXIO_DOWN)
                {
                    // The interface is down: as on a wire that is unplugged, what is sent is lost (counted sent).
                    sent += chunk;
                    continue;
                }
                throw new UncheckedIOException(Native.failure("send on " + socket.name()));
            }
            sent += n;
            if (n < chunk)
            {
                counters.incrementAndGet(TX_QUEUE_FULL);
                break;
            }
        }
        pool.free(in, 0, sent);
        if (sent > 0)
        {
            counters.addAndGet(TX_FRAMES, sent);
        }
        return sent;
    }

    @Override
    public void onDetach()
    {
        intake.clear(); // what never reached the switch
        if (registration != null)
        {
            registration.cancel();
            registration = null;
        }
    }

    /**
     * Close the socket; after {@link #onDetach()}.
     */
    public void close()
    {
        socket.close();
    }

    /**
     * @param counter one of the counter constants.
     * @return its value; any thread.
     */
    public long counter(final int counter)
    {
        return counters.get(counter);
    }

    public String name()
    {
        return socket.name();
    }
}
