package io.xbow.hostif.packet;

import io.xbow.hostif.io.Readiness;
import io.xbow.hostif.sys.LibC;
import io.xbow.hostif.sys.Native;
import io.xbow.packet.frame.FrameBatch;
import io.xbow.packet.frame.FramePool;
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
 * slots (no copy). A VLAN tag the kernel took off a received frame is put back from the auxiliary data, so the
 * uplink's trunk policy sees the frame as it was on the wire.
 * <p>
 * Why not a {@code PACKET_MMAP} ring (TPACKET_V3): its frames live in the ring and would be copied into pool slots
 * (or the ring's blocks held while the switch forwards them); {@code recvmmsg} fills pool slots directly, one system
 * call for up to a batch of frames, which is what a batch-polling datapath wants.
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
    private static final int COUNTERS = 5;

    private static final int MMSGHDR = 64;
    private static final int IOVEC = 16;
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
    private final AtomicLongArray counters = new AtomicLongArray(COUNTERS);
    private PortContext context = PortContext.DETACHED;
    private FramePool pool;
    private MutableDirectBuffer frames;
    private long base;
    private Readiness.Registration registration;
    private volatile boolean readable = true;

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
        this.rxIovecs = direct(batch * IOVEC);
        this.rxControl = direct(batch * CMSG_SPACE);
        this.txHeaders = direct(batch * MMSGHDR);
        this.txIovecs = direct(batch * IOVEC);
        this.rxFrames = new int[batch];
        for (int i = 0; i < batch; i++)
        {
            final int header = i * MMSGHDR;
            rxHeaders.putLong(header + 16, rxIovecs.addressOffset() + (long)i * IOVEC, NATIVE); // msg_iov
            rxHeaders.putLong(header + 24, 1, NATIVE);                                          // msg_iovlen
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
        if (registration == null)
        {
            readable = true;
            registration = readiness.register(socket.fd(), () ->
            {
                readable = true;
                context.wakeup();
            });
        }
    }

    @Override
    public int receive(final FrameBatch out)
    {
        if (!readable)
        {
            return 0;
        }
        final int room = Math.min(batch, out.capacity() - out.count());
        int posted = 0;
        for (; posted < room; posted++)
        {
            final int frame = pool.allocate();
            if (frame == FramePool.NO_FRAME)
            {
                break;
            }
            rxFrames[posted] = frame;
            final int iov = posted * IOVEC;
            rxIovecs.putLong(iov, base + pool.offset(frame), NATIVE);
            rxIovecs.putLong(iov + 8, pool.capacity(frame), NATIVE);
            rxHeaders.putLong(posted * MMSGHDR + 40, CMSG_SPACE, NATIVE); // msg_controllen, reset every call
        }
        if (posted == 0)
        {
            return 0; // the pool is dry: the frames wait in the socket
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
                    readable = false;
                    registration.rearm();
                }
                return 0;
            }
            throw new UncheckedIOException(Native.failure("receive on " + socket.name()));
        }
        int received = 0;
        for (int i = 0; i < n; i++)
        {
            final int frame = rxFrames[i];
            final int header = i * MMSGHDR;
            final int length = rxHeaders.getInt(header + 56, NATIVE);
            final int flags = rxHeaders.getInt(header + 48, NATIVE);
            if ((flags & MSG_TRUNC) != 0 || length < 14)
            {
                pool.free(frame);
                counters.incrementAndGet(RX_DROPPED);
                continue;
            }
            pool.length(frame, length);
            if (!restoreTag(i, frame))
            {
                pool.free(frame);
                counters.incrementAndGet(RX_DROPPED);
                continue;
            }
            out.add(frame);
            received++;
        }
        for (int i = n; i < posted; i++)
        {
            pool.free(rxFrames[i]);
        }
        if (n < posted)
        {
            readable = false; // drained: ask to be told when more comes
            registration.rearm();
        }
        if (received > 0)
        {
            counters.addAndGet(RX_FRAMES, received);
        }
        return received;
    }

    /** The kernel moves a received frame's 802.1Q tag into the auxiliary data; put it back where it was. */
    private boolean restoreTag(final int message, final int frame)
    {
        final long controlLength = rxHeaders.getLong(message * MMSGHDR + 40, NATIVE);
        if (controlLength < 16 + 20)
        {
            return true;
        }
        final int cmsg = message * CMSG_SPACE;
        if (rxControl.getInt(cmsg + 8, NATIVE) != PacketSocket.SOL_PACKET ||
            rxControl.getInt(cmsg + 12, NATIVE) != PacketSocket.PACKET_AUXDATA)
        {
            return true;
        }
        final int status = rxControl.getInt(cmsg + 16, NATIVE);
        if ((status & TP_STATUS_VLAN_VALID) == 0)
        {
            return true;
        }
        final int tci = rxControl.getShort(cmsg + 16 + 16, NATIVE) & 0xFFFF;
        final int tpid = (status & TP_STATUS_VLAN_TPID_VALID) != 0 ?
            rxControl.getShort(cmsg + 16 + 18, NATIVE) & 0xFFFF : 0x8100;
        if (tpid != 0x8100 || !VlanTagger.push(pool, frame, tci))
        {
            return false; // an 802.1ad outer tag (no such uplink here yet), or no headroom
        }
        counters.incrementAndGet(TAGS_RESTORED);
        return true;
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
                txIovecs.putLong(iov, base + pool.offset(frame), NATIVE);
                txIovecs.putLong(iov + 8, pool.length(frame), NATIVE);
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
        for (int i = 0; i < sent; i++)
        {
            pool.free(in.handle(i));
        }
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
