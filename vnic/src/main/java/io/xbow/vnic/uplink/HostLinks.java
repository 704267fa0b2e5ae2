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
     * An open host interface.
     */
    interface Uplink extends AutoCloseable
    {
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
