package io.xbow.nat.router;

import io.xbow.nat.arp.ArpCache;
import io.xbow.nat.conntrack.NatTable;
import io.xbow.nat.forward.IcmpErrors;
import io.xbow.nat.forward.Ipv4Fragmenter;
import io.xbow.nat.forward.Ipv4Forwarding;
import io.xbow.nat.forward.TokenBucket;
import io.xbow.nat.route.RouteTable;
import io.xbow.packet.DropReason;
import io.xbow.packet.checksum.InternetChecksum;
import io.xbow.packet.frame.FrameBatch;
import io.xbow.packet.frame.FrameOffload;
import io.xbow.packet.frame.FramePool;
import io.xbow.packet.offload.Offloads;
import io.xbow.packet.offload.SuperFrameCutter;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
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
    /** Connections a NAT tracks from which a batch's lookups are loaded first ({@link #largeNat}). */
    private static final int TOUCH_CONNECTIONS = 1 << 19;

    private final RouteTable routes = new RouteTable();
    private final List<RouterInterface> interfaces = new ArrayList<>();
    private final org.agrona.collections.IntHashSet ownAddresses = new org.agrona.collections.IntHashSet();
    /** The interfaces with a NAT (their outside addresses may be hairpinned to from any other). */
    private RouterInterface[] natInterfaces = new RouterInterface[0];
    /** The routes by id (the route table's "next hop"): where each goes, and how often it was used. */
    private int[] routePrefix = new int[64];
    private byte[] routeLength = new byte[64];
    private byte[] routeKind = new byte[64];
    private RouterInterface[] routeInterface = new RouterInterface[64];
    private int[] routeGateway = new int[64];
    private long[] routeUse = new long[64];
    private int routeIds;
    private int[] freeRouteIds = new int[16];
    private int freeRoutes;
    private final TokenBucket icmpRate;
    /** A datagram's fragments, or a super-frame's segments (a 64 KiB one of 128-byte segments). */
    private final FrameBatch fragments = new FrameBatch(512);
    private final SuperFrameCutter cutter = new SuperFrameCutter();
    private int[] batchRoutes = new int[64];
    private int[] batchTags = new int[64];
    private boolean[] batchOutbound = new boolean[64];
    private NatTable[] batchNats = new NatTable[64];
    /** A datagram's IPv4 header and first 8 bytes after it, before the NAT translated it on its way in. */
    private final org.agrona.concurrent.UnsafeBuffer untranslated = new org.agrona.concurrent.UnsafeBuffer(new byte[68]);
    private int untranslatedLength;
    /** What the connection touches loaded, kept so that the loads are not optimised away. */
    private long touched;
    private final int arpCapacity;
    private volatile boolean forwarding = true;

    /** A route to an interface's own subnet (netstat's {@code U}, the gateway shown as the router's address). */
    public static final int CONNECTED = 0;
    /** A route through a gateway ({@code route add}: {@code UG}). */
    public static final int GATEWAY = 1;
    /** A route straight out of an interface to destinations on its link (a routed guest's /32 via its vif). */
    public static final int DIRECT = 2;

    /** {@link #addRoute}: done. */
    public static final int ADDED = 0;
    /** {@link #addRoute}: a route for that prefix exists (route(1M): entry exists). */
    public static final int EXISTS = 1;
    /** {@link #addRoute}: no interface's subnet holds the gateway (route(1M): Network is unreachable). */
    public static final int UNREACHABLE = 2;

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
     * A new interface, not yet serving: its port is to be attached to the link's switch, and {@link #addInterface}
     * run on the datapath thread. Any thread.
     *
     * @param name         the interface's name (its link's).
     * @param mac          its MAC on the link.
     * @param address      its IPv4 address there.
     * @param prefixLength the subnet's prefix length.
     * @param mtu          the link's MTU.
     * @param nowNs        the clock now.
     */
    public RouterInterface newInterface(final String name, final long mac, final int address, final int prefixLength,
        final int mtu, final long nowNs)
    {
        return new RouterInterface(this, name, mac, address, prefixLength, mtu,
            new ArpCache(arpCapacity, PENDING_PER_NEXT_HOP, 60_000, 1_000, 3, nowNs / 1_000_000));
    }

    /**
     * Give the router an interface on a link: its port, to attach to the link's switch, and a connected route to
     * the link's subnet. Datapath thread (or before any traffic).
     *
     * @return the interface; {@link RouterInterface#port()} is what goes on the switch.
     */
    public RouterInterface addInterface(final String name, final long mac, final int address, final int prefixLength,
        final int mtu, final long nowNs)
    {
        return addInterface(newInterface(name, mac, address, prefixLength, mtu, nowNs));
    }

    /**
     * Start serving an interface made by {@link #newInterface}, with its connected route (replacing a route for the
     * same prefix). Datapath thread.
     */
    public RouterInterface addInterface(final RouterInterface iface)
    {
        interfaces.add(iface);
        interfacesChanged();
        final int mask = mask(iface.prefixLength());
        final int old = routes.get(iface.address() & mask, iface.prefixLength());
        if (old >= 0)
        {
            freeRoute(old);
        }
        routes.add(iface.address(), iface.prefixLength(),
            newRoute(iface.address() & mask, iface.prefixLength(), CONNECTED, iface, 0));
        return iface;
    }

    /**
     * Start serving an interface that borrows another's address and has no subnet of its own (unnumbered, as Xen's
     * vif-route gives a vif dom0's address with a /32): routes to it are added one by one
     * ({@link #addInterfaceRoute}). Datapath thread.
     */
    public RouterInterface addUnnumberedInterface(final RouterInterface iface)
    {
        interfaces.add(iface);
        interfacesChanged();
        return iface;
    }

    /**
     * Stop serving an interface: its connected route and every route through it go. Datapath thread.
     */
    public void removeInterface(final RouterInterface iface)
    {
        for (int id = 0; id < routeIds; id++)
        {
            if (routeInterface[id] == iface)
            {
                routes.remove(routePrefix[id], routeLength[id]);
                freeRoute(id);
            }
        }
        interfaces.remove(iface);
        interfacesChanged();
    }

    /**
     * Route a prefix through a gateway on a connected subnet. Datapath thread.
     *
     * @return {@link #ADDED}, {@link #EXISTS} or {@link #UNREACHABLE}.
     */
    public int addRoute(final int prefix, final int prefixLength, final int gateway)
    {
        final int mask = mask(prefixLength);
        if (routes.get(prefix & mask, prefixLength) >= 0)
        {
            return EXISTS;
        }
        final int via = routes.lookup(gateway);
        if (via < 0 || routeKind[via] == GATEWAY || ours(gateway))
        {
            return UNREACHABLE;
        }
        routes.add(prefix, prefixLength, newRoute(prefix & mask, prefixLength, GATEWAY, routeInterface[via], gateway));
        return ADDED;
    }

    /**
     * Route a prefix straight out of an interface, its destinations on that link (a routed guest's /32 via its
     * vif, as Xen's vif-route adds it). Datapath thread.
     *
     * @return {@link #ADDED} or {@link #EXISTS}.
     */
    public int addInterfaceRoute(final int prefix, final int prefixLength, final RouterInterface iface)
    {
        final int mask = mask(prefixLength);
        if (routes.get(prefix & mask, prefixLength) >= 0)
        {
            return EXISTS;
        }
        routes.add(prefix, prefixLength, newRoute(prefix & mask, prefixLength, DIRECT, iface, 0));
        return ADDED;
    }

    /**
     * Remove a route added with {@link #addRoute} or {@link #addInterfaceRoute} (an interface's own subnet goes with
     * the interface). Datapath thread.
     *
     * @return false if there was no such route.
     */
    public boolean removeRoute(final int prefix, final int prefixLength)
    {
        final int id = routes.get(prefix & mask(prefixLength), prefixLength);
        if (id < 0 || routeKind[id] == CONNECTED)
        {
            return false;
        }
        routes.remove(prefix, prefixLength);
        freeRoute(id);
        return true;
    }

    /**
     * Turn IPv4 forwarding on or off (routeadm's ipv4-forwarding); off, the router still answers ARP and ping for its
     * addresses. Any thread.
     */
    public void forwarding(final boolean on)
    {
        forwarding = on;
    }

    public boolean forwarding()
    {
        return forwarding;
    }

    /** What a route says, for show commands. */
    public interface RouteVisitor
    {
        /**
         * @param kind {@link #CONNECTED}, {@link #GATEWAY} or {@link #DIRECT}.
         * @param use  datagrams forwarded by it.
         */
        void route(int prefix, int prefixLength, int kind, RouterInterface iface, int gateway, long use);
    }

    /** Every route, by id. Datapath thread. */
    public void routes(final RouteVisitor visitor)
    {
        for (int id = 0; id < routeIds; id++)
        {
            if (routeInterface[id] != null)
            {
                visitor.route(routePrefix[id], routeLength[id], routeKind[id], routeInterface[id], routeGateway[id],
                    routeUse[id]);
            }
        }
    }

    /**
     * The route for a destination (route get). Datapath thread.
     *
     * @return false if none covers it.
     */
    public boolean route(final int destination, final RouteVisitor visitor)
    {
        final int id = routes.lookup(destination);
        if (id < 0)
        {
            return false;
        }
        visitor.route(routePrefix[id], routeLength[id], routeKind[id], routeInterface[id], routeGateway[id],
            routeUse[id]);
        return true;
    }

    private int newRoute(final int prefix, final int length, final int kind, final RouterInterface iface,
        final int gateway)
    {
        final int id;
        if (freeRoutes > 0)
        {
            id = freeRouteIds[--freeRoutes];
        }
        else
        {
            if (routeIds == routeInterface.length)
            {
                final int n = routeIds * 2;
                routePrefix = Arrays.copyOf(routePrefix, n);
                routeLength = Arrays.copyOf(routeLength, n);
                routeKind = Arrays.copyOf(routeKind, n);
                routeInterface = Arrays.copyOf(routeInterface, n);
                routeGateway = Arrays.copyOf(routeGateway, n);
                routeUse = Arrays.copyOf(routeUse, n);
            }
            id = routeIds++;
        }
        routePrefix[id] = prefix;
        routeLength[id] = (byte)length;
        routeKind[id] = (byte)kind;
        routeInterface[id] = iface;
        routeGateway[id] = gateway;
        routeUse[id] = 0;
        return id;
    }

    private void freeRoute(final int id)
    {
        routeInterface[id] = null;
        if (freeRoutes == freeRouteIds.length)
        {
            freeRouteIds = Arrays.copyOf(freeRouteIds, freeRoutes * 2);
        }
        freeRouteIds[freeRoutes++] = id;
    }

    static int mask(final int prefixLength)
    {
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    // ---------------------------------------------------------------------------------------------------------
    // The datapath: a frame the switch handed to an interface
    // ---------------------------------------------------------------------------------------------------------

    /**
     * A batch the switch handed an interface. The routes of all its IPv4 destinations are looked up first, in a
     * loop of nothing else: the lookups do not depend on each other, so their cache misses overlap (with 100,000
     * routes the tables are tens of MiB); then each frame goes its way.
     */
    void input(final RouterInterface in, final FrameBatch batch, final long nowNs)
    {
        final int n = batch.count();
        if (batchRoutes.length < n)
        {
            batchRoutes = new int[n];
        }
        final FramePool pool = in.pool();
        final MutableDirectBuffer b = pool.buffer();
        for (int i = 0; i < n; i++)
        {
            final int frame = batch.handle(i);
            final int at = pool.offset(frame);
            batchRoutes[i] = pool.length(frame) >= 34 && b.getShort(at + 12, BE) == 0x0800 ?
                routes.lookup(b.getInt(at + 30, BE)) : RouteTable.NO_ROUTE;
        }
        if (natInterfaces.length != 0 && largeNat())
        {
            touchConnections(in, batch, n);
        }
        for (int i = 0; i < n; i++)
        {
            input(in, batch.handle(i), batchRoutes[i], nowNs);
        }
    }

    /**
     * Whether a NAT table is large enough that its lookups likely miss the caches and the TLB. What decides is how
     * many connections carry the traffic, which the table's size stands for (NatBenchmark, a million connections:
     * batched loads win 1.37 times with 8,192 carrying it, and lose, 0.57 times, with 1,000, where the second
     * hashing costs more than the misses it overlaps).
     */
    private boolean largeNat()
    {
        final RouterInterface[] nats = natInterfaces;
        for (int i = 0; i < nats.length; i++)
        {
            final NatTable nat = nats[i].nat();
            if (nat != null && nat.size() >= TOUCH_CONNECTIONS)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * With NAT: the connection lookups the batch's datagrams will make, loaded in two passes of independent loads
     * (index slots, then records) before any is translated, so their misses overlap as the route lookups' do.
     */
    private void touchConnections(final RouterInterface in, final FrameBatch batch, final int n)
    {
        if (batchTags.length < n)
        {
            batchTags = new int[n];
            batchOutbound = new boolean[n];
            batchNats = new NatTable[n];
        }
        final FramePool pool = in.pool();
        final MutableDirectBuffer b = pool.buffer();
        final NatTable here = in.nat();
        long touched = 0;
        for (int i = 0; i < n; i++)
        {
            batchNats[i] = null;
            final int frame = batch.handle(i);
            final int at = pool.offset(frame);
            if (pool.length(frame) < 34 || b.getShort(at + 12, BE) != 0x0800)
            {
                continue;
            }
            final int hop = batchRoutes[i];
            final NatTable nat;
            final boolean outbound;
            if (here != null && here.rules().claims(b.getInt(at + 30, BE)))
            {
                nat = here;
                outbound = false;
            }
            else if (hop >= 0 && routeInterface[hop] != in && routeInterface[hop].nat() != null)
            {
                nat = routeInterface[hop].nat();
                outbound = true;
            }
            else
            {
                continue;
            }
            batchNats[i] = nat;
            batchTags[i] = nat.lookupTag(b, at + 14, outbound);
            batchOutbound[i] = outbound;
            touched += nat.touch(batchTags[i], outbound);
        }
        for (int i = 0; i < n; i++)
        {
            if (batchNats[i] != null)
            {
                touched += batchNats[i].touchRecord(batchTags[i], batchOutbound[i]);
                batchNats[i] = null;
            }
        }
        this.touched = touched;
    }

    /** @param hop the route of the frame's IPv4 destination, looked up already (whatever the frame holds). */
    private void input(final RouterInterface in, final int frame, final int hop, final long nowNs)
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
        final int type = b.getShort(at + 12, BE) & 0xFFFF;
        if (type == 0x0800 && in.dhcp() != null && (destination == in.mac() || destination == BROADCAST) &&
            toDhcpServer(in, b, at + 14, length - 14))
        {
            dhcp(in, frame);
            return;
        }
        if (destination != in.mac() && destination != BROADCAST)
        {
            pool.free(frame); // flooded to every port of the switch, meant for another host: not a drop
            return;
        }
        if (type == 0x0806)
        {
            arp(in, frame, nowNs);
        }
        else if (type == 0x0800 && destination == in.mac())
        {
            ipv4(in, frame, hop, nowNs);
        }
        else
        {
            pool.free(frame); // IPv6, other EtherTypes, IPv4 broadcasts: not routed
        }
    }

    /** A whole IPv4 UDP datagram to port 67, for the interface's address or broadcast: its DHCP server's. */
    private static boolean toDhcpServer(final RouterInterface in, final MutableDirectBuffer b, final int ip,
        final int length)
    {
        final int verdict = Ipv4Forwarding.check(b, ip, length);
        if (verdict == Ipv4Forwarding.MALFORMED || verdict == Ipv4Forwarding.BAD_CHECKSUM ||
            b.getByte(ip + 9) != 17 || (b.getShort(ip + 6, BE) & 0x3FFF) != 0)
        {
            return false;
        }
        final int ihl = (b.getByte(ip) & 0x0F) * 4;
        final int destination = b.getInt(ip + 16, BE);
        return length >= ihl + 8 && (b.getShort(ip + ihl + 2, BE) & 0xFFFF) == 67 &&
            (destination == -1 || destination == in.address());
    }

    private void dhcp(final RouterInterface in, final int frame)
    {
        final FramePool pool = in.pool();
        final int reply = pool.allocate();
        if (reply == FramePool.NO_FRAME)
        {
            in.drop(frame, DropReason.NO_BUFFER);
            return;
        }
        final MutableDirectBuffer b = pool.buffer();
        final int at = pool.offset(frame);
        final int length = in.dhcp().handle(b, at + 14, mac(b, at + 6), in.mac(), b, pool.offset(reply));
        pool.free(frame);
        if (length == 0)
        {
            pool.free(reply);
            return;
        }
        pool.length(reply, length);
        in.send(reply);
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

    private void ipv4(final RouterInterface in, final int frame, final int lookedUp, final long nowNs)
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
        int destination = b.getInt(ip + 16, BE);
        int hop = lookedUp;
        boolean translated = false;
        final NatTable here = in.nat();
        final boolean fromOutside = here != null && here.rules().claims(destination);
        final NatTable nat = fromOutside ? here : natInterfaces.length == 0 ? null : hairpinNat(in, destination);
        if (nat != null)
        {
            // For a NAT's outside address: from outside, a connection's reply, a published port, a bimap; from a
            // guest (hairpinning), the same, its source translated first. What no rule takes is the router's.
            final long nowMs = nowNs / 1_000_000;
            final boolean partialChecksum = (pool.offload(frame) & FrameOffload.CSUM_PARTIAL) != 0;
            // The header as it came (and the ports after it): an ICMP error about the datagram quotes it so.
            untranslatedLength = Math.min((b.getByte(ip) & 0x0F) * 4 + 8, b.getShort(ip + 2, BE) & 0xFFFF);
            b.getBytes(ip, untranslated, 0, untranslatedLength);
            final int result = fromOutside ? nat.inbound(b, ip, nowMs, partialChecksum) :
                nat.hairpin(b, ip, nowMs, partialChecksum);
            if (result == NatTable.TRANSLATED)
            {
                translated = true;
                destination = b.getInt(ip + 16, BE);
                hop = routes.lookup(destination);
            }
            else if (result != NatTable.PASS)
            {
                in.drop(frame, natDrop(result));
                return;
            }
            else if (!ours(destination) && nat.rules().hairpins(destination))
            {
                in.drop(frame, DropReason.NAT_UNMAPPED); // an address the NAT publishes, but nothing there for it
                return;
            }
        }
        if (in.isProxied(b.getInt(ip + 12, BE)))
        {
            in.drop(frame, DropReason.IP_SPOOFED); // from this link, claiming a routed guest's address
            return;
        }
        if (ours(destination))
        {
            localDelivery(in, frame, nowNs);
            return;
        }
        if (verdict == Ipv4Forwarding.TTL_EXCEEDED)
        {
            errorAsSent(in, frame, translated, IcmpErrors.TIME_EXCEEDED, 0, 0, nowNs);
            in.drop(frame, DropReason.TTL_EXCEEDED);
            return;
        }
        if (!forwarding)
        {
            in.drop(frame, DropReason.FORWARDING_DISABLED);
            return;
        }
        if (hop < 0)
        {
            errorAsSent(in, frame, translated, IcmpErrors.UNREACHABLE, IcmpErrors.NET_UNREACHABLE, 0, nowNs);
            in.drop(frame, DropReason.NO_ROUTE);
            return;
        }
        if (routeKind[hop] == CONNECTED && routeLength[hop] < 31)
        {
            final int host = destination & ~mask(routeLength[hop]);
            if (host == 0 || host == ~mask(routeLength[hop]))
            {
                in.drop(frame, DropReason.DIRECTED_BROADCAST);
                return;
            }
        }
        if (verdict == Ipv4Forwarding.HAS_OPTIONS)
        {
            in.optionsForwarded(); // forwarded as they are (xbow acts on none of them), and counted
        }
        final RouterInterface out = routeInterface[hop];
        final int total = b.getShort(ip + 2, BE) & 0xFFFF;
        // A super-frame (TCP segmentation offload) is judged by its segments, as Linux judges a GSO packet.
        final int offload = pool.offload(frame);
        final int gsoSize = FrameOffload.gsoSize(offload);
        final boolean fits = gsoSize != 0 ? FrameOffload.segmentsFit(gsoSize, out.mtu() + 14) : total <= out.mtu();
        if (!fits && (b.getShort(ip + 6, BE) & 0x4000) != 0)
        {
            // Before any translation: the error goes to the source as it sent the datagram (path MTU discovery).
            errorAsSent(in, frame, translated, IcmpErrors.UNREACHABLE, IcmpErrors.FRAGMENTATION_NEEDED, out.mtu(),
                nowNs);
            in.drop(frame, DropReason.NEEDS_FRAGMENTATION);
            return;
        }
        final boolean partial = (offload & FrameOffload.CSUM_PARTIAL) != 0;
        final NatTable outside = out.nat();
        if (outside != null && out != in && !translated)
        {
            final int result = outside.outbound(b, ip, nowNs / 1_000_000, partial);
            if (result == NatTable.REFUSED)
            {
                // RFC 5508 REQ-8: communication administratively prohibited, for a connection the table has no room for.
                error(in, frame, IcmpErrors.UNREACHABLE, IcmpErrors.ADMINISTRATIVELY_PROHIBITED, 0, nowNs);
                in.drop(frame, DropReason.NAT_REFUSED);
                return;
            }
            if (result != NatTable.PASS && result != NatTable.TRANSLATED)
            {
                in.drop(frame, natDrop(result));
                return;
            }
        }
        final int nextHop = routeGateway[hop] != 0 ? routeGateway[hop] : destination;
        routeUse[hop]++;
        if (!fits)
        {
            if (gsoSize != 0)
            {
                // DF clear on a super-frame whose segments do not fit the next link: not cut and then fragmented.
                in.drop(frame, DropReason.NEEDS_FRAGMENTATION);
                return;
            }
            if (partial && !Offloads.finishChecksum(b, at, 14 + total, pool.csumStart(frame), pool.csumOffset(frame)))
            {
                in.drop(frame, DropReason.MALFORMED);
                return;
            }
            Ipv4Forwarding.decrementTtl(b, ip);
            fragments.clear();
            if (Ipv4Fragmenter.fragment(b, at, out.mtu(), out.pool(), fragments) < 0)
            {
                in.drop(frame, DropReason.NO_BUFFER);
                return;
            }
            sendPieces(in, frame, out, nextHop, nowNs);
            return;
        }
        // Into the outgoing link's pool (each switch has its own), then one hop less to live. A super-frame takes a
        // large slot there, with its offload state; when none is free it is cut into segments.
        final FramePool outPool = out.pool();
        final int length = 14 + total;
        final int copy = length <= outPool.maxFrameLength() ? outPool.allocate() : outPool.allocateLarge();
        if (copy == FramePool.NO_FRAME)
        {
            if (gsoSize != 0)
            {
                cutAndSend(in, frame, ip, length, offload, out, nextHop, nowNs);
                return;
            }
            in.drop(frame, DropReason.NO_BUFFER);
            return;
        }
        final MutableDirectBuffer ob = outPool.buffer();
        final int oat = outPool.offset(copy);
        ob.putBytes(oat, b, at, length);
        outPool.length(copy, length);
        if (offload != 0)
        {
            outPool.offload(copy, offload);
            if (partial)
            {
                outPool.csum(copy, pool.csumStart(frame), pool.csumOffset(frame));
            }
        }
        pool.free(frame);
        Ipv4Forwarding.decrementTtl(ob, oat + 14);
        in.forwarded();
        out.resolveAndSend(copy, nextHop, nowNs);
    }

    /** A super-frame for a link whose pool has no large slot free: its segments, with finished checksums, go. */
    private void cutAndSend(final RouterInterface in, final int frame, final int ip, final int length,
        final int offload, final RouterInterface out, final int nextHop, final long nowNs)
    {
        final FramePool pool = in.pool();
        final MutableDirectBuffer b = pool.buffer();
        Ipv4Forwarding.decrementTtl(b, ip);
        fragments.clear();
        if (cutter.wrap(b, pool.offset(frame), length, FrameOffload.gsoType(offload),
            FrameOffload.gsoSize(offload)) < 0)
        {
            in.drop(frame, DropReason.MALFORMED);
            return;
        }
        if (cutter.cutInto(out.pool(), fragments) < 0)
        {
            in.drop(frame, DropReason.NO_BUFFER);
            return;
        }
        sendPieces(in, frame, out, nextHop, nowNs);
    }

    /** A datagram went out in pieces ({@link #fragments}: its fragments, or its segments): they go, it is freed. */
    private void sendPieces(final RouterInterface in, final int frame, final RouterInterface out, final int nextHop,
        final long nowNs)
    {
        in.pool().free(frame);
        in.forwarded();
        for (int i = 0; i < fragments.count(); i++)
        {
            out.resolveAndSend(fragments.handle(i), nextHop, nowNs);
        }
        fragments.clear();
    }

    /**
     * For one of our addresses: an ICMP echo request is answered in place; UDP gets a port unreachable (traceroute to
     * the router ends there), another protocol but ICMP and TCP a protocol unreachable; the rest is dropped.
     */
    private void localDelivery(final RouterInterface in, final int frame, final long nowNs)
    {
        final FramePool pool = in.pool();
        final MutableDirectBuffer b = pool.buffer();
        final int at = pool.offset(frame);
        final int ip = at + 14;
        final int ihl = (b.getByte(ip) & 0x0F) * 4;
        final int total = b.getShort(ip + 2, BE) & 0xFFFF;
        final int icmp = ip + ihl;
        final int protocol = b.getByte(ip + 9) & 0xFF;
        if (protocol != 1 || total < ihl + 8 || (b.getByte(icmp) & 0xFF) != 8 ||
            (b.getShort(ip + 6, BE) & 0x3FFF) != 0)
        {
            if (protocol == 17)
            {
                error(in, frame, IcmpErrors.UNREACHABLE, IcmpErrors.PORT_UNREACHABLE, 0, nowNs);
            }
            else if (protocol != 1 && protocol != 6)
            {
                error(in, frame, IcmpErrors.UNREACHABLE, IcmpErrors.PROTOCOL_UNREACHABLE, 0, nowNs);
            }
            in.drop(frame, DropReason.NOT_FOR_A_SERVICE);
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
    /**
     * An ICMP error about a datagram the NAT translated on its way in: it quotes the header as the sender sent it
     * (its address and port, not the inside ones), or the sender cannot match it to its connection (path MTU
     * discovery to a published port needs that). The frame is dropped after.
     */
    private void errorAsSent(final RouterInterface in, final int frame, final boolean translated, final int type,
        final int code, final int mtu, final long nowNs)
    {
        if (translated)
        {
            in.pool().buffer().putBytes(in.pool().offset(frame) + 14, untranslated, 0, untranslatedLength);
        }
        error(in, frame, type, code, mtu, nowNs);
    }

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

    /**
     * A datagram whose next hop never answered ARP (it is in the outgoing link's pool): an ICMP host unreachable goes
     * back to its source, by the route to the source (RFC 1812 4.3.3.1), within the rate.
     */
    void hostUnreachable(final RouterInterface on, final int frame, final long nowNs)
    {
        final FramePool pool = on.pool();
        final MutableDirectBuffer b = pool.buffer();
        final int ip = pool.offset(frame) + 14;
        // A datagram the NAT translated is quoted as its sender sent it, and the error goes to that sender.
        final RouterInterface[] nats = natInterfaces;
        for (int i = 0; i < nats.length; i++)
        {
            final NatTable nat = nats[i].nat();
            if (nat != null && nat.untranslate(b, ip))
            {
                break;
            }
        }
        final int source = b.getInt(ip + 12, BE);
        final int hop = routes.lookup(source);
        if (hop < 0 || !IcmpErrors.mayAnswer(b, ip, false) || !icmpRate.take(nowNs))
        {
            return;
        }
        final RouterInterface back = routeInterface[hop];
        final FramePool backPool = back.pool();
        final int reply = backPool.allocate();
        if (reply == FramePool.NO_FRAME)
        {
            return;
        }
        backPool.length(reply, IcmpErrors.write(backPool.buffer(), backPool.offset(reply), back.mac(), 0,
            back.address(), b, ip, IcmpErrors.UNREACHABLE, IcmpErrors.HOST_UNREACHABLE, 0));
        back.icmpSent();
        back.resolveAndSend(reply, routeGateway[hop] != 0 ? routeGateway[hop] : source, nowNs);
    }

    /** Is this one of the router's addresses: a hash lookup, however many (unnumbered) interfaces there are. */
    private boolean ours(final int address)
    {
        return ownAddresses.contains(address);
    }

    private void interfacesChanged()
    {
        ownAddresses.clear();
        for (int i = 0; i < interfaces.size(); i++)
        {
            ownAddresses.add(interfaces.get(i).address());
        }
        natChanged();
    }

    /** An interface's NAT came or went. Datapath thread. */
    void natChanged()
    {
        natInterfaces = interfaces.stream().filter(i -> i.nat() != null).toArray(RouterInterface[]::new);
    }

    private static DropReason natDrop(final int result)
    {
        return result == NatTable.REFUSED ? DropReason.NAT_REFUSED : result == NatTable.OUT_OF_WINDOW ?
            DropReason.NAT_OUT_OF_WINDOW : DropReason.NAT_UNTRANSLATABLE;
    }

    /** The NAT (other than the arriving interface's) one of whose outside addresses this is, or null. */
    private NatTable hairpinNat(final RouterInterface in, final int destination)
    {
        final RouterInterface[] nats = natInterfaces;
        for (int i = 0; i < nats.length; i++)
        {
            final NatTable nat = nats[i].nat();
            if (nats[i] != in && nat != null && nat.rules().hairpins(destination))
            {
                return nat;
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
