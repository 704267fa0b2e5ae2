package io.xbow.netback;

import io.xbow.netback.frontend.Netfront;
import io.xbow.netback.shm.GuestMemory;
import io.xbow.netback.xenbus.EventChannels;
import io.xbow.netback.xenbus.VifBackend;
import io.xbow.netback.xenbus.VifFrontend;
import io.xbow.netback.xenbus.XenStore;
import io.xbow.netback.xenbus.XenbusState;
import io.xbow.packet.address.MacAddress;
import io.xbow.packet.build.FrameBuilder;
import io.xbow.packet.frame.FramePool;
import io.xbow.vlan.VlanPolicy;
import io.xbow.vswitch.SwitchConfig;
import io.xbow.vswitch.SwitchPort;
import io.xbow.vswitch.VirtualSwitch;
import org.agrona.concurrent.CachedNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The xenbus handshake: connect, exchange frames, disconnect (every frame back in the pool), reconnect.
 */
class HandshakeTest
{
    private static final long A = MacAddress.parse("0:16:3e:0:0:1");
    private static final long B = MacAddress.parse("0:16:3e:0:0:2");

    @TempDir
    Path dir;

    private final XenStore store = new XenStore();
    private final EventChannels channels = new EventChannels();
    private final FramePool pool = new FramePool(1024);
    private final VirtualSwitch sw = new VirtualSwitch("stub0", pool, SwitchConfig.defaults(), new CachedNanoClock());

    private VifBackend backend(final int guest, final GuestMemory memory)
    {
        final SwitchPort[] port = new SwitchPort[1];
        return new VifBackend(store, channels, 0, guest, 0, MacAddress.format(guest == 1 ? A : B), 1500, pool,
            memory, device ->
            {
                if (device != null)
                {
                    port[0] = sw.attach("vif" + guest + ".0", device, VlanPolicy.DEFAULT);
                }
                else if (port[0] != null)
                {
                    sw.detach(port[0]);
                    port[0] = null;
                }
            });
    }

    private void run()
    {
        int guard = 0;
        while (sw.doWork() > 0 && guard++ < 1000)
        {
            Thread.onSpinWait();
        }
    }

    private static List<byte[]> poll(final Netfront front)
    {
        final List<byte[]> frames = new ArrayList<>();
        front.poll((buffer, offset, length) ->
        {
            final byte[] bytes = new byte[length];
            buffer.getBytes(offset, bytes);
            frames.add(bytes);
        });
        return frames;
    }

    @Test
    void shouldConnectDisconnectAndReconnect() throws Exception
    {
        try (GuestMemory memA = GuestMemory.create(dir.resolve("a"), Netfront.GRANT_PAGES, Netfront.GUEST_PAGES);
             GuestMemory memB = GuestMemory.create(dir.resolve("b"), Netfront.GRANT_PAGES, Netfront.GUEST_PAGES))
        {
            final VifBackend backA = backend(1, memA);
            final VifBackend backB = backend(2, memB);
            assertEquals(XenbusState.INIT_WAIT, backA.state());
            assertEquals("1", store.read("/local/domain/0/backend/vif/1/0/feature-rx-copy"));
            assertEquals("00:16:3e:00:00:01", store.read("/local/domain/0/backend/vif/1/0/mac"));

            final VifFrontend frontA = new VifFrontend(store, channels, 0, 1, 0, memA);
            final VifFrontend frontB = new VifFrontend(store, channels, 0, 2, 0, memB);
            Netfront a = frontA.connect();
            final Netfront b = frontB.connect();
            assertEquals(XenbusState.CONNECTED, backA.state());
            assertEquals(XenbusState.CONNECTED, backB.state());
            assertEquals("0", store.read("/local/domain/1/device/vif/0/tx-ring-ref"));

            final UnsafeBuffer frame = new UnsafeBuffer(new FrameBuilder().ethernet(B, A).raw(0x88B5, 46).toBytes());
            assertTrue(a.send(frame, 0, frame.capacity(), 0));
            run();
            assertEquals(1, poll(b).size());

            // B's guest has not polled: frames for it wait in its netback when A's guest disconnects... and A goes.
            frontA.close();
            assertEquals(XenbusState.CLOSED, backA.state());
            assertNull(backA.netback());
            run();
            assertEquals(0, pool.outstanding(), "a closed vif returns every frame");

            a = frontA.reconnect();
            assertEquals(XenbusState.CONNECTED, backA.state());
            run();
            assertTrue(a.send(frame, 0, frame.capacity(), 0));
            run();
            assertEquals(1, poll(b).size(), "traffic flows again after reconnecting");
            backA.close();
            backB.close();
            run();
            assertNull(store.read("/local/domain/0/backend/vif/1/0/state"));
            assertEquals(0, pool.outstanding());
        }
    }

