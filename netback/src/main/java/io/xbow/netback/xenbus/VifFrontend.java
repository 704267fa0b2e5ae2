package io.xbow.netback.xenbus;

import io.xbow.netback.frontend.Netfront;
import io.xbow.netback.shm.GuestMemory;

/**
 * The frontend half of the xenbus handshake, as Linux's netfront runs it: when the backend is in InitWait, set up
 * the rings (a {@link Netfront}), write {@code tx-ring-ref}, {@code rx-ring-ref}, {@code event-channel},
 * {@code request-rx-copy}, {@code feature-rx-notify}, {@code feature-sg}, and go Connected. {@link #close()} goes
 * Closing then Closed; {@link #reconnect()} starts over from Initialising.
 */
public final class VifFrontend
{
    private final XenStore store;
    private final EventChannels channels;
    private final String path;
    private final GuestMemory memory;
    private final int backendDomid;
    private Netfront netfront;
    private int port;

    public VifFrontend(final XenStore store, final EventChannels channels, final int backendDomid, final int guest,
        final int devid, final GuestMemory memory)
    {
        this.store = store;
        this.channels = channels;
        this.path = XenStore.frontendPath(guest, devid);
        this.memory = memory;
        this.backendDomid = backendDomid;
        store.write(path + "/backend", XenStore.backendPath(backendDomid, guest, devid));
        store.write(path + "/backend-id", Integer.toString(backendDomid));
        store.write(path + "/handle", Integer.toString(devid));
        store.write(path + "/state", XenbusState.INITIALISING.toString());
    }

    /**
     * Set up the rings and connect; the backend must be in InitWait.
     *
     * @return the netfront.
     */
    public Netfront connect()
    {
        return connect(false);
    }

    /**
     * @param superFrames the guest takes TCP super-frames and partial checksums on receive: announce
     *                    {@code feature-gso-tcpv4} and {@code -tcpv6}, and read {@link Netfront#rxGsoType()} and
     *                    {@link Netfront#rxFlags()} with every frame.
     * @return the netfront.
     */
    public Netfront connect(final boolean superFrames)
    {
        final String backendState = store.read(store.read(path + "/backend") + "/state");
        if (XenbusState.parse(backendState) != XenbusState.INIT_WAIT)
        {
            throw new IllegalStateException("backend is in state " + backendState + ", not InitWait (2)");
        }
        final EventChannels.Allocation allocation = channels.allocate();
        port = allocation.port();
        netfront = new Netfront(memory, backendDomid, allocation.channel());
        store.write(path + "/tx-ring-ref", Integer.toString(Netfront.TX_RING_REF));
        store.write(path + "/rx-ring-ref", Integer.toString(Netfront.RX_RING_REF));
        store.write(path + "/event-channel", Integer.toString(port));
        store.write(path + "/request-rx-copy", "1");
        store.write(path + "/feature-rx-notify", "1");
        store.write(path + "/feature-sg", "1");
        if (superFrames)
        {
            store.write(path + "/feature-gso-tcpv4", "1");
            store.write(path + "/feature-gso-tcpv6", "1");
        }
        store.write(path + "/state", XenbusState.CONNECTED.toString());
        return netfront;
    }

    /**
     * Close the device: Closing, then Closed.
     */
    public void close()
    {
        store.write(path + "/state", XenbusState.CLOSING.toString());
        store.write(path + "/state", XenbusState.CLOSED.toString());
        channels.release(port);
        netfront = null;
    }

    /**
     * Start over after a close: Initialising, then connect again.
     *
     * @return the new netfront.
     */
    public Netfront reconnect()
    {
        store.write(path + "/state", XenbusState.INITIALISING.toString());
        return connect();
    }

    public Netfront netfront()
    {
        return netfront;
    }
}
