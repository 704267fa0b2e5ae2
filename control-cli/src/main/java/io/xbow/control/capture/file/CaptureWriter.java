package io.xbow.control.capture.file;

import java.io.Closeable;
import java.io.IOException;

/**
 * Writes captured frames to a pcap or pcapng file, a rotating set of them, or a stream. One thread writes; the
 * frame's bytes are copied before {@link #write} returns, so the caller may reuse its array.
 */
public interface CaptureWriter extends Closeable
{
    /** Direction of a frame seen arriving on the link (pcapng {@code epb_flags} inbound). */
    int IN = 1;
    /** Direction of a frame seen leaving on the link (pcapng {@code epb_flags} outbound). */
    int OUT = 2;

    /**
     * @param link           index into the link names given at open.
     * @param direction      {@link #IN}, {@link #OUT}, or 0 if unknown; classic pcap has no place for it.
     * @param timestampNs    nanoseconds since the Unix epoch.
     * @param originalLength the frame's length on the wire.
     * @param data           the captured bytes.
     * @param offset         of the first captured byte in data.
     * @param length         captured bytes; more than the snaplen are cut to it.
     * @throws IOException if the file cannot be written or rotated.
     */
    void write(int link, int direction, long timestampNs, int originalLength, byte[] data, int offset, int length)
        throws IOException;

    /**
     * Hand what is buffered to the file or stream, so that a reader ({@code tcpdump -r -}) sees it now.
     *
     * @throws IOException if it cannot be written.
     */
    void flush() throws IOException;

    /**
     * @return true once the rotation rules say the capture is over (tcpdump's -G with -W after W files); later
     * writes are ignored.
     */
    boolean finished();
}
