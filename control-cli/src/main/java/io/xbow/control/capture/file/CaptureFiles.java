package io.xbow.control.capture.file;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;

/**
 * Opens the writer for a capture: classic pcap or pcapng, to a file, a rotating set of files, or a stream.
 * <p>
 * Classic pcap is written by our own buffered stream writer rather than Pcap4J's PcapDumper: PcapDumper cannot write
 * to a Java stream ({@code -w -} through the caller's OutputStream), cannot create a file with mode 0600, and its
 * per-frame cost (a JNA {@code pcap_pkthdr} Structure, a java.sql.Timestamp and a native call per frame, and an
 * exact-length array) falls short of the datapath's rate; see CaptureWriteBenchmark in perf/ and its numbers in
 * {@link StreamCaptureWriter}'s history. pcapng is written by hand in any case: libpcap only reads it.
 */
public final class CaptureFiles
{
    private CaptureFiles()
    {
    }

    /**
     * @param options where and how to write.
     * @param stdout  the stream that path "-" means; flushed on {@link CaptureWriter#flush()}, never closed.
     * @return a writer whose file (or stream) already holds its header.
     * @throws IOException if the first file cannot be created or the header written.
     */
    public static CaptureWriter open(final CaptureFileOptions options, final OutputStream stdout) throws IOException
    {
        if (CaptureFileOptions.STDOUT.equals(options.path()))
        {
            return StreamCaptureWriter.toStream(options, Objects.requireNonNull(stdout, "stdout"));
        }
        return StreamCaptureWriter.toFiles(options);
    }
}
