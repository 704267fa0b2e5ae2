package io.xbow.control.service;

import io.xbow.hypervisor.domain.VifRouter;
import io.xbow.nat.router.Router;
import io.xbow.nat.router.RouterInterface;
import io.xbow.packet.address.Ipv4Address;
import io.xbow.vnic.LinkRegistry;
import io.xbow.vnic.link.PortLink;
import io.xbow.vnic.mac.MacSpec;
import io.xbow.vswitch.VirtualSwitch;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Xen's {@code script=vif-route} in the router: a routed vif gets a point-to-point link to the router (a VLAN of its
 * own on etherstub {@link #ROUTED_STUB}), a /32 route to each of its addresses through it, proxy ARP for them on the
 * gateway link, and the router answering the guest's ARP for anything. Its lock is the {@link RouterService}'s.
 */
public final class RoutedVifs implements VifRouter
{
    private static final System.Logger LOG = System.getLogger(RoutedVifs.class.getName());

    /** The etherstub where routed vifs meet the router, each on a VLAN of its own; made with the first one. */
    public static final String ROUTED_STUB = "xbowroute0";

    private final RouterService owner;
    private final LinkRegistry registry;
    private final Router router;
    /** Routed vifs, by vif name. */
    private final Map<String, Routed> routedVifs = new TreeMap<>();
    /** VLAN ids in use on {@link #ROUTED_STUB}: a point-to-point link each. */
    private final java.util.BitSet routedVids = new java.util.BitSet(4095);

    RoutedVifs(final RouterService owner, final LinkRegistry registry, final Router router)
    {
        this.owner = owner;
        this.registry = registry;
        this.router = router;
    }

    /** The routed vifs whose addresses this address publishes. Under the owner's lock. */
    List<String> users(final RouterService.Address address)
    {
        final List<String> users = new ArrayList<>();
        for (final Routed routed : routedVifs.values())
        {
            if (routed.uplink == address)
            {
                users.add(routed.vif);
            }
        }
        return users;
    }

    /** The router's interfaces facing routed vifs, with their switches. Under the owner's lock. */
    Map<RouterInterface, VirtualSwitch> interfaces()
    {
        final Map<RouterInterface, VirtualSwitch> all = new java.util.LinkedHashMap<>();
        for (final Routed routed : routedVifs.values())
        {
            all.put(routed.iface, routed.sw);
        }
        return all;
    }


    @Override
    public RoutedVif connect(final String vifName, final String vnicName, final List<Integer> guest,
        final String gatewaydev)
    {
        synchronized (owner)
        {
            final RouterService.Address uplink = gatewaydev != null ? addressOn(gatewaydev) : defaultRouteAddress();
            if (uplink == null)
            {
                throw new IllegalStateException(gatewaydev != null ?
                    "the router has no address on " + gatewaydev + " (gatewaydev): give it one with ipadm " +
                    "create-addr -T static -a ADDRESS/PREFIX " + gatewaydev + "/v4" :
                    "no gatewaydev= and no default route to find the gateway link by: name it, or add the route " +
                    "(route -p add default GATEWAY)");
            }
            for (final int a : guest)
            {
                if (ours(a))
                {
                    throw new IllegalStateException(Ipv4Address.format(a) + " is an address of the router");
                }
                if (owner.hasRoute(new RouterService.Prefix(a, 32)))
                {
                    throw new IllegalStateException("a route for " + Ipv4Address.format(a) + " exists already");
                }
                for (final Routed other : routedVifs.values())
                {
                    if (other.guestAddresses.contains(a))
                    {
                        throw new IllegalStateException(Ipv4Address.format(a) + " is routed to " + other.vif + " already");
                    }
                }
            }
            final int vid = routedVids.nextClearBit(2);
            if (vid > 4094)
            {
                throw new IllegalStateException("4093 routed vifs is as many as " + ROUTED_STUB + " has VLANs for");
            }
            final String routerVnic = RouterService.VNIC_PREFIX + vnicName;
            final boolean newStub = !linkExists(ROUTED_STUB);
            if (newStub)
            {
                registry.createEtherstub(ROUTED_STUB, true);
            }
            try
            {
                registry.createVnic(routerVnic, ROUTED_STUB, MacSpec.random(), vid, Map.of(), true);
            }
            catch (final RuntimeException ex)
            {
                if (newStub)
                {
                    registry.deleteEtherstub(ROUTED_STUB);
                }
                throw new IllegalStateException("the router's side: " + ex.getMessage(), ex);
            }
            registry.own(routerVnic, "the router's side of " + vifName);
            final PortLink standsOn = (PortLink)registry.link(routerVnic);
            final VirtualSwitch sw = standsOn.overLink().switchOf();
            // Unnumbered: the vif borrows the gateway link's address (Xen gives the vif dom0's address with a /32).
            final RouterInterface iface = router.newInterface(vifName, standsOn.mac(), uplink.address(), 32,
                standsOn.mtu(), sw.cycleClock().nanoTime());
            final Routed routed = new Routed(vifName, List.copyOf(guest), uplink, iface, routerVnic, sw, vid);
            routedVids.set(vid);
            routedVifs.put(vifName, routed);
            try
            {
                owner.onDatapath(sw, () ->
                {
                    router.addUnnumberedInterface(iface);
                    iface.proxyAll(true);
                    for (final int a : routed.guestAddresses)
                    {
                        router.addInterfaceRoute(a, 32, iface);
                        uplink.iface().proxyArp(a, true);
                    }
                });
                registry.plug(routerVnic, iface.port());
            }
            catch (final RuntimeException ex)
            {
                disconnect(routed); // all or nothing
                throw new IllegalStateException("the router's side: " + ex.getMessage(), ex);
            }
            return routed;
        }
    }

    @Override
    public AutoCloseable staticLease(final String link, final long mac, final int address)
    {
        return owner.dhcp().staticLease(link, mac, address);
    }

    private void disconnect(final Routed routed)
    {
        synchronized (owner)
        {
            if (routedVifs.remove(routed.vif) == null)
            {
                return;
            }
            try
            {
                owner.onDatapath(routed.sw, () ->
                {
                    for (final int a : routed.guestAddresses)
                    {
                        router.removeRoute(a, 32);
                        routed.uplink.iface().proxyArp(a, false);
                    }
                    router.removeInterface(routed.iface);
                });
            }
            finally
            {
                try
                {
                    registry.plug(routed.routerVnic, null);
                    registry.deleteOwnedVnic(routed.routerVnic);
                    routedVids.clear(routed.vid);
                    if (routedVifs.isEmpty())
                    {
                        registry.deleteEtherstub(ROUTED_STUB);
                    }
                }
                catch (final RuntimeException ex)
                {
                    LOG.log(System.Logger.Level.WARNING, "removing the router's side of " + routed.vif + ": " +
                        ex.getMessage());
                }
            }
        }
    }

    private boolean linkExists(final String name)
    {
        try
        {
            registry.link(name);
            return true;
        }
        catch (final RuntimeException ex)
        {
            return false;
        }
    }

    private boolean ours(final int address)
    {
        for (final RouterService.Address a : owner.addresses())
        {
            if (a.address() == address)
            {
                return true;
            }
        }
        return false;
    }

    private RouterService.Address addressOn(final String ifname)
    {
        for (final RouterService.Address a : owner.addresses())
        {
            if (a.ifname().equals(ifname))
            {
                return a;
            }
        }
        return null;
    }

    private RouterService.Address defaultRouteAddress()
    {
        final Integer gateway = owner.defaultGateway();
        return gateway == null ? null : owner.addressFor(gateway);
    }

    /** A routed vif: the router's interface facing it, its VNIC there, and what it publishes on the gateway link. */
    private final class Routed implements RoutedVif
    {
        final String vif;
        final List<Integer> guestAddresses;
        final RouterService.Address uplink;
        final RouterInterface iface;
        final String routerVnic;
        final VirtualSwitch sw;
        final int vid;

        Routed(final String vif, final List<Integer> guestAddresses, final RouterService.Address uplink,
            final RouterInterface iface,
            final String routerVnic, final VirtualSwitch sw, final int vid)
        {
            this.vif = vif;
            this.guestAddresses = guestAddresses;
            this.uplink = uplink;
            this.iface = iface;
            this.routerVnic = routerVnic;
            this.sw = sw;
            this.vid = vid;
        }

        @Override
        public String over()
        {
            return ROUTED_STUB;
        }

        @Override
        public int vid()
        {
            return vid;
        }

        @Override
        public String gatewaydev()
        {
            return uplink.ifname();
        }

        @Override
        public void close()
        {
            disconnect(this);
        }
    }
}
