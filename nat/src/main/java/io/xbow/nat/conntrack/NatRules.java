package io.xbow.nat.conntrack;

import io.xbow.nat.rules.IpnatRules;
import io.xbow.packet.address.Ipv4Address;

import java.util.ArrayList;
import java.util.List;

/**
 * One outside interface's ipnat rules as the datapath applies them: addresses resolved ({@code 0/32} is the
 * interface's own), ports per protocol, in arrays read without allocation. Immutable: a change of rules is a new
 * {@code NatRules} handed to the {@link NatTable}, whose connections stay.
 * <p>
 * Order of application (ipnat applies the first rule that matches; xbow puts the specific before the general):
 * a datagram of a tracked connection is translated by it; else leaving, a {@code bimap} inside address takes its
 * outside one, else the first {@code map} whose source prefix holds it opens a connection; arriving, an {@code rdr}
 * published port opens a connection to its inside address, else a {@code bimap} outside address goes to its inside
 * one.
 */
public final class NatRules
{
    /** No rule: nothing is translated (connections already tracked still are, until they expire). */
    public static final NatRules NONE = new NatRules(0, new MapRule[0], new RdrRule[0], new BimapRule[0]);

    /** Ports a protocol's mappings take: {@code first == 0} for auto (preserved where free, below 1024 for below). */
    static final int TCP = 0;
    static final int UDP = 1;
    static final int ICMP = 2;

    /**
     * A {@code map}: a source prefix, the outside address, per protocol (TCP, UDP, ICMP) the range of outside ports
     * ({@code 0,0}: auto), and UDP/ICMP idle time in seconds (0: the table's).
     */
    record MapRule(int source, int mask, int outside, int[] first, int[] last, int ageSeconds)
    {
    }

    /** An {@code rdr}: a published prefix and port range, the protocols (bits of {@link IpnatRules#TCP}/UDP), targets. */
    record RdrRule(int address, int mask, int firstPort, int lastPort, int protocols, int[] targets, int targetPort)
    {
        boolean matches(final int destination, final int protocolBit, final int port)
        {
            return ((destination ^ address) & mask) == 0 && (protocols & protocolBit) != 0 && port >= firstPort &&
                port <= lastPort;
        }
    }

    /** A {@code bimap}: an inside prefix and an outside one of the same length, both ways. */
    record BimapRule(int inside, int outside, int mask)
    {
    }

    final int interfaceAddress;
    final MapRule[] maps;
    final RdrRule[] rdrs;
    final BimapRule[] bimaps;
    /** Addresses other than the interface's the router answers ARP for on it (exact addresses; bimap prefixes). */
    private final int[] publishedPrefix;
    private final int[] publishedMask;

    private NatRules(final int interfaceAddress, final MapRule[] maps, final RdrRule[] rdrs, final BimapRule[] bimaps)
    {
        this.interfaceAddress = interfaceAddress;
        this.maps = maps;
        this.rdrs = rdrs;
        this.bimaps = bimaps;
        final List<int[]> published = new ArrayList<>();
        for (final MapRule map : maps)
        {
            if (map.outside() != interfaceAddress)
            {
                published.add(new int[] {map.outside(), -1});
            }
        }
        for (final RdrRule rdr : rdrs)
        {
            if (rdr.mask() == -1 && rdr.address() != interfaceAddress)
            {
                published.add(new int[] {rdr.address(), -1});
            }
        }
        for (final BimapRule bimap : bimaps)
        {
            published.add(new int[] {bimap.outside(), bimap.mask()});
        }
        publishedPrefix = new int[published.size()];
        publishedMask = new int[published.size()];
        for (int i = 0; i < published.size(); i++)
        {
            publishedPrefix[i] = published.get(i)[0];
            publishedMask[i] = published.get(i)[1];
        }
    }

