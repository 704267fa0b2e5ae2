package io.xbow.hypervisor.domain;

import io.xbow.hypervisor.config.VifSpec;
import io.xbow.netback.frontend.Netfront;
import io.xbow.netback.shm.GuestMemory;
import io.xbow.netback.xenbus.VifBackend;
import io.xbow.netback.xenbus.VifFrontend;
import io.xbow.netback.xenbus.XenbusState;

/**
 * One network interface of a domain: the netback ({@code vif<domid>.<devid>}) plugged into the VNIC
 * ({@code xvm<domid>_<devid>}), the guest's memory holding its rings, and the guest's netfront.
 */
public final class Vif
{
    private final int devid;
    private final String name;
    private final String vnic;
    private final long mac;
    private final VifSpec spec;
    private final GuestMemory memory;
    private final VifBackend backend;
    private final VifFrontend frontend;
    private Netfront netfront;
    private Object guestInterface;
    private final VifRouter.RoutedVif routed;
    private AutoCloseable staticLease;

    Vif(final int devid, final String name, final String vnic, final long mac, final VifSpec spec,
        final GuestMemory memory, final VifBackend backend, final VifFrontend frontend, final Netfront netfront,
        final VifRouter.RoutedVif routed)
    {
        this.routed = routed;
        this.devid = devid;
        this.name = name;
        this.vnic = vnic;
        this.mac = mac;
        this.spec = spec;
        this.memory = memory;
        this.backend = backend;
        this.frontend = frontend;
        this.netfront = netfront;
    }

    /**
     * @return the router's side of a {@code vif-route} vif, or null for a bridged one.
     */
    public VifRouter.RoutedVif routed()
    {
        return routed;
    }

    /** The static DHCP lease its ip= and mac= made, or null. */
    AutoCloseable staticLease()
    {
        return staticLease;
    }

    void staticLease(final AutoCloseable lease)
    {
        this.staticLease = lease;
    }

    public int devid()
    {
        return devid;
    }

    /**
     * @return the netback's name: {@code vif<domid>.<devid>} or the config's {@code vifname}.
     */
    public String name()
    {
        return name;
    }

    /**
     * @return the VNIC the vif is plugged into.
     */
    public String vnic()
    {
        return vnic;
    }

    public long mac()
    {
        return mac;
    }

    public VifSpec spec()
    {
        return spec;
    }

    public XenbusState backendState()
    {
        return backend.state();
    }

    /**
     * @return the guest's side of the rings, or null once the frontend closed.
     */
    public Netfront netfront()
    {
        return netfront;
    }

    Object guestInterface()
    {
        return guestInterface;
    }

    void guestInterface(final Object handle)
    {
        guestInterface = handle;
    }

    GuestMemory memory()
    {
        return memory;
    }

    VifBackend backend()
    {
        return backend;
    }

    /** The guest closes its device, as a guest shutting down does. */
    void closeFrontend()
    {
        if (netfront != null)
        {
            frontend.close();
            netfront = null;
        }
    }
}
