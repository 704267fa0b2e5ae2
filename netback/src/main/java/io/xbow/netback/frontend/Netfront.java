package io.xbow.netback.frontend;

import io.xbow.netback.event.EventChannel;
import io.xbow.netback.grant.GrantTable;
import io.xbow.netback.ring.SharedRing;
import io.xbow.netback.shm.GuestMemory;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

import static io.xbow.netback.ring.RingDescriptor.*;

/**
 * The guest side of a vif: what emulated guests, the network-namespace shim and the tests drive. It lays out the
 * guest's memory, grants the ring pages and one page per TX and RX slot to the backend's domain (TX pages
 * read-only, RX pages writable), posts every RX buffer, sends frames over the TX ring (several slots with
 * {@code more_data} for frames over a page), and hands received frames to a callback. Single-threaded: one guest
 * thread calls {@link #send} and {@link #poll}.
 * <pre>
 *   guest frame 0: TX ring (grant 0)       frames 2..257:   TX data pages (grants 2..257, read-only)
 *   guest frame 1: RX ring (grant 1)       frames 258..513: RX buffers    (grants 258..513, writable)
 * </pre>
 */
public final class Netfront
{
    /** Grant reference of the TX ring page, for xenstore's {@code tx-ring-ref}. */
    public static final int TX_RING_REF = 0;
    /** Grant reference of the RX ring page, for xenstore's {@code rx-ring-ref}. */
    public static final int RX_RING_REF = 1;
    /** Guest pages a netfront needs. */
    public static final int GUEST_PAGES = 2 + TX_RING_SIZE + RX_RING_SIZE;
    /** Grant table pages a netfront needs. */
    public static final int GRANT_PAGES = 2;

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int PAGE = GuestMemory.PAGE_SIZE;
    private static final int TX_FIRST = 2;
    private static final int RX_FIRST = 2 + TX_RING_SIZE;

    /** Receives frames. */
    @FunctionalInterface
    public interface FrameHandler
    {
        void onFrame(DirectBuffer buffer, int offset, int length);
    }

    /**
     * Receives frames where they lie in the guest's RX pages, one piece a page, without a copy (for a native
     * call such as a TAP's {@code writev}); the pieces are valid during the call.
     */
    @FunctionalInterface
    public interface PagesHandler
    {
        /**
         * @param base    the address of the guest's memory in this process.
         * @param offsets each piece's offset from there.
         * @param lengths each piece's length.
         * @param pieces  how many.
         * @param length  the frame's length, their sum.
         */
        void onFrame(long base, int[] offsets, int[] lengths, int pieces, int length);

        /**
         * After the last frame of a poll, before its RX pages go back to the backend: a handler that kept frames
         * in the pages to write them out together must have written them when this returns.
         */
        default void beforePagesReturn()
        {
        }
    }

