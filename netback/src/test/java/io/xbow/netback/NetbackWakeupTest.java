package io.xbow.netback;

import io.xbow.netback.ring.RingDescriptor;
import io.xbow.packet.address.MacAddress;
import io.xbow.packet.build.FrameBuilder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The ring.h notification rules, followed by a frontend that only notifies when the ring says so (Netfront does):
 * whatever the backend waits for, it asked to be told, so nothing waits for the datapath's next timed park.
 */
class NetbackWakeupTest
{
    private static final long A = MacAddress.parse("0:16:3e:0:0:1");
    private static final long B = MacAddress.parse("0:16:3e:0:0:2");

    @TempDir
    Path dir;

    @Test
    void shouldBeToldWhenAGuestWithFramesWaitingPostsBuffersAgain() throws Exception
    {
        try (TwoGuests g = new TwoGuests(dir, false))
        {
            final UnsafeBuffer frame = new UnsafeBuffer(new FrameBuilder().ethernet(B, A).raw(0x88B5, 46).toBytes());
            // Guest 1 takes nothing for a while: its posted buffers fill, then frames wait in its netback.
            int sent = 0;
            while (g.back[1].pendingFrames() == 0 && sent < 4 * RingDescriptor.RX_RING_SIZE)
            {
                for (int i = 0; i < 32 && g.front[0].send(frame, 0, frame.capacity(), 0); i++)
                {
                    sent++;
                }
                g.sw.doWork();
                g.front[0].reclaim();
            }
            assertTrue(g.back[1].pendingFrames() > 0, "frames wait for guest 1's buffers");
            final long before = g.events[1][1].received();

            g.front[1].poll((buffer, offset, length) -> { }); // takes its frames and posts its buffers again
            assertTrue(g.events[1][1].received() > before,
                "posting buffers rang the backend, which had asked for it: the waiting frames need no timed park");
        }
    }

    @Test
    void shouldAskToBeToldWhenTheRestOfAHalfPublishedPacketComes() throws Exception
    {
        try (TwoGuests g = new TwoGuests(dir, true))
        {
            final UnsafeBuffer memory = g.memory[0].buffer();
            final int ring = g.memory[0].pageOffset(0);
            final int reqProd = memory.getIntVolatile(ring + RingDescriptor.REQ_PROD_OFFSET);
            final byte[] frame = new FrameBuilder().ethernet(B, A).raw(0x88B5, 186).toBytes();
            // A two-slot packet in TX data pages 2 and 3 (granted by netfront as refs 2 and 3): 100 bytes, then the rest.
            memory.putBytes(g.memory[0].pageOffset(2), frame, 0, 100);
            memory.putBytes(g.memory[0].pageOffset(3), frame, 100, frame.length - 100);
            slot(memory, ring, reqProd, 2, RingDescriptor.NETTXF_MORE_DATA, 0, frame.length);
            slot(memory, ring, reqProd + 1, 3, 0, 1, frame.length - 100);

            memory.putIntVolatile(ring + RingDescriptor.REQ_PROD_OFFSET, reqProd + 1); // the first slot only
            g.sw.doWork();
            assertEquals(reqProd + 2, memory.getIntVolatile(ring + RingDescriptor.REQ_EVENT_OFFSET),
                "waiting for the rest of the packet, netback asks to be notified at the next request");

            memory.putIntVolatile(ring + RingDescriptor.REQ_PROD_OFFSET, reqProd + 2);
            final int event = memory.getIntVolatile(ring + RingDescriptor.REQ_EVENT_OFFSET);
            // RING_PUSH_REQUESTS_AND_CHECK_NOTIFY, as a frontend in another process would run it.
            assertTrue(Integer.compareUnsigned(reqProd + 2 - event, 1) < 0, "the frontend is told to notify");
            g.run();
            assertEquals(1, g.received.get(1).size(), "and the packet arrives whole");
            assertArrayEquals(frame, g.received.get(1).get(0));
        }
    }

    private static void slot(final UnsafeBuffer memory, final int ring, final int index, final int gref,
        final int flags, final int id, final int size)
    {
        final int slot = ring + 64 + (index & (RingDescriptor.TX_RING_SIZE - 1)) * RingDescriptor.TX_ENTRY_SIZE;
        memory.putInt(slot + RingDescriptor.TX_REQ_GREF, gref, java.nio.ByteOrder.LITTLE_ENDIAN);
        memory.putShort(slot + RingDescriptor.TX_REQ_OFFSET, (short)0, java.nio.ByteOrder.LITTLE_ENDIAN);
        memory.putShort(slot + RingDescriptor.TX_REQ_FLAGS, (short)flags, java.nio.ByteOrder.LITTLE_ENDIAN);
        memory.putShort(slot + RingDescriptor.TX_REQ_ID, (short)id, java.nio.ByteOrder.LITTLE_ENDIAN);
        memory.putShort(slot + RingDescriptor.TX_REQ_SIZE, (short)size, java.nio.ByteOrder.LITTLE_ENDIAN);
    }
}
