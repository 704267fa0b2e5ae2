package io.xbow.control.cli;

import io.xbow.control.capture.file.CaptureFileOptions;
import io.xbow.control.capture.file.CaptureFiles;
import io.xbow.control.capture.file.CaptureWriter;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * {@code xbow capture -w}: captured frames into pcap or pcapng files (rotated as tcpdump rotates them), or to
 * standard output for {@code -w -}.
 */
public final class CaptureFileSink implements CaptureCommand.Sink
{
    private final CaptureWriter writer;

    private CaptureFileSink(final CaptureWriter writer)
    {
        this.writer = writer;
    }

    /**
     * @param options the command line.
     * @param links   the links captured, in the stream's order (pcapng names its interfaces after them).
     * @param snaplen the snapshot length in force.
     * @param stdout  where {@code -w -} writes.
     * @return the sink.
     * @throws IOException if the first file cannot be created.
     */
    public static CaptureCommand.Sink open(final CaptureCommand.Options options, final List<String> links, final int snaplen,
        final OutputStream stdout) throws IOException
    {
        final CaptureFileOptions fileOptions = CaptureFileOptions.of(options.file(), options.pcapng(), links)
            .withSnaplen(snaplen)
            .withRotation(options.rotateSeconds(), options.rotateMegabytes(), options.fileCount())
            .withCooked(options.anyLink());
        return new CaptureFileSink(CaptureFiles.open(fileOptions, stdout));
    }

    @Override
    public void frame(final int link, final int direction, final long timestampNs, final int originalLength,
        final byte[] data, final int length) throws IOException
    {
        writer.write(link, direction, timestampNs, originalLength, data, 0, length);
    }

    @Override
    public void flush() throws IOException
    {
        writer.flush();
    }

    @Override
    public boolean finished()
    {
        return writer.finished();
    }

    @Override
    public void close() throws IOException
    {
        writer.close();
    }
}