    private final GuestMemory memory;
    private final UnsafeBuffer shared;
    private final SharedRing tx;
    private final SharedRing rx;
    private final EventChannel event;
    private final int[] freeTxPages = new int[TX_RING_SIZE];
    /** Scratch for {@link #sendInPagesAfter}: the pages a frame skips over. */
    private final int[] rotation = new int[TX_RING_SIZE];
    private final boolean[] txInFlight = new boolean[TX_RING_SIZE];
    private int freeTxCount;
    /** Direct, so that a guest can hand an assembled frame to a native call (a TAP's writev) as it is. */
    private final MutableDirectBuffer assembly =
        new UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(XEN_NETIF_MAX_TX_SIZE + PAGE));
    private static final int MAX_PIECES = XEN_NETIF_NR_SLOTS_MIN + 2;
    private final int[] pieceOffsets = new int[MAX_PIECES];
    private final int[] pieceLengths = new int[MAX_PIECES];
    private int pieces;
    private int received;
    private boolean assemblyFailed;
    /** The RX buffer posted at each ring index: an extra-info response overlays the id that says which it was. */
    private final int[] postedAt = new int[RX_RING_SIZE];
    private boolean extrasExpected;
    private boolean dataExpected;
    private int rxFlags;
    private int rxGsoType;
    private int rxGsoSize;
    private long txErrors;
    private long rxErrors;

    /**
     * Lay out the guest memory, grant the pages to the backend, initialise both rings and post every RX buffer.
     *
     * @param memory       the guest's memory, at least {@link #GRANT_PAGES} grant pages and {@link #GUEST_PAGES}.
     * @param backendDomid the backend's domain.
     * @param event        the vif's event channel, frontend end.
     */
    public Netfront(final GuestMemory memory, final int backendDomid, final EventChannel event)
    {
        if (memory.grantPages() < GRANT_PAGES || memory.guestPages() < GUEST_PAGES)
        {
            throw new IllegalArgumentException("a netfront needs " + GRANT_PAGES + " grant pages and " +
                GUEST_PAGES + " guest pages");
        }
        this.memory = memory;
        this.shared = memory.buffer();
        this.event = event;
        final GrantTable grants = new GrantTable(memory);
        grants.grant(TX_RING_REF, backendDomid, 0, false);
        grants.grant(RX_RING_REF, backendDomid, 1, false);
        for (int i = 0; i < TX_RING_SIZE; i++)
        {
            grants.grant(TX_FIRST + i, backendDomid, TX_FIRST + i, true);
            freeTxPages[freeTxCount++] = TX_RING_SIZE - 1 - i;
        }
        for (int i = 0; i < RX_RING_SIZE; i++)
        {
            grants.grant(RX_FIRST + i, backendDomid, RX_FIRST + i, false);
        }
        tx = new SharedRing(shared, memory.pageOffset(0), TX_RING_SIZE, TX_ENTRY_SIZE);
        rx = new SharedRing(shared, memory.pageOffset(1), RX_RING_SIZE, RX_ENTRY_SIZE);
        tx.initialise();
        rx.initialise();
        for (int i = 0; i < RX_RING_SIZE; i++)
        {
            postRxBuffer(i);
        }
        rx.pushRequests();
    }

    /**
     * @return offset of the TX ring page in the guest memory.
     */
    public int txRingOffset()
    {
        return memory.pageOffset(0);
    }

    /**
     * @return offset of the RX ring page in the guest memory.
     */
    public int rxRingOffset()
    {
        return memory.pageOffset(1);
    }

    /**
     * Send a frame; answers from the backend for earlier frames are collected first.
     *
     * @param frame  the frame's bytes.
     * @param offset where they start.
     * @param length how many, 14 to 65535.
     * @param flags  {@code NETTXF_csum_blank} or {@code NETTXF_data_validated}, or 0.
     * @return false if the ring or the TX pages are full (try again after the backend answers).
     */
    public boolean send(final DirectBuffer frame, final int offset, final int length, final int flags)
    {
        return send(frame, offset, length, flags, XEN_NETIF_GSO_TYPE_NONE, 0);
    }

    /**
     * Send a frame, or a TCP super-frame with its GSO extra-info slot, as Linux's netfront does for a TSO segment:
     * the checksum must then be left blank ({@code NETTXF_csum_blank}, the pseudo-header sum in its field).
     *
     * @param frame   the frame's bytes.
     * @param offset  where they start.
     * @param length  how many, 14 to 65535.
     * @param flags   {@code NETTXF_csum_blank} or {@code NETTXF_data_validated}, or 0.
     * @param gsoType {@code XEN_NETIF_GSO_TYPE_TCPV4} or {@code _TCPV6} for a super-frame, else {@code _NONE}.
     * @param gsoSize the segment size of a super-frame.
     * @return false if the ring or the TX pages are full (try again after the backend answers).
     */
    public boolean send(final DirectBuffer frame, final int offset, final int length, final int flags,
        final int gsoType, final int gsoSize)
    {
        reclaim();
        final int needed = Math.max(1, (length + PAGE - 1) / PAGE);
        if (!hasRoom(needed, length, gsoType))
        {
            return false;
        }
        for (int k = 0; k < needed; k++)
        {
            shared.putBytes(memory.pageOffset(TX_FIRST + freeTxPages[freeTxCount - 1 - k]), frame, offset + k * PAGE,
                Math.min(PAGE, length - k * PAGE));
        }
        return sendInPages(length, flags, gsoType, gsoSize);
    }

    private boolean hasRoom(final int pages, final int length, final int gsoType)
    {
        return pages <= freeTxCount && pages + (gsoType != XEN_NETIF_GSO_TYPE_NONE ? 1 : 0) <= tx.freeRequests() &&
            length <= XEN_NETIF_MAX_TX_SIZE;
    }

    /**
     * For a guest that writes frames straight into its TX pages (a read from its TAP scattered over them): whether
     * a frame of up to {@code pages} pages can go now, collecting the backend's answers first.
     *
     * @param pages pages the frame may take.
     * @return true if that many pages and ring slots (and one for a GSO extra) are free.
     */
    public boolean canSendInPages(final int pages)
    {
        reclaim();
        return pages <= freeTxCount && pages + 1 <= tx.freeRequests();
    }

    /**
     * @param k 0 for the first page of the next frame sent with {@link #sendInPages}, 1 for its second, ...
     * @return that page's address in this process (valid until something is sent).
     */
    public long nextTxPageAddress(final int k)
    {
        return shared.addressOffset() + memory.pageOffset(TX_FIRST + freeTxPages[freeTxCount - 1 - k]);
    }

    /**
     * Send the frame already written over the next pages ({@link #nextTxPageAddress}), each page full but the last,
     * without copying it; after {@link #canSendInPages} said there is room.
     *
     * @param length  the frame's length, 14 to 65535.
     * @param flags   {@code NETTXF_*} flags.
     * @param gsoType a netif GSO type, or {@code XEN_NETIF_GSO_TYPE_NONE}.
     * @param gsoSize the segment size of a super-frame.
     * @return false if there was no room after all (nothing sent).
     */
    public boolean sendInPages(final int length, final int flags, final int gsoType, final int gsoSize)
    {
        final int needed = Math.max(1, (length + PAGE - 1) / PAGE);
        final boolean gso = gsoType != XEN_NETIF_GSO_TYPE_NONE;
        if (!hasRoom(needed, length, gsoType))
        {
            return false;
        }
        for (int s = 0; s < needed; s++)
        {
            final int page = freeTxPages[--freeTxCount];
            txInFlight[page] = true;
            request(page, s == 0 ? length : Math.min(PAGE, length - s * PAGE),
                (s == 0 ? flags | (gso ? NETTXF_EXTRA_INFO : 0) : 0) | (s + 1 < needed ? NETTXF_MORE_DATA : 0));
            if (s == 0 && gso)
            {
                gsoExtra(gsoType, gsoSize);
            }
        }
        if (tx.pushRequests())
        {
            event.notifyPeer();
        }
        return true;
    }

    /**
     * Send the frame written over the pages that follow the next {@code skipped} ones (from
     * {@link #nextTxPageAddress}{@code (skipped)} on), without copying it; the skipped pages stay free, in their
     * order, for the frames written over them. For a guest that reads several frames at once, each into its own run
     * of pages.
     *
     * @return false if there was no room after all (nothing sent).
     */
    public boolean sendInPagesAfter(final int skipped, final int length, final int flags, final int gsoType,
        final int gsoSize)
    {
        final int needed = Math.max(1, (length + PAGE - 1) / PAGE);
        if (skipped < 0 || skipped + needed > freeTxCount)
        {
            return false;
        }
        if (skipped > 0)
        {
            // The free pages are a stack, its top at the end: bring the frame's run to the top, the skipped below it.
            final int top = freeTxCount;
            System.arraycopy(freeTxPages, top - skipped, rotation, 0, skipped);
            System.arraycopy(freeTxPages, top - skipped - needed, freeTxPages, top - needed, needed);
            System.arraycopy(rotation, 0, freeTxPages, top - skipped - needed, skipped);
        }
        return sendInPages(length, flags, gsoType, gsoSize);
    }

    private void request(final int page, final int size, final int flags)
    {
        final int slot = tx.slot(tx.requestProducer());
        shared.putInt(slot + TX_REQ_GREF, TX_FIRST + page, LE);
        shared.putShort(slot + TX_REQ_OFFSET, (short)0, LE);
        shared.putShort(slot + TX_REQ_FLAGS, (short)flags, LE);
        shared.putShort(slot + TX_REQ_ID, (short)page, LE);
        shared.putShort(slot + TX_REQ_SIZE, (short)size, LE);
        tx.produceRequest();
    }

    private void gsoExtra(final int gsoType, final int gsoSize)
    {
        final int extra = tx.slot(tx.requestProducer());
        shared.putByte(extra + EXTRA_TYPE, (byte)XEN_NETIF_EXTRA_TYPE_GSO);
        shared.putByte(extra + EXTRA_FLAGS, (byte)0);
        shared.putShort(extra + EXTRA_GSO_SIZE, (short)gsoSize, LE);
        shared.putByte(extra + EXTRA_GSO_TYPE, (byte)gsoType);
        shared.putByte(extra + EXTRA_GSO_TYPE + 1, (byte)0);
        shared.putShort(extra + EXTRA_GSO_FEATURES, (short)0, LE);
        shared.putInt(extra + 8, 0); // a TX slot's last 4 bytes: padding in an extra
        tx.produceRequest();
    }

    /**
     * @param page 0 to {@link io.xbow.netback.ring.RingDescriptor#TX_RING_SIZE} - 1.
     * @return offset in the guest memory of that TX data page, for a guest that prepares frames in place.
     */
    public int txPageOffset(final int page)
    {
        return memory.pageOffset(TX_FIRST + page);
    }

    /**
     * Send a frame already written at the start of the TX page the next send uses (see {@link #nextTxPage()}),
     * without copying it: for guests that build frames in place.
     *
     * @param length the frame's length, at most a page.
     * @param flags  {@code NETTXF_*} flags.
     * @return false if the ring or the TX pages are full.
     */
    public boolean sendPrepared(final int length, final int flags)
    {
        reclaim();
        // nextTxPage() is the page sendInPages takes first.
        return length <= PAGE && sendInPages(length, flags, XEN_NETIF_GSO_TYPE_NONE, 0);
    }

    /**
     * @return the TX page the next send will use, or -1 if none is free.
     */
    public int nextTxPage()
    {
        return freeTxCount == 0 ? -1 : freeTxPages[freeTxCount - 1];
    }

    /**
     * Collect the backend's answers to sent frames: their pages are free again.
     *
     * @return answers collected.
     */
    public int reclaim()
    {
        final int n = tx.responsesAvailable();
        for (int i = 0; i < n; i++)
        {
            final int slot = tx.slot(tx.responseConsumer() + i);
            final int id = shared.getShort(slot + TX_RSP_ID, LE) & 0xFFFF;
            final int status = shared.getShort(slot + TX_RSP_STATUS, LE);
            if (status == NETIF_RSP_NULL)
            {
                continue;
            }
            if (status != NETIF_RSP_OKAY)
            {
                txErrors++;
            }
            if (id < TX_RING_SIZE && txInFlight[id])
            {
                txInFlight[id] = false;
                freeTxPages[freeTxCount++] = id;
            }
        }
        tx.consumeResponses(n);
        return n;
    }

    /**
     * @param handler runs (on the backend's thread: it must only wake someone) when the backend rings this
     *                frontend, which it does for received frames once {@link #armRxNotification()} asked it to.
     */
    public void onNotify(final Runnable handler)
    {
        event.onNotify(handler);
    }

    /**
     * Before the guest goes idle: ask the backend to ring at the next received frame
     * ({@code RING_FINAL_CHECK_FOR_RESPONSES}), and look once more, closing the race with a frame that came in
     * between.
     *
     * @return true if frames are waiting after all: do not go idle.
     */
    public boolean armRxNotification()
    {
        return rx.finalCheckForResponses();
    }

    /**
     * Deliver received frames to the handler and post their buffers again.
     *
     * @param handler gets each frame; the bytes are valid during the call only.
     * @return frames delivered.
     */
    public int poll(final FrameHandler handler)
    {
        return poll(handler, null);
    }

    /**
     * Take received frames off the ring as they lie in the RX pages, without assembling them.
     *
     * @param handler gets each frame's pieces.
     * @return frames handed over.
     */
    public int poll(final PagesHandler handler)
    {
        return poll(null, handler);
    }

    private int poll(final FrameHandler frames, final PagesHandler pages)
    {
        reclaim();
        final int n = rx.responsesAvailable();
        int delivered = 0;
        for (int i = 0; i < n; i++)
        {
            final int index = rx.responseConsumer() + i;
            final int slot = rx.slot(index);
            if (extrasExpected)
            {
                // An extra-info slot: it overlays the response, and its request's buffer goes back as it was.
                final int type = shared.getByte(slot + EXTRA_TYPE) & 0xFF;
                extrasExpected = (shared.getByte(slot + EXTRA_FLAGS) & XEN_NETIF_EXTRA_FLAG_MORE) != 0;
                if (type == XEN_NETIF_EXTRA_TYPE_GSO)
                {
                    rxGsoSize = shared.getShort(slot + EXTRA_GSO_SIZE, LE) & 0xFFFF;
                    rxGsoType = shared.getByte(slot + EXTRA_GSO_TYPE) & 0xFF;
                }
                postRxBuffer(postedAt[index & (RX_RING_SIZE - 1)]);
                if (!extrasExpected && !dataExpected)
                {
                    delivered += deliver(frames, pages);
                }
                continue;
            }
            final int id = shared.getShort(slot + RX_RSP_ID, LE) & 0xFFFF;
            final int offset = shared.getShort(slot + RX_RSP_OFFSET, LE) & 0xFFFF;
            final int flags = shared.getShort(slot + RX_RSP_FLAGS, LE) & 0xFFFF;
            final int status = shared.getShort(slot + RX_RSP_STATUS, LE);
            final boolean first = !dataExpected;
            if (first)
            {
                rxFlags = flags;
                rxGsoType = XEN_NETIF_GSO_TYPE_NONE;
                rxGsoSize = 0;
            }
            // The pages stay as they are until this poll pushes the buffers back: a frame's pieces are read in place.
            if (status < 0 || id >= RX_RING_SIZE || offset + status > PAGE || pieces == MAX_PIECES ||
                received + status > XEN_NETIF_MAX_TX_SIZE + PAGE)
            {
                assemblyFailed = true;
            }
            else
            {
                pieceOffsets[pieces] = memory.pageOffset(RX_FIRST + id) + offset;
                pieceLengths[pieces++] = status;
                received += status;
            }
            dataExpected = (flags & NETRXF_MORE_DATA) != 0;
            if (first && (flags & NETRXF_EXTRA_INFO) != 0)
            {
                extrasExpected = true; // the frame is complete after its extras (and more data, if flagged)
            }
            else if (!dataExpected)
            {
                delivered += deliver(frames, pages);
            }
            postRxBuffer(id < RX_RING_SIZE ? id : postedAt[index & (RX_RING_SIZE - 1)]);
        }
        rx.consumeResponses(n);
        if (n > 0 && pages != null)
        {
            pages.beforePagesReturn();
        }
        if (n > 0 && rx.pushRequests())
        {
            event.notifyPeer();
        }
        return delivered;
    }

    /** Hand over the frame whose pieces were collected, as the handler wants it; then start the next. */
    private int deliver(final FrameHandler frames, final PagesHandler pages)
    {
        int delivered = 0;
        if (assemblyFailed || pieces == 0)
        {
            rxErrors++;
        }
        else if (pages != null)
        {
            pages.onFrame(shared.addressOffset(), pieceOffsets, pieceLengths, pieces, received);
            delivered = 1;
        }
        else if (pieces == 1)
        {
            frames.onFrame(shared, pieceOffsets[0], pieceLengths[0]); // where it lies, no copy
            delivered = 1;
        }
        else
        {
            int at = 0;
            for (int p = 0; p < pieces; p++)
            {
                assembly.putBytes(at, shared, pieceOffsets[p], pieceLengths[p]);
                at += pieceLengths[p];
            }
            frames.onFrame(assembly, 0, at);
            delivered = 1;
        }
        pieces = 0;
        received = 0;
        assemblyFailed = false;
        return delivered;
    }

    /**
     * @return the flags of the frame being handed to a {@link FrameHandler} ({@code NETRXF_csum_blank},
     *         {@code NETRXF_data_validated}); valid during the call.
     */
    public int rxFlags()
    {
        return rxFlags;
    }

    /**
     * @return the GSO type of the frame being handed over ({@code XEN_NETIF_GSO_TYPE_TCPV4} or {@code _TCPV6} for a
     *         super-frame, else {@code _NONE}); valid during the call. Only a frontend that announced GSO sees one.
     */
    public int rxGsoType()
    {
        return rxGsoType;
    }

    /**
     * @return the segment size of the super-frame being handed over; valid during the call.
     */
    public int rxGsoSize()
    {
        return rxGsoSize;
    }

    private void postRxBuffer(final int page)
    {
        postedAt[rx.requestProducer() & (RX_RING_SIZE - 1)] = page;
        final int slot = rx.slot(rx.requestProducer());
        shared.putShort(slot + RX_REQ_ID, (short)page, LE);
        shared.putShort(slot + 2, (short)0, LE);
        shared.putInt(slot + RX_REQ_GREF, RX_FIRST + page, LE);
        rx.produceRequest();
    }

    /** @return TX answers with an error status. */
    public long txErrors()
    {
        return txErrors;
    }

    /** @return RX frames lost to error answers. */
    public long rxErrors()
    {
        return rxErrors;
    }

    /** @return frames sent and not yet answered, as TX pages in flight. */
    public int txInFlight()
    {
        return TX_RING_SIZE - freeTxCount;
    }
}
