package io.xbow.netback;

import io.xbow.netback.ring.RingDescriptor;
import io.xbow.packet.address.MacAddress;
import io.xbow.packet.build.FrameBuilder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The ring.h notification rules, followed by a frontend that only notifies when the ring says so (Netfront does):
 * whatever the backend waits for, it asked to be told, so nothing waits for the datapath's next timed park.
 */
class NetbackWakeupTest
{
    private static final long A = MacAddress.parse("0:16:3e:0:0:1");
    private static final long B = MacAddress.parse("0:16:3e:0:0:2");

    @TempDir
    Path dir;

    @Test
    void shouldBeToldWhenAGuestWithFramesWaitingPostsBuffersAgain() throws Exception
    {
        try (TwoGuests g = new TwoGuests(dir, false))
        {
            final UnsafeBuffer frame = new UnsafeBuffer(new FrameBuilder().ethernet(B, A).raw(0x88B5, 46).toBytes());
            // Guest 1 takes nothing for a while: its posted buffers fill, then frames wait in its netback.
            int sent = 0;
            while (g.back[1].pendingFrames() == 0 && sent < 4 * RingDescriptor.RX_RING_SIZE)
            {
                for (int i = 0; i < 32 && g.front[0].send(frame, 0, frame.capacity(), 0); i++)
                {
                    sent++;
                }
                g.sw.doWork();
                g.front[0].reclaim();
            }
            assertTrue(g.back[1].pendingFrames() > 0, "frames wait for guest 1's buffers");
            final long before = g.events[1][1].received();

            g.front[1].poll((buffer, offset, length) -> { }); // takes its frames and posts its buffers again
            assertTrue(g.events[1][1].received() > before,
                "posting buffers rang the backend, which had asked for it: the waiting frames need no timed park");
        }
    }
}
