package io.xbow.netback.backend;

import io.xbow.netback.event.EventChannel;
import io.xbow.netback.grant.GrantTable;
import io.xbow.netback.ring.SharedRing;
import io.xbow.netback.shm.GuestMemory;
import io.xbow.packet.checksum.InternetChecksum;
import io.xbow.packet.codec.EtherType;
import io.xbow.packet.codec.IpProtocol;
import io.xbow.packet.frame.FrameBatch;
import io.xbow.packet.frame.FrameDescriptor;
import io.xbow.packet.frame.FrameOffload;
import io.xbow.packet.frame.FramePool;
import io.xbow.packet.parse.HeaderChain;
import io.xbow.packet.parse.ParseResult;
import io.xbow.vswitch.port.PortDevice;
import io.xbow.vswitch.port.PortContext;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

import static io.xbow.netback.ring.RingDescriptor.*;

/**
 * The backend of one vif, as the switch port behind its VNIC: the guest's TX ring feeds {@link #receive} (frames
 * the guest sends), {@link #transmit} fills the buffers the guest posted on its RX ring (frames the guest
 * receives). Everything in shared memory is hostile: each request is copied field by field before it is checked
 * (no double fetch), {@code req_prod} is read once per batch, grants are checked for every page, every copy stays
 * inside a granted 4 KiB page, and a bad request gets an error response and a count, never an exception. A
 * producer index more than a ring ahead disconnects the vif, as Linux's netback does.
 * <p>
 * TX is the grant-copy model: each packet, one to {@link #MAX_SLOTS} slots (plus extra-info slots), is copied into a
 * frame of the switch's pool; a {@code csum_blank} packet gets its TCP or UDP checksum filled in on that private
 * copy. RX is rx-copy: a frame is copied into the pages the guest posted, one slot a page, the response in the same
 * slot as its request. Frames for a guest that has posted no buffers wait in a bounded queue, then are dropped and
 * counted. Runs on the switch's datapath thread; allocates nothing per frame.
 */
public final class Netback implements PortDevice
{
    /** Slots of one packet, extra-info slots aside: what a backend must accept without negotiation. */
    public static final int MAX_SLOTS = XEN_NETIF_NR_SLOTS_MIN;
    private static final int MAX_EXTRAS = XEN_NETIF_EXTRA_TYPE_MAX - 1;
    private static final int PAGE = GuestMemory.PAGE_SIZE;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** Told when the backend gives up on the frontend (the vif goes to Closing). */
    @FunctionalInterface
    public interface DisconnectListener
    {
        void disconnected(String reason);
    }

    private final FramePool pool;
    private final MutableDirectBuffer frames;
    private final UnsafeBuffer shared;
    private final GrantTable grants;
    private final int domid;
    private final SharedRing tx;
    private final SharedRing rx;
    private final EventChannel event;
    private final int maxFrameLength;
    private final boolean rxScatterGather;
    /** What the frontend takes on receive (FrameOffload CAN_* bits): set before the netback is plugged in. */
    private int rxOffloads;
    /** How long frames may wait for a guest that takes none before they are dropped (Linux: 10 s). */
    public static final long RX_DRAIN_TIMEOUT_NS = 10_000_000_000L;

    private final DisconnectListener onDisconnect;
    private final NetbackCounters counters = new NetbackCounters();
    private final HeaderChain chain = new HeaderChain();
    private final int[] fragGref = new int[MAX_SLOTS];
    private final int[] fragPage = new int[MAX_SLOTS];
    /** The ring grants {@link #connect} acquired, released when the backend lets go of the rings; -1 for none. */
    private int txRingRef = -1;
    private int rxRingRef = -1;
    private final int[] fragOffset = new int[MAX_SLOTS];
    private final int[] fragSize = new int[MAX_SLOTS];
    private final int[] pending;
    private final int pendingMask;
    private long pendingHead;
    private long pendingTail;
    private volatile boolean connected = true;
    private PortContext context = PortContext.DETACHED;

