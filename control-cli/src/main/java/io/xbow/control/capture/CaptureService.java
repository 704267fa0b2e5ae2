package io.xbow.control.capture;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.xbow.control.service.ApiArgs;
import io.xbow.vswitch.capture.CaptureDirection;
import io.xbow.vswitch.capture.CaptureRegistry;
import io.xbow.vswitch.capture.CaptureSession;
import io.xbow.vswitch.capture.FrameFilter;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.security.SecureRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * The daemon's side of {@code xbow capture}: starts a capture on the links asked for, then streams what the
 * datapath hands over to the client that asked, on a thread of its own, until the client stops it, disconnects,
 * or a link goes away. The stream is only read from the ring while the connection can take more, so a slow client
 * makes the ring fill and the datapath drop from the capture (counted), never wait.
 * <pre>
 *   POST /v1/capture       {"links":["vif1.0"], "direction":"inout", "filter":"tcp port 80", "snaplen":262144}
 *                          200 and a stream ({@link CaptureStreamFormat}); 400 for a bad link, filter or value
 *   POST /v1/capture/stop  {"id": N}: the capture ends, its last frames and counters are sent, the stream closes
 *   POST /v1/capture/links {"links":[...]}: what can be captured
 * </pre>
 */
public final class CaptureService
{
    /** Compiles a pcap filter expression; throws IllegalArgumentException with libpcap's message. */
    @FunctionalInterface
    public interface FilterCompiler
    {
        FrameFilter compile(String expression, int snaplen);
    }

    private static final int POLL_LIMIT = 1024;
    private static final int FLUSH_BYTES = 256 * 1024;
    private static final long STATS_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final long IDLE_PARK_NS = TimeUnit.MILLISECONDS.toNanos(1);

    private final CaptureRegistry registry;
    private final FilterCompiler compiler;
    private final int ringBytes;
    /** Captures running at once, in all and for one client (each holds a ring of {@code ringBytes} and a thread). */
    public static final int MAX_CAPTURES = 16;
    public static final int MAX_CAPTURES_PER_CLIENT = 4;

    private final SecureRandom random = new SecureRandom();
    private final Map<String, Streamer> running = new ConcurrentHashMap<>();
    private final AtomicLong finishedMatched = new AtomicLong();
    private final AtomicLong finishedDropped = new AtomicLong();

    /**
     * @param registry  the capturable links.
     * @param compiler  turns filter expressions into datapath filters.
     * @param ringBytes each capture's hand-off ring.
     */
    public CaptureService(final CaptureRegistry registry, final FilterCompiler compiler, final int ringBytes)
    {
        this.registry = registry;
        this.compiler = compiler;
        this.ringBytes = ringBytes;
    }

