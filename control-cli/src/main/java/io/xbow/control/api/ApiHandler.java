package io.xbow.control.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.xbow.control.capture.CaptureService;
import io.xbow.control.service.CommandApi;
import io.xbow.control.service.Table;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static io.xbow.control.api.Responses.arguments;
import static io.xbow.control.api.Responses.error;
import static io.xbow.control.api.Responses.json;
import static io.xbow.control.api.Responses.respond;

/**
 * One connection's requests, routed:
 * <pre>
 *   POST /v1/dladm/{subcommand}   body: the arguments as a JSON object; 200 with {"columns":[..],"rows":[[..]]}
 *                                 for show commands or {} for changes; 4xx/5xx with {"error":"..."}
 *   POST /v1/xl/{subcommand}      the same, for the xl commands (domains and their vifs)
 *   POST /v1/cli/{xl|dladm}       Unix socket only: a whole command line run in the daemon for the native client
 *                                 ({@link CommandLines}); 200 with X-Xbow-Exit (the status), X-Xbow-Stdout (how many
 *                                 body bytes are standard output; standard error follows), or X-Xbow-Run-In-Client
 *   POST /v1/capture[/stop|/links] a capture stream ({@link CaptureService}), per client
 *   GET  /v1/version              {"version":"..."}
 *   GET  /metrics                 Prometheus text format
 * </pre>
 * Bodies that are not a JSON object get 400 with the parser's message. Who the client is comes from the socket:
 * the peer's uid on the Unix socket (an unreadable one matches no one), {@code tcp} for token holders.
 */
final class ApiHandler extends SimpleChannelInboundHandler<FullHttpRequest>
{
    private final ApiServer server;
    /** The command line running for this connection, stopped if the client goes away. */
    private CompletableFuture<CommandLines.Result> commandLine;
    /** Answers under way on other threads (a ping's), and whether a capture streams on this connection. */
    private int pending;
    private boolean streaming;

    ApiHandler(final ApiServer server)
    {
        this.server = server;
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
        final String path = request.uri().split("\\?", 2)[0];
        if (request.method().equals(HttpMethod.GET) && path.equals("/metrics"))
        {
            server.linkMetrics().sync();
            respond(ctx, request, HttpResponseStatus.OK, server.metrics().scrape(), "text/plain; version=0.0.4");
            return;
        }
        if (request.method().equals(HttpMethod.GET) && path.equals("/v1/version"))
        {
            respond(ctx, request, HttpResponseStatus.OK, json(Map.of("version", server.version())));
            return;
        }
        final String[] segments = path.split("/", 4); // "", "v1", api, command
        if (server.captureService() != null && path.startsWith("/v1/capture"))
        {
            capture(ctx, request, path);
        }
        else if (path.startsWith("/v1/cli/"))
        {
            commandLine(ctx, request, path.substring("/v1/cli/".length()));
        }
        else if (segments.length == 4 && segments[1].equals("v1") && server.apis().containsKey(segments[2]))
        {
            command(ctx, request, server.apis().get(segments[2]), segments[3], path);
        }
        else
        {
            respond(ctx, request, HttpResponseStatus.NOT_FOUND, error("no such endpoint: " + path));
        }
    }

    private void command(final ChannelHandlerContext ctx, final FullHttpRequest request, final CommandApi api,
        final String command, final String path)
    {
        if (!request.method().equals(HttpMethod.POST))
        {
            respond(ctx, request, HttpResponseStatus.METHOD_NOT_ALLOWED, error("use POST for " + path));
            return;
        }
        final Map<String, Object> args;
        try
        {
            args = arguments(request);
        }
        catch (final JsonProcessingException ex)
        {
            server.count(command, "400");
            respond(ctx, request, HttpResponseStatus.BAD_REQUEST, error("malformed JSON: " + ex.getOriginalMessage()));
            return;
        }
        final CompletableFuture<Table> answer = callSafely(api, command, args);
        if (answer.isDone())
        {
            finish(ctx, request, command, answer);
            return;
        }
        // A long command (xl ping) answers later, from another thread; the next requests need not wait for it.
        request.retain();
        pending++;
        answer.whenComplete((table, failure) -> ctx.executor().execute(() ->
        {
            try
            {
                pending--;
                finish(ctx, request, command, answer);
            }
            finally
            {
                request.release();
            }
        }));
    }

