package io.xbow.control;

import io.xbow.control.api.ApiClient;
import io.xbow.control.daemon.Xbowd;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The API under malformed and hostile requests, its metrics, and its token-guarded TCP listener.
 */
class ApiTest
{
    @TempDir
    Path dir;

    private Xbowd daemon;

    @AfterEach
    void tearDown()
    {
        if (daemon != null)
        {
            daemon.close();
        }
    }

    private Xbowd start(final String listen, final Path token)
    {
        daemon = new Xbowd(dir.resolve("xbowd.sock"), dir.resolve("state"), listen, token, false, "test");
        daemon.start();
        return daemon;
    }

    /** Sends raw bytes over the socket and returns the raw response. */
    private String raw(final String request) throws IOException
    {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX))
        {
            channel.connect(UnixDomainSocketAddress.of(daemon.socket()));
            channel.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.ISO_8859_1)));
            channel.shutdownOutput();
            final ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
            while (channel.read(buffer) > 0)
            {
                if (!buffer.hasRemaining())
                {
                    break;
                }
            }
            return new String(buffer.array(), 0, buffer.position(), StandardCharsets.ISO_8859_1);
        }
    }

    private static String post(final String path, final String body)
    {
        return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
            body.getBytes(StandardCharsets.ISO_8859_1).length + "\r\nConnection: close\r\n\r\n" + body;
    }

    private static int status(final String response)
    {
        return Integer.parseInt(response.substring(9, 12));
    }

    @Test
    void shouldAnswerMalformedRequestsWithA4xxAndAMessage() throws IOException
    {
        start(null, null);
        String r = raw(post("/v1/dladm/create-etherstub", "{not json"));
        assertEquals(400, status(r));
        assertTrue(r.contains("{\"error\":\"malformed JSON: "), r);
        r = raw(post("/v1/dladm/create-etherstub", "[1,2,3]"));
        assertEquals(400, status(r));
        r = raw(post("/v1/dladm/create-etherstub", "{\"link\": 7}"));
        assertEquals(400, status(r));
        assertTrue(r.contains("argument 'link' must be a string"), r);
        r = raw(post("/v1/dladm/launch-missiles", "{}"));
        assertEquals(404, status(r));
        assertTrue(r.contains("unknown subcommand 'launch-missiles'"), r);
        r = raw(post("/v1/dladm/create-vnic", "{\"link\":\"vnic1\",\"over\":\"nosuch0\"}"));
        assertEquals(404, status(r));
        r = raw(post("/v1/dladm/create-vnic", "{\"link\":\"vnic1\",\"over\":\"stub0\",\"vid\":\"ten\"}"));
        assertEquals(400, status(r));
        r = raw("GET /v1/dladm/show-link HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertEquals(405, status(r));
        r = raw(post("/v1/dladm/create-etherstub", "{\"link\":\"" + "x".repeat(2 << 20) + "\"}"));
        assertEquals(413, status(r), "over the 1 MiB limit");
        r = raw("NONSENSE\r\n\r\n");
        assertTrue(r.isEmpty() || status(r) >= 400, r);
    }

    @Test
    void shouldSurviveRandomRequestsAndStayConsistent() throws IOException
    {
        start(null, null);
        final SplittableRandom random = new SplittableRandom(5);
        final List<String> commands = List.of("create-etherstub", "delete-etherstub", "create-vnic", "delete-vnic",
            "set-linkprop", "show-link", "rename-link", "modify-vnic", "show-linkprop", "bogus");
        final List<String> values = List.of("\"stub0\"", "\"vnic1\"", "\"x\"", "7", "-1", "null", "true", "[]", "{}",
            "\"maxbw\"", "{\"maxbw\":\"10M\"}", "{\"mtu\":\"1\"}", "\"\\u0000\"", "\"net0\"", "4095", "99999999999");
        final List<String> keys = List.of("link", "over", "vid", "mac", "properties", "newName", "temporary", "slot");
        for (int i = 0; i < 400; i++)
        {
            final StringBuilder body = new StringBuilder("{");
            for (int k = random.nextInt(4); k > 0; k--)
            {
                body.append('"').append(keys.get(random.nextInt(keys.size()))).append("\":")
                    .append(values.get(random.nextInt(values.size()))).append(k > 1 ? "," : "");
            }
            body.append('}');
            String text = body.toString();
            if (random.nextInt(10) == 0)
            {
                text = text.substring(0, random.nextInt(text.length() + 1)); // truncated JSON
            }
            final String response = raw(post("/v1/dladm/" + commands.get(random.nextInt(commands.size())), text));
            final int status = status(response);
            assertTrue(status == 200 || (status >= 400 && status < 500), "status " + status + " for " + text +
                ": " + response);
        }
        try (ApiClient client = new ApiClient(daemon.socket()))
        {
            assertTrue(client.get("/v1/version").contains("test"), "still answering");
        }
        daemon.close();
        daemon = new Xbowd(dir.resolve("xbowd.sock"), dir.resolve("state"), null, null, false, "test");
        daemon.start(); // the configuration written under fuzzing reads back
    }

    @Test
    void shouldExportLinkCountersAndApiRequestsForPrometheus()
    {
        start(null, null);
        try (ApiClient client = new ApiClient(daemon.socket()))
        {
            client.call("create-etherstub", Map.of("link", "stub0"));
            client.call("create-vnic", Map.of("link", "vnic1", "over", "stub0"));
            final String metrics = client.get("/metrics");
            assertTrue(metrics.contains("xbow_link_packets_total{class=\"vnic\",direction=\"in\",link=\"vnic1\"} 0.0"),
                metrics);
            assertTrue(metrics.contains("xbow_link_drops_total{class=\"vnic\",link=\"vnic1\",reason=\"macspoofed\"}"));
            assertTrue(metrics.contains("xbow_switch_fdb_entries{class=\"etherstub\",link=\"stub0\"}"));
            assertTrue(metrics.contains("xbow_api_requests_total{command=\"create-vnic\",status=\"200\"} 1.0"));
            assertThrows(RuntimeException.class, () -> client.call("no-such-command", Map.of()));
            assertTrue(client.get("/metrics").contains("xbow_api_requests_total{command=\"unknown\",status=\"404\"} 1.0"),
                "made-up commands are counted under one tag");
            client.call("delete-vnic", Map.of("link", "vnic1"));
            assertFalse(client.get("/metrics").contains("link=\"vnic1\""), "a deleted link's meters go with it");
        }
    }

    @Test
    void shouldGuardTheTcpListenerWithATokenAndStayOnLoopback() throws Exception
    {
        final Path token = dir.resolve("token");
        Files.writeString(token, "s3cret-token-0123456789\n");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals("token file " + token + " must be readable by its owner only (0600)",
            assertThrows(Xbowd.DaemonException.class, () -> start("127.0.0.1:0", token)).getMessage());
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        assertEquals("refusing to listen on 10.1.2.3:7070: not a loopback address (add --allow-remote to mean it)",
            assertThrows(Xbowd.DaemonException.class, () -> start("10.1.2.3:7070", token)).getMessage());

        start("127.0.0.1:0", token);
        final HttpClient http = HttpClient.newHttpClient();
        final URI uri = URI.create("http://127.0.0.1:" + daemon.tcpPort() + "/v1/dladm/show-link");
        final HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(uri)
            .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, anonymous.statusCode());
        final HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(uri).header("Authorization",
            "Bearer s3cret-token-0123456788").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(401, wrong.statusCode());
        final HttpResponse<String> right = http.send(HttpRequest.newBuilder(uri).header("Authorization",
            "Bearer s3cret-token-0123456789").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, right.statusCode());
        // The host's interfaces are physical links; nothing else exists yet.
        assertTrue(right.body().startsWith("{\"columns\":[\"LINK\",\"CLASS\",\"MTU\",\"STATE\",\"BRIDGE\",\"OVER\"],\"rows\":["),
            right.body());
        assertFalse(right.body().contains("\"etherstub\"") || right.body().contains("\"vnic\""), right.body());
    }
}
