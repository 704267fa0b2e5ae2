package io.xbow.nat.router;

import io.xbow.nat.arp.ArpCache;
import io.xbow.nat.forward.IcmpErrors;
import io.xbow.nat.forward.Ipv4Fragmenter;
import io.xbow.nat.forward.Ipv4Forwarding;
import io.xbow.nat.forward.TokenBucket;
import io.xbow.nat.route.RouteTable;
import io.xbow.packet.DropReason;
import io.xbow.packet.checksum.InternetChecksum;
import io.xbow.packet.frame.FrameBatch;
import io.xbow.packet.frame.FramePool;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2LongHashMap;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The IPv4 router that routed and NAT networks share: an interface on each link it serves (a port on that link's
 * switch, with its own MAC and address), a routing table, and per link an ARP cache. A datagram that comes in on
 * one interface is checked (RFC 1812), looked up, copied into the outgoing link's pool (each switch has its own),
 * its TTL decremented (and fragmented for a smaller MTU if DF is clear), and sent to its next hop's MAC, held while
 * ARP resolves it; what cannot go gets an ICMP error
 * back (within a rate) and a counted drop. The router answers ARP and ICMP echo for its own addresses.
 * <p>
 * Everything here runs on the datapath thread that runs the switches (a router serves switches of one thread);
 * interfaces and routes are set up before traffic, or by commands on that thread. Allocates nothing per frame.
 */
public final class Router
{
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;
    private static final long BROADCAST = 0xFFFF_FFFF_FFFFL;
    /** Frames held per unresolved next hop: a 9000-byte datagram cut for a 1500-byte link is seven. */
    private static final int PENDING_PER_NEXT_HOP = 8;

    private final RouteTable routes = new RouteTable();
    private final List<RouterInterface> interfaces = new ArrayList<>();
    private int[] nextHopInterface = new int[64];
    private int[] nextHopGateway = new int[64];
    private int nextHops;
    private final Long2LongHashMap nextHopIds = new Long2LongHashMap(-1);
    private final TokenBucket icmpRate;
    private final FrameBatch fragments = new FrameBatch(64);
    private final int arpCapacity;

    /**
     * @param icmpPerSecond ICMP errors a second at most (RFC 1812 4.3.2.8), with a burst of as many.
     * @param arpCapacity   ARP entries per link.
     * @param nowNs         the clock now.
     */
    public Router(final int icmpPerSecond, final int arpCapacity, final long nowNs)
    {
        this.icmpRate = new TokenBucket(icmpPerSecond, icmpPerSecond, nowNs);
        this.arpCapacity = arpCapacity;
    }

    /**
     * Give the router an interface on a link: its port, to attach to the link's switch, and a connected route to
     * the link's subnet.
     *
     * @param name         the interface's name (its link's).
     * @param mac          its MAC on the link.
     * @param address      its IPv4 address there.
     * @param prefixLength the subnet's prefix length.
     * @param mtu          the link's MTU.
     * @param nowNs        the clock now.
     * @return the interface; {@link RouterInterface#port()} is what goes on the switch.
     */
    public RouterInterface addInterface(final String name, final long mac, final int address, final int prefixLength,
        final int mtu, final long nowNs)
    {
        final RouterInterface iface = new RouterInterface(this, interfaces.size(), name, mac, address, prefixLength,
            mtu, new ArpCache(arpCapacity, PENDING_PER_NEXT_HOP, 60_000, 1_000, 3, nowNs / 1_000_000));
        interfaces.add(iface);
        routes.add(address, prefixLength, nextHop(iface.index(), 0));
        return iface;
    }

    /**
     * Route a prefix through a gateway on a connected subnet.
     *
     * @return false if no interface's subnet holds the gateway.
     */
    public boolean addRoute(final int prefix, final int prefixLength, final int gateway)
    {
        final int connected = routes.lookup(gateway);
        if (connected < 0 || nextHopGateway[connected] != 0)
        {
            return false;
        }
        routes.add(prefix, prefixLength, nextHop(nextHopInterface[connected], gateway));
        return true;
    }

    /**
     * Route a prefix straight out of an interface, its destinations on that link (a routed guest's /32 via its
     * vif, as Xen's vif-route adds it).
     */
    public void addInterfaceRoute(final int prefix, final int prefixLength, final RouterInterface iface)
    {
        routes.add(prefix, prefixLength, nextHop(iface.index(), 0));
    }

    public boolean removeRoute(final int prefix, final int prefixLength)
    {
        return routes.remove(prefix, prefixLength) != RouteTable.NO_ROUTE;
    }

    /** A next-hop id for an interface and gateway (0: the destination is on the link), shared by routes. */
    private int nextHop(final int iface, final int gateway)
    {
        final long key = (long)iface << 32 | (gateway & 0xFFFF_FFFFL);
        final long known = nextHopIds.get(key);
        if (known >= 0)
        {
            return (int)known;
        }
        nextHopIds.put(key, nextHops);
        if (nextHops == nextHopInterface.length)
        {
            nextHopInterface = java.util.Arrays.copyOf(nextHopInterface, nextHops * 2);
            nextHopGateway = java.util.Arrays.copyOf(nextHopGateway, nextHops * 2);
        }
        nextHopInterface[nextHops] = iface;
        nextHopGateway[nextHops] = gateway;
        return nextHops++;
    }

