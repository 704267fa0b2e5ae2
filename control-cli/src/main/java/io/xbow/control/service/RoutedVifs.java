package io.xbow.control.service;

import io.xbow.hypervisor.domain.VifRouter;
import io.xbow.nat.dhcp.DhcpServer;
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
 * Xen's {@code script=vif-route} and {@code script=vif-nat} in the router. A routed vif gets a point-to-point link to
 * the router (a VLAN of its own on etherstub {@link #ROUTED_STUB}), a /32 route to each of its addresses through it,
 * proxy ARP for them on the gateway link, and the router answering the guest's ARP for anything. A vif-nat vif gets
 * the same link with the router's own address on it, a /32 route to the guest's private address, a DHCP server
 * giving that address to the vif's MAC with the router as gateway, and a map rule masquerading the guest out of the
 * gateway link. Its lock is the {@link RouterService}'s.
 */
public final class RoutedVifs implements VifRouter
{
    private static final System.Logger LOG = System.getLogger(RoutedVifs.class.getName());

    /** The etherstub where routed vifs meet the router, each on a VLAN of its own; made with the first one. */
    public static final String ROUTED_STUB = "xbowroute0";

    /** vif-nat's leases are not written down: the vif's static address is its lease, made again with the vif. */
    private static final DhcpServer.Listener NO_RECORD = new DhcpServer.Listener()
    {
        @Override
        public void leased(final long mac, final int address, final long expiresEpochMs, final String hostname)
        {
        }

        @Override
        public void ended(final long mac, final int address)
        {
        }
    };

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
            all.put(routed.side.iface, routed.side.sw);
        }
        return all;
    }


    @Override
    public RoutedVif connect(final String vifName, final String vnicName, final List<Integer> guest,
        final String gatewaydev)
    {
        synchronized (owner)
        {
            final RouterService.Address uplink = uplink(gatewaydev);
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
            final Side side = side(vifName, vnicName, uplink.address());
            final Routed routed = new Routed(vifName, List.copyOf(guest), uplink, side, null);
            routedVifs.put(vifName, routed);
            try
            {
                owner.onDatapath(side.sw, () ->
                {
                    router.addUnnumberedInterface(side.iface);
                    side.iface.proxyAll(true);
                    for (final int a : routed.guestAddresses)
                    {
                        router.addInterfaceRoute(a, 32, side.iface);
                        uplink.iface().proxyArp(a, true);
                    }
                });
                registry.plug(side.routerVnic, side.iface.port());
            }
            catch (final RuntimeException ex)
            {
                disconnect(routed); // all or nothing
                throw new IllegalStateException("the router's side: " + ex.getMessage(), ex);
            }
            return routed;
        }
    }

    /** The router's side of a vif's link: a VNIC on a VLAN of its own on {@link #ROUTED_STUB}, an interface there. */
    private record Side(String routerVnic, VirtualSwitch sw, RouterInterface iface, int vid)
    {
    }

    private Side side(final String vifName, final String vnicName, final int address)
    {
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
        // A /32: nothing but the guest is on the link (Xen gives the vif dom0's address, or vif-nat's router's).
        final RouterInterface iface = router.newInterface(vifName, standsOn.mac(), address, 32, standsOn.mtu(),
            sw.cycleClock().nanoTime());
        routedVids.set(vid);
        return new Side(routerVnic, sw, iface, vid);
    }

    @Override
    public RoutedVif connectNat(final String vifName, final String vnicName, final int guest, final int prefixLength,
        final int routerAddress, final String gatewaydev)
    {
        synchronized (owner)
        {
            final RouterService.Address uplink = uplink(gatewaydev);
            if (ours(guest) || ours(routerAddress))
            {
                throw new IllegalStateException(Ipv4Address.format(ours(guest) ? guest : routerAddress) +
                    " is an address of the router already");
            }
            if (owner.hasRoute(new RouterService.Prefix(guest, 32)))
            {
                throw new IllegalStateException("a route for " + Ipv4Address.format(guest) + " exists already");
            }
            final Side side = side(vifName, vnicName, routerAddress);
            final DhcpServer dhcp = new DhcpServer(routerAddress, prefixLength, new DhcpServer.Pool(guest, guest,
                routerAddress, new int[0], 86_400, ""), System::currentTimeMillis, NO_RECORD);
            final Routed routed = new Routed(vifName, List.of(guest), uplink, side, dhcp);
            routedVifs.put(vifName, routed);
            try
            {
                owner.onDatapath(side.sw, () ->
                {
                    router.addUnnumberedInterface(side.iface);
                    side.iface.proxyAll(true); // the guest's /16 is all through the router
                    side.iface.dhcp(dhcp);
                    router.addInterfaceRoute(guest, 32, side.iface);
                });
                registry.plug(side.routerVnic, side.iface.port());
                owner.nat().addVifRule(vifName, uplink.ifname(), guest);
            }
            catch (final RuntimeException ex)
            {
                disconnect(routed);
                throw new IllegalStateException("the router's side: " + ex.getMessage(), ex);
            }
            return routed;
        }
    }

    private RouterService.Address uplink(final String gatewaydev)
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
        return uplink;
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
                if (routed.dhcp != null)
                {
                    owner.nat().removeVifRule(routed.vif); // its masquerade and translations go with it
                }
                owner.onDatapath(routed.side.sw, () ->
                {
                    for (final int a : routed.guestAddresses)
                    {
                        router.removeRoute(a, 32);
                        if (routed.dhcp == null)
                        {
                            routed.uplink.iface().proxyArp(a, false);
                        }
                    }
                    routed.side.iface.dhcp(null);
                    router.removeInterface(routed.side.iface);
                });
            }
            finally
            {
                try
                {
                    registry.plug(routed.side.routerVnic, null);
                    registry.deleteOwnedVnic(routed.side.routerVnic);
                    routedVids.clear(routed.side.vid);
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

    /**
     * A routed vif (or a vif-nat one, with its DHCP server): the router's side of its link, and what it publishes on
     * the gateway link.
     */
    private final class Routed implements RoutedVif
    {
        final String vif;
        final List<Integer> guestAddresses;
        final RouterService.Address uplink;
        final Side side;
        final DhcpServer dhcp;

        Routed(final String vif, final List<Integer> guestAddresses, final RouterService.Address uplink,
            final Side side, final DhcpServer dhcp)
        {
            this.vif = vif;
            this.guestAddresses = guestAddresses;
            this.uplink = uplink;
            this.side = side;
            this.dhcp = dhcp;
        }

        @Override
        public String over()
        {
            return ROUTED_STUB;
        }

        @Override
        public int vid()
        {
            return side.vid;
        }

        @Override
        public String gatewaydev()
        {
            return uplink.ifname();
        }

        @Override
        public void leaseTo(final long mac)
        {
            if (dhcp != null)
            {
                synchronized (owner)
                {
                    owner.onDatapath(side.sw, () -> dhcp.addStatic(mac, guestAddresses.get(0)));
                }
            }
        }

        @Override
        public void close()
        {
            disconnect(this);
        }
    }
}
