package io.xbow.control.api;

import java.io.BufferedInputStream;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.util.HashMap;
import java.util.Locale;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.xbow.control.service.Table;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The commands' side of the API: one HTTP/1.1 request over the daemon's Unix domain socket per call, with the
 * JDK's own Unix-domain channels: a command starts in a fraction of the time a Netty client takes to load.
 */
public final class ApiClient implements Backend, AutoCloseable
{
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path socket;
    /** How long a command waits for the daemon's answer (a 50 s xl ping fits). */
    private static final long ANSWER_TIMEOUT_SECONDS = 60;

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
     * @param api a command set the daemon serves: {@code router} for ipadm, route, routeadm, netstat and arp.
     * @return its commands through this client.
     */
    public Backend api(final String api)
    {
        return (command, args) -> call(api, command, args);
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
        final Response response = exchange("POST", path, body);
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
        final Response response = exchange("GET", path, "");
        if (response.status != 200)
        {
            throw new CommandFailure("xbowd answered " + response.status + " for " + path, 1);
        }
        return response.body;
    }

    private record Response(int status, String body)
    {
    }

    /**
     * An answer that streams: its headers, and its body as it arrives. Closing it closes the connection.
     *
     * @param headers the response headers, names in lower case.
     * @param body    the body, read until the daemon ends it.
     */
    public record Stream(Map<String, String> headers, InputStream body, SocketChannel channel) implements AutoCloseable
    {
        @Override
        public void close()
        {
            try
            {
                channel.close();
            }
            catch (final IOException ignored)
            {
                // closing: nothing left to report
            }
        }
    }

    /**
     * POST a request whose answer streams (a capture). A refusal (not 200) becomes a CommandFailure with the
     * daemon's message.
     *
     * @param path    the endpoint.
     * @param payload the JSON body.
     * @return the open stream.
     */
    public Stream openStream(final String path, final Object payload)
    {
        final byte[] content;
        try
        {
            content = JSON.writeValueAsBytes(payload);
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException(ex);
        }
        final SocketChannel channel = send("POST", path, content);
        try
        {
            final InputStream in = new BufferedInputStream(Channels.newInputStream(channel), 256 * 1024);
            final String statusLine = line(in);
            final String[] status = statusLine.split(" ", 3);
            final Map<String, String> headers = new HashMap<>();
            for (String line = line(in); !line.isEmpty(); line = line(in))
            {
                final int colon = line.indexOf(':');
                if (colon > 0)
                {
                    headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
                }
            }
            if (status.length < 2 || !status[1].equals("200"))
            {
                final String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                String message = "xbowd answered " + statusLine;
                try
                {
                    message = String.valueOf(JSON.readValue(body, new TypeReference<Map<String, Object>>()
                    {
                    }).get("error"));
                }
                catch (final Exception ignored)
                {
                    // not JSON: the status line says it
                }
                throw new CommandFailure(message, 1);
            }
            return new Stream(headers, in, channel);
        }
        catch (final IOException ex)
        {
            closeQuietly(channel);
            throw new CommandFailure("lost the connection to xbowd at " + socket + ": " + ex.getMessage(), 1);
        }
        catch (final RuntimeException ex)
        {
            closeQuietly(channel);
            throw ex;
        }
    }

    private static String line(final InputStream in) throws IOException
    {
        final StringBuilder sb = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read())
        {
            if (c < 0)
            {
                throw new IOException("the connection closed before the answer's head ended");
            }
            if (c != '\r')
            {
                sb.append((char)c);
            }
        }
        return sb.toString();
    }

    private static void closeQuietly(final SocketChannel channel)
    {
        try
        {
            channel.close();
        }
        catch (final IOException ignored)
        {
            // already failing
        }
    }

    /**
     * Connect and send one request (Connection: close: the answer ends where the stream does).
     *
     * @return the connected channel, for the answer; the caller closes it.
     */
    private SocketChannel send(final String method, final String path, final byte[] content)
    {
        final byte[] head = (method + " " + path + " HTTP/1.1\r\nHost: xbowd\r\nContent-Type: application/json\r\n" +
            "Content-Length: " + content.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        final SocketChannel channel;
        try
        {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        }
        catch (final IOException ex)
        {
            throw new CommandFailure("cannot open a Unix domain socket: " + ex.getMessage(), 1);
        }
        try
        {
            channel.connect(UnixDomainSocketAddress.of(socket));
        }
        catch (final IOException ex)
        {
            closeQuietly(channel);
            throw new CommandFailure(connectProblem(ex), 1);
        }
        try
        {
            final ByteBuffer out = ByteBuffer.allocate(head.length + content.length).put(head).put(content).flip();
            while (out.hasRemaining())
            {
                channel.write(out);
            }
            return channel;
        }
        catch (final IOException ex)
        {
            closeQuietly(channel);
            throw new CommandFailure("lost the connection to xbowd at " + socket + ": " + ex.getMessage(), 1);
        }
    }

    private Response exchange(final String method, final String path, final String body)
    {
        final SocketChannel channel = send(method, path, body.getBytes(StandardCharsets.UTF_8));
        try (channel; Selector selector = Selector.open())
        {
            // The request says Connection: close, so the answer ends where the stream does: read to the end (within
            // the deadline), then parse once.
            channel.configureBlocking(false);
            channel.register(selector, SelectionKey.OP_READ);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ANSWER_TIMEOUT_SECONDS);
            final ByteArrayOutputStream in = new ByteArrayOutputStream();
            final ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
            int read = 0;
            while (read >= 0)
            {
                final long left = deadline - System.nanoTime();
                if (left <= 0)
                {
                    throw new CommandFailure("no answer from xbowd at " + socket + " within " +
                        ANSWER_TIMEOUT_SECONDS + " s", 1);
                }
                selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                selector.selectedKeys().clear();
                chunk.clear();
                read = channel.read(chunk);
                if (read > 0)
                {
                    in.write(chunk.array(), 0, read);
                }
            }
            final Response response = parse(in.toByteArray());
            if (response == null)
            {
                throw new CommandFailure("xbowd closed the connection without an answer", 1);
            }
            return response;
        }
        catch (final IOException ex)
        {
            throw new CommandFailure("lost the connection to xbowd at " + socket + ": " + ex.getMessage(), 1);
        }
    }

    /**
     * @return the response (its body cut at Content-Length when one is declared), or null without a complete head.
     */
    private static Response parse(final byte[] bytes)
    {
        final String text = new String(bytes, StandardCharsets.ISO_8859_1);
        final int headEnd = text.indexOf("\r\n\r\n");
        if (headEnd < 0)
        {
            return null;
        }
        final String[] lines = text.substring(0, headEnd).split("\r\n");
        final String[] status = lines[0].split(" ", 3);
        int length = -1;
        for (int i = 1; i < lines.length; i++)
        {
            final int colon = lines[i].indexOf(':');
            if (colon > 0 && lines[i].substring(0, colon).trim().equalsIgnoreCase("content-length"))
            {
                length = Integer.parseInt(lines[i].substring(colon + 1).trim());
            }
        }
        final int bodyStart = headEnd + 4;
        final int bodyLength = length >= 0 ? Math.min(length, bytes.length - bodyStart) : bytes.length - bodyStart;
        return new Response(Integer.parseInt(status[1]),
            new String(bytes, bodyStart, bodyLength, StandardCharsets.UTF_8));
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
        // one connection per call: nothing stays open
    }
}
