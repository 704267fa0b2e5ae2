package io.xbow.netback.xenbus;

import io.xbow.netback.event.EventChannel;
import io.xbow.netback.event.LocalEventChannel;

import java.util.HashMap;
import java.util.Map;

/**
 * Event channel ports of this host: a frontend allocates one (and writes its number to xenstore's
 * {@code event-channel}); the backend binds the other end by that number.
 */
public final class EventChannels
{
    private final Map<Integer, EventChannel> backendEnds = new HashMap<>();
    private int next = 1;

    /**
     * @return a new port and the frontend's end: [port] and the channel.
     */
    public synchronized Allocation allocate()
    {
        final LocalEventChannel[] pair = LocalEventChannel.pair();
        final int port = next++;
        backendEnds.put(port, pair[1]);
        return new Allocation(port, pair[0]);
    }

    /**
     * @param port a port a frontend allocated.
     * @return the backend's end, or null if there is no such port.
     */
    public synchronized EventChannel bind(final int port)
    {
        return backendEnds.get(port);
    }

    /**
     * @param port a port to forget.
     */
    public synchronized void release(final int port)
    {
        backendEnds.remove(port);
    }

    /**
     * A frontend's port and its end.
     *
     * @param port    the number for xenstore.
     * @param channel the frontend's end.
     */
    public record Allocation(int port, EventChannel channel)
    {
    }
}