    static CompletableFuture<Table> callSafely(final CommandApi api, final String command,
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

    private void finish(final ChannelHandlerContext ctx, final FullHttpRequest request, final String command,
        final CompletableFuture<Table> answer)
    {
        HttpResponseStatus status = HttpResponseStatus.OK;
        String body;
        try
        {
            final Table table = Failures.unwrap(answer);
            body = table == null ? "{}" : json(table);
        }
        catch (final RuntimeException ex)
        {
            final Failures failure = Failures.of(ex);
            status = failure.status();
            body = error(failure.message());
        }
        server.count(command, Integer.toString(status.code()));
        respond(ctx, request, status, body);
    }

    /** A capture answers with a stream its own thread writes; only a refusal is answered here. */
    private void capture(final ChannelHandlerContext ctx, final FullHttpRequest request, final String path)
    {
        final String command = path.equals("/v1/capture") ? "capture" : path.equals("/v1/capture/stop") ?
            "capture-stop" : path.equals("/v1/capture/links") ? "capture-links" : null;
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
        final CaptureService captures = server.captureService();
        try
        {
            final Map<String, Object> args = arguments(request);
            if (command.equals("capture"))
            {
                captures.start(ctx.channel(), client(ctx), args);
                streaming = true;
            }
            else if (command.equals("capture-links"))
            {
                respond(ctx, request, HttpResponseStatus.OK, json(Map.of("links", captures.links())));
            }
            else
            {
                captures.stop(client(ctx), args);
                respond(ctx, request, HttpResponseStatus.OK, "{}");
            }
            server.count(command, "200");
        }
        catch (final JsonProcessingException ex)
        {
            server.count(command, "400");
            respond(ctx, request, HttpResponseStatus.BAD_REQUEST, error("malformed JSON: " + ex.getOriginalMessage()));
        }
        catch (final RuntimeException ex)
        {
            final Failures failure = Failures.of(ex);
            server.count(command, Integer.toString(failure.status().code()));
            respond(ctx, request, failure.status(), error(failure.message()));
        }
    }

    private void commandLine(final ChannelHandlerContext ctx, final FullHttpRequest request, final String program)
    {
        final CommandLines runner = server.commandLineRunner();
        if (!(ctx.channel() instanceof EpollDomainSocketChannel) || runner == null)
        {
            respond(ctx, request, HttpResponseStatus.NOT_FOUND, error("command lines run on the Unix socket only"));
            return;
        }
        if (!request.method().equals(HttpMethod.POST))
        {
            respond(ctx, request, HttpResponseStatus.METHOD_NOT_ALLOWED, error("use POST for /v1/cli/" + program));
            return;
        }
        final byte[] body = new byte[request.content().readableBytes()];
        request.content().getBytes(request.content().readerIndex(), body);
        final boolean keepAlive = HttpUtil.isKeepAlive(request);
        final CompletableFuture<CommandLines.Result> running = runner.run(program, body, peerUid(ctx));
        commandLine = running;
        running.whenComplete((result, failed) ->
        {
            if (result == null)
            {
                return; // cancelled: the client went away
            }
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
            Responses.send(ctx, keepAlive, response);
        });
    }

    /**
     * The end of a client's input: our clients never half-close, so while its command line runs it means the client
     * is gone (kill, Ctrl-C) and the command line stops; with nothing in flight the connection closes, so that a
     * vanished client holds no place. A client that half-closes after its request still gets an answer that is
     * under way (a ping's, a capture's).
     */
    @Override
    public void userEventTriggered(final ChannelHandlerContext ctx, final Object event) throws Exception
    {
        if (event instanceof ChannelInputShutdownEvent)
        {
            if (commandLine != null && !commandLine.isDone())
            {
                stopCommandLine();
                ctx.close();
            }
            else if (pending == 0 && !streaming)
            {
                ctx.close();
            }
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx) throws Exception
    {
        stopCommandLine();
        super.channelInactive(ctx);
    }

    private void stopCommandLine()
    {
        final CompletableFuture<CommandLines.Result> running = commandLine;
        if (running != null)
        {
            running.cancel(true);
        }
    }

    /** The peer's uid on the Unix socket; -1 when it cannot be read, which matches no user. */
    private static int peerUid(final ChannelHandlerContext ctx)
    {
        if (!(ctx.channel() instanceof EpollDomainSocketChannel))
        {
            return -1;
        }
        try
        {
            return ((EpollDomainSocketChannel)ctx.channel()).peerCredentials().uid();
        }
        catch (final IOException ex)
        {
            return -1;
        }
    }

    /** Who asks, for per-client limits: a user on the Unix socket, token holders on TCP, no one if unreadable. */
    private static String client(final ChannelHandlerContext ctx)
    {
        if (!(ctx.channel() instanceof EpollDomainSocketChannel))
        {
            return "tcp";
        }
        final int uid = peerUid(ctx);
        return uid < 0 ? "unknown-peer-" + ctx.channel().id().asLongText() : "uid-" + uid;
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
    {
        ctx.close();
    }
}
