package io.xbow.control.api;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A connection must bring a whole request within {@code timeoutMs} of opening (or of its previous answer): a
 * client that connects and sends nothing, or sends a request a byte at a time, is answered 408 and closed. Once a
 * request is whole the deadline is off, since an answer may take long (an {@code xl ping}) or stream (a capture).
 */
final class RequestDeadline extends ChannelDuplexHandler
{
    private final long timeoutMs;
    private ScheduledFuture<?> deadline;

    RequestDeadline(final long timeoutMs)
    {
        this.timeoutMs = timeoutMs;
    }

    @Override
    public void handlerAdded(final ChannelHandlerContext ctx)
    {
        arm(ctx);
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg) throws Exception
    {
        if (msg instanceof HttpRequest && deadline == null)
        {
            arm(ctx); // the next request on a kept-alive connection
        }
        if (msg instanceof LastHttpContent)
        {
            disarm();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(final ChannelHandlerContext ctx, final Object msg, final ChannelPromise promise)
    {
        if (msg instanceof LastHttpContent)
        {
            arm(ctx); // answered: the connection may now idle only as long as a request may take
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx) throws Exception
    {
        disarm();
        ctx.fireChannelInactive();
    }

    private void arm(final ChannelHandlerContext ctx)
    {
        disarm();
        deadline = ctx.executor().schedule(() -> refuse(ctx, HttpResponseStatus.REQUEST_TIMEOUT,
            "no complete request within " + timeoutMs + " ms"), timeoutMs, TimeUnit.MILLISECONDS);
    }

    private void disarm()
    {
        if (deadline != null)
        {
            deadline.cancel(false);
            deadline = null;
        }
    }

    /** Answer {@code status} with a JSON error and close, whatever else the connection was sending. */
    static void refuse(final ChannelHandlerContext ctx, final HttpResponseStatus status, final String message)
    {
        final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
            Unpooled.copiedBuffer(Responses.error(message), StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
        ctx.channel().writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
}