    /**
     * Start a capture and its stream on the channel; the response head goes out at once.
     *
     * @param channel the client's connection.
     * @param client  who asked (the peer's uid on the Unix socket): limits and {@link #stop} are per client.
     * @param args    links, direction, filter, snaplen.
     * @throws IllegalArgumentException for bad arguments: nothing was started.
     * @throws IllegalStateException when the client or the daemon runs as many captures as it may.
     */
    public synchronized void start(final Channel channel, final String client, final Map<String, Object> args)
    {
        if (running.size() >= MAX_CAPTURES)
        {
            throw new IllegalStateException("xbowd runs " + MAX_CAPTURES + " captures already, the most it runs " +
                "at once");
        }
        if (running.values().stream().filter(s -> s.client.equals(client)).count() >= MAX_CAPTURES_PER_CLIENT)
        {
            throw new IllegalStateException("you run " + MAX_CAPTURES_PER_CLIENT + " captures already, the most " +
                "one user runs at once");
        }
        final ApiArgs a = new ApiArgs(args);
        final Object linkList = args.get("links");
        if (!(linkList instanceof List) || ((List<?>)linkList).isEmpty())
        {
            throw new IllegalArgumentException("name at least one link to capture (-i LINK)");
        }
        final List<String> links = new ArrayList<>();
        for (final Object link : (List<?>)linkList)
        {
            links.add(String.valueOf(link));
        }
        final String directionWord = a.string("direction");
        final CaptureDirection direction = directionWord == null ? CaptureDirection.INOUT :
            CaptureDirection.parse(directionWord);
        final Integer snaplenArg = a.integer("snaplen");
        final int snaplen = snaplenArg == null || snaplenArg == 0 ? CaptureSession.DEFAULT_SNAPLEN : snaplenArg;
        if (snaplen < 0)
        {
            throw new IllegalArgumentException("invalid snapshot length " + snaplen);
        }
        final String expression = a.string("filter");
        final FrameFilter filter = expression == null || expression.isBlank() ? FrameFilter.ALL :
            compiler.compile(expression, snaplen);
        final CaptureSession session = registry.start(links, direction, filter, snaplen, ringBytes);

        // Unguessable: the id is what lets a second connection stop this capture.
        final String id = String.format("%016x%016x", random.nextLong(), random.nextLong());
        final Streamer streamer = new Streamer(id, client, channel, session);
        running.put(id, streamer);
        final HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, CaptureStreamFormat.CONTENT_TYPE);
        head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        head.headers().set(CaptureStreamFormat.ID_HEADER, id);
        // Room for bursts between the ring and the socket; past it the streamer stops reading the ring.
        channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(1 << 20, 4 << 20));
        channel.writeAndFlush(head);
        channel.closeFuture().addListener(future -> streamer.end());
        streamer.start();
    }

    /**
     * @param client who asks: only the client that started a capture stops it.
     * @param args {@code id}: the capture to end.
     * @throws IllegalArgumentException if no such capture of this client runs.
     */
    public void stop(final String client, final Map<String, Object> args)
    {
        final String id = new ApiArgs(args).string("id");
        final Streamer streamer = id == null ? null : running.get(id);
        if (streamer == null || !streamer.client.equals(client))
        {
            throw new IllegalArgumentException("no capture " + id + " is running");
        }
        streamer.end();
    }

    /**
     * Publish the captures' counters: {@code xbow_captures_running}, and {@code xbow_capture_frames_total} by
     * {@code result} (matched: accepted by a filter; dropped: lost because a reader fell behind), over every capture
     * since the daemon started.
     *
     * @param metrics the daemon's registry.
     */
    public void bindTo(final MeterRegistry metrics)
    {
        Gauge.builder("xbow.captures.running", running, Map::size)
            .description("captures streaming to clients").register(metrics);
        FunctionCounter.builder("xbow.capture.frames", this, CaptureService::matchedTotal).tag("result", "matched")
            .description("frames captures took (after their filters)").register(metrics);
        FunctionCounter.builder("xbow.capture.frames", this, CaptureService::droppedTotal).tag("result", "dropped")
            .description("frames captures lost because their reader fell behind").register(metrics);
    }

    private double matchedTotal()
    {
        long sum = finishedMatched.get();
        for (final Streamer streamer : running.values())
        {
            sum += streamer.session.matched();
        }
        return sum;
    }

    private double droppedTotal()
    {
        long sum = finishedDropped.get();
        for (final Streamer streamer : running.values())
        {
            sum += streamer.session.dropped();
        }
        return sum;
    }

    /**
     * @return the names of the links that can be captured (tcpdump -D).
     */
    public List<String> links()
    {
        return registry.names();
    }

    /**
     * @return how many captures are streaming now.
     */
    public int running()
    {
        return running.size();
    }

    /** Stop every capture (the daemon is stopping): each stream gets its last frames and counters first. */
    public void close()
    {
        final List<Streamer> streamers = new ArrayList<>(running.values());
        streamers.forEach(Streamer::end);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        for (final Streamer streamer : streamers)
        {
            try
            {
                streamer.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private final class Streamer extends Thread
    {
        private final String id;
        private final String client;
        private final Channel channel;
        private final CaptureSession session;
        private volatile boolean stopRequested;
        private ByteBuf out;

        Streamer(final String id, final String client, final Channel channel, final CaptureSession session)
        {
            super("capture-" + id.substring(0, 8));
            setDaemon(true);
            this.id = id;
            this.client = client;
            this.channel = channel;
            this.session = session;
        }

        void end()
        {
            stopRequested = true;
            LockSupport.unpark(this);
        }

        @Override
        public void run()
        {
            try
            {
                out = channel.alloc().buffer(FLUSH_BYTES + 16 * 1024);
                hello();
                long nextStatsNs = System.nanoTime() + STATS_INTERVAL_NS;
                while (!stopRequested && session.endReason() == null && channel.isActive())
                {
                    int moved = 0;
                    while (channel.isWritable() && out.readableBytes() < FLUSH_BYTES)
                    {
                        final int n = session.poll(this::frame, POLL_LIMIT);
                        moved += n;
                        if (n < POLL_LIMIT)
                        {
                            break;
                        }
                    }
                    final long now = System.nanoTime();
                    if (now >= nextStatsNs)
                    {
                        stats();
                        nextStatsNs = now + STATS_INTERVAL_NS;
                    }
                    if (out.readableBytes() > 0)
                    {
                        send();
                    }
                    if (moved == 0)
                    {
                        LockSupport.parkNanos(IDLE_PARK_NS);
                    }
                }
                // The end: no new frames, then everything the ring still holds, the last counters, and why.
                session.close();
                if (channel.isActive())
                {
                    while (session.poll(this::frame, POLL_LIMIT) > 0)
                    {
                        if (out.readableBytes() >= FLUSH_BYTES)
                        {
                            send();
                        }
                    }
                    stats();
                    final String reason = session.endReason() == null ? "" : session.endReason();
                    final byte[] text = reason.getBytes(StandardCharsets.UTF_8);
                    out.writeByte(CaptureStreamFormat.END).writeShort(text.length).writeBytes(text);
                    send();
                    channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
                }
            }
            finally
            {
                session.close();
                if (out != null && out.refCnt() > 0)
                {
                    out.release();
                }
                finishedMatched.addAndGet(session.matched());
                finishedDropped.addAndGet(session.dropped());
                running.remove(id);
            }
        }

        private void hello()
        {
            out.writeByte(CaptureStreamFormat.HELLO).writeInt(session.snaplen()).writeShort(session.links().size());
            for (final String link : session.links())
            {
                final byte[] name = link.getBytes(StandardCharsets.UTF_8);
                out.writeShort(name.length).writeBytes(name);
            }
            send();
        }

        private void frame(final int link, final int direction, final long timestampEpochNs, final int originalLength,
            final org.agrona.DirectBuffer buffer, final int offset, final int length)
        {
            out.ensureWritable(CaptureStreamFormat.FRAME_HEADER + length);
            out.writeByte(CaptureStreamFormat.FRAME).writeShort(link).writeByte(direction).writeLong(timestampEpochNs)
                .writeInt(originalLength).writeInt(length);
            final int at = out.writerIndex();
            buffer.getBytes(offset, out.nioBuffer(at, length), 0, length);
            out.writerIndex(at + length);
        }

        private void stats()
        {
            out.writeByte(CaptureStreamFormat.STATS).writeLong(session.matched()).writeLong(session.dropped());
        }

        private void send()
        {
            final ByteBuf chunk = out;
            out = channel.alloc().buffer(FLUSH_BYTES + 16 * 1024);
            channel.writeAndFlush(new DefaultHttpContent(chunk));
        }
    }
}
