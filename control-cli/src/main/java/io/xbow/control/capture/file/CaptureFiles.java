package io.xbow.control.capture.file;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;

/**
 * Opens the writer for a capture: classic pcap or pcapng, to a file, a rotating set of files, or a stream.
 * <p>
 * Classic pcap is written by our own buffered stream writer, not by Pcap4J's PcapDumper, because PcapDumper cannot
 * keep up: CaptureWriteBenchmark (perf/, 64-byte frames to a file on /dev/shm, JMH, 1 fork, 7 x 1 s, medians on the
 * 2-core development machine) measured PcapDumper.dumpRaw at 114 thousand frames/s (60 to 164 thousand), far below
 * the 1 million frames/s asked of a capture writer, against 21.6 million frames/s for this writer's pcap and
 * 16.2 million for its pcapng (189 and 142 times as fast). The stack profile shows why: every dumpRaw allocates a
 * JNA {@code pcap_pkthdr} Structure (reflection, a native malloc and free, and a JNA Cleaner registration per frame),
 * and the caller allocates a java.sql.Timestamp and an exact-length array. PcapDumper also cannot write to the
 * caller's stream ({@code -w -}), and creates its files with fopen's mode (0666 less the umask), not 0600. pcapng is written by hand in any case: libpcap only
 * reads it. The files are byte for byte what tcpdump writes (RotationTest compares them with tcpdump's own -C).
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
