package io.xbow.control.capture;

/**
 * The body of a capture's HTTP response: a stream of records, each a one-byte type then its fields, big-endian.
 * <pre>
 *   'H' hello  u32 snaplen, u16 link count, per link: u16 length, UTF-8 name   (first, once)
 *   'F' frame  u16 link, u8 direction (1 in, 2 out), u64 ns since the epoch, u32 original length,
 *              u32 captured length, the captured bytes
 *   'S' stats  u64 frames the filter accepted, u64 of those dropped because the reader fell behind
 *   'E' end    u16 length, UTF-8 reason (empty when stopped on request); the stream ends after it
 * </pre>
 * A binary framing of our own rather than pcap on the wire: the client writes pcap, pcapng, rotated files or
 * text from it, and needs the link, direction and counters that pcap has no room for.
 */
public final class CaptureStreamFormat
{
    public static final byte HELLO = 'H';
    public static final byte FRAME = 'F';
    public static final byte STATS = 'S';
    public static final byte END = 'E';

    /** Bytes of a frame record before the captured bytes. */
    public static final int FRAME_HEADER = 1 + 2 + 1 + 8 + 4 + 4;

    /** The daemon answers a capture with this content type. */
    public static final String CONTENT_TYPE = "application/vnd.xbow.capture";
    /** The header carrying the capture's id, for {@code /v1/capture/stop}. */
    public static final String ID_HEADER = "X-Xbow-Capture-Id";

    private CaptureStreamFormat()
    {
    }
}
