package io.xbow.hypervisor.guest;

import io.xbow.hostif.io.Readiness;
import io.xbow.hostif.sys.NativeException;
import io.xbow.hostif.tap.TapDevice;
import io.xbow.hostif.tap.TapReadBatch;
import io.xbow.hostif.tap.TapWriteBatch;
import io.xbow.hostif.uring.IoUring;
import io.xbow.netback.frontend.Netfront;
import io.xbow.packet.frame.FrameBatch;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

import static io.xbow.netback.ring.RingDescriptor.NETRXF_CSUM_BLANK;
import static io.xbow.netback.ring.RingDescriptor.NETTXF_CSUM_BLANK;
import static io.xbow.netback.ring.RingDescriptor.XEN_NETIF_GSO_TYPE_NONE;
import static io.xbow.netback.ring.RingDescriptor.XEN_NETIF_GSO_TYPE_TCPV4;
import static io.xbow.netback.ring.RingDescriptor.XEN_NETIF_GSO_TYPE_TCPV6;

/**
 * A netns guest's frontend driver for one vif: moves frames between the guest's TAP interface ({@code eth<devid>}
 * in its namespace) and the vif's netif rings, as Xen's netfront moves them between a guest kernel and its rings.
 * Runs on the guest thread. A frame from the TAP is read straight into the TX pages; a frame from the rings is
 * written to the TAP from where it lies in the RX pages (writev with the virtio-net header). The writes of one poll
 * of the RX ring go to the kernel together, in one {@link IoUring} submission, before the pages go back to the
 * backend (one {@code writev} each where this kernel has no io_uring). An idle TAP costs nothing: the shim stops
 * reading when a read finds nothing and {@link Readiness} wakes the guest thread when there is something again.
 */
final class TapShim
{
    /**
     * Frames read from the TAP per turn: so that one busy vif does not starve the guest thread's others, and no more
     * than the backend's switch port takes from the TX ring per cycle. Reading more only fills the ring, and then
     * each read waits for a super-frame's worth of free pages: in a 64-byte flood, 1.3 reads a submission against
     * 10 with this budget.
     */
    private static final int BUDGET = FrameBatch.DEFAULT_CAPACITY;
    /** While a frame waits for room on a full TX ring: look again this soon (TX answers do not ring the guest). */
    private static final long TX_FULL_RETRY_NANOS = 50_000;
    /** TX pages a frame read from the TAP may fill: the largest super-frame, its Ethernet header and a tag. */
    private static final int MAX_PAGES = (65_535 + 18 + 4095) / 4096;
    /** Writes one submission carries at most: an RX ring's worth of frames. */
    private static final int WRITE_BATCH = 256;
    /**
     * Reads one submission carries at most. Each may bring a super-frame, so each takes a run of MAX_PAGES TX pages
     * and as many ring slots: a ring of 256 has room for 14.
     */
    private static final int READ_BATCH = 14;
    /**
     * Whether the guest's interface does TSO and checksum offload: its kernel hands us TCP super-frames and partial
     * checksums, which cross the netif rings whole (GSO extra-info slots both ways, as Linux's netfront and netback
     * use them) and reach the other guest's TAP whole, with a virtio-net header; cut into segments only for a port
     * that cannot take them. (Sending them alone, with the switch cutting them for the receiving guest, a window of
     * segments overflowed the receiver's queue: 0.07 Gbit/s. Both ways: 4.3 Gbit/s against 3.2 without.)
     */
    static final boolean SUPER_FRAMES = true;

    private final String name;
    private final TapDevice tap;
    private final Netfront netfront;
    private final Readiness.Registration registration;
    private final UnsafeBuffer plainHeader = new UnsafeBuffer(BufferUtil.allocateDirectAligned(16, 8));
    private final UnsafeBuffer offloadHeader = new UnsafeBuffer(BufferUtil.allocateDirectAligned(16, 8));
    private final Netfront.PagesHandler toTap = new Netfront.PagesHandler()
    {
        public void onFrame(final long base, final int[] offsets, final int[] lengths, final int pieces,
            final int length)
        {
            toTap(base, offsets, lengths, pieces);
        }

        public void beforePagesReturn()
        {
            writes.flush();
        }
    };
    private final TapWriteBatch writes;
    private final UnsafeBuffer firstPiece = new UnsafeBuffer(0, 0);
    /** Null where io_uring is missing or disabled: one readv or writev per frame. */
    private final IoUring ring;
    /** Each read of a batch: its virtio-net header (here), then the TX pages it may fill. */
    private final TapReadBatch reads;
    private final UnsafeBuffer readHeaders =
        new UnsafeBuffer(BufferUtil.allocateDirectAligned(READ_BATCH * TapDevice.VNET_HDR_LENGTH, 8));
    private final int ringFd;
    private boolean roomWanted;
    private long dropped;
    private boolean failed;

