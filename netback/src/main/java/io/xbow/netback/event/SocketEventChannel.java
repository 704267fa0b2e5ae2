package io.xbow.netback.event;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An event channel between processes: a Unix domain stream socket, one byte per notification. A reader thread
 * per end blocks on the socket and runs the handler once per read, however many notifications the read collected,
 * so a burst of notifications costs one wakeup. A notification is one blocking write of one byte; the peer's
 * reader always drains, so it waits only if that reader has stopped.
 */
public final class SocketEventChannel implements EventChannel
{
    private static final Runnable NOTHING = () -> {};

    private final SocketChannel socket;
    private final Thread reader;
    private final ByteBuffer one = ByteBuffer.allocateDirect(1);
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private volatile Runnable handler = NOTHING;
    private volatile boolean closed;

    private SocketEventChannel(final SocketChannel socket, final String name) throws IOException
    {
        this.socket = socket;
        socket.configureBlocking(true);
        reader = new Thread(this::read, name);
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Backend: listen at a path and wait for the frontend to connect.
     *
     * @param path the socket file; replaced if it exists.
     * @return the backend's end, once the frontend has connected.
     * @throws IOException if the socket cannot be made.
     */
    public static SocketEventChannel accept(final Path path) throws IOException
    {
        Files.deleteIfExists(path);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX))
        {
            server.bind(UnixDomainSocketAddress.of(path));
            return new SocketEventChannel(server.accept(), "xbow-evtchn-" + path.getFileName());
        }
        finally
        {
            Files.deleteIfExists(path);
        }
    }

    /**
     * Frontend: connect to a backend listening at a path, retrying while it is not there yet.
     *
     * @param path      the socket file.
     * @param timeoutMs how long to keep trying.
     * @return the frontend's end.
     * @throws IOException if no backend answered in time.
     */
    public static SocketEventChannel connect(final Path path, final long timeoutMs) throws IOException
    {
        final long deadline = System.currentTimeMillis() + timeoutMs;
        while (true)
        {
            try
            {
                final SocketChannel socket = SocketChannel.open(StandardProtocolFamily.UNIX);
                socket.connect(UnixDomainSocketAddress.of(path));
                return new SocketEventChannel(socket, "xbow-evtchn-front");
            }
            catch (final IOException ex)
            {
                if (System.currentTimeMillis() > deadline)
                {
                    throw ex;
                }
                try
                {
                    Thread.sleep(20);
                }
                catch (final InterruptedException interrupted)
                {
                    Thread.currentThread().interrupt();
                    throw ex;
                }
            }
        }
    }

    private void read()
    {
        final ByteBuffer buffer = ByteBuffer.allocateDirect(4096);
        try
        {
            while (!closed)
            {
                buffer.clear();
                final int n = socket.read(buffer);
                if (n < 0)
                {
                    return;
                }
                received.addAndGet(n);
                handler.run();
            }
        }
        catch (final IOException ex)
        {
            // the peer went away; nothing more will arrive
        }
    }

    @Override
    public void notifyPeer()
    {
        sent.incrementAndGet();
        synchronized (one)
        {
            one.clear();
            one.put((byte)1).flip();
            try
            {
                // Blocking, but it only waits if the peer's reader left a whole socket buffer of bytes unread.
                socket.write(one);
            }
            catch (final IOException ex)
            {
                if (!closed)
                {
                    throw new UncheckedIOException("event channel peer gone", ex);
                }
            }
        }
    }

    @Override
    public void onNotify(final Runnable handler)
    {
        this.handler = handler == null ? NOTHING : handler;
    }

    @Override
    public long sent()
    {
        return sent.get();
    }

    @Override
    public long received()
    {
        return received.get();
    }

    @Override
    public void close()
    {
        closed = true;
        try
        {
            socket.close();
        }
        catch (final IOException ignored)
        {
            // closing anyway
        }
    }
}