    /**
     * @param pool            the switch's frame pool.
     * @param memory          the guest's memory.
     * @param domid           the backend's domain id (grants must name it).
     * @param txRingOffset    the TX ring page, mapped through its grant, in {@code memory}.
     * @param rxRingOffset    the RX ring page.
     * @param event           the vif's event channel, backend end.
     * @param mtu             the vif's MTU: the largest packet accepted is MTU + 14 bytes.
     * @param rxScatterGather the frontend announced {@code feature-sg}: frames may span several RX buffers.
     * @param pendingFrames   frames held for a guest that has posted no buffers.
     * @param onDisconnect    told when the frontend misbehaves beyond repair.
     */
    public Netback(
        final FramePool pool,
        final GuestMemory memory,
        final int domid,
        final int txRingOffset,
        final int rxRingOffset,
        final EventChannel event,
        final int mtu,
        final boolean rxScatterGather,
        final int pendingFrames,
        final DisconnectListener onDisconnect)
    {
        this.pool = pool;
        this.frames = pool.buffer();
        this.shared = memory.buffer();
        this.grants = new GrantTable(memory);
        this.domid = domid;
        this.tx = new SharedRing(shared, txRingOffset, TX_RING_SIZE, TX_ENTRY_SIZE);
        this.rx = new SharedRing(shared, rxRingOffset, RX_RING_SIZE, RX_ENTRY_SIZE);
        this.tx.attach();
        this.rx.attach();
        this.event = event;
        this.maxFrameLength = Math.min(XEN_NETIF_MAX_TX_SIZE, Math.min(mtu + 14, pool.maxFrameLength()));
        this.rxScatterGather = rxScatterGather;
        this.onDisconnect = onDisconnect;
        final int size = Integer.highestOneBit(Math.max(1, pendingFrames - 1)) << 1;
        this.pending = new int[size];
        this.pendingMask = size - 1;
    }

    /**
     * Connect to a frontend's rings, checking the ring grants as any other.
     *
     * @param pool            the switch's frame pool.
     * @param memory          the guest's memory.
     * @param domid           the backend's domain id.
     * @param txRingRef       xenstore's {@code tx-ring-ref}.
     * @param rxRingRef       xenstore's {@code rx-ring-ref}.
     * @param event           the vif's event channel, backend end.
     * @param mtu             the vif's MTU.
     * @param rxScatterGather the frontend's {@code feature-sg}.
     * @param pendingFrames   frames held for a guest with no buffers posted.
     * @param onDisconnect    told when the frontend misbehaves beyond repair.
     * @return the backend.
     * @throws IllegalArgumentException naming the ring whose grant is unusable.
     */
    public static Netback connect(final FramePool pool, final GuestMemory memory, final int domid,
        final int txRingRef, final int rxRingRef, final EventChannel event, final int mtu,
        final boolean rxScatterGather, final int pendingFrames, final DisconnectListener onDisconnect)
    {
        // The ring pages stay acquired (marked in use, as a Xen grant mapping is) until the backend disconnects.
        final GrantTable grants = new GrantTable(memory);
        final int txRing = grants.acquire(txRingRef, domid, true);
        if (txRing < 0)
        {
            throw new IllegalArgumentException("tx-ring-ref " + txRingRef + ": " + GrantTable.describe(txRing));
        }
        final int rxRing = grants.acquire(rxRingRef, domid, true);
        if (rxRing < 0)
        {
            grants.release(txRingRef, true);
            throw new IllegalArgumentException("rx-ring-ref " + rxRingRef + ": " + GrantTable.describe(rxRing));
        }
        final Netback netback = new Netback(pool, memory, domid, txRing, rxRing, event, mtu, rxScatterGather,
            pendingFrames, onDisconnect);
        netback.txRingRef = txRingRef;
        netback.rxRingRef = rxRingRef;
        return netback;
    }

    public NetbackCounters counters()
    {
        return counters;
    }

    public boolean isConnected()
    {
        return connected;
    }

    @Override
    public void attached(final PortContext context)
    {
        this.context = context;
        event.onNotify(context::wakeup);
    }

    // ---------------------------------------------------------------------------------------------------------
    // TX: the guest sends
    // ---------------------------------------------------------------------------------------------------------