    TapShim(final String name, final TapDevice tap, final Netfront netfront, final Readiness readiness,
        final Runnable wakeGuest)
    {
        this.name = name;
        this.tap = tap;
        this.netfront = netfront;
        netfront.onNotify(wakeGuest);
        if (SUPER_FRAMES)
        {
            try
            {
                // The guest's kernel may hand us partial checksums and TCP super-frames: they cross the rings whole.
                tap.offload(TapDevice.TUN_F_CSUM | TapDevice.TUN_F_TSO4 | TapDevice.TUN_F_TSO6);
            }
            catch (final NativeException ex)
            {
                System.getLogger(TapShim.class.getName()).log(System.Logger.Level.WARNING,
                    name + ": the guest's interface keeps segmenting itself: " + ex.getMessage());
            }
        }
        this.ring = openRing(name);
        this.ringFd = registered(ring, tap);
        this.reads = new TapReadBatch(tap, ring, ringFd, ring != null ? READ_BATCH : 1, MAX_PAGES + 1);
        final UnsafeBuffer readIovecs = reads.iovecs();
        for (int i = 0; i < reads.capacity(); i++)
        {
            final int read = reads.iovecsOffset(i);
            readIovecs.putLong(read, readHeaders.addressOffset() + (long)i * TapDevice.VNET_HDR_LENGTH);
            readIovecs.putLong(read + 8, TapDevice.VNET_HDR_LENGTH);
            for (int k = 0; k < MAX_PAGES; k++)
            {
                readIovecs.putLong(read + (k + 1) * 16 + 8, 4096);
            }
        }
        this.writes = new TapWriteBatch(tap, ring, ringFd, null);
        this.registration = readiness.register(tap.fd(), wakeGuest::run);
    }

    /** The TAP registered with the ring (no file lookup per operation), or its plain descriptor. */
    private static int registered(final IoUring ring, final TapDevice tap)
    {
        if (ring == null)
        {
            return tap.fd();
        }
        try
        {
            ring.register(tap.fd());
            return IoUring.registered(0);
        }
        catch (final NativeException ex)
        {
            return tap.fd();
        }
    }

    private static IoUring openRing(final String name)
    {
        if (!BATCHED_IO)
        {
            return null;
        }
        try
        {
            return IoUring.open(WRITE_BATCH);
        }
        catch (final NativeException | RuntimeException ex)
        {
            System.getLogger(TapShim.class.getName()).log(System.Logger.Level.INFO,
                name + ": no io_uring (" + ex.getMessage() + "): a system call per frame to and from the guest");
            return null;
        }
    }

    /** Off with {@code -Dxbow.tap.batched=false}: for comparison, and for kernels whose io_uring misbehaves. */
    static final boolean BATCHED_IO = Boolean.parseBoolean(System.getProperty("xbow.tap.batched", "true"));

    /**
     * Show the guest its link's state as the carrier of its interface. Guest thread.
     */
    void carrier(final boolean on)
    {
        if (failed)
        {
            return;
        }
        try
        {
            tap.carrier(on);
        }
        catch (final NativeException ex)
        {
            System.getLogger(TapShim.class.getName()).log(System.Logger.Level.WARNING,
                name + ": cannot show the guest its link " + (on ? "up" : "down") + ": " + ex.getMessage());
        }
    }

    /**
     * @return work done: frames moved either way.
     */
    int step()
    {
        if (failed)
        {
            return 0;
        }
        int work = 0;
        try
        {
            work += toRings();
            work += netfront.poll(toTap);
            netfront.reclaim();
        }
        catch (final NativeException | java.io.UncheckedIOException ex)
        {
            failed = true; // the interface went away under us: the vif stays, carrying nothing
            System.getLogger(TapShim.class.getName()).log(System.Logger.Level.WARNING,
                name + ": the guest's interface failed: " + ex.getMessage());
        }
        return work;
    }

