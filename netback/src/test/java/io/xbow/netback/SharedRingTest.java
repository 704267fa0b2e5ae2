package io.xbow.netback;

import io.xbow.netback.ring.SharedRing;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static io.xbow.netback.ring.RingDescriptor.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The ring.h index rules: notification hold-off, the final check before sleeping, wrap-around of free-running
 * indexes, and a producer that claims too much.
 */
class SharedRingTest
{
    private final UnsafeBuffer page = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
    private final SharedRing front = new SharedRing(page, 0, TX_RING_SIZE, TX_ENTRY_SIZE);
    private final SharedRing back = new SharedRing(page, 0, TX_RING_SIZE, TX_ENTRY_SIZE);

    @Test
    void shouldNotifyOnlyWhenThePeerAskedForAnIndexJustPublished()
    {
        front.initialise();
        back.attach();
        front.produceRequest();
        assertTrue(front.pushRequests(), "req_event is 1: the first request is worth a notification");
        for (int i = 0; i < 10; i++)
        {
            front.produceRequest();
        }
        assertFalse(front.pushRequests(), "the backend did not ask again: a busy ring needs no notification");

        assertEquals(11, back.requestsAvailable());
        back.consume(11);
        for (int i = 0; i < 11; i++)
        {
            back.produceResponse();
        }
        assertTrue(back.pushResponses(), "rsp_event 1 lies in the window just published");
        assertFalse(back.finalCheckForRequests(), "nothing more: the backend asks for a notification at 12");
        front.produceRequest();
        assertTrue(front.pushRequests(), "and gets one for the 12th request");
    }

    @Test
    void shouldSeeRequestsSlippedInDuringTheFinalCheck()
    {
        front.initialise();
        back.attach();
        front.produceRequest();
        front.pushRequests();
        back.consume(back.requestsAvailable());
        front.produceRequest();
        front.pushRequests();
        assertTrue(back.finalCheckForRequests(), "a request arrived: do not sleep");
    }

    @Test
    void shouldWorkAcrossTheWrapOfTheThirtyTwoBitIndexes()
    {
        front.initialise();
        // Start both sides just below 2^32, as after a long uptime.
        final int start = -5;
        page.putInt(REQ_PROD_OFFSET, start);
        page.putInt(RSP_PROD_OFFSET, start);
        final SharedRing b = new SharedRing(page, 0, TX_RING_SIZE, TX_ENTRY_SIZE);
        b.attach();
        for (int i = 0; i < 10; i++)
        {
            page.putInt(REQ_PROD_OFFSET, start + i + 1);
        }
        assertEquals(10, b.requestsAvailable());
        assertFalse(b.requestProducerOverflow());
        assertEquals(b.slot(start), b.slot(start + 256));
    }

    @Test
    void shouldFlagAProducerMoreThanARingAhead()
    {
        front.initialise();
        back.attach();
        page.putInt(REQ_PROD_OFFSET, TX_RING_SIZE + 1);
        assertEquals(TX_RING_SIZE, back.requestsAvailable(), "never more than the ring holds");
        assertTrue(back.requestProducerOverflow());
        page.putInt(REQ_PROD_OFFSET, -1); // "behind" by one, i.e. 2^32 - 1 ahead
        back.requestsAvailable();
        assertTrue(back.requestProducerOverflow());
        page.putInt(REQ_PROD_OFFSET, TX_RING_SIZE);
        back.requestsAvailable();
        assertFalse(back.requestProducerOverflow(), "exactly a full ring is allowed");
    }
}
