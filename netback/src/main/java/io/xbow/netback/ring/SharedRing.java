package io.xbow.netback.ring;

import org.agrona.concurrent.UnsafeBuffer;

import static io.xbow.netback.ring.RingDescriptor.*;

/**
 * One side's view of a shared ring page: the ring.h macros as methods, with Java memory ordering in place of Xen's
 * barriers (acquire reads of the peer's producer index, release writes of ours, a full fence where ring.h has
 * {@code mb()}). Indexes are free-running unsigned 32-bit counters: compared by subtraction, so wrap-around is
 * harmless.
 * <p>
 * The backend reads {@code req_prod} once per batch ({@link #requestsAvailable()}) and never trusts it twice: a
 * producer more than a ring's size ahead of what was answered is a misbehaving frontend
 * ({@link #requestProducerOverflow}).
 */
public final class SharedRing
{
    private final UnsafeBuffer buffer;
    private final int offset;
    private final int size;
    private final int entrySize;

    // Backend (request consumer, response producer) private state.
    private int reqCons;
    private int rspProdPvt;
    private int reqProdSeen;
    // Frontend (request producer, response consumer) private state.
    private int reqProdPvt;
    private int rspCons;

    /**
     * @param buffer    memory holding the ring page.
     * @param offset    offset of the page.
     * @param size      entries ({@link RingDescriptor#TX_RING_SIZE} or {@link RingDescriptor#RX_RING_SIZE}).
     * @param entrySize bytes per entry.
     */
    public SharedRing(final UnsafeBuffer buffer, final int offset, final int size, final int entrySize)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.size = size;
        this.entrySize = entrySize;
    }

    /**
     * Frontend: {@code SHARED_RING_INIT}: indexes 0, event thresholds 1, padding zeroed.
     */
    public void initialise()
    {
        buffer.setMemory(offset, HEADER_LENGTH, (byte)0);
        buffer.putInt(offset + REQ_EVENT_OFFSET, 1);
        buffer.putInt(offset + RSP_EVENT_OFFSET, 1);
        reqProdPvt = 0;
        rspCons = 0;
    }

    /**
     * Backend: attach to a ring the frontend initialised; private indexes start at the shared ones.
     */
    public void attach()
    {
        reqCons = buffer.getIntVolatile(offset + RSP_PROD_OFFSET);
        rspProdPvt = reqCons;
        reqProdSeen = reqCons;
    }

    /**
     * @param index a ring index.
     * @return offset of its slot.
     */
    public int slot(final int index)
    {
        return RingDescriptor.slot(offset, index, size, entrySize);
    }

    public int size()
    {
        return size;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Backend
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Backend: read {@code req_prod} once for this batch.
     *
     * @return requests that may be consumed now: never more than the ring has room for responses.
     */
    public int requestsAvailable()
    {
        reqProdSeen = buffer.getIntVolatile(offset + REQ_PROD_OFFSET);
        final int unconsumed = reqProdSeen - reqCons;
        final int room = size - (reqCons - rspProdPvt);
        return Integer.compareUnsigned(unconsumed, room) < 0 ? unconsumed : room;
    }

    /**
     * Backend: {@code RING_REQUEST_PROD_OVERFLOW} on the producer index read by the last
     * {@link #requestsAvailable()}.
     *
     * @return true if the frontend claims more requests than the ring can hold: fatal for the vif.
     */
    public boolean requestProducerOverflow()
    {
        return Integer.compareUnsigned(reqProdSeen - rspProdPvt, size) > 0;
    }

    /**
     * @return the next request index to consume.
     */
    public int requestConsumer()
    {
        return reqCons;
    }

    /**
     * Backend: mark requests consumed.
     *
     * @param n how many.
     */
    public void consume(final int n)
    {
        reqCons += n;
    }

    /**
     * @return the next response index to write.
     */
    public int responseProducer()
    {
        return rspProdPvt;
    }

    /**
     * Backend: a response was written at {@link #responseProducer()}.
     */
    public void produceResponse()
    {
        rspProdPvt++;
    }

    /**
     * Backend: {@code RING_PUSH_RESPONSES_AND_CHECK_NOTIFY}: publish responses, then say whether the frontend asked
     * to be notified for one of them.
     *
     * @return true if the frontend must be notified.
     */
    public boolean pushResponses()
    {
        final int old = buffer.getInt(offset + RSP_PROD_OFFSET);
        final int now = rspProdPvt;
        buffer.putIntOrdered(offset + RSP_PROD_OFFSET, now);
        java.lang.invoke.VarHandle.fullFence();
        final int event = buffer.getIntVolatile(offset + RSP_EVENT_OFFSET);
        return Integer.compareUnsigned(now - event, now - old) < 0;
    }

    /**
     * Backend: {@code RING_FINAL_CHECK_FOR_REQUESTS}: before going idle, ask to be notified at the next request and
     * look once more, closing the race with a frontend that produced in between.
     *
     * @return true if requests are waiting after all.
     */
    public boolean finalCheckForRequests()
    {
        if (buffer.getIntVolatile(offset + REQ_PROD_OFFSET) != reqCons)
        {
            return true;
        }
        buffer.putIntVolatile(offset + REQ_EVENT_OFFSET, reqCons + 1);
        java.lang.invoke.VarHandle.fullFence();
        return buffer.getIntVolatile(offset + REQ_PROD_OFFSET) != reqCons;
    }

    /**
     * Backend, waiting for more than the frontend has published (the rest of a packet's slots, or buffers for
     * frames it holds): ask to be notified when the producer passes what {@link #requestsAvailable()} last saw, and
     * look once more. With everything seen consumed this is {@link #finalCheckForRequests()}.
     *
     * @return true if the frontend produced more meanwhile: look again instead of waiting.
     */
    public boolean armForMoreRequests()
    {
        buffer.putIntVolatile(offset + REQ_EVENT_OFFSET, reqProdSeen + 1);
        java.lang.invoke.VarHandle.fullFence();
        return buffer.getIntVolatile(offset + REQ_PROD_OFFSET) != reqProdSeen;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Frontend
    // ---------------------------------------------------------------------------------------------------------

    /**
     * @return the next request index to write.
     */
    public int requestProducer()
    {
        return reqProdPvt;
    }

    /**
     * Frontend: room for more requests, counting responses not yet consumed.
     *
     * @return free request slots.
     */
    public int freeRequests()
    {
        return size - (reqProdPvt - rspCons);
    }

    /**
     * Frontend: a request was written at {@link #requestProducer()}.
     */
    public void produceRequest()
    {
        reqProdPvt++;
    }

    /**
     * Frontend: {@code RING_PUSH_REQUESTS_AND_CHECK_NOTIFY}.
     *
     * @return true if the backend must be notified.
     */
    public boolean pushRequests()
    {
        final int old = buffer.getInt(offset + REQ_PROD_OFFSET);
        final int now = reqProdPvt;
        buffer.putIntOrdered(offset + REQ_PROD_OFFSET, now);
        java.lang.invoke.VarHandle.fullFence();
        final int event = buffer.getIntVolatile(offset + REQ_EVENT_OFFSET);
        return Integer.compareUnsigned(now - event, now - old) < 0;
    }

    /**
     * Frontend: responses published and not yet consumed.
     *
     * @return how many.
     */
    public int responsesAvailable()
    {
        return buffer.getIntVolatile(offset + RSP_PROD_OFFSET) - rspCons;
    }

    /**
     * @return the next response index to read.
     */
    public int responseConsumer()
    {
        return rspCons;
    }

    /**
     * Frontend: mark responses consumed.
     *
     * @param n how many.
     */
    public void consumeResponses(final int n)
    {
        rspCons += n;
    }

    /**
     * Frontend: {@code RING_FINAL_CHECK_FOR_RESPONSES}.
     *
     * @return true if responses are waiting after all.
     */
    public boolean finalCheckForResponses()
    {
        if (buffer.getIntVolatile(offset + RSP_PROD_OFFSET) != rspCons)
        {
            return true;
        }
        buffer.putIntVolatile(offset + RSP_EVENT_OFFSET, rspCons + 1);
        java.lang.invoke.VarHandle.fullFence();
        return buffer.getIntVolatile(offset + RSP_PROD_OFFSET) != rspCons;
    }
}
