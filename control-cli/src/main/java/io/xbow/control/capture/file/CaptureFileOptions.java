package io.xbow.control.capture.file;

import java.time.Clock;
import java.util.List;
import java.util.Objects;

/**
 * Where and how {@link CaptureFiles#open} writes a capture, with tcpdump's options.
 *
 * @param path            file name (tcpdump's -w); "-" is the stream given at open. With rotateSeconds it is a
 *                        strftime(3) pattern in the clock's zone.
 * @param pcapng          pcapng (one interface per link, nanosecond timestamps, directions) rather than classic pcap.
 * @param linkNames       names of the captured links; a frame's link is an index into this list. Classic pcap has
 *                        one interface: frames of all links go into it.
 * @param snaplen         most bytes kept of a frame, more than 0.
 * @param rotateSeconds   tcpdump -G: start a new file with the first frame at least this many seconds after the
 *                        current file began; 0 for never.
 * @param rotateMegabytes tcpdump -C: start a new file before writing a frame once the current file is larger than
 *                        this many millions of bytes; 0 for never.
 * @param fileCount       tcpdump -W: with -C, the number of files reused as a ring; with -G alone, the number of
 *                        files after which the capture is over; 0 for unlimited.
 * @param clock           the wall clock that names the first file under -G (later files are named by the timestamp of
 *                        the frame that starts them), and whose zone the strftime pattern uses.
 * @param cooked          classic pcap with Linux cooked headers, which keep each frame's direction ({@code -i any},
 *                        as tcpdump writes it); ignored for pcapng, which names each link.
 */
public record CaptureFileOptions(
    String path,
    boolean pcapng,
    List<String> linkNames,
    int snaplen,
    int rotateSeconds,
    int rotateMegabytes,
    int fileCount,
    Clock clock,
    boolean cooked)
{
    /** libpcap's and tcpdump's default (and largest) snapshot length. */
    public static final int DEFAULT_SNAPLEN = 262144;
    /** The path that means the stream given at open. */
    public static final String STDOUT = "-";

    public CaptureFileOptions
    {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(clock, "clock");
        linkNames = List.copyOf(linkNames);
        if (path.isEmpty())
        {
            throw new IllegalArgumentException("capture file name is empty");
        }
        if (linkNames.isEmpty())
        {
            throw new IllegalArgumentException("a capture needs at least one link name");
        }
        if (snaplen <= 0)
        {
            throw new IllegalArgumentException("snaplen must be more than 0: " + snaplen);
        }
        if (rotateSeconds < 0 || rotateMegabytes < 0 || fileCount < 0)
        {
            throw new IllegalArgumentException("-G, -C and -W take 0 or more: " + rotateSeconds + ", " +
                rotateMegabytes + ", " + fileCount);
        }
        if (STDOUT.equals(path) && (rotateSeconds > 0 || rotateMegabytes > 0))
        {
            throw new IllegalArgumentException("-C and -G need a file name, not -w -");
        }
    }

    /**
     * @param path      file name, or "-".
     * @param pcapng    pcapng rather than classic pcap.
     * @param linkNames names of the captured links.
     * @return options without rotation, with the default snaplen and the system clock in the local zone.
     */
    public static CaptureFileOptions of(final String path, final boolean pcapng, final List<String> linkNames)
    {
        return new CaptureFileOptions(path, pcapng, linkNames, DEFAULT_SNAPLEN, 0, 0, 0, Clock.systemDefaultZone(),
            false);
    }

    public CaptureFileOptions withSnaplen(final int snaplen)
    {
        return new CaptureFileOptions(
            path, pcapng, linkNames, snaplen, rotateSeconds, rotateMegabytes, fileCount, clock, cooked);
    }

    public CaptureFileOptions withRotation(final int rotateSeconds, final int rotateMegabytes, final int fileCount)
    {
        return new CaptureFileOptions(
            path, pcapng, linkNames, snaplen, rotateSeconds, rotateMegabytes, fileCount, clock, cooked);
    }

    public CaptureFileOptions withCooked(final boolean cooked)
    {
        return new CaptureFileOptions(
            path, pcapng, linkNames, snaplen, rotateSeconds, rotateMegabytes, fileCount, clock, cooked);
    }

    public CaptureFileOptions withClock(final Clock clock)
    {
        return new CaptureFileOptions(
            path, pcapng, linkNames, snaplen, rotateSeconds, rotateMegabytes, fileCount, clock, cooked);
    }
}
