package io.xbow.netback.event;

import java.util.concurrent.atomic.AtomicLong;

/**
 * An event channel whose two ends live in one process: ringing one end runs the other end's handler directly.
 */
public final class LocalEventChannel implements EventChannel
{
    private static final Runnable NOTHING = () -> {};

    private LocalEventChannel peer;
    private volatile Runnable handler = NOTHING;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong received = new AtomicLong();

    private LocalEventChannel()
    {
    }

    /**
     * @return the two ends of a new channel: [0] for the frontend, [1] for the backend.
     */
    public static LocalEventChannel[] pair()
    {
        final LocalEventChannel a = new LocalEventChannel();
        final LocalEventChannel b = new LocalEventChannel();
        a.peer = b;
        b.peer = a;
        return new LocalEventChannel[]{a, b};
    }

    @Override
    public void notifyPeer()
    {
        sent.incrementAndGet();
        peer.received.incrementAndGet();
        peer.handler.run();
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
        handler = NOTHING;
    }
}
