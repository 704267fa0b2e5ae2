package io.xbow.hypervisor.domain;

import java.util.List;

/**
 * The router's side of Xen's {@code script=vif-route}, which the daemon's router provides: a routed vif is a
 * point-to-point link between the guest and the router, the guest keeps its own (public) addresses, the router
 * routes a /32 to each through the vif and answers ARP for them on the gateway link (proxy ARP), and answers the
 * guest's ARP for anything (the guest reaches everything through it).
 */
public interface VifRouter
{
    /**
     * Set up the router's side of a routed vif.
     *
     * @param vifName    the vif ({@code vif1.0}): the router's interface on the link is named after it.
     * @param vnicName   the guest's VNIC, to be created on {@link RoutedVif#over()} with {@link RoutedVif#vid()}.
     * @param addresses  the guest's IPv4 addresses ({@code ip=}).
     * @param gatewaydev the link where the router answers ARP for them ({@code gatewaydev=}), or null for the link of
     *                   the default route.
     * @return the link to create the guest's VNIC on, and how to undo it all.
     * @throws IllegalStateException in words for the user (no address on the gateway link, an address routed
     *                               elsewhere already).
     */
    RoutedVif connect(String vifName, String vnicName, List<Integer> addresses, String gatewaydev);

    /**
     * Set up the router's side of Xen's {@code script=vif-nat}: a link of its own between the guest and the router
     * (as a routed vif's), the router's address on it, a /32 route to the guest through it, DHCP serving the guest its
     * address ({@link RoutedVif#leaseTo}) with the router as its gateway, and what the guest sends out of the gateway
     * link masqueraded.
     *
     * @param guest        the guest's address.
     * @param prefixLength the netmask DHCP gives the guest.
     * @param router       the router's address on the link.
     * @param gatewaydev   the link the guest's traffic leaves masqueraded through, or null for the default route's.
     * @throws IllegalStateException in words for the user.
     */
    RoutedVif connectNat(String vifName, String vnicName, int guest, int prefixLength, int router, String gatewaydev);

    /**
     * A bridged vif's {@code ip=} and {@code mac=} as a static DHCP lease, where the router serves DHCP on the vif's
     * link and the address is in that pool's subnet (as vif-nat adds a dhcpd host entry).
     *
     * @return how to remove it with the vif, or null if no DHCP server on the link serves that subnet.
     */
    AutoCloseable staticLease(String link, long mac, int address);

    /** A routed vif's link to the router. */
    interface RoutedVif
    {
        /** The etherstub the guest's VNIC goes over. */
        String over();

        /** Its VLAN there: a link of its own between the guest and the router. */
        int vid();

        /** The link where the router answers ARP for the guest. */
        String gatewaydev();

        /** vif-nat: DHCP gives the guest's address to this MAC (the guest's VNIC's, known once it is made). */
        default void leaseTo(final long mac)
        {
        }

        /** Remove the routes, the proxy ARP entries (vif-nat: the lease and translations) and the router's interface. */
        void close();
    }
}
