package io.xbow.control.daemon;

import io.xbow.hostif.host.HostInterface;
import io.xbow.hostif.host.HostInterfaces;
import io.xbow.hostif.io.Readiness;
import io.xbow.hostif.packet.PacketSocket;
import io.xbow.hostif.packet.PacketSocketPort;
import io.xbow.hostif.sys.Native;
import io.xbow.hostif.sys.NativeException;
import io.xbow.vnic.LinkException;
import io.xbow.vnic.uplink.HostLink;
import io.xbow.vnic.uplink.HostLinks;
import io.xbow.vswitch.port.PortDevice;

import java.util.ArrayList;
import java.util.List;

/**
 * The daemon's physical links: the host's Ethernet interfaces (hostif reads them from sysfs), each opened as a
 * packet socket uplink when the first VNIC or VLAN link goes over it. One readiness thread for every uplink, made
 * with the first.
 */
final class HostUplinks implements HostLinks, AutoCloseable
{
    private static final int BATCH = 32;

    private Readiness readiness;

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
    public synchronized void close()
    {
        if (readiness != null)
        {
            readiness.close();
            readiness = null;
        }
    }
}
