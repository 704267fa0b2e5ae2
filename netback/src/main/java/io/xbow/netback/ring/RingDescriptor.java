package io.xbow.netback.ring;

/**
 * The shared ring page of Xen's {@code DEFINE_RING_TYPES} (ring.h) and the netif entries (netif.h), byte for byte,
 * little-endian. A frontend written in C against these headers shares pages with us.
 * <pre>
 *   0          4           8          12          16      20                    64
 *   | req_prod | req_event | rsp_prod | rsp_event | pvt   | pad (44)            | ring[RING_SIZE] ...
 *
 *   TX request (12):  | gref:4 | offset:2 | flags:2 | id:2 | size:2 |
 *   TX response (4):  | id:2 | status:2 |                      (in a 12-byte slot)
 *   RX request (8):   | id:2 | pad:2 | gref:4 |
 *   RX response (8):  | id:2 | offset:2 | flags:2 | status:2 |
 *   extra info (8):   | type:1 | flags:1 | union:6 |           (in a TX slot, 4 bytes of padding follow)
 * </pre>
 * Ring sizes: entries = (4096 - 64) / entry size, rounded down to a power of two: 256 for TX (12-byte entries)
 * and for RX (8-byte entries).
 */
public final class RingDescriptor
{
    public static final int PAGE_SIZE = 4096;

    public static final int REQ_PROD_OFFSET = 0;
    public static final int REQ_EVENT_OFFSET = 4;
    public static final int RSP_PROD_OFFSET = 8;
    public static final int RSP_EVENT_OFFSET = 12;
    public static final int PVT_OFFSET = 16;
    public static final int HEADER_LENGTH = 64;

    public static final int TX_ENTRY_SIZE = 12;
    public static final int RX_ENTRY_SIZE = 8;
    public static final int TX_RING_SIZE = ringSize(TX_ENTRY_SIZE);
    public static final int RX_RING_SIZE = ringSize(RX_ENTRY_SIZE);

    // TX request
    public static final int TX_REQ_GREF = 0;
    public static final int TX_REQ_OFFSET = 4;
    public static final int TX_REQ_FLAGS = 6;
    public static final int TX_REQ_ID = 8;
    public static final int TX_REQ_SIZE = 10;
    // TX response
    public static final int TX_RSP_ID = 0;
    public static final int TX_RSP_STATUS = 2;
    // RX request
    public static final int RX_REQ_ID = 0;
    public static final int RX_REQ_GREF = 4;
    // RX response
    public static final int RX_RSP_ID = 0;
    public static final int RX_RSP_OFFSET = 2;
    public static final int RX_RSP_FLAGS = 4;
    public static final int RX_RSP_STATUS = 6;
    // extra info
    public static final int EXTRA_TYPE = 0;
    public static final int EXTRA_FLAGS = 1;

    public static final int NETTXF_CSUM_BLANK = 1;
    public static final int NETTXF_DATA_VALIDATED = 1 << 1;
    public static final int NETTXF_MORE_DATA = 1 << 2;
    public static final int NETTXF_EXTRA_INFO = 1 << 3;

    public static final int NETRXF_DATA_VALIDATED = 1;
    public static final int NETRXF_CSUM_BLANK = 1 << 1;
    public static final int NETRXF_MORE_DATA = 1 << 2;
    public static final int NETRXF_EXTRA_INFO = 1 << 3;

    public static final int XEN_NETIF_EXTRA_FLAG_MORE = 1;
    public static final int XEN_NETIF_EXTRA_TYPE_NONE = 0;
    public static final int XEN_NETIF_EXTRA_TYPE_GSO = 1;
    /** In a GSO extra: the segment size (u16), the GSO type (u8), and features (u16). */
    public static final int EXTRA_GSO_SIZE = 2;
    public static final int EXTRA_GSO_TYPE = 4;
    public static final int EXTRA_GSO_FEATURES = 6;
    public static final int XEN_NETIF_GSO_TYPE_NONE = 0;
    public static final int XEN_NETIF_GSO_TYPE_TCPV4 = 1;
    public static final int XEN_NETIF_GSO_TYPE_TCPV6 = 2;
    public static final int XEN_NETIF_EXTRA_TYPE_MAX = 5;

    public static final int NETIF_RSP_DROPPED = -2;
    public static final int NETIF_RSP_ERROR = -1;
    public static final int NETIF_RSP_OKAY = 0;
    public static final int NETIF_RSP_NULL = 1;

    /** Largest packet a TX request may announce. */
    public static final int XEN_NETIF_MAX_TX_SIZE = 0xFFFF;
    /** Slots a backend that does not negotiate more must accept for one packet. */
    public static final int XEN_NETIF_NR_SLOTS_MIN = 18;

    private RingDescriptor()
    {
    }

    /**
     * @param entrySize bytes of the larger of request and response.
     * @return entries in a one-page ring: what fits after the header, rounded down to a power of two.
     */
    public static int ringSize(final int entrySize)
    {
        return Integer.highestOneBit((PAGE_SIZE - HEADER_LENGTH) / entrySize);
    }

    /**
     * @param ringOffset offset of the ring page.
     * @param index      a free-running ring index.
     * @param ringSize   entries in the ring.
     * @param entrySize  bytes per entry.
     * @return offset of that index's slot.
     */
    public static int slot(final int ringOffset, final int index, final int ringSize, final int entrySize)
    {
        return ringOffset + HEADER_LENGTH + (index & (ringSize - 1)) * entrySize;
    }
}