    // ---------------------------------------------------------------------------------------------------------
    // The datapath: a frame the switch handed to an interface
    // ---------------------------------------------------------------------------------------------------------

    void input(final RouterInterface in, final int frame, final long nowNs)
    {
        final FramePool pool = in.pool();
        final MutableDirectBuffer b = pool.buffer();
        final int at = pool.offset(frame);
        final int length = pool.length(frame);
        if (length < 14)
        {
            in.drop(frame, DropReason.MALFORMED);
            return;
        }
        final long destination = mac(b, at);
        if (destination != in.mac() && destination != BROADCAST)
        {
            pool.free(frame); // flooded to every port of the switch, meant for another host: not a drop
            return;
        }
        final int type = b.getShort(at + 12, BE) & 0xFFFF;
        if (type == 0x0806)
        {
            arp(in, frame, nowNs);
        }
        else if (type == 0x0800 && destination == in.mac())
        {
            ipv4(in, frame, nowNs);
        }
        else
        {
            pool.free(frame); // IPv6, other EtherTypes, IPv4 broadcasts: not routed
        }
    }

    private void arp(final RouterInterface in, final int frame, final long nowNs)
    {
        final FramePool pool = in.pool();
        final MutableDirectBuffer b = pool.buffer();
        final int a = pool.offset(frame) + 14;
        if (pool.length(frame) < 14 + 28 || (b.getShort(a, BE) & 0xFFFF) != 1 ||
            (b.getShort(a + 2, BE) & 0xFFFF) != 0x0800 || b.getByte(a + 4) != 6 || b.getByte(a + 5) != 4)
        {
            in.drop(frame, DropReason.MALFORMED);
            return;
        }
        final int op = b.getShort(a + 6, BE) & 0xFFFF;
        final long senderMac = mac(b, a + 8);
        final int senderIp = b.getInt(a + 14, BE);
        final int targetIp = b.getInt(a + 24, BE);
        final boolean forUs = in.answersArpFor(targetIp, senderIp);
        if (in.isProxied(senderIp))
        {
            // A LAN host claiming a routed guest's address (a gratuitous ARP, a spoof): the guest keeps it.
            in.drop(frame, DropReason.IP_SPOOFED);
            return;
        }
        // RFC 826: merge what is known; add the sender only when the packet is addressed to us.
        in.arp().learn(senderIp, senderMac, nowNs / 1_000_000, forUs && senderIp != 0);
        if (op == 1 && forUs)
        {
            // The request becomes the reply, in place.
            final int at = pool.offset(frame);
            putMac(b, at, senderMac);
            putMac(b, at + 6, in.mac());
            b.putShort(a + 6, (short)2, BE);
            putMac(b, a + 18, senderMac);
            b.putInt(a + 24, senderIp, BE);
            putMac(b, a + 8, in.mac());
            b.putInt(a + 14, targetIp, BE); // our address, or the one we answer for
            pool.length(frame, 14 + 28);
            in.send(frame);
            return;
        }
        pool.free(frame);
    }