    @Override
    public int receive(final FrameBatch batch)
    {
        if (!connected)
        {
            return 0;
        }
        drainIfStalled();
        flushRx();
        final int start = batch.count();
        boolean responded = false;
        // Twice at most: once more only when the final check finds what the frontend produced meanwhile.
        for (int pass = 0; pass < 2 && connected; pass++)
        {
            int available = tx.requestsAvailable();
            if (tx.requestProducerOverflow())
            {
                disconnect("TX request producer more than a ring ahead");
                return 0;
            }
            while (available > 0 && !batch.isFull())
            {
                final int slots = consumePacket(batch, available);
                if (slots == 0)
                {
                    break; // a packet whose slots are not all published: wait for the rest
                }
                available -= slots;
                responded = true;
            }
            // Going idle on this ring (all consumed, or a packet incomplete): be notified at the next request. A
            // full batch comes back next cycle anyway.
            if (batch.isFull() || !tx.armForMoreRequests())
            {
                break;
            }
        }
        if (responded && tx.pushResponses())
        {
            notifyFrontend();
        }
        return batch.count() - start;
    }

    /**
     * One packet: scan its slots (first, extra-info, fragments) without side effects; if the frontend has not
     * published all of them yet, wait; otherwise build the frame and answer every slot.
     *
     * @return slots consumed and answered, or 0 if the packet is not complete on the ring yet.
     */
    private int consumePacket(final FrameBatch batch, final int available)
    {
        final int first = tx.requestConsumer();
        int slot = tx.slot(first);
        fragGref[0] = shared.getInt(slot + TX_REQ_GREF, LE);
        fragOffset[0] = shared.getShort(slot + TX_REQ_OFFSET, LE) & 0xFFFF;
        int flags = shared.getShort(slot + TX_REQ_FLAGS, LE) & 0xFFFF;
        final int total = shared.getShort(slot + TX_REQ_SIZE, LE) & 0xFFFF;
        final boolean csumBlank = (flags & NETTXF_CSUM_BLANK) != 0;
        NetbackCounters.Reason error = null;
        int slots = 1;
        int extras = 0;
        int gsoType = FrameOffload.GSO_NONE;
        int gsoSize = 0;

        if ((flags & NETTXF_EXTRA_INFO) != 0)
        {
            int extraFlags;
            do
            {
                if (slots >= available)
                {
                    return incomplete(available);
                }
                slot = tx.slot(first + slots++);
                extras++;
                final int type = shared.getByte(slot + EXTRA_TYPE) & 0xFF;
                extraFlags = shared.getByte(slot + EXTRA_FLAGS) & 0xFF;
                if (type == XEN_NETIF_EXTRA_TYPE_GSO && extras <= MAX_EXTRAS)
                {
                    // A super-frame (feature-gso-tcpv4/6): one frame of up to 64 KiB, cut by whoever cannot take it.
                    final int xenType = shared.getByte(slot + EXTRA_GSO_TYPE) & 0xFF;
                    gsoSize = shared.getShort(slot + EXTRA_GSO_SIZE, LE) & 0xFFFF;
                    gsoType = xenType == XEN_NETIF_GSO_TYPE_TCPV4 ? FrameOffload.GSO_TCPV4 :
                        xenType == XEN_NETIF_GSO_TYPE_TCPV6 ? FrameOffload.GSO_TCPV6 : FrameOffload.GSO_NONE;
                    if (gsoType == FrameOffload.GSO_NONE || gsoSize == 0)
                    {
                        error = NetbackCounters.Reason.BAD_EXTRA;
                    }
                }
                else if (type == XEN_NETIF_EXTRA_TYPE_NONE || type >= XEN_NETIF_EXTRA_TYPE_MAX || extras > MAX_EXTRAS ||
                    type != XEN_NETIF_EXTRA_TYPE_GSO)
                {
                    // NONE and unknown types are invalid; multicast control and hashes are not negotiated.
                    error = NetbackCounters.Reason.BAD_EXTRA;
                }
            }
            while ((extraFlags & XEN_NETIF_EXTRA_FLAG_MORE) != 0);
        }

        int fragments = 1;
        while ((flags & NETTXF_MORE_DATA) != 0)
        {
            if (slots >= available)
            {
                return incomplete(available);
            }
            slot = tx.slot(first + slots++);
            flags = shared.getShort(slot + TX_REQ_FLAGS, LE) & 0xFFFF;
            if (fragments < MAX_SLOTS)
            {
                fragGref[fragments] = shared.getInt(slot + TX_REQ_GREF, LE);
                fragOffset[fragments] = shared.getShort(slot + TX_REQ_OFFSET, LE) & 0xFFFF;
                fragSize[fragments] = shared.getShort(slot + TX_REQ_SIZE, LE) & 0xFFFF;
            }
            else if (error == null)
            {
                error = NetbackCounters.Reason.TOO_MANY_SLOTS;
            }
            fragments++;
        }

        if (error == null && gsoType != FrameOffload.GSO_NONE && !csumBlank)
        {
            error = NetbackCounters.Reason.BAD_EXTRA; // a super-frame's checksums are the segmenter's to write
        }
        if (error == null)
        {
            error = buildFrame(batch, total, fragments, csumBlank, gsoType, gsoSize);
        }
        final int status = error == null ? NETIF_RSP_OKAY :
            error == NetbackCounters.Reason.NO_BUFFER ? NETIF_RSP_DROPPED : NETIF_RSP_ERROR;
        for (int i = 0; i < slots; i++)
        {
            final boolean extra = i >= 1 && i <= extras;
            respond(shared.getShort(tx.slot(first + i) + TX_REQ_ID, LE) & 0xFFFF, extra ? NETIF_RSP_NULL : status);
        }
        if (error != null)
        {
            counters.txError(error);
        }
        tx.consume(slots);
        return slots;
    }