    @Test
    void shouldPostAFailureFoundOnTheDatapathToTheControlPlaneInsteadOfCallingIt() throws Exception
    {
        try (GuestMemory mem = GuestMemory.create(dir.resolve("a"), Netfront.GRANT_PAGES, Netfront.GUEST_PAGES))
        {
            // Letting go of the port blocks, as the link registry's lock does while its holder waits for the datapath.
            final java.util.concurrent.CountDownLatch lockHeld = new java.util.concurrent.CountDownLatch(1);
            final SwitchPort[] port = new SwitchPort[1];
            final VifBackend back = new VifBackend(store, channels, 0, 1, 0, MacAddress.format(A), 1500, pool, mem,
                device ->
                {
                    if (device != null)
                    {
                        port[0] = sw.attach("vif1.0", device, VlanPolicy.DEFAULT);
                        return;
                    }
                    try
                    {
                        lockHeld.await();
                    }
                    catch (final InterruptedException ex)
                    {
                        Thread.currentThread().interrupt();
                    }
                    sw.detach(port[0]);
                });
            final Netfront front = new VifFrontend(store, channels, 0, 1, 0, mem).connect();
            mem.buffer().putIntVolatile(front.txRingOffset() + io.xbow.netback.ring.RingDescriptor.REQ_PROD_OFFSET,
                3 * io.xbow.netback.ring.RingDescriptor.TX_RING_SIZE);
            try
            {
                // The datapath meets the hostile ring and must go on at once, whatever the control plane is doing.
                java.util.concurrent.CompletableFuture.runAsync(this::run).get(10, java.util.concurrent.TimeUnit.SECONDS);
            }
            finally
            {
                lockHeld.countDown();
            }
            final long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (back.netback() != null && System.nanoTime() < deadline)
            {
                Thread.sleep(5);
            }
            assertEquals("TX request producer more than a ring ahead", back.lastError());
            assertEquals(XenbusState.CLOSING, back.state());
            assertNull(back.netback());
            run();
            assertEquals(0, pool.outstanding());
            back.close();
        }
    }

    @Test
    void shouldRefuseAFrontendThatDoesNotRequestRxCopy() throws Exception
    {
        try (GuestMemory mem = GuestMemory.create(dir.resolve("a"), Netfront.GRANT_PAGES, Netfront.GUEST_PAGES))
        {
            final VifBackend back = backend(1, mem);
            final String front = XenStore.frontendPath(1, 0);
            store.write(front + "/tx-ring-ref", "0");
            store.write(front + "/rx-ring-ref", "1");
            store.write(front + "/event-channel", "99");
            store.write(front + "/state", "4");
            assertEquals(XenbusState.CLOSING, back.state());
            assertEquals("frontend did not request rx-copy", back.lastError());
            store.write(front + "/request-rx-copy", "1");
            store.write(front + "/state", "1");
            store.write(front + "/state", "4");
            assertEquals("event-channel 99 is not allocated", back.lastError());
            assertNull(back.netback());
        }
    }
}