    private void ipv4(final RouterInterface in, final int frame, final long nowNs)
    {
        final FramePool pool = in.pool();
        final MutableDirectBuffer b = pool.buffer();
        final int at = pool.offset(frame);
        final int ip = at + 14;
        final int verdict = Ipv4Forwarding.check(b, ip, pool.length(frame) - 14);
        if (verdict == Ipv4Forwarding.MALFORMED)
        {
            in.drop(frame, DropReason.MALFORMED);
            return;
        }
        if (verdict == Ipv4Forwarding.BAD_CHECKSUM)
        {
            in.drop(frame, DropReason.BAD_CHECKSUM);
            return;
        }
        final int destination = b.getInt(ip + 16, BE);
        if (in.isProxied(b.getInt(ip + 12, BE)))
        {
            in.drop(frame, DropReason.IP_SPOOFED); // from this link, claiming a routed guest's address
            return;
        }
        final RouterInterface local = ours(destination);
        if (local != null)
        {
            localDelivery(in, frame);
            return;
        }
        if (verdict == Ipv4Forwarding.TTL_EXCEEDED)
        {
            error(in, frame, IcmpErrors.TIME_EXCEEDED, 0, 0, nowNs);
            in.drop(frame, DropReason.TTL_EXCEEDED);
            return;
        }
        final int hop = routes.lookup(destination);
        if (hop < 0)
        {
            error(in, frame, IcmpErrors.UNREACHABLE, IcmpErrors.NET_UNREACHABLE, 0, nowNs);
            in.drop(frame, DropReason.NO_ROUTE);
            return;
        }
        final RouterInterface out = interfaces.get(nextHopInterface[hop]);
        final int total = b.getShort(ip + 2, BE) & 0xFFFF;
        final int nextHop = nextHopGateway[hop] != 0 ? nextHopGateway[hop] : destination;
        if (total > out.mtu())
        {
            if ((b.getShort(ip + 6, BE) & 0x4000) != 0)
            {
                error(in, frame, IcmpErrors.UNREACHABLE, IcmpErrors.FRAGMENTATION_NEEDED, out.mtu(), nowNs);
                in.drop(frame, DropReason.NEEDS_FRAGMENTATION);
                return;
            }
            Ipv4Forwarding.decrementTtl(b, ip);
            fragments.clear();
            if (Ipv4Fragmenter.fragment(b, at, out.mtu(), out.pool(), fragments) < 0)
            {
                in.drop(frame, DropReason.NO_BUFFER);
                return;
            }
            pool.free(frame);
            in.forwarded();
            for (int i = 0; i < fragments.count(); i++)
            {
                out.resolveAndSend(fragments.handle(i), nextHop, nowNs);
            }
            fragments.clear();
            return;
        }
        // Into the outgoing link's pool (each switch has its own), then one hop less to live.
        final FramePool outPool = out.pool();
        final int copy = outPool.allocate();
        if (copy == FramePool.NO_FRAME)
        {
            in.drop(frame, DropReason.NO_BUFFER);
            return;
        }
        final int length = 14 + total;
        final MutableDirectBuffer ob = outPool.buffer();
        final int oat = outPool.offset(copy);
        ob.putBytes(oat, b, at, length);
        outPool.length(copy, length);
        pool.free(frame);
        Ipv4Forwarding.decrementTtl(ob, oat + 14);
        in.forwarded();
        out.resolveAndSend(copy, nextHop, nowNs);
    }

    /** An ICMP echo request for one of our addresses is answered in place; anything else for us is dropped. */
    private void localDelivery(final RouterInterface in, final int frame)
    {
        final FramePool pool = in.pool();
        final MutableDirectBuffer b = pool.buffer();
        final int at = pool.offset(frame);
        final int ip = at + 14;
        final int ihl = (b.getByte(ip) & 0x0F) * 4;
        final int total = b.getShort(ip + 2, BE) & 0xFFFF;
        final int icmp = ip + ihl;
        if (b.getByte(ip + 9) != 1 || total < ihl + 8 || (b.getByte(icmp) & 0xFF) != 8 ||
            (b.getShort(ip + 6, BE) & 0x3FFF) != 0)
        {
            pool.free(frame);
            return;
        }
        final long source = mac(b, at + 6);
        putMac(b, at, source);
        putMac(b, at + 6, in.mac());
        final int from = b.getInt(ip + 12, BE);
        b.putInt(ip + 12, b.getInt(ip + 16, BE), BE);
        b.putInt(ip + 16, from, BE);
        b.putByte(ip + 8, (byte)64);
        b.putShort(ip + 10, (short)0);
        b.putShort(ip + 10, (short)InternetChecksum.ipv4HeaderChecksum(b, ip, ihl), BE);
        final int checksum = b.getShort(icmp + 2, BE) & 0xFFFF;
        b.putByte(icmp, (byte)0);
        b.putShort(icmp + 2, (short)InternetChecksum.update16(checksum, 0x0800, 0x0000), BE);
        pool.length(frame, 14 + total);
        in.send(frame);
    }

    /** An ICMP error about a frame, back out of the interface it came in on, if one may be sent and the rate allows. */
    private void error(final RouterInterface in, final int frame, final int type, final int code, final int mtu,
        final long nowNs)
    {
        final FramePool pool = in.pool();
        final MutableDirectBuffer b = pool.buffer();
        final int at = pool.offset(frame);
        if (!IcmpErrors.mayAnswer(b, at + 14, mac(b, at) != in.mac()) || !icmpRate.take(nowNs))
        {
            return;
        }
        final int reply = pool.allocate();
        if (reply == FramePool.NO_FRAME)
        {
            return;
        }
        pool.length(reply, IcmpErrors.write(b, pool.offset(reply), in.mac(), mac(b, at + 6), in.address(), b,
            at + 14, type, code, mtu));
        in.icmpSent();
        in.send(reply);
    }

    private RouterInterface ours(final int address)
    {
        for (int i = 0; i < interfaces.size(); i++)
        {
            if (interfaces.get(i).address() == address)
            {
                return interfaces.get(i);
            }
        }
        return null;
    }

    static long mac(final MutableDirectBuffer b, final int at)
    {
        return (b.getShort(at, BE) & 0xFFFFL) << 32 | (b.getInt(at + 2, BE) & 0xFFFF_FFFFL);
    }

    static void putMac(final MutableDirectBuffer b, final int at, final long mac)
    {
        b.putShort(at, (short)(mac >>> 32), BE);
        b.putInt(at + 2, (int)mac, BE);
    }
}
