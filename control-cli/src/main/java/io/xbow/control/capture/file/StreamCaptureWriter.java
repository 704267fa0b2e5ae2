package io.xbow.control.capture.file;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Set;

/**
 * Writes a capture through one reused buffer to a stream or to files that it rotates as tcpdump does, with no
 * allocation per frame.
 * <p>
 * Rotation follows tcpdump 4.99's {@code dump_packet_and_trunc}, with the frame's timestamp in place of the time the
 * packet was handled:
 * <ul>
 *   <li>-G: when a frame's second is at least rotateSeconds after the current file's start, the file is closed; with
 *       -W and without -C the capture is over once -W files were written (the frame is not written), otherwise a file
 *       named by strftime(path, that second) is opened and the -C count starts again at 0.</li>
 *   <li>-C: before writing a frame, if the current file is larger than rotateMegabytes million bytes, the next file
 *       is opened: path, path1, path2, ...; with -W the number is zero-padded to the width of W - 1 and wraps to 0
 *       after W files, so the names form a ring; the first file is then path0 (path00...).</li>
 * </ul>
 * Why not Pcap4J's PcapDumper for classic pcap: it is two orders of magnitude slower, see {@link CaptureFiles}.
 * <p>
 * Files are created with mode 0600 (an existing regular file is replaced by a new one, so the mode always holds); a
 * FIFO or device is written as it is.
 */
final class StreamCaptureWriter implements CaptureWriter
{
    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final int MIN_BUFFER = 1 << 16;

    private final CaptureFormat format;
    private final ByteBuffer buffer;
    private final OutputStream stream;
    private final CaptureFileOptions options;
    private final int snaplen;
    private final long rotateBytes;
    private final int numberWidth;
    private FileChannel channel;
    private long fileBytes;
    private long periodStartSeconds;
    private int periodCount;
    private int sizeCount;
    private boolean finished;
    private boolean closed;

    private StreamCaptureWriter(final CaptureFileOptions options, final OutputStream stream)
    {
        this.options = options;
        this.stream = stream;
        this.format = CaptureFormat.of(options.pcapng(), options.cooked(), options.linkNames(),
            options.snaplen());
        this.buffer = ByteBuffer.allocate(Math.max(MIN_BUFFER, 2 * format.maxRecordLength()))
            .order(ByteOrder.LITTLE_ENDIAN);
        this.snaplen = options.snaplen();
        this.rotateBytes = options.rotateMegabytes() * 1_000_000L;
        this.numberWidth = options.fileCount() > 0 ? digits(options.fileCount() - 1) : 0;
    }

    static StreamCaptureWriter toStream(final CaptureFileOptions options, final OutputStream stream) throws IOException
    {
        final StreamCaptureWriter writer = new StreamCaptureWriter(options, stream);
        writer.format.writeHeader(writer.buffer);
        writer.flush();
        return writer;
    }

    static StreamCaptureWriter toFiles(final CaptureFileOptions options) throws IOException
    {
        final StreamCaptureWriter writer = new StreamCaptureWriter(options, null);
        writer.periodStartSeconds = options.clock().instant().getEpochSecond();
        writer.open(writer.name(0, options.rotateMegabytes() > 0 ? writer.numberWidth : 0));
        return writer;
    }

    @Override
    public void write(
        final int link, final int direction, final long timestampNs, final int originalLength, final byte[] data,
        final int offset, final int length) throws IOException
    {
        if (finished || closed)
        {
            return;
        }
        if (stream == null && channel == null)
        {
            throw new IOException("no capture file is open: opening the next one failed");
        }
        if (options.rotateSeconds() > 0)
        {
            final long second = Math.floorDiv(timestampNs, 1_000_000_000L);
            if (second - periodStartSeconds >= options.rotateSeconds())
            {
                periodStartSeconds = second;
                periodCount++;
                closeFile();
                if (rotateBytes == 0 && options.fileCount() > 0 && periodCount >= options.fileCount())
                {
                    finished = true;
                    return;
                }
                sizeCount = 0;
                open(name(0, rotateBytes > 0 ? numberWidth : 0));
            }
        }
        if (rotateBytes > 0 && fileBytes > rotateBytes)
        {
            closeFile();
            sizeCount++;
            if (options.fileCount() > 0 && sizeCount >= options.fileCount())
            {
                sizeCount = 0;
            }
            open(name(sizeCount, numberWidth));
        }
        final int captured = Math.min(length, snaplen);
        if (buffer.remaining() < format.maxRecordLength())
        {
            drain();
        }
        final int before = buffer.position();
        format.writeRecord(buffer, link, direction, timestampNs, originalLength, data, offset, captured);
        fileBytes += buffer.position() - before;
    }

    @Override
    public void flush() throws IOException
    {
        drain();
        if (stream != null)
        {
            stream.flush();
        }
    }

    @Override
    public boolean finished()
    {
        return finished;
    }

    /**
     * Writes what is buffered and closes the file; a stream is flushed and left open for its owner.
     */
    @Override
    public void close() throws IOException
    {
        if (closed)
        {
            return;
        }
        closed = true;
        if (stream != null)
        {
            flush();
        }
        else
        {
            closeFile();
        }
    }

    private void open(final String name) throws IOException
    {
        final Path path = Path.of(name);
        if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS))
        {
            Files.delete(path);
        }
        channel = Files.exists(path, LinkOption.NOFOLLOW_LINKS) ?
            FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING) :
            FileChannel.open(path, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), OWNER_ONLY);
        buffer.clear();
        format.writeHeader(buffer);
        fileBytes = buffer.position();
    }

    private void closeFile() throws IOException
    {
        if (channel != null)
        {
            try
            {
                drain();
            }
            finally
            {
                channel.close();
                channel = null;
            }
        }
    }

    private void drain() throws IOException
    {
        buffer.flip();
        if (stream != null)
        {
            stream.write(buffer.array(), buffer.arrayOffset(), buffer.limit());
        }
        else if (channel != null)
        {
            while (buffer.hasRemaining())
            {
                channel.write(buffer);
            }
        }
        buffer.clear();
    }

    private String name(final int count, final int width)
    {
        final String base = options.rotateSeconds() > 0 ?
            Strftime.format(options.path(), Instant.ofEpochSecond(periodStartSeconds), options.clock().getZone()) :
            options.path();
        if (count == 0 && width == 0)
        {
            return base;
        }
        final String number = Integer.toString(count);
        return base + "0".repeat(Math.max(0, width - number.length())) + number;
    }

    private static int digits(final int value)
    {
        int digits = 0;
        for (int rest = value; rest > 0; rest /= 10)
        {
            digits++;
        }
        return digits;
    }
}
