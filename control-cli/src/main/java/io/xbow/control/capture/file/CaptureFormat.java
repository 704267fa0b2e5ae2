package io.xbow.control.capture.file;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Encodes a capture file's header and records into a little-endian buffer; the writer decides where the bytes go.
 */
interface CaptureFormat
{
    /**
     * @return the most bytes one record of a frame of snaplen bytes takes.
     */
    int maxRecordLength();

    /**
     * Write what starts every file: pcap's file header, or pcapng's section header and one interface per link.
     */
    void writeHeader(ByteBuffer buffer);

    void writeRecord(
        ByteBuffer buffer, int link, int direction, long timestampNs, int originalLength, byte[] data, int offset,
        int length);

    static CaptureFormat of(final boolean pcapng, final List<String> linkNames, final int snaplen)
    {
        return of(pcapng, false, linkNames, snaplen);
    }

    /** @param cooked classic pcap with Linux cooked headers ({@code -i any}), which keep each frame's direction. */
    static CaptureFormat of(final boolean pcapng, final boolean cooked, final List<String> linkNames,
        final int snaplen)
    {
        return pcapng ? new PcapngFormat(linkNames, snaplen) : new PcapFormat(snaplen, cooked);
    }
}
