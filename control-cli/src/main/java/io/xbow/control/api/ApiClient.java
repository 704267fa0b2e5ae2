package io.xbow.control.api;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.xbow.control.cli.Backend;
import io.xbow.control.cli.CommandFailure;
import io.xbow.control.service.Table;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The commands' side of the API: one HTTP request over the daemon's Unix domain socket per call.
 */
public final class ApiClient implements Backend, AutoCloseable
{
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path socket;
    private final EventLoopGroup loop = new EpollEventLoopGroup(1);

    public ApiClient(final Path socket)
    {
        this.socket = socket;
    }

    @Override
    public Table call(final String command, final Map<String, Object> args)
    {
        return call("dladm", command, args);
    }

    /**
     * @return the xl commands through this client.
     */
    public Backend xl()
    {
        return (command, args) -> call("xl", command, args);
    }

    /**
     * @param api     the command set: {@code dladm} or {@code xl}.
     * @param command the subcommand.
     * @param args    its arguments.
     * @return rows, or null for a change.
     */
    public Table call(final String api, final String command, final Map<String, Object> args)
    {
        final Map<String, Object> response = post("/v1/" + api + "/" + command, args);
        if (!response.containsKey("columns"))
        {
            return null;
        }
        final List<String> columns = strings(response.get("columns"));
        final List<List<String>> rows = new ArrayList<>();
        for (final Object row : (List<?>)response.get("rows"))
        {
            rows.add(strings(row));
        }
        return new Table(columns, rows);
    }

    private static List<String> strings(final Object list)
    {
        final List<String> strings = new ArrayList<>();
        for (final Object value : (List<?>)list)
        {
            strings.add(String.valueOf(value));
        }
        return strings;
    }

    /**
     * @param path    the endpoint.
     * @param payload the JSON body.
     * @return the JSON response.
     */
    public Map<String, Object> post(final String path, final Object payload)
    {
        final String body;
        try
        {
            body = JSON.writeValueAsString(payload);
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException(ex);
        }
        final Response response = exchange(HttpMethod.POST, path, body);
        final Map<String, Object> json;
        try
        {
            json = JSON.readValue(response.body, new TypeReference<Map<String, Object>>()
            {
            });
        }
        catch (final Exception ex)
        {
            throw new CommandFailure("unreadable answer from xbowd (" + response.status + ")", 1);
        }
        if (response.status != 200)
        {
            throw new CommandFailure(String.valueOf(json.get("error")), 1);
        }
        return json;
    }

    /**
     * @param path an endpoint.
     * @return its body as text.
     */
    public String get(final String path)
    {
        final Response response = exchange(HttpMethod.GET, path, "");
        if (response.status != 200)
        {
            throw new CommandFailure("xbowd answered " + response.status + " for " + path, 1);
        }
        return response.body;
    }

    private record Response(int status, String body)
    {
    }

    private Response exchange(final HttpMethod method, final String path, final String body)
    {
        final CompletableFuture<Response> result = new CompletableFuture<>();
        final Channel channel;
        try
        {
            channel = new Bootstrap().group(loop).channel(EpollDomainSocketChannel.class)
                .handler(new ChannelInitializer<>()
                {
                    @Override
                    protected void initChannel(final Channel ch)
                    {
                        ch.pipeline().addLast(new HttpClientCodec())
                            .addLast(new HttpObjectAggregator(16 << 20))
                            .addLast(new SimpleChannelInboundHandler<FullHttpResponse>()
                            {
                                @Override
                                protected void channelRead0(final ChannelHandlerContext ctx,
                                    final FullHttpResponse response)
                                {
                                    result.complete(new Response(response.status().code(),
                                        response.content().toString(StandardCharsets.UTF_8)));
                                    ctx.close();
                                }

                                @Override
                                public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
                                {
                                    result.completeExceptionally(cause);
                                    ctx.close();
                                }

                                @Override
                                public void channelInactive(final ChannelHandlerContext ctx)
                                {
                                    result.completeExceptionally(new IllegalStateException("connection closed"));
                                }
                            });
                    }
                }).connect(new DomainSocketAddress(socket.toString())).sync().channel();
        }
        catch (final Exception ex)
        {
            throw new CommandFailure(connectProblem(ex), 1);
        }
        final FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, path,
            Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        request.headers().set(HttpHeaderNames.HOST, "xbowd");
        request.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        HttpUtil.setContentLength(request, request.content().readableBytes());
        HttpUtil.setKeepAlive(request, false);
        channel.writeAndFlush(request);
        try
        {
            return result.get(60, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new CommandFailure("interrupted", 1);
        }
        catch (final ExecutionException | TimeoutException ex)
        {
            throw new CommandFailure("no answer from xbowd at " + socket + ": " + ex.getMessage(), 1);
        }
    }

    private String connectProblem(final Exception ex)
    {
        final String message = String.valueOf(ex.getMessage()).toLowerCase();
        if (message.contains("permission denied"))
        {
            return "cannot connect to xbowd at " + socket + ": permission denied (root or the xbow group only)";
        }
        if (message.contains("no such file") || message.contains("connection refused"))
        {
            return "cannot connect to xbowd at " + socket + ": is the daemon running? (xbow daemon)";
        }
        return "cannot connect to xbowd at " + socket + ": " + ex.getMessage();
    }

    @Override
    public void close()
    {
        loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }
}
