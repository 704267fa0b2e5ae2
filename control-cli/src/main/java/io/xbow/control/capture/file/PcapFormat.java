package io.xbow.control.capture.file;

import java.nio.ByteBuffer;

/**
 * Classic libpcap format with microsecond timestamps, written in little-endian order (readers swap as the magic
 * number says).
 * <pre>
 *   file header (24): magic a1b2c3d4 | major 2 | minor 4 | thiszone 0 | sigfigs 0 | snaplen | linktype 1 (Ethernet)
 *   record (16 + n):  ts_sec | ts_usec | incl_len n | orig_len | n bytes
 * </pre>
 */
final class PcapFormat implements CaptureFormat
{
    static final int MAGIC_MICROSECONDS = 0xA1B2C3D4;
    static final int HEADER_LENGTH = 24;
    static final int RECORD_HEADER_LENGTH = 16;
    static final int LINKTYPE_ETHERNET = 1;

    private final int snaplen;

    PcapFormat(final int snaplen)
    {
        this.snaplen = snaplen;
    }

    @Override
    public int maxRecordLength()
    {
        return RECORD_HEADER_LENGTH + snaplen;
    }

    @Override
    public void writeHeader(final ByteBuffer buffer)
    {
        buffer.putInt(MAGIC_MICROSECONDS)
            .putShort((short)2)
            .putShort((short)4)
            .putInt(0)
            .putInt(0)
            .putInt(snaplen)
            .putInt(LINKTYPE_ETHERNET);
    }

    @Override
    public void writeRecord(
        final ByteBuffer buffer, final int link, final int direction, final long timestampNs, final int originalLength,
        final byte[] data, final int offset, final int length)
    {
        buffer.putInt((int)Math.floorDiv(timestampNs, 1_000_000_000L))
            .putInt((int)(Math.floorMod(timestampNs, 1_000_000_000L) / 1000))
            .putInt(length)
            .putInt(originalLength)
            .put(data, offset, length);
    }
}
