package io.xbow.control.api;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The TCP listener's guard: checks {@code Authorization: Bearer TOKEN} on a request's head, before anything of its
 * body is buffered; a request without the token gets 401 and the connection closes, its body unread. The scheme name
 * is matched in any case (RFC 7235 section 2.1), the token in constant time.
 */
final class BearerAuthentication extends ChannelInboundHandlerAdapter
{
    private static final String SCHEME = "Bearer ";

    private final byte[] token;
    private boolean refused;

    BearerAuthentication(final byte[] token)
    {
        this.token = token;
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg)
    {
        if (msg instanceof HttpRequest)
        {
            refused = !authorized(((HttpRequest)msg).headers().get(HttpHeaderNames.AUTHORIZATION));
            if (refused)
            {
                ReferenceCountUtil.release(msg);
                RequestDeadline.refuse(ctx, io.netty.handler.codec.http.HttpResponseStatus.UNAUTHORIZED,
                    "missing or wrong bearer token");
                return;
            }
        }
        if (refused && msg instanceof HttpContent)
        {
            ReferenceCountUtil.release(msg); // the refused request's body: dropped as it arrives, never buffered
            return;
        }
        ctx.fireChannelRead(msg);
    }

    boolean authorized(final String header)
    {
        if (header == null || !header.regionMatches(true, 0, SCHEME, 0, SCHEME.length()))
        {
            return false;
        }
        final byte[] presented = header.substring(SCHEME.length()).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(presented, token);
    }
}
