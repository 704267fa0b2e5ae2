package io.xbow.hypervisor.guest;

import io.xbow.hostif.host.HostCommandException;
import io.xbow.hostif.io.Readiness;
import io.xbow.hostif.netns.NetworkNamespace;
import io.xbow.hostif.sys.NativeException;
import io.xbow.hostif.tap.TapDevice;
import io.xbow.packet.address.MacAddress;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The netns guest builder's guest: a Linux network namespace per domain, whose {@code eth<devid>} interfaces are
 * TAP devices carrying their vifs' MACs and MTUs, with the vif's {@code ip=} address and {@code gateway=} default
 * route; real programs run inside ({@code xl exec}). A {@link TapShim} per vif moves the frames over the vif's
 * rings, so these guests use the same netback as every other. Needs root.
 * <p>
 * Namespaces are named {@code xbow-PID-dom<ID>}: a daemon starting up removes those of a predecessor killed with
 * -9 ({@link #removeLeftovers()}); a TAP goes with the descriptor this process holds.
 */
public final class NetnsGuest extends Guest
{
    /** What netns guest namespaces are named with. */
    public static final String NAMESPACE_PREFIX = "xbow";

    private final NetworkNamespace namespace;
    private final Readiness readiness;
    private final List<TapShim> shims = new CopyOnWriteArrayList<>();

    /**
     * Make the guest's namespace, loopback up.
     *
     * @param name      the domain's name.
     * @param domid     its id, in the namespace's name.
     * @param readiness says when the guest's TAPs have frames.
     * @throws IllegalStateException if the namespace cannot be made (not root, no ip(8)).
     */
    public NetnsGuest(final String name, final int domid, final Readiness readiness)
    {
        super(name);
        this.readiness = readiness;
        try
        {
            this.namespace = NetworkNamespace.create(NetworkNamespace.nameFor(NAMESPACE_PREFIX, "dom" + domid));
        }
        catch (final HostCommandException ex)
        {
            throw new IllegalStateException("cannot create the guest's network namespace: " + ex.getMessage());
        }
    }

    /**
     * @return the namespace's name: {@code ip netns exec NAME ...} runs a command inside the guest.
     */
    public String namespace()
    {
        return namespace.name();
    }

    /**
     * Remove the namespaces of netns guests whose daemon is gone.
     *
     * @return their names.
     */
    public static List<String> removeLeftovers()
    {
        return NetworkNamespace.removeLeftovers(NAMESPACE_PREFIX);
    }

    @Override
    public Object addInterface(final GuestNic vif)
    {
        final String device = "eth" + vif.devid();
        TapDevice tap = null;
        try
        {
            tap = TapDevice.create("xbg%d");
            namespace.adopt(tap.name());
            namespace.ip("link", "set", "dev", tap.name(), "name", device);
            namespace.ip("link", "set", "dev", device, "address", MacAddress.format(vif.mac()), "mtu",
                Integer.toString(vif.mtu()));
            if (vif.ip() != null)
            {
                // xl's ip= is usually a bare address: a guest on a LAN takes it as a /24, as most do.
                namespace.ip("addr", "add", vif.ip().contains("/") ? vif.ip() : vif.ip() + "/24", "dev", device);
            }
            namespace.ip("link", "set", "dev", device, "up");
            if (vif.gateway() != null)
            {
                namespace.ip("route", "add", "default", "via", vif.gateway(), "dev", device);
            }
        }
        catch (final NativeException | HostCommandException ex)
        {
            if (tap != null)
            {
                tap.close();
            }
            throw new IllegalStateException("cannot give the guest its " + device + ": " + ex.getMessage());
        }
        final TapShim shim = new TapShim(vif.vifName(), tap, vif.netfront(), readiness, this::wake);
        command(() -> shims.add(shim));
        return shim;
    }

    @Override
    public CompletableFuture<Void> removeInterface(final Object handle)
    {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        command(() ->
        {
            shims.remove(handle);
            ((TapShim)handle).close();
            done.complete(null);
        });
        return done;
    }

    @Override
    public boolean takesSuperFrames()
    {
        return TapShim.SUPER_FRAMES;
    }

    @Override
    public void carrier(final Object handle, final boolean on)
    {
        command(() -> ((TapShim)handle).carrier(on));
    }

    @Override
    protected boolean armInterfaces()
    {
        boolean ready = false;
        for (final TapShim shim : shims)
        {
            ready |= shim.arm();
        }
        return ready;
    }

    @Override
    protected long interfacesDeadline(final long now)
    {
        long deadline = Long.MAX_VALUE;
        for (final TapShim shim : shims)
        {
            deadline = Math.min(deadline, shim.deadline(now));
        }
        return deadline;
    }

    @Override
    protected int stepInterfaces(final long now)
    {
        int work = 0;
        for (final TapShim shim : shims)
        {
            work += shim.step();
        }
        return work;
    }

    /**
     * Delete the namespace (its processes lose their network; a TAP still open goes when it is closed).
     */
    @Override
    public void close()
    {
        namespace.close();
    }
}