    /**
     * A packet whose slots go beyond what the frontend published: wait for the rest, unless the whole ring is this
     * one packet and it can never complete; then every published slot is answered with an error.
     */
    private int incomplete(final int available)
    {
        if (available < TX_RING_SIZE)
        {
            return 0;
        }
        final int first = tx.requestConsumer();
        for (int i = 0; i < available; i++)
        {
            respond(shared.getShort(tx.slot(first + i) + TX_REQ_ID, LE) & 0xFFFF, NETIF_RSP_ERROR);
        }
        counters.txError(NetbackCounters.Reason.TOO_MANY_SLOTS);
        tx.consume(available);
        return available;
    }

    private NetbackCounters.Reason buildFrame(final FrameBatch batch, final int total, final int fragments,
        final boolean csumBlank, final int gsoType, final int gsoSize)
    {
        if (total < 14)
        {
            return NetbackCounters.Reason.RUNT;
        }
        final boolean superFrame = gsoType != FrameOffload.GSO_NONE;
        // A super-frame is judged by its segments (the VNIC checks them against the MTU), a frame by its length.
        if (superFrame ? total > FrameDescriptor.MAX_SUPER_FRAME_LENGTH || !FrameOffload.segmentsFit(gsoSize,
            maxFrameLength) : total > maxFrameLength)
        {
            return NetbackCounters.Reason.OVERSIZE;
        }
        int rest = 0;
        for (int i = 1; i < fragments; i++)
        {
            rest += fragSize[i];
        }
        if (rest >= total)
        {
            return NetbackCounters.Reason.BAD_FRAGMENTS;
        }
        fragSize[0] = total - rest;
        for (int i = 0; i < fragments; i++)
        {
            if (fragSize[i] == 0 || fragOffset[i] + fragSize[i] > PAGE)
            {
                releaseFragments(i);
                return fragSize[i] == 0 ? NetbackCounters.Reason.BAD_FRAGMENTS : NetbackCounters.Reason.CROSS_PAGE;
            }
            final int page = grants.acquire(fragGref[i], domid, false);
            if (page < 0)
            {
                releaseFragments(i);
                return NetbackCounters.Reason.BAD_GRANT;
            }
            fragPage[i] = page;
        }
        final int frame = total > pool.maxFrameLength() ? pool.allocateLarge() : pool.allocate();
        if (frame == FramePool.NO_FRAME)
        {
            releaseFragments(fragments);
            return NetbackCounters.Reason.NO_BUFFER;
        }
        int at = pool.offset(frame);
        for (int i = 0; i < fragments; i++)
        {
            frames.putBytes(at, shared, fragPage[i] + fragOffset[i], fragSize[i]);
            at += fragSize[i];
        }
        releaseFragments(fragments);
        pool.length(frame, total);
        if (superFrame)
        {
            if (!markSuperFrame(frame, gsoType, gsoSize))
            {
                pool.free(frame);
                return NetbackCounters.Reason.BAD_EXTRA;
            }
        }
        else if (csumBlank)
        {
            completeChecksum(frame);
        }
        batch.add(frame);
        counters.transmitted(total);
        return null;
    }

