package io.xbow.vnic;

import io.xbow.packet.DropReason;
import io.xbow.packet.address.MacAddress;
import io.xbow.packet.build.FrameBuilder;
import io.xbow.vnic.mac.MacSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * maxbw with a simulated clock: the guest offers more than its cap, one millisecond at a time, and the test
 * measures what gets through.
 */
class ShapingTest
{
    private static final long GUEST = MacAddress.parse("0:16:3e:0:0:1");
    private static final long PEER = MacAddress.parse("0:16:3e:0:0:2");
    private static final int FRAME = 1514;

    private final VnicHarness h = new VnicHarness();
    private final LinkRegistry r = h.registry;

    @BeforeEach
    void setUp()
    {
        r.createEtherstub("stub0", false);
        r.createVnic("guest0", "stub0", MacSpec.fixed(GUEST), 0, Map.of("maxbw", "10M"), false);
        r.createVnic("peer0", "stub0", MacSpec.fixed(PEER), 0, Map.of(), false);
        h.plug("guest0");
        h.plug("peer0");
        h.run();
    }

    @AfterEach
    void tearDown()
    {
        r.deleteVnic("guest0"); // frames still waiting in its shaper go back to the pool
        h.run();
        h.assertNoFrameLeaked();
        h.close();
    }

    private static FrameBuilder frame(final long dst, final long src)
    {
        return new FrameBuilder().ethernet(dst, src).ipv4(1, 2).udp(1, 2, FRAME - 42);
    }

    /**
     * @return bits per second that reached the receiver while the sender offered {@code framesPerMs} each ms.
     */
    private double measure(final String from, final long dst, final long src, final String to, final int framesPerMs,
        final int ms)
    {
        long bytes = 0;
        for (int t = 0; t < ms; t++)
        {
            for (int i = 0; i < framesPerMs; i++)
            {
                h.send(from, frame(dst, src));
            }
            h.clock.advance(TimeUnit.MILLISECONDS.toNanos(1));
            h.run();
            for (final byte[] received : h.received(to))
            {
                bytes += received.length;
            }
        }
        return bytes * 8.0 / (ms / 1000.0);
    }

    @Test
    void shouldHoldTheGuestToItsCapAndFollowAChangeWhileTrafficFlows()
    {
        // 2 frames/ms of 1514 bytes: 24.2 Mbit/s offered against a 10 Mbit/s cap.
        measure("guest0", PEER, GUEST, "peer0", 2, 200); // settle: the first burst passes
        final double capped = measure("guest0", PEER, GUEST, "peer0", 2, 2000);
        assertEquals(10e6, capped, 10e6 * 0.03, "delivered rate at maxbw=10M");
        assertTrue(r.stats("guest0").drops(DropReason.OVER_RATE) > 0, "the excess was dropped and counted");

        r.setProperties("guest0", Map.of("maxbw", "4M"));
        measure("guest0", PEER, GUEST, "peer0", 2, 200); // the queue drains at the new rate
        final double lowered = measure("guest0", PEER, GUEST, "peer0", 2, 2000);
        assertEquals(4e6, lowered, 4e6 * 0.03, "delivered rate after maxbw=4M, applied live");

        r.resetProperties("guest0", List.of("maxbw"));
        measure("guest0", PEER, GUEST, "peer0", 2, 50);
        final double open = measure("guest0", PEER, GUEST, "peer0", 2, 500);
        assertEquals(2 * FRAME * 8 * 1000.0, open, 1.0, "no cap: everything offered gets through");
    }

    @Test
    void shouldCapWhatTheGuestReceivesToo()
    {
        final double inbound = measure("peer0", GUEST, PEER, "guest0", 2, 2000);
        assertEquals(10e6, inbound, 10e6 * 0.03, "delivered rate into the guest at maxbw=10M");
        assertTrue(r.stats("guest0").drops(DropReason.OVER_RATE) > 0);
        assertTrue(r.stats("guest0").ierrors() > 0);
    }

    @Test
    void shouldDelayABurstRatherThanDropItAndKeepTheOrder()
    {
        // 100 frames/s of 1514 bytes, roughly; the burst is two frames of the MTU.
        r.setProperties("guest0", Map.of("maxbw", "1200K", "mtu", "1500"));
        measure("guest0", PEER, GUEST, "peer0", 0, 1); // start the bucket
        for (int i = 0; i < 10; i++)
        {
            h.send("guest0", new FrameBuilder().ethernet(PEER, GUEST).ipv4(1, 2).udp(1, 2, FRAME - 42)
                .identification(i));
        }
        h.run();
        final int immediately = h.received("peer0").size();
        assertEquals(2, immediately, "the burst allowance is two full-size frames");
        int received = immediately;
        int lastId = 1;
        for (int ms = 0; ms < 200 && received < 10; ms++)
        {
            h.clock.advance(TimeUnit.MILLISECONDS.toNanos(1));
            h.run();
            for (final byte[] frame : h.received("peer0"))
            {
                final int id = (frame[18] & 0xFF) << 8 | (frame[19] & 0xFF);
                assertEquals(lastId + 1, id, "in order");
                lastId = id;
                received++;
            }
        }
        assertEquals(10, received, "all ten delivered within 200 ms at 1.2 Mbit/s");
        assertEquals(0, r.stats("guest0").drops(DropReason.OVER_RATE));
    }

    @Test
    void shouldLetAQueuedFrameLongerThanTheBurstGoInTimeNotBlockTheQueue()
    {
        r.setProperties("guest0", Map.of("maxbw", "200K", "mtu", "1500"));
        measure("guest0", PEER, GUEST, "peer0", 0, 1); // start the bucket
        for (int i = 0; i < 3; i++)
        {
            h.send("guest0", new FrameBuilder().ethernet(PEER, GUEST).ipv4(1, 2).udp(1, 2, FRAME - 42)
                .identification(i));
        }
        h.run();
        assertEquals(2, h.received("peer0").size(), "the burst: two full-size frames");
        // The MTU goes down while a full-size frame waits: the burst (two frames of the new MTU) is now shorter than it.
        r.setProperties("guest0", Map.of("mtu", "576"));
        int received = 0;
        for (int ms = 0; ms < 1000 && received == 0; ms++)
        {
            h.clock.advance(TimeUnit.MILLISECONDS.toNanos(1));
            h.run();
            received += h.received("peer0").size();
        }
        assertEquals(1, received, "the waiting frame goes once the bucket is full, leaving it in debt");
        assertEquals(0, r.stats("guest0").drops(DropReason.OVER_RATE));
    }
}