    /**
     * Read what the TAP holds onto the TX ring: up to {@link #READ_BATCH} reads at a time, each into its own run of
     * TX pages; the frames go on the ring in the order they were read.
     */
    private int toRings() throws NativeException
    {
        roomWanted = false;
        int moved = 0;
        while (moved < BUDGET && registration.isReadable())
        {
            int count = reads.wanted();
            while (count > 0 && !netfront.canSendInPages(count * (MAX_PAGES + 1)))
            {
                count--;
            }
            if (count == 0)
            {
                roomWanted = true; // the ring is full: read again once the backend has answered
                break;
            }
            for (int i = 0; i < count; i++)
            {
                aimRead(i);
            }
            reads.read(count);
            int consumed = 0; // TX pages the frames sent so far took: the next run starts that much nearer
            for (int i = 0; i < count; i++)
            {
                final int n = reads.result(i);
                if (n >= 0 && send(readHeaders, i * TapDevice.VNET_HDR_LENGTH, n, i * MAX_PAGES - consumed))
                {
                    consumed += Math.max(1, (n - TapDevice.VNET_HDR_LENGTH + 4095) / 4096);
                    moved++;
                }
            }
            if (reads.drained())
            {
                registration.drained();
                break;
            }
        }
        return moved;
    }

    /**
     * Put a frame read into TX pages on the ring, with the offloads its virtio-net header names.
     *
     * @param header  the virtio-net header read with it.
     * @param at      where in {@code header}.
     * @param n       bytes read, the header's included.
     * @param skipped free TX pages before the frame's own run.
     * @return false if it was dropped (counted).
     */
    private boolean send(final UnsafeBuffer header, final int at, final int n, final int skipped)
    {
        final int length = n - TapDevice.VNET_HDR_LENGTH;
        final int flags = header.getByte(at) & 0xFF;
        final int gsoType = xenGsoType(header.getByte(at + 1) & 0xFF);
        final boolean partial = (flags & TapDevice.VNET_HDR_F_NEEDS_CSUM) != 0;
        if (length < 14 || header.getByte(at + 1) != TapDevice.VNET_HDR_GSO_NONE &&
            (gsoType == XEN_NETIF_GSO_TYPE_NONE || !partial))
        {
            dropped++; // a runt, or a super-frame of a kind not asked for
            return false;
        }
        // A partial checksum goes over the ring blank, as netfront sends it: netback or the switch finishes it where
        // the receiver needs it.
        if (!netfront.sendInPagesAfter(skipped, length, partial ? NETTXF_CSUM_BLANK : 0, gsoType,
            header.getShort(at + 2, ByteOrder.LITTLE_ENDIAN) & 0xFFFF))
        {
            dropped++;
            return false;
        }
        return true;
    }

    /**
     * Aim read {@code i} of a batch at its run of TX pages (the i-th run of MAX_PAGES from the next free page on):
     * straight into the guest's pages, its virtio-net header beside them, no copy in between.
     */
    private void aimRead(final int i)
    {
        final UnsafeBuffer iovecs = reads.iovecs();
        final int read = reads.iovecsOffset(i);
        for (int k = 0; k < MAX_PAGES; k++)
        {
            iovecs.putLong(read + (k + 1) * 16, netfront.nextTxPageAddress(i * MAX_PAGES + k));
        }
    }

    /** The netif GSO type of a virtio-net one; NONE for a frame that is not a super-frame. */
    private static int xenGsoType(final int virtioType)
    {
        return virtioType == TapDevice.VNET_HDR_GSO_TCPV4 ? XEN_NETIF_GSO_TYPE_TCPV4 :
            virtioType == TapDevice.VNET_HDR_GSO_TCPV6 ? XEN_NETIF_GSO_TYPE_TCPV6 : XEN_NETIF_GSO_TYPE_NONE;
    }

