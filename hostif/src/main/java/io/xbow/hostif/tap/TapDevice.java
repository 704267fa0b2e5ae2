package io.xbow.hostif.tap;

import io.xbow.hostif.sys.LibC;
import io.xbow.hostif.sys.Native;
import io.xbow.hostif.sys.NativeException;
import io.xbow.packet.frame.FrameOffload;
import io.xbow.packet.offload.Offloads;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;

/**
 * A TAP device: an Ethernet interface of the host (or of a network namespace it is moved to) whose frames this
 * process reads and writes. Opened from {@code /dev/net/tun} with {@code IFF_TAP | IFF_NO_PI | IFF_VNET_HDR}, so
 * that every frame comes and goes behind a 10-byte virtio-net header carrying its offload state; non-blocking.
 * The interface exists while the descriptor is open (it is not persistent): closing it, or the process dying,
 * removes it.
 */
public final class TapDevice implements AutoCloseable
{
    /** struct virtio_net_hdr, as TUNSETVNETHDRSZ leaves it by default. */
    public static final int VNET_HDR_LENGTH = Offloads.VNET_HDR_LENGTH;
    /** virtio_net_hdr flags: the checksum at csum_start + csum_offset must still be computed. */
    public static final int VNET_HDR_F_NEEDS_CSUM = FrameOffload.CSUM_PARTIAL;
    /** virtio_net_hdr flags: the checksums were checked. */
    public static final int VNET_HDR_F_DATA_VALID = FrameOffload.CSUM_VALID;
    public static final int VNET_HDR_GSO_NONE = FrameOffload.GSO_NONE;
    public static final int VNET_HDR_GSO_TCPV4 = FrameOffload.GSO_TCPV4;
    public static final int VNET_HDR_GSO_TCPV6 = FrameOffload.GSO_TCPV6;

    /** TUNSETOFFLOAD flags. */
    public static final int TUN_F_CSUM = 0x01;
    public static final int TUN_F_TSO4 = 0x02;
    public static final int TUN_F_TSO6 = 0x04;

    private static final long TUNSETIFF = 0x400454caL;
    private static final long TUNSETOFFLOAD = 0x400454d0L;
    private static final long TUNSETVNETHDRSZ = 0x400454d8L;
    private static final long TUNSETCARRIER = 0x400454e2L;
    private static final int IFF_TAP = 0x0002;
    private static final int IFF_NO_PI = 0x1000;
    private static final int IFF_VNET_HDR = 0x4000;
    private static final int IFNAMSIZ = 16;
    private static final int IFREQ_SIZE = 40;

    private final LibC libc;
    private final int fd;
    /** Two struct iovec for {@link #write(long, long, int)}, native byte order. */
    private final UnsafeBuffer iov = new UnsafeBuffer(BufferUtil.allocateDirectAligned(32, 8));
    private final String name;
    private volatile boolean closed;

    private TapDevice(final LibC libc, final int fd, final String name)
    {
        this.libc = libc;
        this.fd = fd;
        this.name = name;
    }

    /**
     * Create a TAP interface in this process's network namespace, down, with no offloads (every frame it hands us
     * has complete checksums and fits its MTU).
     *
     * @param name the interface name (at most 15 bytes), or a pattern with {@code %d} for the kernel to number.
     * @return the device.
     * @throws NativeException if the kernel refuses (no {@code /dev/net/tun}, not permitted, a name in use).
     */
    public static TapDevice create(final String name) throws NativeException
    {
        final byte[] encoded = name.getBytes(StandardCharsets.US_ASCII);
        if (encoded.length == 0 || encoded.length >= IFNAMSIZ)
        {
            throw new IllegalArgumentException("invalid interface name '" + name + "': 1 to 15 characters");
        }
        if (!name.contains("%") && java.nio.file.Files.exists(java.nio.file.Path.of("/sys/class/net", name)))
        {
            // TUNSETIFF would attach to a detached persistent TAP of that name, or fail with a bare EINVAL/EBUSY.
            throw new NativeException("create TAP interface " + name + ": an interface of that name exists already",
                17);
        }
        final LibC libc = Native.libc();
        final int fd = libc.open("/dev/net/tun", Native.O_RDWR | Native.O_NONBLOCK | Native.O_CLOEXEC);
        if (fd < 0)
        {
            throw Native.failure("open /dev/net/tun");
        }
        try
        {
            final byte[] ifreq = new byte[IFREQ_SIZE];
            System.arraycopy(encoded, 0, ifreq, 0, encoded.length);
            final int flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
            ifreq[IFNAMSIZ] = (byte)flags;
            ifreq[IFNAMSIZ + 1] = (byte)(flags >>> 8);
            if (libc.ioctl(fd, TUNSETIFF, ifreq) != 0)
            {
                throw Native.failure("create TAP interface " + name);
            }
            int end = 0;
            while (end < IFNAMSIZ && ifreq[end] != 0)
            {
                end++;
            }
            final String actual = new String(ifreq, 0, end, StandardCharsets.US_ASCII);
            final byte[] size = {VNET_HDR_LENGTH, 0, 0, 0};
            if (libc.ioctl(fd, TUNSETVNETHDRSZ, size) != 0)
            {
                throw Native.failure("set the virtio-net header size of " + actual);
            }
            final TapDevice tap = new TapDevice(libc, fd, actual);
            tap.offload(0);
            return tap;
        }
        catch (final NativeException | RuntimeException ex)
        {
            libc.close(fd);
            throw ex;
        }
    }