    /** Done with the pages of the first {@code count} fragments: the frontend may end their grants again. */
    private void releaseFragments(final int count)
    {
        for (int i = 0; i < count; i++)
        {
            grants.release(fragGref[i], false);
        }
    }

    /**
     * A super-frame's offload state: its TCP checksum is partial (the frontend left the pseudo-header sum in it),
     * from the TCP header on.
     *
     * @return false if it is not the TCP segment its GSO type says.
     */
    private boolean markSuperFrame(final int frame, final int gsoType, final int gsoSize)
    {
        if (chain.parse(frames, pool.offset(frame), pool.length(frame)) != ParseResult.OK || chain.l4Offset() < 0 ||
            chain.ipProtocol() != IpProtocol.TCP ||
            (chain.etherType() == EtherType.IPV4) != (gsoType == FrameOffload.GSO_TCPV4))
        {
            return false;
        }
        pool.offload(frame, FrameOffload.of(FrameOffload.CSUM_PARTIAL, gsoType, gsoSize));
        pool.csum(frame, chain.l4Offset() - pool.offset(frame), 16);
        return true;
    }

    /**
     * Fill in the TCP or UDP checksum a frontend left blank (checksum offload), on our private copy.
     */
    private void completeChecksum(final int frame)
    {
        final int offset = pool.offset(frame);
        if (chain.parse(frames, offset, pool.length(frame)) != ParseResult.OK || chain.l4Offset() < 0)
        {
            return; // the switch will judge the frame; nothing to complete
        }
        final int protocol = chain.ipProtocol();
        final int checksumAt = protocol == IpProtocol.TCP ? 16 : protocol == IpProtocol.UDP ? 6 : -1;
        if (checksumAt < 0)
        {
            return;
        }
        final int l4 = chain.l4Offset();
        final int length = chain.l4Length();
        long sum;
        if (chain.etherType() == EtherType.IPV4)
        {
            final int ip = chain.l3Offset();
            sum = InternetChecksum.pseudoHeaderSum(frames.getInt(ip + 12, ByteOrder.BIG_ENDIAN),
                frames.getInt(ip + 16, ByteOrder.BIG_ENDIAN), protocol, length);
        }
        else
        {
            sum = InternetChecksum.sum(frames, chain.l3Offset() + 8, 32) + length + protocol;
        }
        frames.putShort(l4 + checksumAt, (short)0);
        int checksum = InternetChecksum.finish(sum + InternetChecksum.sum(frames, l4, length));
        if (checksum == 0 && protocol == IpProtocol.UDP)
        {
            checksum = 0xFFFF;
        }
        frames.putShort(l4 + checksumAt, (short)checksum, ByteOrder.BIG_ENDIAN);
    }

    private void respond(final int id, final int status)
    {
        final int slot = tx.slot(tx.responseProducer());
        shared.putShort(slot + TX_RSP_ID, (short)id, LE);
        shared.putShort(slot + TX_RSP_STATUS, (short)status, LE);
        tx.produceResponse();
    }

    // ---------------------------------------------------------------------------------------------------------
    // RX: the guest receives
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Called before the netback is plugged into its switch: the frontend announced {@code feature-gso-tcpv4}
     * (and {@code -tcpv6}) with {@code feature-sg}, so it takes TCP super-frames and partial checksums on receive,
     * as Linux's netfront does: they reach it whole, with a GSO extra-info slot and {@code NETRXF_csum_blank}.
     *
     * @param capabilities FrameOffload's CAN_* bits.
     */
    public void rxOffloads(final int capabilities)
    {
        this.rxOffloads = rxScatterGather ? capabilities : 0;
    }

