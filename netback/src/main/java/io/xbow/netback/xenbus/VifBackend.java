package io.xbow.netback.xenbus;

import io.xbow.netback.backend.Netback;
import io.xbow.netback.event.EventChannel;
import io.xbow.netback.shm.GuestMemory;
import io.xbow.packet.frame.FrameOffload;
import io.xbow.packet.frame.FramePool;
import io.xbow.vswitch.port.PortDevice;

import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * The backend half of the xenbus handshake for one vif, as Linux's netback runs it: write the device keys and
 * features, go InitWait; when the frontend is Connected, read its ring references and event channel, check them,
 * connect the {@link Netback} and go Connected; when the frontend closes (or misbehaves), go Closing, hand the
 * netback back (its frames return to the pool) and go Closed; when the frontend starts over, go InitWait again.
 * Only features that are implemented are advertised: {@code feature-rx-copy}, {@code feature-sg}, and
 * {@code feature-gso-tcpv4} and {@code -tcpv6} (the frontend may send TCP super-frames of up to 64 KiB).
 */
public final class VifBackend implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger(VifBackend.class.getName());
    /** Where the datapath posts the failures it finds: one control thread for every vif, never the datapath. */
    private static final Executor FAILURES = Executors.newSingleThreadExecutor(r ->
    {
        final Thread thread = new Thread(r, "xbow-vif-failures");
        thread.setDaemon(true);
        return thread;
    });

    private final XenStore store;
    private final EventChannels channels;
    private final String path;
    private final String frontendPath;
    private final int domid;
    private final FramePool pool;
    private final GuestMemory memory;
    private final int mtu;
    private final Consumer<PortDevice> plug;
    private final Object watch;
    private Netback netback;
    private String lastError;

    /**
     * @param store    the xenstore.
     * @param channels the host's event channels.
     * @param domid    the backend's domain (0).
     * @param guest    the guest's domain.
     * @param devid    the vif's index.
     * @param mac      the vif's MAC, as xl writes it.
     * @param mtu      the vif's MTU.
     * @param pool     the frame pool of the switch the vif's VNIC is on.
     * @param memory   the guest's memory.
     * @param plug     plugs the connected netback into the vif's VNIC (null to unplug).
     */
    public VifBackend(final XenStore store, final EventChannels channels, final int domid, final int guest,
        final int devid, final String mac, final int mtu, final FramePool pool, final GuestMemory memory,
        final Consumer<PortDevice> plug)
    {
        this.store = store;
        this.channels = channels;
        this.path = XenStore.backendPath(domid, guest, devid);
        this.frontendPath = XenStore.frontendPath(guest, devid);
        this.domid = domid;
        this.pool = pool;
        this.memory = memory;
        this.mtu = mtu;
        this.plug = plug;
        store.write(path + "/frontend", frontendPath);
        store.write(path + "/frontend-id", Integer.toString(guest));
        store.write(path + "/online", "1");
        store.write(path + "/handle", Integer.toString(devid));
        store.write(path + "/mac", mac);
        store.write(path + "/type", "vif");
        if (mtu != 1500)
        {
            store.write(path + "/mtu", Integer.toString(mtu));
        }
        store.write(path + "/feature-rx-copy", "1");
        store.write(path + "/feature-rx-flip", "0");
        store.write(path + "/feature-sg", "1");
        store.write(path + "/feature-gso-tcpv4", "1");
        store.write(path + "/feature-gso-tcpv6", "1");
        store.write(path + "/hotplug-status", "connected");
        state(XenbusState.INITIALISING);
        state(XenbusState.INIT_WAIT);
        watch = store.watch(frontendPath + "/state", (key, value) -> frontendChanged(XenbusState.parse(value)));
    }

    private synchronized void frontendChanged(final XenbusState frontend)
    {
        switch (frontend)
        {
            case CONNECTED:
                if (state() != XenbusState.CONNECTED)
                {
                    connect();
                }
                break;
            case CLOSING:
            case CLOSED:
                disconnect();
                break;
            case INITIALISING:
                if (state() == XenbusState.CLOSED)
                {
                    state(XenbusState.INIT_WAIT);
                }
                break;
            default:
        }
    }

    private void connect()
    {
        try
        {
            if (!"1".equals(store.read(frontendPath + "/request-rx-copy")))
            {
                throw new IllegalArgumentException("frontend did not request rx-copy");
            }
            final int txRef = integer("tx-ring-ref");
            final int rxRef = integer("rx-ring-ref");
            final int port = integer("event-channel");
            final EventChannel event = channels.bind(port);
            if (event == null)
            {
                throw new IllegalArgumentException("event-channel " + port + " is not allocated");
            }
            final boolean sg = "1".equals(store.read(frontendPath + "/feature-sg"));
            final Netback[] self = new Netback[1];
            self[0] = Netback.connect(pool, memory, domid, txRef, rxRef, event, mtu, sg, 256,
                reason -> FAILURES.execute(() -> failed(self[0], reason)));
            // Receive offloads, as Linux's netback reads them: GSO per IP version, with checksum offload.
            final boolean gso4 = "1".equals(store.read(frontendPath + "/feature-gso-tcpv4"));
            final boolean gso6 = "1".equals(store.read(frontendPath + "/feature-gso-tcpv6"));
            if (gso4 || gso6)
            {
                self[0].rxOffloads(FrameOffload.CAN_CSUM | (gso4 ? FrameOffload.CAN_TSO4 : 0) |
                    (gso6 ? FrameOffload.CAN_TSO6 : 0));
            }
            netback = self[0];
            plug.accept(netback);
            state(XenbusState.CONNECTED);
        }
        catch (final IllegalArgumentException ex)
        {
            fail(ex.getMessage());
        }
    }

    /**
     * A failure the datapath found (a hostile ring): it posts it here and goes on, since handling it takes the link
     * registry's lock, whose holders may wait for the datapath. Ignored if the vif has moved on meanwhile.
     */
    private synchronized void failed(final Netback which, final String reason)
    {
        if (netback == which && which != null)
        {
            fail(reason);
        }
    }

    private void fail(final String reason)
    {
        LOG.log(System.Logger.Level.WARNING, path + ": disconnecting the frontend: " + reason);
        lastError = reason;
        store.write(path + "/error", reason);
        state(XenbusState.CLOSING);
        unplug();
    }

    private void disconnect()
    {
        if (state() == XenbusState.CLOSED)
        {
            return;
        }
        state(XenbusState.CLOSING);
        unplug();
        state(XenbusState.CLOSED);
    }

    private void unplug()
    {
        if (netback != null)
        {
            plug.accept(null); // the VNIC's port lets go; frames it held go back to the pool on the datapath
            netback = null;
        }
    }

    private int integer(final String key)
    {
        final String value = store.read(frontendPath + "/" + key);
        try
        {
            return Integer.parseInt(value);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(key + " is '" + value + "', not a number");
        }
    }

    private void state(final XenbusState state)
    {
        store.write(path + "/state", state.toString());
    }

    public XenbusState state()
    {
        return XenbusState.parse(store.read(path + "/state"));
    }

    /**
     * @return the connected netback, or null.
     */
    public synchronized Netback netback()
    {
        return netback;
    }

    /**
     * @return why the last connection failed or was dropped, or null.
     */
    public String lastError()
    {
        return lastError;
    }

    /**
     * Tear the vif down: unplug, and remove the backend's keys.
     */
    @Override
    public synchronized void close()
    {
        store.unwatch(watch);
        disconnect();
        store.remove(path);
    }
}
