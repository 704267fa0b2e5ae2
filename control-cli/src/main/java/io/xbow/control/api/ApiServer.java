package io.xbow.control.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.EventExecutorGroup;
import io.xbow.control.capture.CaptureService;
import io.xbow.control.cli.CommandFailure;
import io.xbow.control.cli.InDaemonCli;
import io.xbow.control.metrics.LinkMetrics;
import io.xbow.control.service.CommandApi;
import io.xbow.control.service.DladmApi;
import io.xbow.control.service.XlApi;
import io.xbow.hypervisor.domain.DomainException;
import io.xbow.control.service.Table;
import io.xbow.control.service.UnknownCommandException;
import io.xbow.vnic.LinkException;

import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The daemon's JSON API over HTTP/1.1, on a Unix domain socket and, optionally, a loopback TCP port guarded by a
 * bearer token.
 * <pre>
 *   POST /v1/dladm/{subcommand}   body: the arguments as a JSON object; 200 with {"columns":[..],"rows":[[..]]}
 *                                 for show commands or {} for changes; 4xx/5xx with {"error":"..."}
 *   POST /v1/xl/{subcommand}      the same, for the xl commands (domains and their vifs)
 *   POST /v1/cli/{xl|dladm}       Unix socket only: a whole command line run in the daemon for the native client
 *                                 ({@link InDaemonCli}); 200 with X-Xbow-Exit (the status), X-Xbow-Stdout (how many
 *                                 body bytes are standard output; standard error follows), or X-Xbow-Run-In-Client
 *   GET  /v1/version              {"version":"..."}
 *   GET  /metrics                 Prometheus text format
 * </pre>
 * Requests over 1 MiB get 413; bodies that are not a JSON object get 400 with the parser's message. Requests run
 * one at a time on one executor, so changes are ordered and the event loops never wait for a disk write.
 */
