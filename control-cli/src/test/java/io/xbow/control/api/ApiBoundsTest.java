package io.xbow.control.api;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.xbow.control.service.CommandApi;
import io.xbow.control.service.Table;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What any client can do to the listener is bounded: no body is buffered before the token checks out, a request
 * must arrive whole in time, connections are capped, and the metrics take no label a client makes up.
 */
class ApiBoundsTest
{
    private static final byte[] TOKEN = "s3cret-token-0123456789".getBytes(StandardCharsets.US_ASCII);

    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private ApiServer server;

    private int start(final long requestTimeoutMs) throws Exception
    {
        final CommandApi api = (command, args) ->
        {
            if (!command.equals("show-link"))
            {
                throw new io.xbow.control.service.UnknownCommandException(command);
            }
            return new Table(List.of("LINK"), List.of());
        };
        server = new ApiServer(Map.of("dladm", api), metrics, null, "test", requestTimeoutMs);
        server.listenTcp(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), TOKEN);
        return server.tcpPort();
    }

    @AfterEach
    void stop()
    {
        if (server != null)
        {
            server.close();
        }
    }

    private static String exchange(final Socket socket, final String request) throws IOException
    {
        socket.setSoTimeout(5_000);
        final OutputStream out = socket.getOutputStream();
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        final InputStream in = socket.getInputStream();
        final java.io.ByteArrayOutputStream answer = new java.io.ByteArrayOutputStream();
        final byte[] buffer = new byte[4096];
        try
        {
            for (int n; (n = in.read(buffer)) > 0; )
            {
                answer.write(buffer, 0, n);
            }
        }
        catch (final java.net.SocketException reset)
        {
            // a server that closes with bytes unread resets the connection: what came before the reset counts
        }
        return answer.toString(StandardCharsets.US_ASCII);
    }

    @Test
    void shouldRefuseAnUnauthenticatedRequestBeforeItsBodyArrives() throws Exception
    {
        final int port = start(ApiServer.REQUEST_TIMEOUT_MS);
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port))
        {
            // Announces most of a MiB and sends none of it: the answer must not wait for the body.
            final String answer = exchange(socket, "POST /v1/dladm/show-link HTTP/1.1\r\nHost: x\r\n" +
                "Content-Length: 1000000\r\n\r\n");
            assertTrue(answer.startsWith("HTTP/1.1 401"), answer);
        }
    }

    @Test
    void shouldTakeTheBearerSchemeInAnyCase() throws Exception
    {
        final int port = start(ApiServer.REQUEST_TIMEOUT_MS);
        for (final String scheme : new String[] {"Bearer", "bearer", "BEARER"})
        {
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port))
            {
                final String answer = exchange(socket, "POST /v1/dladm/show-link HTTP/1.1\r\nHost: x\r\n" +
                    "Authorization: " + scheme + " " + new String(TOKEN, StandardCharsets.US_ASCII) + "\r\n" +
                    "Connection: close\r\nContent-Length: 2\r\n\r\n{}");
                assertTrue(answer.startsWith("HTTP/1.1 200"), scheme + ": " + answer);
            }
        }
    }

    @Test
    void shouldCloseAConnectionThatDoesNotSendAWholeRequestInTime() throws Exception
    {
        final int port = start(300);
        try (Socket silent = new Socket(InetAddress.getLoopbackAddress(), port);
            Socket slow = new Socket(InetAddress.getLoopbackAddress(), port))
        {
            assertTrue(exchange(silent, "").startsWith("HTTP/1.1 408"));
            assertTrue(exchange(slow, "POST /v1/dladm/show-link HTTP/1.1\r\nHost: x\r\n").startsWith("HTTP/1.1 408"));
        }
    }

    @Test
    void shouldCapOpenConnections() throws Exception
    {
        final int port = start(ApiServer.REQUEST_TIMEOUT_MS);
        final List<Socket> held = new ArrayList<>();
        try
        {
            for (int i = 0; i < ApiServer.MAX_CONNECTIONS; i++)
            {
                held.add(new Socket(InetAddress.getLoopbackAddress(), port));
            }
            try (Socket extra = new Socket(InetAddress.getLoopbackAddress(), port))
            {
                extra.setSoTimeout(5_000);
                assertEquals(-1, extra.getInputStream().read(), "one connection too many is closed at once");
            }
            held.remove(0).close();
            Thread.sleep(200);
            try (Socket again = new Socket(InetAddress.getLoopbackAddress(), port))
            {
                final String answer = exchange(again, "POST /v1/dladm/show-link HTTP/1.1\r\nHost: x\r\n" +
                    "Authorization: Bearer " + new String(TOKEN, StandardCharsets.US_ASCII) + "\r\n" +
                    "Connection: close\r\nContent-Length: 2\r\n\r\n{}");
                assertTrue(answer.startsWith("HTTP/1.1 200"), "a freed place is taken again: " + answer);
            }
        }
        finally
        {
            for (final Socket socket : held)
            {
                socket.close();
            }
        }
    }

    @Test
    void shouldNotLetAClientMakeUpMetricLabels() throws Exception
    {
        final int port = start(ApiServer.REQUEST_TIMEOUT_MS);
        for (final String command : new String[] {"capture-made-up-1", "capture-made-up-2", "made-up"})
        {
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port))
            {
                final String answer = exchange(socket, "POST /v1/dladm/" + command + " HTTP/1.1\r\nHost: x\r\n" +
                    "Authorization: Bearer " + new String(TOKEN, StandardCharsets.US_ASCII) + "\r\n" +
                    "Connection: close\r\nContent-Length: 2\r\n\r\n{}");
                assertTrue(answer.startsWith("HTTP/1.1 404"), answer);
            }
        }
        final String scrape = metrics.scrape();
        assertFalse(scrape.contains("made-up"), scrape);
        assertTrue(scrape.contains("command=\"unknown\""), scrape);
    }
}
