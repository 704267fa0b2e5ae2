package io.xbow.vnic.uplink;

import io.xbow.vnic.LinkException;
import io.xbow.vswitch.port.PortDevice;

import java.util.List;

/**
 * Where physical links come from: the host's Ethernet interfaces, and a way to open one as a switch's uplink
 * (hostif's packet socket). The link registry asks when a link is named that it does not hold, and opens an
 * interface when the first VNIC or VLAN link goes over it.
 */
public interface HostLinks
{
    /** A host with no interfaces to offer (tests, tools): physical links are only what is created by hand. */
    HostLinks NONE = new HostLinks()
    {
        @Override
        public List<HostLink> list()
        {
            return List.of();
        }

        @Override
        public HostLink find(final String name)
        {
            return null;
        }

        @Override
        public Uplink open(final String name)
        {
            throw new LinkException("link " + name + " is not a host interface");
        }

        @Override
        public Uplink hostInterface(final String name, final long mac, final int mtu)
        {
            throw new LinkException("cannot give " + name + " a host interface: this registry has no host");
        }
    };

    /**
     * @return the host's Ethernet interfaces now.
     */
    List<HostLink> list();

    /**
     * @param name a link name.
     * @return the host interface of that name, or null.
     */
    HostLink find(String name);

    /**
     * Start using an interface as an uplink.
     *
     * @param name the interface.
     * @return its device, to plug into the physical link's uplink port.
     * @throws LinkException saying why not, in one line (not root, the interface is gone).
     */
    Uplink open(String name);

    /**
     * Make a link an interface of the host ({@code zone=global}): a TAP of the link's name in the daemon's network
     * namespace, with the link's MAC and MTU, up and without an address, whose frames the link carries.
     *
     * @param name the link's name, the interface's.
     * @param mac  the link's MAC.
     * @param mtu  the link's MTU.
     * @return the device to plug into the link.
     * @throws LinkException saying why not (an interface of that name exists; not root).
     */
    Uplink hostInterface(String name, long mac, int mtu);

    /**
     * An open host interface.
     */
    interface Uplink extends AutoCloseable
    {
        /**
         * Follow the link's new name, for an interface made for it ({@link #hostInterface}).
         *
         * @param newName the link's new name.
         * @throws LinkException if the host refuses.
         */
        default void rename(final String newName)
        {
            throw new LinkException("cannot rename this host interface");
        }

        /**
         * @return the device behind the physical link's uplink port.
         */
        PortDevice device();

        /**
         * Stop using the interface; after the switch let go of the device.
         */
        @Override
        void close();
    }
}
