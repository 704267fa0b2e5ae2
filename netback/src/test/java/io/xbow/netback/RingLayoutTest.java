package io.xbow.netback;

import io.xbow.netback.grant.GrantTableDescriptor;
import io.xbow.netback.ring.RingDescriptor;
import io.xbow.netback.ring.SharedRing;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static io.xbow.netback.ring.RingDescriptor.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The shared layouts against the numbers of Xen's ring.h, netif.h and grant_table.h, so that a C frontend built
 * against those headers reads our pages as we write them.
 */
class RingLayoutTest
{
    @Test
    void shouldLayOutTheRingPageAsRingHDoes()
    {
        assertEquals(0, REQ_PROD_OFFSET);
        assertEquals(4, REQ_EVENT_OFFSET);
        assertEquals(8, RSP_PROD_OFFSET);
        assertEquals(12, RSP_EVENT_OFFSET);
        assertEquals(16, PVT_OFFSET);
        assertEquals(64, HEADER_LENGTH);
        assertEquals(256, TX_RING_SIZE, "(4096 - 64) / 12 = 336, rounded down to 256");
        assertEquals(256, RX_RING_SIZE, "(4096 - 64) / 8 = 504, rounded down to 256");
        assertEquals(128, RingDescriptor.ringSize(16), "the control ring: 4032 / 16 = 252 -> 128");
        assertEquals(64 + 255 * 12, RingDescriptor.slot(0, 255, TX_RING_SIZE, TX_ENTRY_SIZE));
        assertEquals(64, RingDescriptor.slot(0, 256, TX_RING_SIZE, TX_ENTRY_SIZE), "free-running index wraps");
        assertTrue(64 + TX_RING_SIZE * TX_ENTRY_SIZE <= 4096);
        assertTrue(64 + RX_RING_SIZE * RX_ENTRY_SIZE <= 4096);
    }

    @Test
    void shouldLayOutNetifEntriesAsNetifHDoes()
    {
        assertArrayEquals(new int[]{0, 4, 6, 8, 10, 12},
            new int[]{TX_REQ_GREF, TX_REQ_OFFSET, TX_REQ_FLAGS, TX_REQ_ID, TX_REQ_SIZE, TX_ENTRY_SIZE});
        assertArrayEquals(new int[]{0, 2}, new int[]{TX_RSP_ID, TX_RSP_STATUS});
        assertArrayEquals(new int[]{0, 4, 8}, new int[]{RX_REQ_ID, RX_REQ_GREF, RX_ENTRY_SIZE});
        assertArrayEquals(new int[]{0, 2, 4, 6}, new int[]{RX_RSP_ID, RX_RSP_OFFSET, RX_RSP_FLAGS, RX_RSP_STATUS});
        assertEquals(1, NETTXF_CSUM_BLANK);
        assertEquals(2, NETTXF_DATA_VALIDATED);
        assertEquals(4, NETTXF_MORE_DATA);
        assertEquals(8, NETTXF_EXTRA_INFO);
        assertEquals(1, NETRXF_DATA_VALIDATED, "csum bits are swapped between TX and RX");
        assertEquals(2, NETRXF_CSUM_BLANK);
        assertArrayEquals(new int[]{-2, -1, 0, 1},
            new int[]{NETIF_RSP_DROPPED, NETIF_RSP_ERROR, NETIF_RSP_OKAY, NETIF_RSP_NULL});
        assertEquals(0xFFFF, XEN_NETIF_MAX_TX_SIZE);
        assertEquals(18, XEN_NETIF_NR_SLOTS_MIN);
        assertEquals(8, GrantTableDescriptor.ENTRY_SIZE);
        assertArrayEquals(new int[]{0, 2, 4}, new int[]{GrantTableDescriptor.FLAGS_OFFSET,
            GrantTableDescriptor.DOMID_OFFSET, GrantTableDescriptor.FRAME_OFFSET});
    }

    @Test
    void shouldInitialiseTheHeaderAsSharedRingInitDoes()
    {
        final UnsafeBuffer page = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
        page.setMemory(0, 4096, (byte)0x5A);
        new SharedRing(page, 0, TX_RING_SIZE, TX_ENTRY_SIZE).initialise();
        assertEquals(0, page.getInt(REQ_PROD_OFFSET, ByteOrder.LITTLE_ENDIAN));
        assertEquals(1, page.getInt(REQ_EVENT_OFFSET, ByteOrder.LITTLE_ENDIAN));
        assertEquals(0, page.getInt(RSP_PROD_OFFSET, ByteOrder.LITTLE_ENDIAN));
        assertEquals(1, page.getInt(RSP_EVENT_OFFSET, ByteOrder.LITTLE_ENDIAN));
        for (int i = 16; i < 64; i++)
        {
            assertEquals(0, page.getByte(i), "padding byte " + i);
        }
    }
}
