package io.xbow.control.daemon;

import io.xbow.hostif.host.HostCommand;
import io.xbow.hostif.host.HostCommandException;
import io.xbow.hostif.host.HostInterface;
import io.xbow.hostif.host.HostInterfaces;
import io.xbow.hostif.io.Readiness;
import io.xbow.hostif.packet.PacketSocket;
import io.xbow.hostif.packet.PacketSocketPort;
import io.xbow.hostif.sys.Native;
import io.xbow.hostif.sys.NativeException;
import io.xbow.hostif.tap.TapDevice;
import io.xbow.hostif.tap.TapPort;
import io.xbow.packet.address.MacAddress;
import io.xbow.vnic.LinkException;
import io.xbow.vnic.uplink.HostLink;
import io.xbow.vnic.uplink.HostLinks;
import io.xbow.vswitch.port.PortDevice;

import java.util.ArrayList;
import java.util.List;

/**
 * The daemon's physical links: the host's Ethernet interfaces (hostif reads them from sysfs), each opened as a
 * packet socket uplink when the first VNIC or VLAN link goes over it; and links that are host interfaces themselves
 * ({@code zone=global}: a TAP of the link's name). One readiness thread for all of them, made with the first.
 */
final class HostUplinks implements HostLinks, AutoCloseable
{
    private static final int BATCH = 32;

    private Readiness readiness;
    /** False when the readiness is the datapath thread's own (the daemon's to close). */
    private final boolean ownsReadiness;

    /**
     * Uplinks whose descriptors a readiness thread of their own watches.
     */
    public HostUplinks()
    {
        this.ownsReadiness = true;
    }

    /**
     * @param datapath the epoll the datapath thread sleeps in: the uplinks' descriptors wake it directly.
     */
    public HostUplinks(final Readiness datapath)
    {
        this.readiness = datapath;
        this.ownsReadiness = datapath == null;
    }

    @Override
    public List<HostLink> list()
    {
        final List<HostLink> links = new ArrayList<>();
        for (final HostInterface host : HostInterfaces.list())
        {
            links.add(link(host));
        }
        return links;
    }

    @Override
    public HostLink find(final String name)
    {
        final HostInterface host = HostInterfaces.find(name);
        return host == null ? null : link(host);
    }

    private static HostLink link(final HostInterface host)
    {
        return new HostLink(host.name(), host.mac(), host.mtu(), host.state(), host.speedMbps(), host.duplex(),
            host.device());
    }

    @Override
    public synchronized Uplink open(final String name)
    {
        final HostInterface host = HostInterfaces.find(name);
        if (host == null)
        {
            throw LinkException.notFound("link " + name + " not found: the host has no such interface");
        }
        final PacketSocket socket;
        try
        {
            if (readiness == null)
            {
                readiness = new Readiness("xbow-uplink-io");
            }
            socket = PacketSocket.open(name, host.index());
        }
        catch (final NativeException ex)
        {
            throw new LinkException(ex.errno() == Native.EPERM ?
                "cannot use " + name + " as a physical link: xbowd needs root (CAP_NET_RAW) for host interfaces" :
                "cannot use " + name + " as a physical link: " + ex.getMessage());
        }
        final PacketSocketPort port = new PacketSocketPort(socket, readiness, BATCH);
        return new Uplink()
        {
            @Override
            public PortDevice device()
            {
                return port;
            }

            @Override
            public void close()
            {
                port.close();
            }
        };
    }

    @Override
    public synchronized Uplink hostInterface(final String name, final long mac, final int mtu)
    {
        // A name the host has is refused by TapDevice.create, which knows why TUNSETIFF must not see it.
        final TapDevice tap;
        try
        {
            if (readiness == null)
            {
                readiness = new Readiness("xbow-uplink-io");
            }
            tap = TapDevice.create(name);
        }
        catch (final NativeException ex)
        {
            throw new LinkException(ex.errno() == Native.EPERM ?
                "cannot make " + name + " a host interface: xbowd needs root (CAP_NET_ADMIN) for TAP devices" :
                "cannot make " + name + " a host interface: " + ex.getMessage());
        }
        catch (final IllegalArgumentException ex)
        {
            throw new LinkException("cannot make " + name + " a host interface: " + ex.getMessage());
        }
        try
        {
            HostCommand.run("ip", "link", "set", "dev", name, "address", MacAddress.format(mac), "mtu",
                Integer.toString(mtu), "up");
        }
        catch (final HostCommandException ex)
        {
            tap.close();
            throw new LinkException("cannot make " + name + " a host interface: " + ex.getMessage());
        }
        final TapPort port;
        try
        {
            port = new TapPort(tap, readiness, BATCH);
        }
        catch (final NativeException ex)
        {
            tap.close();
            throw new LinkException("cannot make " + name + " a host interface: " + ex.getMessage());
        }
        return new Uplink()
        {
            private String current = name;

            @Override
            public PortDevice device()
            {
                return port;
            }

            @Override
            public void rename(final String newName)
            {
                try
                {
                    // Linux renames only an interface that is down.
                    HostCommand.run("ip", "link", "set", "dev", current, "down");
                    HostCommand.run("ip", "link", "set", "dev", current, "name", newName);
                    HostCommand.run("ip", "link", "set", "dev", newName, "up");
                    current = newName;
                }
                catch (final HostCommandException ex)
                {
                    throw new LinkException("cannot rename host interface " + current + ": " + ex.getMessage());
                }
            }

            @Override
            public void close()
            {
                tap.close();
            }
        };
    }

    @Override
    public synchronized void close()
    {
        if (readiness != null && ownsReadiness)
        {
            readiness.close();
            readiness = null;
        }
    }
}