    /**
     * Tell the kernel which offloads this side takes: what it may hand us with partial checksums or as
     * super-frames (TUN_F_*). 0: none.
     *
     * @param flags TUN_F_* flags.
     * @throws NativeException if the kernel refuses.
     */
    public void offload(final int flags) throws NativeException
    {
        if (libc.ioctl(fd, TUNSETOFFLOAD, flags) != 0)
        {
            throw Native.failure("set offloads of " + name);
        }
    }

    /**
     * Set the interface's carrier, as a cable plugged in or pulled out: without it the kernel shows NO-CARRIER and
     * sends nothing (Linux 5.0 and later).
     *
     * @param on true for carrier.
     * @throws NativeException if the kernel refuses.
     */
    public void carrier(final boolean on) throws NativeException
    {
        if (libc.ioctl(fd, TUNSETCARRIER, new byte[] {(byte)(on ? 1 : 0), 0, 0, 0}) != 0)
        {
            throw Native.failure("set the carrier of " + name);
        }
    }

    /**
     * Read one frame, its virtio-net header first, scattered over memory this process owns: for a frame read
     * straight into a guest's pages. Datapath thread.
     *
     * @param iovecs address of {@code count} struct iovec (base, length), the header's first.
     * @param count  how many.
     * @return bytes read (header and frame), or -1 when nothing is waiting.
     * @throws NativeException if the device failed (the interface was deleted).
     */
    public int readv(final long iovecs, final int count) throws NativeException
    {
        long n;
        while ((n = libc.readv(fd, iovecs, count)) < 0 && Native.errno() == Native.EINTR)
        {
            // interrupted before anything was read: again
        }
        return received(n);
    }

    /**
     * Read one frame, with its virtio-net header in front, into memory this process owns. Datapath thread.
     *
     * @param address  where the header goes; the frame follows it.
     * @param capacity bytes available there.
     * @return bytes read (header and frame), or -1 when nothing is waiting.
     * @throws NativeException if the device failed (the interface was deleted).
     */
    public int read(final long address, final int capacity) throws NativeException
    {
        long n;
        while ((n = libc.read(fd, address, capacity)) < 0 && Native.errno() == Native.EINTR)
        {
            // interrupted before anything was read: again
        }
        return received(n);
    }

    /**
     * Write one frame, with its virtio-net header in front. Datapath thread.
     *
     * @param address where the header starts; the frame follows it.
     * @param length  header and frame.
     * @return true if written; false when the device's queue is full (nothing written).
     * @throws NativeException if the device failed.
     */
    public boolean write(final long address, final int length) throws NativeException
    {
        long n;
        while ((n = libc.write(fd, address, length)) < 0 && Native.errno() == Native.EINTR)
        {
            // interrupted before anything was written: again
        }
        return written(n);
    }

    /**
     * Write one frame whose virtio-net header lies elsewhere than just before it (a frame in a guest's page).
     * Datapath or guest thread; one thread per device.
     *
     * @param header       address of the header.
     * @param frame        address of the frame.
     * @param frameLength  its length.
     * @return true if written; false when the device's queue is full.
     * @throws NativeException if the device failed.
     */
    public boolean write(final long header, final long frame, final int frameLength) throws NativeException
    {
        iov.putLong(0, header);
        iov.putLong(8, VNET_HDR_LENGTH);
        iov.putLong(16, frame);
        iov.putLong(24, frameLength);
        long n;
        while ((n = libc.writev(fd, iov.addressOffset(), 2)) < 0 && Native.errno() == Native.EINTR)
        {
            // interrupted before anything was written: again
        }
        return written(n);
    }

    /**
     * Write one frame gathered from several pieces, its virtio-net header first: a frame written straight out of a
     * guest's pages. Datapath thread.
     *
     * @param iovecs address of {@code count} struct iovec (base, length), the header's first.
     * @param count  how many.
     * @return false if the TAP's queue is full (the frame is dropped, as a full receive queue drops it).
     * @throws NativeException if the device failed (the interface was deleted).
     */
    public boolean writev(final long iovecs, final int count) throws NativeException
    {
        long n;
        while ((n = libc.writev(fd, iovecs, count)) < 0 && Native.errno() == Native.EINTR)
        {
            // interrupted before anything was written: again
        }
        return written(n);
    }

    private int received(final long result) throws NativeException
    {
        if (result >= 0)
        {
            return (int)result;
        }
        if (Native.errno() == Native.EAGAIN)
        {
            return -1;
        }
        throw Native.failure("read from " + name);
    }

    /** What a write's result means: written (or lost as on a wire), a full queue, or a device that failed. */
    private boolean written(final long result) throws NativeException
    {
        if (result >= 0)
        {
            return true;
        }
        final int outcome = writeOutcome(Native.errno());
        if (outcome < 0)
        {
            throw Native.failure("write to " + name);
        }
        return outcome > 0;
    }

    /**
     * What a failed write's errno means for the device: 1 as if written (the interface is down: Linux drops what is
     * written to a TAP that is not up, as a cable unplugged), 0 for this frame refused (a full queue, or a frame or
     * virtio-net header the kernel will not take: a counted drop, the device goes on), -1 for the device failed.
     */
    public int writeOutcome(final int errno)
    {
        if (errno == Native.EIO && !closed)
        {
            return 1;
        }
        if (errno == Native.EAGAIN || errno == Native.ENOBUFS || errno == Native.EINVAL || errno == Native.EMSGSIZE)
        {
            return 0;
        }
        return -1;
    }

    /**
     * @return the interface's name (in whatever namespace it is now).
     */
    public String name()
    {
        return name;
    }

    /**
     * @return the descriptor, for readiness.
     */
    public int fd()
    {
        return fd;
    }

    /**
     * Close the descriptor: the interface goes away.
     */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            libc.close(fd);
        }
    }
}