    /**
     * The rules of one interface, from what {@code ipnat -f} read.
     *
     * @param interfaceAddress the interface's address ({@code 0/32}).
     * @param rules            its rules, in order (rules of other interfaces are not allowed).
     * @throws IllegalArgumentException naming the rule, for one xbow does not serve.
     */
    public static NatRules of(final int interfaceAddress, final List<? extends IpnatRules.Rule> rules)
    {
        final List<MapRule> maps = new ArrayList<>();
        final List<RdrRule> rdrs = new ArrayList<>();
        final List<BimapRule> bimaps = new ArrayList<>();
        for (final IpnatRules.Rule rule : rules)
        {
            if (rule instanceof IpnatRules.Map map)
            {
                maps.add(map(interfaceAddress, map));
            }
            else if (rule instanceof IpnatRules.Rdr rdr)
            {
                final int targetPort = rdr.targetPort();
                if (targetPort + (rdr.lastPort() - rdr.firstPort()) > 65535)
                {
                    throw new IllegalArgumentException(rule + ": the range " + rdr.firstPort() + "-" +
                        rdr.lastPort() + " shifted to start at " + targetPort + " runs past port 65535");
                }
                for (final int target : rdr.targets())
                {
                    if (target == 0 || target == -1)
                    {
                        throw new IllegalArgumentException(rule + ": " + Ipv4Address.format(target) +
                            " cannot be an inside address");
                    }
                }
                final int address = rdr.address() == 0 && rdr.addressLength() == 32 ? interfaceAddress :
                    rdr.address();
                rdrs.add(new RdrRule(address, mask(rdr.addressLength()), rdr.firstPort(), rdr.lastPort(),
                    rdr.protocols(), rdr.targets(), targetPort));
            }
            else
            {
                final IpnatRules.Bimap bimap = (IpnatRules.Bimap)rule;
                if (bimap.outside() == 0 && bimap.outsideLength() == 32)
                {
                    throw new IllegalArgumentException(rule + ": bimap gives an inside address an outside one of its " +
                        "own; the interface's address is map's (map ... -> 0/32)");
                }
                if (bimap.outsideLength() < 24)
                {
                    throw new IllegalArgumentException(rule + ": at most 256 addresses a bimap (/24 or longer): " +
                        "the router answers ARP for each");
                }
                final int mask = mask(bimap.outsideLength());
                if (((interfaceAddress ^ bimap.outside()) & mask) == 0)
                {
                    throw new IllegalArgumentException(rule + ": " + prefix(bimap.outside(), bimap.outsideLength()) +
                        " holds the interface's own address " + Ipv4Address.format(interfaceAddress));
                }
                bimaps.add(new BimapRule(bimap.inside(), bimap.outside(), mask));
            }
        }
        return new NatRules(interfaceAddress, maps.toArray(MapRule[]::new), rdrs.toArray(RdrRule[]::new),
            bimaps.toArray(BimapRule[]::new));
    }

    private static MapRule map(final int interfaceAddress, final IpnatRules.Map map)
    {
        if (map.ageSeconds() > 65535)
        {
            throw new IllegalArgumentException(map + ": age is at most 65535 seconds here (18 h)");
        }
        if (map.outsideLength() != 32)
        {
            throw new IllegalArgumentException(map + ": the outside is one address here (0/32 for the " +
                "interface's own, or ADDRESS/32); pools of addresses are not served");
        }
        final int outside = map.outside() == 0 ? interfaceAddress : map.outside();
        final int[] first = new int[3];
        final int[] last = new int[3];
        if (map.portmap() != 0 && !map.auto())
        {
            if ((map.portmap() & IpnatRules.TCP) != 0)
            {
                first[TCP] = map.firstPort();
                last[TCP] = map.lastPort();
            }
            if ((map.portmap() & IpnatRules.UDP) != 0)
            {
                first[UDP] = map.firstPort();
                last[UDP] = map.lastPort();
            }
        }
        return new MapRule(map.source(), mask(map.sourceLength()), outside, first, last, map.ageSeconds());
    }

    static int mask(final int length)
    {
        return length == 0 ? 0 : -1 << (32 - length);
    }

    private static String prefix(final int address, final int length)
    {
        return Ipv4Address.format(address) + "/" + length;
    }

    /** The interface's own address. */
    public int interfaceAddress()
    {
        return interfaceAddress;
    }

    /** Whether there is any rule. */
    public boolean isEmpty()
    {
        return maps.length == 0 && rdrs.length == 0 && bimaps.length == 0;
    }

    /**
     * Does a datagram arriving on the interface for this destination go through the NAT: the interface's address, an
     * address a rule publishes, or one in an {@code rdr}'s prefix. Datapath.
     */
    public boolean claims(final int destination)
    {
        if (destination == interfaceAddress || published(destination))
        {
            return true;
        }
        for (final RdrRule rdr : rdrs)
        {
            if (((destination ^ rdr.address()) & rdr.mask()) == 0)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Is this one of the NAT's outside addresses, which a guest behind it may reach through it (hairpinning, RFC
     * 4787 REQ-9): the interface's own, a map's, an exact rdr address, a bimap's. Datapath.
     */
    public boolean hairpins(final int destination)
    {
        return destination == interfaceAddress || published(destination);
    }

    /** Does the router answer ARP on the interface for this address (one a rule publishes besides its own)? */
    public boolean answersArpFor(final int target)
    {
        return published(target);
    }

    private boolean published(final int address)
    {
        for (int i = 0; i < publishedPrefix.length; i++)
        {
            if (((address ^ publishedPrefix[i]) & publishedMask[i]) == 0)
            {
                return true;
            }
        }
        return false;
    }

    /** The first map whose source prefix holds this address, or -1. */
    int mapFor(final int source)
    {
        for (int i = 0; i < maps.length; i++)
        {
            if (((source ^ maps[i].source()) & maps[i].mask()) == 0)
            {
                return i;
            }
        }
        return -1;
    }

    /** The bimap whose inside prefix holds this address, or -1. */
    int bimapInside(final int source)
    {
        for (int i = 0; i < bimaps.length; i++)
        {
            if (((source ^ bimaps[i].inside()) & bimaps[i].mask()) == 0)
            {
                return i;
            }
        }
        return -1;
    }

    /** The bimap whose outside prefix holds this address, or -1. */
    int bimapOutside(final int destination)
    {
        for (int i = 0; i < bimaps.length; i++)
        {
            if (((destination ^ bimaps[i].outside()) & bimaps[i].mask()) == 0)
            {
                return i;
            }
        }
        return -1;
    }
}
