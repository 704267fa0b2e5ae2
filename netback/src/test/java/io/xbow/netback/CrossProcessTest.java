package io.xbow.netback;

import io.xbow.netback.backend.Netback;
import io.xbow.netback.event.LocalEventChannel;
import io.xbow.netback.event.SocketEventChannel;
import io.xbow.netback.frontend.Netfront;
import io.xbow.netback.shm.GuestMemory;
import io.xbow.packet.address.MacAddress;
import io.xbow.packet.frame.FramePool;
import io.xbow.vlan.VlanPolicy;
import io.xbow.vswitch.SwitchConfig;
import io.xbow.vswitch.VirtualSwitch;
import io.xbow.vswitch.thread.DatapathThread;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A frontend in a second JVM maps the guest memory our side created (a sealed memfd, through /proc) and shares an
 * event channel socket with our backend: 2000 frames go from it through netback and the switch to an in-process
 * guest that echoes them back. It also tries to truncate the memory under our mapping, and must be refused.
 */
class CrossProcessTest
{
    private static final long REMOTE = MacAddress.parse("0:16:3e:0:0:1");
    private static final long ECHO = MacAddress.parse("0:16:3e:0:0:2");

    @TempDir
    Path dir;

    @Test
    void shouldServeAFrontendInAnotherProcess() throws Exception
    {
        final GuestMemory remoteMemory = GuestMemory.createSealed("xproc", Netfront.GRANT_PAGES, Netfront.GUEST_PAGES);
        final Path memoryFile = remoteMemory.file();
        final Path socket = dir.resolve("evtchn.sock");
        final Process guest = new ProcessBuilder(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx128m",
            "-cp", System.getProperty("java.class.path"), RemoteGuest.class.getName(),
            memoryFile.toString(), socket.toString(), "2000", Long.toString(REMOTE), Long.toString(ECHO)))
            .redirectErrorStream(true).start();

        final FramePool pool = new FramePool(2048);
        final VirtualSwitch sw = new VirtualSwitch("stub0", pool, SwitchConfig.defaults(), SystemNanoClock.INSTANCE);
        try (SocketEventChannel remoteEvent = SocketEventChannel.accept(socket))
        {
            // The remote guest rings once when its rings are set up.
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (remoteEvent.received() == 0 && System.nanoTime() < deadline)
            {
                Thread.sleep(5);
            }
            try (remoteMemory;
                 GuestMemory echoMemory = GuestMemory.create(dir.resolve("guest2.mem"), Netfront.GRANT_PAGES,
                     Netfront.GUEST_PAGES))
            {
                final Netback remote = Netback.connect(pool, remoteMemory, 0, Netfront.TX_RING_REF,
                    Netfront.RX_RING_REF, remoteEvent, 1500, false, 256, reason -> { });
                final LocalEventChannel[] echoEvents = LocalEventChannel.pair();
                final Netfront echo = new Netfront(echoMemory, 0, echoEvents[0]);
                final Netback echoBack = Netback.connect(pool, echoMemory, 0, Netfront.TX_RING_REF,
                    Netfront.RX_RING_REF, echoEvents[1], 1500, false, 256, reason -> { });
                sw.attach("vif1.0", remote, VlanPolicy.DEFAULT);
                sw.attach("vif2.0", echoBack, VlanPolicy.DEFAULT);
                sw.addStaticMac(1, REMOTE, sw.port("vif1.0"));
                sw.addStaticMac(1, ECHO, sw.port("vif2.0"));

                final AtomicBoolean running = new AtomicBoolean(true);
                final Thread echoGuest = new Thread(() ->
                {
                    final UnsafeBuffer reply = new UnsafeBuffer(new byte[2048]);
                    while (running.get())
                    {
                        echo.poll((buffer, offset, length) ->
                        {
                            reply.putBytes(0, buffer, offset, length);
                            MacAddress.write(reply, 0, REMOTE);
                            MacAddress.write(reply, 6, ECHO);
                            while (!echo.send(reply, 0, length, 0) && running.get())
                            {
                                Thread.onSpinWait();
                            }
                        });
                        Thread.onSpinWait();
                    }
                }, "echo-guest");
                echoGuest.start();
                try (DatapathThread datapath = DatapathThread.start("xbow-dp-xproc", sw))
                {
                    assertTrue(guest.waitFor(90, TimeUnit.SECONDS), "remote guest did not finish");
                    final String output = new String(guest.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    assertEquals(0, guest.exitValue(), output);
                    assertTrue(output.startsWith("truncate refused\nechoed 2000 of 2000"), output);
                    assertEquals(0, datapath.errors());
                }
                finally
                {
                    running.set(false);
                    echoGuest.join(5000);
                }
                assertEquals(2000, remote.counters().txFrames());
                assertEquals(2000, remote.counters().rxFrames());
                assertTrue(remoteEvent.received() < 2000, "notifications held off: " + remoteEvent.received());
            }
        }
        finally
        {
            guest.destroyForcibly();
            remoteMemory.close();
        }
    }
}