public final class ApiServer implements AutoCloseable
{
    /** Largest request accepted. */
    public static final int MAX_REQUEST_BYTES = 1 << 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, CommandApi> apis;
    private final PrometheusMeterRegistry metrics;
    private final LinkMetrics linkMetrics;
    private final String version;
    private final EventLoopGroup loops = new EpollEventLoopGroup(1);
    private final EventExecutorGroup requests = new DefaultEventExecutorGroup(1);
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private volatile CaptureService captures;
    private final InDaemonCli cli = new InDaemonCli(this::callInOrder);
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
        this.apis = Map.copyOf(apis);
        this.metrics = metrics;
        this.linkMetrics = linkMetrics;
        this.version = version;
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
     * @param address loopback address and port.
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
                connections.add(channel);
                channel.pipeline()
                    .addLast(new HttpServerCodec())
                    .addLast(new HttpObjectAggregator(MAX_REQUEST_BYTES))
                    .addLast(requests, new Handler(token));
            }
        };
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest>
    {
        private final byte[] token;

        Handler(final byte[] token)
        {
            this.token = token;
        }

        @Override
        protected void channelRead0(final ChannelHandlerContext ctx, final FullHttpRequest request)
        {
            if (!request.decoderResult().isSuccess())
            {
                HttpUtil.setKeepAlive(request, false); // the stream cannot be trusted after a bad request
                respond(ctx, request, HttpResponseStatus.BAD_REQUEST, error("malformed HTTP request"));
                return;
            }
            if (token != null && !authorized(request))
            {
                respond(ctx, request, HttpResponseStatus.UNAUTHORIZED, error("missing or wrong bearer token"));
                return;
            }
            final String path = request.uri().split("\\?", 2)[0];
            if (request.method().equals(HttpMethod.GET) && path.equals("/metrics"))
            {
                linkMetrics.sync();
                respond(ctx, request, HttpResponseStatus.OK, metrics.scrape(), "text/plain; version=0.0.4");
                return;
            }
            if (request.method().equals(HttpMethod.GET) && path.equals("/v1/version"))
            {
                respond(ctx, request, HttpResponseStatus.OK, json(Map.of("version", version)));
                return;
            }
            if (captures != null && path.startsWith("/v1/capture"))
            {
                capture(ctx, request, path);
                return;
            }
            if (path.startsWith("/v1/cli/"))
            {
                serveCli(ctx, request, path.substring("/v1/cli/".length()));
                return;
            }
            final String[] segments = path.split("/", 4); // "", "v1", api, command
            final CommandApi api = segments.length == 4 && segments[1].equals("v1") ? apis.get(segments[2]) : null;
            if (api == null)
            {
                respond(ctx, request, HttpResponseStatus.NOT_FOUND, error("no such endpoint: " + path));
                return;
            }
            if (!request.method().equals(HttpMethod.POST))
            {
                respond(ctx, request, HttpResponseStatus.METHOD_NOT_ALLOWED, error("use POST for " + path));
                return;
            }
            final String command = segments[3];
            final Map<String, Object> args;
            try
            {
                args = arguments(request);
            }
            catch (final JsonProcessingException ex)
            {
                count(command, "400");
                respond(ctx, request, HttpResponseStatus.BAD_REQUEST,
                    error("malformed JSON: " + ex.getOriginalMessage()));
                return;
            }
            CompletableFuture<Table> answer;
            try
            {
                answer = api.callAsync(command, args);
            }
            catch (final RuntimeException ex)
            {
                answer = CompletableFuture.failedFuture(ex);
            }
            if (answer.isDone())
            {
                finish(ctx, request, command, answer);
                return;
            }
            // A long command (xl ping) answers later, from another thread; the next requests need not wait for it.
            request.retain();
            final CompletableFuture<Table> later = answer;
            later.whenComplete((table, failure) ->
            {
                try
                {
                    finish(ctx, request, command, later);
                }
                finally
                {
                    request.release();
                }
            });
        }

        /** A capture answers with a stream its own thread writes; only a refusal is answered here. */
        private void capture(final ChannelHandlerContext ctx, final FullHttpRequest request, final String path)
        {
            final String command = path.equals("/v1/capture") ? "capture" :
                path.equals("/v1/capture/stop") ? "capture-stop" : path.equals("/v1/capture/links") ? "capture-links" : null;
            if (command == null)
            {
                respond(ctx, request, HttpResponseStatus.NOT_FOUND, error("no such endpoint: " + path));
                return;
            }
            if (!request.method().equals(HttpMethod.POST))
            {
                respond(ctx, request, HttpResponseStatus.METHOD_NOT_ALLOWED, error("use POST for " + path));
                return;
            }
            try
            {
                final Map<String, Object> args = arguments(request);
                if (command.equals("capture"))
                {
                    captures.start(ctx.channel(), args);
                }
                else if (command.equals("capture-links"))
                {
                    respond(ctx, request, HttpResponseStatus.OK, json(Map.of("links", captures.links())));
                }
                else
                {
                    captures.stop(args);
                    respond(ctx, request, HttpResponseStatus.OK, "{}");
                }
                count(command, "200");
            }
            catch (final JsonProcessingException ex)
            {
                count(command, "400");
                respond(ctx, request, HttpResponseStatus.BAD_REQUEST, error("malformed JSON: " + ex.getOriginalMessage()));
            }
            catch (final IllegalArgumentException | ClassCastException ex)
            {
                count(command, "400");
                respond(ctx, request, HttpResponseStatus.BAD_REQUEST, error(String.valueOf(ex.getMessage())));
            }
        }

        private void finish(final ChannelHandlerContext ctx, final FullHttpRequest request, final String command,
            final CompletableFuture<Table> answer)
        {
            HttpResponseStatus status = HttpResponseStatus.OK;
            String body;
            try
            {
                final Table table = unwrap(answer);
                body = table == null ? "{}" : json(table);
            }
            catch (final RuntimeException ex)
            {
                final Failure failure = failure(ex);
                status = failure.status;
                body = error(failure.message);
            }
            count(command, Integer.toString(status.code()));
            respond(ctx, request, status, body);
        }

        private void serveCli(final ChannelHandlerContext ctx, final FullHttpRequest request, final String program)
        {
            if (!(ctx.channel() instanceof EpollDomainSocketChannel))
            {
                respond(ctx, request, HttpResponseStatus.NOT_FOUND, error("command lines run on the Unix socket only"));
                return;
            }
            if (!request.method().equals(HttpMethod.POST))
            {
                respond(ctx, request, HttpResponseStatus.METHOD_NOT_ALLOWED, error("use POST for /v1/cli/" + program));
                return;
            }
            int uid;
            try
            {
                uid = ((EpollDomainSocketChannel)ctx.channel()).peerCredentials().uid();
            }
            catch (final java.io.IOException ex)
            {
                uid = -1;
            }
            final byte[] body = new byte[request.content().readableBytes()];
            request.content().getBytes(request.content().readerIndex(), body);
            request.retain();
            cli.run(program, body, uid).whenComplete((result, never) ->
            {
                try
                {
                    final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                        HttpResponseStatus.OK, Unpooled.wrappedBuffer(result.out(), result.err()));
                    if (result.runInClient() != null)
                    {
                        response.headers().set("X-Xbow-Run-In-Client", result.runInClient());
                    }
                    else
                    {
                        response.headers().set("X-Xbow-Exit", result.exitStatus());
                        response.headers().set("X-Xbow-Stdout", result.out().length);
                    }
                    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
                    send(ctx, request, response);
                }
                finally
                {
                    request.release();
                }
            });
        }

        private boolean authorized(final FullHttpRequest request)
        {
            final String header = request.headers().get(HttpHeaderNames.AUTHORIZATION);
            final byte[] presented = header == null || !header.startsWith("Bearer ") ? new byte[0] :
                header.substring("Bearer ".length()).trim().getBytes(StandardCharsets.UTF_8);
            return MessageDigest.isEqual(presented, token);
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
        {
            ctx.close();
        }
    }

    /**
     * One API call for a command line that runs in the daemon: queued with the requests from the socket, so that
     * changes stay in order, and failing as the client would ({@link CommandFailure} with the error's message).
     */
    private CompletableFuture<Table> callInOrder(final String api, final String command,
        final Map<String, Object> args)
    {
        final CompletableFuture<Table> result = new CompletableFuture<>();
        requests.next().execute(() ->
        {
            final CompletableFuture<Table> answer = callSafely(apis.get(api), command, args);
            answer.whenComplete((table, failed) ->
            {
                try
                {
                    result.complete(unwrap(answer));
                    count(command, "200");
                }
                catch (final RuntimeException ex)
                {
                    final Failure failure = failure(ex);
                    count(command, Integer.toString(failure.status.code()));
                    result.completeExceptionally(new CommandFailure(failure.message, 1));
                }
            });
        });
        return result;
    }

    private static CompletableFuture<Table> callSafely(final CommandApi api, final String command,
        final Map<String, Object> args)
    {
        try
        {
            return api.callAsync(command, args);
        }
        catch (final RuntimeException ex)
        {
            return CompletableFuture.failedFuture(ex);
        }
    }

    private static Table unwrap(final CompletableFuture<Table> answer)
    {
        try
        {
            return answer.join();
        }
        catch (final CompletionException ex)
        {
            throw ex.getCause() instanceof RuntimeException ? (RuntimeException)ex.getCause() : ex;
        }
    }

    private record Failure(HttpResponseStatus status, String message)
    {
    }

    /**
     * @return how a failed command answers: its HTTP status and the message the client prints.
     */
    private static Failure failure(final RuntimeException ex)
    {
        if (ex instanceof DomainException)
        {
            return new Failure(((DomainException)ex).isNotFound() ? HttpResponseStatus.NOT_FOUND :
                HttpResponseStatus.CONFLICT, ex.getMessage());
        }
        if (ex instanceof LinkException)
        {
            return new Failure(((LinkException)ex).isNotFound() ? HttpResponseStatus.NOT_FOUND :
                HttpResponseStatus.CONFLICT, ex.getMessage());
        }
        if (ex instanceof IllegalArgumentException || ex instanceof ClassCastException)
        {
            return new Failure(ex instanceof UnknownCommandException ? HttpResponseStatus.NOT_FOUND :
                HttpResponseStatus.BAD_REQUEST, String.valueOf(ex.getMessage()));
        }
        if (ex instanceof IllegalStateException)
        {
            return new Failure(HttpResponseStatus.CONFLICT, String.valueOf(ex.getMessage()));
        }
        if (ex instanceof UncheckedIOException)
        {
            return new Failure(HttpResponseStatus.INTERNAL_SERVER_ERROR, ex.getMessage());
        }
        return new Failure(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error: " + ex);
    }

    private void count(final String command, final String status)
    {
        // Only known subcommands become tag values: a client cannot grow the metrics with made-up names.
        Counter.builder("xbow.api.requests").tag("command", DladmApi.COMMANDS.contains(command) || XlApi.COMMANDS.contains(command) ||
            command.startsWith("capture") ? command : "unknown")
            .tag("status", status).register(metrics).increment();
    }

    /** A request's JSON object; an empty body is no arguments. */
    private static Map<String, Object> arguments(final FullHttpRequest request) throws JsonProcessingException
    {
        final String body = request.content().toString(StandardCharsets.UTF_8);
        return body.isBlank() ? Map.of() : JSON.readValue(body, new TypeReference<Map<String, Object>>()
        {
        });
    }

    private static String error(final String message)
    {
        return json(Map.of("error", message));
    }

    private static String json(final Object value)
    {
        try
        {
            if (value instanceof Table)
            {
                final Map<String, Object> table = new LinkedHashMap<>();
                table.put("columns", ((Table)value).columns());
                table.put("rows", ((Table)value).rows());
                return JSON.writeValueAsString(table);
            }
            return JSON.writeValueAsString(value);
        }
        catch (final JsonProcessingException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private static void respond(final ChannelHandlerContext ctx, final FullHttpRequest request,
        final HttpResponseStatus status, final String body)
    {
        respond(ctx, request, status, body, "application/json");
    }

    private static void respond(final ChannelHandlerContext ctx, final FullHttpRequest request,
        final HttpResponseStatus status, final String body, final String contentType)
    {
        final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
            Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        send(ctx, request, response);
    }

    private static void send(final ChannelHandlerContext ctx, final FullHttpRequest request,
        final FullHttpResponse response)
    {
        HttpUtil.setContentLength(response, response.content().readableBytes());
        final boolean keepAlive = HttpUtil.isKeepAlive(request);
        HttpUtil.setKeepAlive(response, keepAlive);
        final var future = ctx.writeAndFlush(response);
        if (!keepAlive)
        {
            future.addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void close()
    {
        cli.close();
        if (unixChannel != null)
        {
            unixChannel.close().syncUninterruptibly();
        }
        if (tcpChannel != null)
        {
            tcpChannel.close().syncUninterruptibly();
        }
        // Close connections while both executors still run, so their pipelines come down in order.
        connections.close().awaitUninterruptibly(5, java.util.concurrent.TimeUnit.SECONDS);
        loops.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        // A quiet period: a pipeline the loops' shutdown tore down still hands its last removal to this executor.
        requests.shutdownGracefully(100, 1000, java.util.concurrent.TimeUnit.MILLISECONDS).syncUninterruptibly();
    }
}
