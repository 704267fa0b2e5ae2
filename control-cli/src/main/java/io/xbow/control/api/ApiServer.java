package io.xbow.control.api;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.xbow.control.capture.CaptureService;
import io.xbow.control.metrics.LinkMetrics;
import io.xbow.control.service.CommandApi;
import io.xbow.control.service.DladmApi;
import io.xbow.control.service.Table;
import io.xbow.control.service.XlApi;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The daemon's JSON API over HTTP/1.1, on a Unix domain socket and, optionally, a TCP port guarded by a bearer
 * token. This class owns the listeners, each connection's pipeline and the order in which requests run; what a
 * request does is {@link ApiHandler}'s.
 * <pre>
 *   connection ── HttpServerCodec ── RequestDeadline ── [BearerAuthentication, TCP] ── HttpObjectAggregator
 *              ── ApiHandler (on the one request executor: changes are ordered, event loops never wait on a disk)
 * </pre>
 * Bounds: {@link #MAX_CONNECTIONS} open connections (more are closed at once), a whole request within
 * {@link #REQUEST_TIMEOUT_MS} (else 408), {@link #MAX_REQUEST_BYTES} a request (else 413), and on TCP no byte of a
 * body is buffered before the token checks out.
 */
public final class ApiServer implements AutoCloseable
{
    /** Largest request accepted. */
    public static final int MAX_REQUEST_BYTES = 1 << 20;

    /** Connections open at once, over both listeners. */
    public static final int MAX_CONNECTIONS = 256;

    /** How long a connection may take to send a whole request. */
    public static final long REQUEST_TIMEOUT_MS = 10_000;

    /** The only values the {@code command} tag of {@code xbow_api_requests} takes, besides {@code unknown}. */
    private static final Set<String> CAPTURE_COMMANDS = Set.of("capture", "capture-stop", "capture-links");

    private final Map<String, CommandApi> apis;
    private final PrometheusMeterRegistry metrics;
    private final LinkMetrics linkMetrics;
    private final String version;
    private final long requestTimeoutMs;
    private final EventLoopGroup loops = new EpollEventLoopGroup(1);
    private final EventExecutorGroup requests = new DefaultEventExecutorGroup(1);
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final AtomicInteger open = new AtomicInteger();
    private volatile CaptureService captures;
    private volatile CommandLines commandLines;
    private Channel unixChannel;
    private Channel tcpChannel;

    public ApiServer(final DladmApi api, final PrometheusMeterRegistry metrics, final LinkMetrics linkMetrics,
        final String version)
    {
        this(Map.of("dladm", api), metrics, linkMetrics, version);
    }

    /**
     * @param apis the command sets by the path segment that selects them ({@code dladm}, {@code xl}).
     */
    public ApiServer(final Map<String, CommandApi> apis, final PrometheusMeterRegistry metrics,
        final LinkMetrics linkMetrics, final String version)
    {
        this(apis, metrics, linkMetrics, version, REQUEST_TIMEOUT_MS);
    }

    ApiServer(final Map<String, CommandApi> apis, final PrometheusMeterRegistry metrics,
        final LinkMetrics linkMetrics, final String version, final long requestTimeoutMs)
    {
        this.apis = Map.copyOf(apis);
        this.metrics = metrics;
        this.linkMetrics = linkMetrics;
        this.version = version;
        this.requestTimeoutMs = requestTimeoutMs;
    }

    /**
     * @param service serves {@code /v1/capture} (streams) and {@code /v1/capture/stop}.
     * @return this server.
     */
    public ApiServer captures(final CaptureService service)
    {
        this.captures = service;
        return this;
    }

    /**
     * @param runner runs {@code POST /v1/cli/...} command lines; closed with the server.
     * @return this server.
     */
    public ApiServer commandLines(final CommandLines runner)
    {
        this.commandLines = runner;
        return this;
    }

    /**
     * @param socket path of the Unix domain socket to listen on.
     * @throws InterruptedException if interrupted while binding.
     */
    public void listenUnix(final String socket) throws InterruptedException
    {
        unixChannel = new ServerBootstrap().group(loops).channel(EpollServerDomainSocketChannel.class)
            .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
            .childHandler(initializer(null)).bind(new DomainSocketAddress(socket)).sync().channel();
    }

    /**
     * @param address the address and port.
     * @param token   the bearer token clients must present.
     * @throws InterruptedException if interrupted while binding.
     */
    public void listenTcp(final InetSocketAddress address, final byte[] token) throws InterruptedException
    {
        tcpChannel = new ServerBootstrap().group(loops).channel(EpollServerSocketChannel.class)
            .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
            .childHandler(initializer(token)).bind(address).sync().channel();
    }

    /**
     * @return the TCP port the API listens on, or 0.
     */
    public int tcpPort()
    {
        return tcpChannel == null ? 0 : ((InetSocketAddress)tcpChannel.localAddress()).getPort();
    }

    private ChannelInitializer<Channel> initializer(final byte[] token)
    {
        return new ChannelInitializer<>()
        {
            @Override
            protected void initChannel(final Channel channel)
            {
                if (open.incrementAndGet() > MAX_CONNECTIONS)
                {
                    open.decrementAndGet();
                    channel.close();
                    return;
                }
                channel.closeFuture().addListener(closed -> open.decrementAndGet());
                connections.add(channel);
                channel.pipeline().addLast(new HttpServerCodec()).addLast(new RequestDeadline(requestTimeoutMs));
                if (token != null)
                {
                    channel.pipeline().addLast(new BearerAuthentication(token));
                }
                channel.pipeline().addLast(new HttpObjectAggregator(MAX_REQUEST_BYTES))
                    .addLast(requests, new ApiHandler(ApiServer.this));
            }
        };
    }

    Map<String, CommandApi> apis()
    {
        return apis;
    }

    PrometheusMeterRegistry metrics()
    {
        return metrics;
    }

    LinkMetrics linkMetrics()
    {
        return linkMetrics;
    }

    String version()
    {
        return version;
    }

    CaptureService captureService()
    {
        return captures;
    }

    CommandLines commandLineRunner()
    {
        return commandLines;
    }

    /**
     * One API call for a command line that runs in the daemon: queued with the requests from the sockets, so that
     * changes stay in order, and failing as the client would ({@link CommandFailure} with the error's message).
     * Cancelling the returned future cancels the call.
     */
    public CompletableFuture<Table> callInOrder(final String api, final String command,
        final Map<String, Object> args)
    {
        final CompletableFuture<Table> result = new CompletableFuture<>();
        requests.next().execute(() ->
        {
            if (result.isDone())
            {
                return; // cancelled while it waited
            }
            final CompletableFuture<Table> answer = ApiHandler.callSafely(apis.get(api), command, args);
            result.whenComplete((table, failed) -> answer.cancel(true));
            answer.whenComplete((table, failed) ->
            {
                try
                {
                    result.complete(Failures.unwrap(answer));
                    count(command, "200");
                }
                catch (final RuntimeException ex)
                {
                    final Failures failure = Failures.of(ex);
                    count(command, Integer.toString(failure.status().code()));
                    result.completeExceptionally(new CommandFailure(failure.message(), 1));
                }
            });
        });
        return result;
    }

    /** Counts a request; only known commands become tag values, so a client cannot grow the metrics. */
    void count(final String command, final String status)
    {
        final boolean known = DladmApi.COMMANDS.contains(command) || XlApi.COMMANDS.contains(command) ||
            CAPTURE_COMMANDS.contains(command);
        Counter.builder("xbow.api.requests").tag("command", known ? command : "unknown")
            .tag("status", status).register(metrics).increment();
    }

    @Override
    public void close()
    {
        if (commandLines != null)
        {
            commandLines.close();
        }
        if (unixChannel != null)
        {
            unixChannel.close().syncUninterruptibly();
        }
        if (tcpChannel != null)
        {
            tcpChannel.close().syncUninterruptibly();
        }
        // Close connections while both executors still run, so their pipelines come down in order.
        connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        // A quiet period: a pipeline the loops' shutdown tore down still hands its last removal to this executor.
        requests.shutdownGracefully(100, 1000, TimeUnit.MILLISECONDS).syncUninterruptibly();
    }
}
