package io.xbow.control;

import io.xbow.control.api.ApiClient;
import io.xbow.control.api.CommandFailure;
import io.xbow.control.capture.CaptureService;
import io.xbow.control.capture.CaptureStreamFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Captures are bounded per user, and one is stopped only with its own unguessable id.
 */
class CaptureLimitsTest
{
    @TempDir
    Path dir;

    @Test
    void shouldLimitCapturesPerUserAndRefuseAGuessedId() throws Exception
    {
        try (TestDaemon x = new TestDaemon(dir))
        {
            x.client.call("create-etherstub", Map.of("link", "stub0"));
            final List<ApiClient.Stream> streams = new ArrayList<>();
            try
            {
                for (int i = 0; i < CaptureService.MAX_CAPTURES_PER_CLIENT; i++)
                {
                    streams.add(x.client.openStream("/v1/capture", Map.of("links", List.of("stub0"))));
                }
                final CommandFailure refused = assertThrows(CommandFailure.class,
                    () -> x.client.openStream("/v1/capture", Map.of("links", List.of("stub0"))));
                assertTrue(refused.getMessage().contains("captures already"), refused.getMessage());

                final String id = streams.get(0).headers().get(CaptureStreamFormat.ID_HEADER.toLowerCase());
                assertTrue(id.matches("[0-9a-f]{32}"), id);
                assertThrows(CommandFailure.class, () -> x.client.post("/v1/capture/stop", Map.of("id", "1")));
                x.client.post("/v1/capture/stop", Map.of("id", id));
            }
            finally
            {
                for (final ApiClient.Stream stream : streams)
                {
                    stream.close();
                }
            }
        }
    }
}
