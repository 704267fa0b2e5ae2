package io.xbow.netback;

import io.xbow.netback.event.SocketEventChannel;
import io.xbow.netback.frontend.Netfront;
import io.xbow.netback.shm.GuestMemory;
import io.xbow.packet.build.FrameBuilder;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A guest in another JVM: it creates its memory file, sets up a netfront, connects its event channel, sends
 * frames to a peer that echoes them and prints how many came back. Run by {@link CrossProcessTest}.
 * <pre>
 *   RemoteGuest MEMORY-FILE EVENT-SOCKET FRAMES SOURCE-MAC DESTINATION-MAC
 * </pre>
 */
public final class RemoteGuest
{
    private RemoteGuest()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final Path memoryFile = Path.of(args[0]);
        final Path socket = Path.of(args[1]);
        final int frames = Integer.parseInt(args[2]);
        final long source = Long.parseLong(args[3]);
        final long destination = Long.parseLong(args[4]);
        try (GuestMemory memory = GuestMemory.open(memoryFile, Netfront.GRANT_PAGES))
        {
            // A hostile frontend would shrink the memory under the backend's mapping: the seals refuse it.
            try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(memoryFile,
                java.nio.file.StandardOpenOption.WRITE))
            {
                channel.truncate(4096);
                System.out.println("truncate allowed");
            }
            catch (final java.io.IOException refused)
            {
                System.out.println("truncate refused");
            }
            final Object doorbell = new Object();
            final SocketEventChannel event = SocketEventChannel.connect(socket, 30_000);
            event.onNotify(() ->
            {
                synchronized (doorbell)
                {
                    doorbell.notifyAll();
                }
            });
            final Netfront front = new Netfront(memory, 0, event);
            event.notifyPeer(); // rings are ready
            final UnsafeBuffer frame = new UnsafeBuffer(new FrameBuilder().ethernet(destination, source)
                .raw(0x88B5, 100).toBytes());
            final AtomicInteger echoed = new AtomicInteger();
            int sent = 0;
            final long deadline = System.currentTimeMillis() + 60_000;
            while (echoed.get() < frames && System.currentTimeMillis() < deadline)
            {
                // A window of 64 frames in flight: the echoing peer's queues are bounded, and drop beyond.
                while (sent < frames && sent - echoed.get() < 64 && front.send(frame, 0, frame.capacity(), 0))
                {
                    sent++;
                }
                front.poll((buffer, offset, length) -> echoed.incrementAndGet());
                synchronized (doorbell)
                {
                    doorbell.wait(1);
                }
            }
            System.out.println("echoed " + echoed.get() + " of " + frames + ", notifications sent " + event.sent() +
                " received " + event.received());
            event.close();
            System.exit(echoed.get() == frames ? 0 : 1);
        }
    }
}