    @Override
    public int offloads()
    {
        return rxOffloads;
    }

    @Override
    public int transmit(final FrameBatch batch)
    {
        if (!connected)
        {
            return 0;
        }
        drainIfStalled();
        int accepted = 0;
        // Frames held for a guest that posts no buffers come out of the switch's pool, within what it lets stages hold.
        for (int i = 0, n = batch.count(); i < n && pendingTail - pendingHead < pending.length &&
            (pendingHead == pendingTail || pool.hasRoomToHold()); i++)
        {
            pending[(int)pendingTail++ & pendingMask] = batch.handle(i);
            accepted++;
        }
        flushRx();
        if (accepted < batch.count())
        {
            counters.rxDropped(batch.count() - accepted); // the switch frees them
        }
        return accepted;
    }

    /**
     * Linux netback's rx_drain_timeout: a guest that has taken nothing for {@link #RX_DRAIN_TIMEOUT_NS} while frames
     * wait for it loses them, so that a stalled guest does not hold the switch's frames forever. Checked every
     * cycle against the switch's clock and the time the oldest waiting frame entered the switch; the datapath wakes
     * for it ({@link #nextDeadlineNs}) even when nothing else happens.
     */
    private void drainIfStalled()
    {
        if (pendingHead != pendingTail &&
            context.clock().nanoTime() - pool.timestampNs(pending[(int)pendingHead & pendingMask]) > RX_DRAIN_TIMEOUT_NS)
        {
            counters.rxDropped(freePending());
        }
    }

    @Override
    public long nextDeadlineNs(final long nowNs)
    {
        return pendingHead == pendingTail ? Long.MAX_VALUE :
            pool.timestampNs(pending[(int)pendingHead & pendingMask]) + RX_DRAIN_TIMEOUT_NS + 1;
    }

    /**
     * Hand waiting frames to the guest's posted buffers; with frames still waiting, ask to be notified when it posts
     * more, and if it posted some while we looked, use them now (once) rather than wait for that notification.
     */
    private void flushRx()
    {
        flushRxOnce();
        if (pendingHead < pendingTail && rx.armForMoreRequests())
        {
            flushRxOnce();
            if (pendingHead < pendingTail)
            {
                rx.armForMoreRequests();
            }
        }
    }

