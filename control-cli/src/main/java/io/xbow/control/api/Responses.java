package io.xbow.control.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.xbow.control.service.Table;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How the API reads request bodies and writes answers: JSON in, JSON (or text) out, keep-alive as the request asks.
 */
final class Responses
{
    private static final ObjectMapper JSON = new ObjectMapper();

    private Responses()
    {
    }

    /** A request's JSON object; an empty body is no arguments. */
    static Map<String, Object> arguments(final FullHttpRequest request) throws JsonProcessingException
    {
        final String body = request.content().toString(StandardCharsets.UTF_8);
        return body.isBlank() ? Map.of() : JSON.readValue(body, new TypeReference<Map<String, Object>>()
        {
        });
    }

    static String error(final String message)
    {
        return json(Map.of("error", message));
    }

    static String json(final Object value)
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

    static void respond(final ChannelHandlerContext ctx, final FullHttpRequest request,
        final HttpResponseStatus status, final String body)
    {
        respond(ctx, request, status, body, "application/json");
    }

    static void respond(final ChannelHandlerContext ctx, final FullHttpRequest request,
        final HttpResponseStatus status, final String body, final String contentType)
    {
        final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
            Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        send(ctx, HttpUtil.isKeepAlive(request), response);
    }

    static void send(final ChannelHandlerContext ctx, final boolean keepAlive, final FullHttpResponse response)
    {
        HttpUtil.setContentLength(response, response.content().readableBytes());
        HttpUtil.setKeepAlive(response, keepAlive);
        final var future = ctx.writeAndFlush(response);
        if (!keepAlive)
        {
            future.addListener(ChannelFutureListener.CLOSE);
        }
    }
}