    /**
     * The virtio-net header for a frame that came with a blank checksum, or as a super-frame: where the checksum
     * starts and goes, and the GSO type and segment size, for the guest's kernel to finish or segment, as it does for
     * a virtio NIC.
     *
     * @return false if the frame is not the TCP or UDP packet its flags need.
     */
    private boolean offloadHeader(final DirectBuffer buffer, final int offset, final int length)
    {
        int l3 = 14;
        int etherType = buffer.getShort(offset + 12, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        if (etherType == 0x8100 && length >= 18)
        {
            etherType = buffer.getShort(offset + 16, ByteOrder.BIG_ENDIAN) & 0xFFFF;
            l3 = 18;
        }
        final int l4;
        final int protocol;
        if (etherType == 0x0800 && length >= l3 + 20)
        {
            l4 = l3 + (buffer.getByte(offset + l3) & 0x0F) * 4;
            protocol = buffer.getByte(offset + l3 + 9) & 0xFF;
        }
        else if (etherType == 0x86DD && length >= l3 + 40)
        {
            l4 = l3 + 40;
            protocol = buffer.getByte(offset + l3 + 6) & 0xFF;
        }
        else
        {
            return false;
        }
        final int gso = netfront.rxGsoType();
        if (protocol != 6 && (protocol != 17 || gso != XEN_NETIF_GSO_TYPE_NONE) ||
            length < l4 + (protocol == 6 ? 20 : 8))
        {
            return false;
        }
        final int headers = protocol == 6 ? l4 + ((buffer.getByte(offset + l4 + 12) >>> 4) & 0x0F) * 4 : l4 + 8;
        offloadHeader.putByte(0, (byte)TapDevice.VNET_HDR_F_NEEDS_CSUM);
        offloadHeader.putByte(1, (byte)(gso == XEN_NETIF_GSO_TYPE_TCPV4 ? TapDevice.VNET_HDR_GSO_TCPV4 :
            gso == XEN_NETIF_GSO_TYPE_TCPV6 ? TapDevice.VNET_HDR_GSO_TCPV6 : TapDevice.VNET_HDR_GSO_NONE));
        offloadHeader.putShort(2, (short)headers, ByteOrder.LITTLE_ENDIAN);
        offloadHeader.putShort(4, (short)(gso == XEN_NETIF_GSO_TYPE_NONE ? 0 : netfront.rxGsoSize()),
            ByteOrder.LITTLE_ENDIAN);
        offloadHeader.putShort(6, (short)l4, ByteOrder.LITTLE_ENDIAN);
        offloadHeader.putShort(8, (short)(protocol == 6 ? 16 : 6), ByteOrder.LITTLE_ENDIAN);
        return true;
    }

    private void toTap(final long base, final int[] offsets, final int[] lengths, final int pieces)
    {
        if (pieces > MAX_PAGES + 3)
        {
            dropped++; // more pieces than any frame the backend sends has
            return;
        }
        final UnsafeBuffer header;
        if ((netfront.rxFlags() & NETRXF_CSUM_BLANK) != 0 || netfront.rxGsoType() != XEN_NETIF_GSO_TYPE_NONE)
        {
            // The headers are in the first piece: a page, or the whole frame.
            firstPiece.wrap(base + offsets[0], lengths[0]);
            if (!offloadHeader(firstPiece, 0, lengths[0]))
            {
                dropped++;
                return;
            }
            header = offloadHeader;
        }
        else
        {
            header = plainHeader;
        }
        // Straight out of the guest's RX pages, which stay until the poll's writes are flushed.
        writes.write(header, base, offsets, lengths, pieces);
    }

    /**
     * @return true if frames are waiting (do not sleep); otherwise the backend rings at the next one.
     */
    boolean arm()
    {
        // A readable TAP with the ring full is no reason to stay awake: the retry deadline brings the thread back.
        return !failed && (registration.isReadable() && !roomWanted || netfront.armRxNotification());
    }

    long deadline(final long now)
    {
        return roomWanted && !failed ? now + TX_FULL_RETRY_NANOS : Long.MAX_VALUE;
    }

    long dropped()
    {
        return dropped + writes.refused();
    }

    /**
     * Guest thread: stop; the TAP (and with it the guest's interface) goes.
     */
    void close()
    {
        registration.cancel();
        if (ring != null)
        {
            ring.close();
        }
        tap.close();
    }
}
