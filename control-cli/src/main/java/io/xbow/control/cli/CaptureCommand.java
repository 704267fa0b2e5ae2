package io.xbow.control.cli;

import io.xbow.control.api.CommandFailure;
import io.xbow.control.api.ApiClient;
import io.xbow.control.capture.CaptureStreamFormat;
import io.xbow.control.capture.file.CaptureFileReader;
import io.xbow.control.capture.filter.CaptureFilter;
import io.xbow.control.capture.print.TcpdumpPrinter;
import io.xbow.packet.filter.BpfMachine;
import org.agrona.concurrent.UnsafeBuffer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code xbow capture}: tcpdump's habits over the daemon's capture stream. Options as tcpdump spells them (and in
 * any order, as GNU getopt allows), the rest of the line is the filter expression:
 * <pre>
 *   xbow capture -i LINK|any [-i LINK ...] [-Q in|out|inout] [-c COUNT] [-s SNAPLEN]
 *                [-w FILE|- [--pcapng] [-G SECONDS] [-C MB] [-W FILES] [-U]] [PRINTING] [EXPRESSION]
 *   xbow capture -r FILE [-c COUNT] [PRINTING] [EXPRESSION]
 *   xbow capture -D
 *   PRINTING: -e -q -v -t|-tt|-ttt|-tttt|-ttttt -x|-xx|-X|-XX|-A -n -nn -l
 * </pre>
 * Without {@code -w} each frame is printed as tcpdump prints it ({@link TcpdumpPrinter}), after the link and
 * direction it was seen on; at the end, or on Ctrl-C, tcpdump's three counters go to standard error. {@code -r}
 * reads a pcap or pcapng file (tcpdump's or ours) and needs no daemon.
 */
public final class CaptureCommand
{
    /** Where captured frames go: a terminal, or files. */
    public interface Sink extends AutoCloseable
    {
        void frame(int link, int direction, long timestampNs, int originalLength, byte[] data, int length)
            throws IOException;

        /** Called when no more frames are waiting: push what is buffered out. */
        void flush() throws IOException;

        /** True once the sink wants no more frames (its last rotated file is full). */
        boolean finished();

        @Override
        void close() throws IOException;
    }

    /** Opens the file sink; the file writers live apart from the command. */
    public interface FileSinks
    {
        Sink open(Options options, List<String> links, int snaplen) throws IOException;
    }

    /** The command line, parsed. */
    public record Options(List<String> links, String direction, long count, int snaplen, String file, boolean pcapng,
        int rotateSeconds, int rotateMegabytes, int fileCount, boolean packetBuffered, boolean list, String filter,
        String readFile, TcpdumpPrinter.Options printing)
    {
        /** {@code -i any}: every link the daemon can capture. */
        public boolean anyLink()
        {
            return links.contains("any");
        }
    }

    private static final String USAGE = "usage: xbow capture -i LINK|any [-i LINK ...] [-Q in|out|inout] [-c COUNT] " +
        "[-s SNAPLEN] [-w FILE|- [--pcapng] [-G SECONDS] [-C MB] [-W FILES] [-U]] [PRINTING] [EXPRESSION]\n" +
        "       xbow capture -r FILE [-c COUNT] [PRINTING] [EXPRESSION]\n" +
        "       xbow capture -D\n" +
        "  PRINTING: -e -q -v -t|-tt|-ttt|-tttt|-ttttt -x|-xx|-X|-XX|-A -n -nn -l";

    private CaptureCommand()
    {
    }

    /**
     * @param client the daemon.
     * @param out    standard output, for decoded lines and -D.
     * @param err    standard error, for the summary and messages.
     * @param files  opens -w outputs.
     * @param argv   the arguments after {@code capture}.
     * @return the exit status: 0, 1 for a failure, 2 for a usage error.
     */
    public static int run(final ApiClient client, final PrintWriter out, final PrintWriter err, final FileSinks files,
        final String[] argv)
    {
        if (argv.length == 1 && (argv[0].equals("-h") || argv[0].equals("--help")))
        {
            out.println(USAGE);
            out.flush();
            return 0;
        }
        final Options options;
        try
        {
            options = parse(argv);
        }
        catch (final UsageException ex)
        {
            err.println("xbow capture: " + ex.getMessage());
            err.println(USAGE);
            return 2;
        }
        try
        {
            if (options.readFile() != null)
            {
                return readFile(out, err, options);
            }
            if (options.list())
            {
                final Object links = client.post("/v1/capture/links", Map.of()).get("links");
                int n = 1;
                for (final Object link : (List<?>)links)
                {
                    out.println(n++ + "." + link);
                }
                out.flush();
                return 0;
            }
            return capture(client, out, err, files, options);
        }
        catch (final CommandFailure ex)
        {
            err.println("xbow capture: " + ex.getMessage());
            return ex.exitStatus();
        }
    }

    /** The command line as picocli reads it: tcpdump's letters, clustered as tcpdump takes them (-nne, -c10). */
    @Command(name = "capture")
    static final class Arguments
    {
        @Option(names = "-i", split = ",")
        List<String> links = new ArrayList<>();
        @Option(names = "-Q")
        String direction = "inout";
        @Option(names = "-c")
        String count;
        @Option(names = "-s")
        String snaplen;
        @Option(names = "-w")
        String file;
        @Option(names = "--pcapng")
        boolean pcapng;
        @Option(names = "-G")
        String rotateSeconds;
        @Option(names = "-C")
        String rotateMegabytes;
        @Option(names = "-W")
        String fileCount;
        @Option(names = "-U")
        boolean packetBuffered;
        @Option(names = "-D")
        boolean list;
        @Option(names = "-r")
        String readFile;
        @Option(names = "-e")
        boolean linkHeader;
        @Option(names = "-q")
        boolean quiet;
        @Option(names = "-v")
        boolean[] verbose = new boolean[0];
        @Option(names = "-t")
        boolean[] timestamps = new boolean[0];
        @Option(names = "-x")
        boolean[] hex = new boolean[0];
        @Option(names = "-X")
        boolean[] hexAscii = new boolean[0];
        @Option(names = "-A")
        boolean ascii;
        /** What the output already is, accepted for habit: -n (no names: xbow never resolves), -l, -p. */
        @Option(names = {"-n", "-l", "-p"})
        boolean[] habits = new boolean[0];
        @Parameters
        List<String> expression = new ArrayList<>();
    }

    static Options parse(final String[] argv)
    {
        final Arguments a = new Arguments();
        try
        {
            Picocli.parse(a, argv, false);
        }
        catch (final CommandLine.ParameterException ex)
        {
            throw new UsageException(ex.getMessage());
        }
        final List<String> links = new ArrayList<>();
        for (final String link : a.links)
        {
            if (!link.isEmpty())
            {
                links.add(link);
            }
        }
        if (!a.direction.equals("in") && !a.direction.equals("out") && !a.direction.equals("inout"))
        {
            throw new UsageException("invalid direction '" + a.direction + "' for -Q: use in, out or inout");
        }
        final String direction = a.direction;
        final long count = a.count == null ? 0 : positive(a.count, "-c", "packet count");
        final int snaplen = a.snaplen == null ? 0 : (int)bounded(a.snaplen, "-s", 0, 262_144);
        final String file = a.file;
        final boolean pcapng = a.pcapng;
        final int rotateSeconds = a.rotateSeconds == null ? 0 : (int)positive(a.rotateSeconds, "-G", "rotation period");
        final int rotateMegabytes = a.rotateMegabytes == null ? 0 : (int)positive(a.rotateMegabytes, "-C", "file size");
        final int fileCount = a.fileCount == null ? 0 : (int)positive(a.fileCount, "-W", "file count");
        final boolean packetBuffered = a.packetBuffered;
        final boolean list = a.list;
        final List<String> expression = a.expression;
        if (a.verbose.length > 1)
        {
            // Refused rather than taken as -v: tcpdump's -vv decodes more than xbow's printer does.
            throw new UsageException("-vv is not supported (xbow prints what tcpdump prints with -v); use -v");
        }
        if (a.timestamps.length > 5 || a.hex.length > 2 || a.hexAscii.length > 2)
        {
            throw new UsageException("-t, -x and -X go up to -ttttt, -xx and -XX");
        }
        if (a.ascii && (a.hex.length > 0 || a.hexAscii.length > 0))
        {
            throw new UsageException("-A cannot be combined with -x or -X");
        }
        final TcpdumpPrinter.Options printing = new TcpdumpPrinter.Options(a.timestamps.length, a.linkHeader,
            a.quiet, a.verbose.length, Math.max(a.hex.length, a.hexAscii.length), a.hexAscii.length > 0, a.ascii,
            java.time.ZoneId.systemDefault());
        if (list)
        {
            return new Options(links, direction, count, snaplen, file, pcapng, rotateSeconds, rotateMegabytes,
                fileCount, packetBuffered, true, "", null, printing);
        }
        if (a.readFile != null)
        {
            if (!links.isEmpty() || file != null)
            {
                throw new UsageException("-r reads a file: it cannot be combined with -i or -w");
            }
            return new Options(links, direction, count, snaplen, null, false, 0, 0, 0, false, false,
                String.join(" ", expression), a.readFile, printing);
        }
        if (links.isEmpty())
        {
            throw new UsageException("name a link with -i (xbow capture -D lists them), or a file with -r");
        }
        if (links.contains("any") && links.size() > 1)
        {
            throw new UsageException("-i any already captures every link");
        }
        if (file == null && (pcapng || rotateSeconds > 0 || rotateMegabytes > 0 || fileCount > 0))
        {
            throw new UsageException("--pcapng, -G, -C and -W need -w FILE");
        }
        if (fileCount > 0 && rotateSeconds == 0 && rotateMegabytes == 0)
        {
            throw new UsageException("-W needs -C or -G");
        }
        if ("-".equals(file) && (rotateSeconds > 0 || rotateMegabytes > 0))
        {
            throw new UsageException("-G and -C rotate files; they cannot rotate standard output (-w -)");
        }
        return new Options(links, direction, count, snaplen, file, pcapng, rotateSeconds, rotateMegabytes,
            fileCount, packetBuffered, false, String.join(" ", expression), null, printing);
    }

    /**
     * {@code -r FILE}: print a pcap or pcapng file as tcpdump does, through the same filter, without a daemon. The
     * filter is compiled by libpcap as tcpdump's is, for the file's link type (Ethernet).
     */
    static int readFile(final PrintWriter out, final PrintWriter err, final Options options)
    {
        final BpfMachine filter;
        try
        {
            filter = options.filter().isBlank() ? null : CaptureFilter.compile(options.filter(), 262_144);
        }
        catch (final IllegalArgumentException ex)
        {
            err.println("xbow capture: " + ex.getMessage());
            return 1;
        }
        final Path path = Path.of(options.readFile());
        try (InputStream stream = "-".equals(options.readFile()) ? System.in : Files.newInputStream(path);
            CaptureFileReader reader = new CaptureFileReader(new java.io.BufferedInputStream(stream, 1 << 16),
                options.readFile()))
        {
            final TcpdumpPrinter printer = new TcpdumpPrinter(options.printing());
            final UnsafeBuffer view = new UnsafeBuffer(new byte[0]);
            boolean announced = false;
            long printed = 0;
            CaptureFileReader.Frame frame;
            while ((frame = reader.next()) != null)
            {
                if (!announced)
                {
                    announced = true;
                    err.println("reading from file " + options.readFile() + ", link-type " +
                        linkTypeName(frame.linkType()) + ", snapshot length " + reader.snaplen());
                    err.flush();
                }
                if (filter != null)
                {
                    if (frame.linkType() != TcpdumpPrinter.LINKTYPE_ETHERNET)
                    {
                        err.println("xbow capture: filters apply to Ethernet captures; this file's link type is " +
                            frame.linkType());
                        return 1;
                    }
                    view.wrap(frame.data());
                    if (filter.run(view, 0, frame.data().length, -1) <= 0)
                    {
                        continue;
                    }
                }
                out.println(printer.print(frame.timestampNs(), frame.linkType(), frame.data(), frame.data().length,
                    frame.originalLength(), ""));
                if (++printed == options.count())
                {
                    break;
                }
            }
            if (!announced)
            {
                err.println("reading from file " + options.readFile() + ", link-type " +
                    linkTypeName(reader.linkType()) + ", snapshot length " + reader.snaplen());
            }
            out.flush();
            return 0;
        }
        catch (final java.nio.file.NoSuchFileException ex)
        {
            err.println("xbow capture: " + options.readFile() + ": No such file or directory");
            return 1;
        }
        catch (final IOException ex)
        {
            out.flush();
            err.println("xbow capture: " + ex.getMessage());
            return 1;
        }
    }

    private static String linkTypeName(final int linkType)
    {
        switch (linkType)
        {
            case TcpdumpPrinter.LINKTYPE_ETHERNET: return "EN10MB (Ethernet)";
            case TcpdumpPrinter.LINKTYPE_LINUX_SLL: return "LINUX_SLL (Linux cooked v1)";
            default: return Integer.toString(linkType);
        }
    }

    private static long positive(final String value, final String option, final String what)
    {
        return bounded(value, option, 1, Integer.MAX_VALUE);
    }

    private static long bounded(final String value, final String option, final long min, final long max)
    {
        try
        {
            final long n = Long.parseLong(value);
            if (n < min || n > max)
            {
                throw new UsageException("invalid value '" + value + "' for " + option + ": " + min + " to " + max);
            }
            return n;
        }
        catch (final NumberFormatException ex)
        {
            throw new UsageException("invalid number '" + value + "' for " + option);
        }
    }

    private static int capture(final ApiClient client, final PrintWriter out, final PrintWriter err,
        final FileSinks files, final Options options)
    {
        final Map<String, Object> request = new LinkedHashMap<>();
        List<?> links = options.links();
        if (options.anyLink())
        {
            // -i any: every link the daemon can capture, each its own interface in pcapng (cooked headers in pcap).
            links = (List<?>)client.post("/v1/capture/links", Map.of()).get("links");
            if (links.isEmpty())
            {
                err.println("xbow capture: no link to capture");
                return 1;
            }
        }
        request.put("links", links);
        request.put("direction", options.direction());
        request.put("filter", options.filter());
        request.put("snaplen", options.snaplen());
        final ApiClient.Stream stream = client.openStream("/v1/capture", request);
        final String id = stream.headers().get(CaptureStreamFormat.ID_HEADER.toLowerCase());
        final CountDownLatch done = new CountDownLatch(1);
        final AtomicInteger exitStatus = new AtomicInteger(1);
        final AtomicBoolean stopSent = new AtomicBoolean();
        final Runnable stop = () ->
        {
            if (stopSent.compareAndSet(false, true))
            {
                try
                {
                    client.post("/v1/capture/stop", Map.of("id", id));
                }
                catch (final RuntimeException ex)
                {
                    stream.close(); // the daemon is gone or the capture ended: closing ends it too
                }
            }
        };
        // Ctrl-C: ask the daemon to end the capture, then let the reader finish its files and print the summary.
        final Thread onInterrupt = new Thread(() ->
        {
            stop.run();
            try
            {
                if (!done.await(5, TimeUnit.SECONDS))
                {
                    stream.close();
                    return;
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return;
            }
            // As tcpdump: Ctrl-C is how a capture ends, so the status is the capture's (0), not the JVM's 130.
            Runtime.getRuntime().halt(exitStatus.get());
        }, "capture-stop");
        Runtime.getRuntime().addShutdownHook(onInterrupt);
        try
        {
            final int status = read(stream, out, err, files, options, stop);
            exitStatus.set(status);
            return status;
        }
        finally
        {
            stream.close();
            done.countDown();
            try
            {
                Runtime.getRuntime().removeShutdownHook(onInterrupt);
            }
            catch (final IllegalStateException ignored)
            {
                // shutting down: the hook is running
            }
        }
    }

    private static int read(final ApiClient.Stream stream, final PrintWriter out, final PrintWriter err,
        final FileSinks files, final Options options, final Runnable stop)
    {
        final DataInputStream in = new DataInputStream(stream.body());
        long captured = 0;
        long matched = 0;
        long dropped = 0;
        String ended = null;
        Sink sink = null;
        int status = 0;
        try
        {
            if (in.readByte() != CaptureStreamFormat.HELLO)
            {
                throw new IOException("the daemon's capture stream does not start with its hello");
            }
            final int snaplen = in.readInt();
            final int linkCount = in.readUnsignedShort();
            final List<String> links = new ArrayList<>();
            for (int i = 0; i < linkCount; i++)
            {
                final byte[] name = new byte[in.readUnsignedShort()];
                in.readFully(name);
                links.add(new String(name, StandardCharsets.UTF_8));
            }
            sink = options.file() == null ? new TextSink(out, links, options.printing()) :
                files.open(options, links, snaplen);
            err.println("xbow capture: listening on " + String.join(", ", links) +
                ", link-type EN10MB (Ethernet), snapshot length " + snaplen + " bytes");
            err.flush();
            byte[] data = new byte[2048];
            boolean wanting = true;
            while (ended == null)
            {
                final byte type = in.readByte();
                switch (type)
                {
                    case CaptureStreamFormat.FRAME:
                        final int link = in.readUnsignedShort();
                        final int direction = in.readUnsignedByte();
                        final long timestampNs = in.readLong();
                        final int originalLength = in.readInt();
                        final int length = in.readInt();
                        if (length < 0 || length > snaplen + 4 || link >= links.size())
                        {
                            throw new IOException("a malformed frame record in the capture stream");
                        }
                        if (data.length < length)
                        {
                            data = new byte[Math.max(length, 2 * data.length)];
                        }
                        in.readFully(data, 0, length);
                        if (wanting)
                        {
                            sink.frame(link, direction, timestampNs, originalLength, data, length);
                            // A finished sink did not take the frame (tcpdump -G -W ends before file W + 1).
                            captured += sink.finished() ? 0 : 1;
                            if (options.packetBuffered())
                            {
                                sink.flush(); // -U; otherwise once nothing more is waiting, below
                            }
                            if (captured == options.count() || sink.finished())
                            {
                                wanting = false; // frames already on their way are read and left
                                sink.flush();
                                stop.run();
                            }
                        }
                        break;
                    case CaptureStreamFormat.STATS:
                        matched = in.readLong();
                        dropped = in.readLong();
                        break;
                    case CaptureStreamFormat.END:
                        final byte[] reason = new byte[in.readUnsignedShort()];
                        in.readFully(reason);
                        ended = new String(reason, StandardCharsets.UTF_8);
                        break;
                    default:
                        throw new IOException("an unknown record (" + type + ") in the capture stream");
                }
                if (wanting && in.available() == 0)
                {
                    sink.flush();
                }
            }
            if (!ended.isEmpty())
            {
                err.println("xbow capture: " + ended);
                status = 1;
            }
        }
        catch (final EOFException ex)
        {
            err.println("xbow capture: the daemon ended the capture (connection closed)");
            status = 1;
        }
        catch (final IOException ex)
        {
            err.println("xbow capture: " + ex.getMessage());
            status = 1;
        }
        finally
        {
            if (sink != null)
            {
                try
                {
                    sink.close();
                }
                catch (final IOException ex)
                {
                    err.println("xbow capture: " + ex.getMessage());
                    status = 1;
                }
            }
        }
        out.flush();
        err.println(captured + " packet" + (captured == 1 ? "" : "s") + " captured");
        err.println(matched + " packet" + (matched == 1 ? "" : "s") + " received by filter");
        err.println(dropped + " packet" + (dropped == 1 ? "" : "s") + " dropped by kernel");
        err.flush();
        return status;
    }

    /**
     * Each frame as tcpdump prints it ({@link TcpdumpPrinter}, with its -e, -q, -v, -t, -x, -X and -A), after the
     * link and direction it was seen on, as tcpdump prints a capture of several interfaces.
     */
    static final class TextSink implements Sink
    {
        private final PrintWriter out;
        private final List<String> links;
        private final int linkWidth;
        private final TcpdumpPrinter printer;

        TextSink(final PrintWriter out, final List<String> links, final TcpdumpPrinter.Options printing)
        {
            this.out = out;
            this.links = links;
            this.linkWidth = links.stream().mapToInt(String::length).max().orElse(1);
            this.printer = new TcpdumpPrinter(printing);
        }

        @Override
        public void frame(final int link, final int direction, final long timestampNs, final int originalLength,
            final byte[] data, final int length)
        {
            out.println(printer.print(timestampNs, TcpdumpPrinter.LINKTYPE_ETHERNET, data, length, originalLength,
                String.format("%-" + linkWidth + "s %-3s ", links.get(link), direction == 1 ? "In" : "Out")));
        }

        @Override
        public void flush()
        {
            out.flush();
        }

        /** True once standard output is gone (a pipe into head closed): the capture ends, as tcpdump's would. */
        @Override
        public boolean finished()
        {
            return out.checkError();
        }

        @Override
        public void close()
        {
            out.flush();
        }
    }
}