    private void flushRxOnce()
    {
        if (pendingHead == pendingTail)
        {
            return;
        }
        int available = rx.requestsAvailable();
        if (rx.requestProducerOverflow())
        {
            disconnect("RX request producer more than a ring ahead");
            return;
        }
        boolean responded = false;
        while (pendingHead < pendingTail && available > 0)
        {
            final int frame = pending[(int)pendingHead & pendingMask];
            final int length = pool.length(frame);
            final int offload = pool.offload(frame);
            // A super-frame (only ever handed to a frontend that takes them) has a GSO extra-info slot after its
            // first; a partial checksum is left for the guest, as Linux's netback leaves it.
            final boolean gso = FrameOffload.gsoType(offload) != FrameOffload.GSO_NONE;
            final int firstFlags = (gso ? NETRXF_EXTRA_INFO : 0) |
                ((offload & FrameOffload.CSUM_PARTIAL) != 0 ? NETRXF_CSUM_BLANK | NETRXF_DATA_VALIDATED :
                    (offload & FrameOffload.CSUM_VALID) != 0 ? NETRXF_DATA_VALIDATED : 0);
            final int dataSlots = (length + PAGE - 1) / PAGE;
            final int needed = dataSlots + (gso ? 1 : 0);
            if (dataSlots > 1 && !rxScatterGather)
            {
                pendingHead++;
                pool.free(frame);
                counters.rxError(NetbackCounters.Reason.OVERSIZE);
                continue;
            }
            if (needed > available)
            {
                break;
            }
            final int first = rx.requestConsumer();
            int copied = 0;
            boolean failed = false;
            for (int s = 0; s < needed; s++)
            {
                final int slot = rx.slot(first + s);
                if (gso && s == 1)
                {
                    // The extra-info response takes a request's slot (and its buffer, unused), as in Linux.
                    shared.putByte(slot + EXTRA_TYPE, (byte)XEN_NETIF_EXTRA_TYPE_GSO);
                    shared.putByte(slot + EXTRA_FLAGS, (byte)0);
                    shared.putShort(slot + EXTRA_GSO_SIZE, (short)FrameOffload.gsoSize(offload), LE);
                    shared.putByte(slot + EXTRA_GSO_TYPE, (byte)((FrameOffload.gsoType(offload) &
                        ~FrameOffload.GSO_ECN) == FrameOffload.GSO_TCPV6 ? XEN_NETIF_GSO_TYPE_TCPV6 :
                        XEN_NETIF_GSO_TYPE_TCPV4));
                    shared.putByte(slot + EXTRA_GSO_TYPE + 1, (byte)0);
                    shared.putShort(slot + EXTRA_GSO_FEATURES, (short)0, LE);
                    rx.produceResponse();
                    continue;
                }
                final boolean more = copied + Math.min(PAGE, length - copied) < length;
                final int id = shared.getShort(slot + RX_REQ_ID, LE) & 0xFFFF;
                final int gref = shared.getInt(slot + RX_REQ_GREF, LE);
                final int page = failed ? GrantTable.NOT_GRANTED : grants.acquire(gref, domid, true);
                final int chunk = Math.min(PAGE, length - copied);
                final int status;
                if (page < 0)
                {
                    failed = true;
                    status = NETIF_RSP_ERROR;
                }
                else
                {
                    shared.putBytes(page, frames, pool.offset(frame) + copied, chunk);
                    grants.release(gref, true);
                    status = chunk;
                }
                copied += chunk;
                // The response goes in the request's own slot, as Linux netfront expects.
                shared.putShort(slot + RX_RSP_ID, (short)id, LE);
                shared.putShort(slot + RX_RSP_OFFSET, (short)0, LE);
                shared.putShort(slot + RX_RSP_FLAGS, (short)((s == 0 ? firstFlags : 0) |
                    (more && !failed ? NETRXF_MORE_DATA : 0)), LE);
                shared.putShort(slot + RX_RSP_STATUS, (short)status, LE);
                rx.produceResponse();
            }
            rx.consume(needed);
            available -= needed;
            pendingHead++;
            if (failed)
            {
                counters.rxError(NetbackCounters.Reason.BAD_GRANT);
            }
            else
            {
                counters.received(length);
            }
            pool.free(frame);
            responded = true;
        }
        if (responded && rx.pushResponses())
        {
            notifyFrontend();
        }
    }

    /**
     * @return frames waiting for the guest to post buffers.
     */
    public int pendingFrames()
    {
        return (int)(pendingTail - pendingHead);
    }

    private void notifyFrontend()
    {
        counters.notified();
        event.notifyPeer();
    }

    /**
     * Stop serving the vif: frames held for the guest go back to the pool.
     *
     * @param reason why, for the log and the listener.
     */
    public void disconnect(final String reason)
    {
        if (!connected)
        {
            return;
        }
        connected = false;
        counters.disconnected();
        onDetach();
        if (onDisconnect != null)
        {
            onDisconnect.disconnected(reason);
        }
    }

    @Override
    public void onDetach()
    {
        freePending();
        releaseRings();
    }

    /** The rings are no longer read or written: the frontend may end their grants. Once. */
    private void releaseRings()
    {
        if (txRingRef >= 0)
        {
            grants.release(txRingRef, true);
            grants.release(rxRingRef, true);
            txRingRef = -1;
            rxRingRef = -1;
        }
    }

    /** @return how many frames waiting for the guest went back to the pool. */
    private int freePending()
    {
        final int freed = pendingFrames();
        while (pendingHead < pendingTail)
        {
            pool.free(pending[(int)pendingHead++ & pendingMask]);
        }
        return freed;
    }
}
