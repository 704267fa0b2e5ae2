package io.xbow.nat.conntrack;

import io.xbow.packet.checksum.InternetChecksum;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2LongHashMap;

import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The NAT of one outside interface: its {@link NatRules} ({@code map}, {@code rdr}, {@code bimap}) and the
 * connections they opened, tracked as RFC 4787 (UDP), RFC 5382 (TCP) and RFC 5508 (ICMP) ask:
 * <ul>
 *   <li>{@code map} (masquerade): endpoint-independent mapping, an inside address and port keep one outside port
 *   whatever they talk to; the inside port itself when it is free (port preservation), one below 1024 for one below
 *   1024 (REQ-3a), or one of the rule's {@code portmap} range;</li>
 *   <li>{@code rdr} (a published port): a connection from outside to the published address and port opens to an
 *   inside address (alternating among several) and port; its replies leave from the published endpoint;</li>
 *   <li>{@code bimap}: an inside address and an outside one, both ways, without state (any protocol, fragments
 *   too);</li>
 *   <li>filtering address-and-port-dependent by default (only the remote a connection was opened to gets in), or
 *   endpoint-independent ({@link Config#endpointIndependentFiltering});</li>
 *   <li>TCP followed through SYN, established, FIN/RST: established connections live 2 h 4 min without a packet,
 *   transitory ones 4 min (RFC 5382 REQ-5); UDP 5 min (RFC 4787 REQ-5: at least 2); ICMP queries 60 s, their
 *   identifier translated as a port (RFC 5508);</li>
 *   <li>ICMP errors about a translated connection, either way, have the datagram they quote translated too,
 *   checksums and all, and neither refresh nor end it (RFC 5508 REQ-4 to 6);</li>
 *   <li>hairpinning (RFC 4787 REQ-9, RFC 5382 REQ-8): a mapped guest reaching an outside address of this NAT reaches
 *   the guest behind it, and each sees the other's outside endpoint ({@link #hairpin});</li>
 *   <li>checksums updated incrementally (RFC 1624); a UDP checksum of 0 stays 0.</li>
 * </ul>
 * The table is bounded, in total and per inside address: a full table refuses new connections (counted) and existing
 * ones keep working. Timeouts run on a timer wheel, one timer per connection armed once and re-armed lazily when it
 * fires on a connection that saw packets since, so a packet costs no timer work.
 * <p>
 * Flat arrays, no object per connection, nothing allocated per packet; one thread (the router's datapath) owns it.
 */
public final class NatTable
{
    /** The datagram is not the NAT's business: forward it as it is. */
    public static final int PASS = 0;
    /** Translated: forward it (inbound, to its new destination). */
    public static final int TRANSLATED = 1;
    /** No room for a new connection (table or this source's share full, or no outside port left): drop it. */
    public static final int REFUSED = 2;
    /**
     * A later fragment of a datagram whose first fragment was not seen, a header too short for its ports, a protocol
     * a map cannot track: dropped.
     */
    public static final int UNTRANSLATABLE = 3;
    /** A TCP segment of a connection, but outside the window its ends allowed (a blind reset, a stale segment). */
    public static final int OUT_OF_WINDOW = 4;

    /** Counters. */
    public static final int CREATED = 0;
    public static final int EXPIRED = 1;
    public static final int REFUSED_FULL = 2;
    public static final int REFUSED_SOURCE = 3;
    public static final int REFUSED_PORTS = 4;
    public static final int ICMP_ERRORS_TRANSLATED = 5;
    public static final int UNMAPPED_INBOUND = 6;
    public static final int FRAGMENTS = 7;
    /** Datagrams translated on their way out, and on their way in. */
    public static final int TRANSLATED_OUT = 8;
    public static final int TRANSLATED_IN = 9;
    /** Datagrams from a guest to an outside address of this NAT, turned back inside (hairpinning). */
    public static final int HAIRPINNED = 10;
    /** Connections opened to a published port ({@code rdr}). */
    public static final int REDIRECTED = 11;
    /** Datagrams translated by a {@code bimap}, either way. */
    public static final int BIMAPPED = 12;
    /** Later fragments translated as their datagram's first fragment was. */
    public static final int FRAGMENTS_FOLLOWED = 13;
    /** Fragmented datagrams forgotten before their time because more were being followed (the table's bound). */
    public static final int FRAGMENTS_EVICTED = 14;
    /** TCP segments outside the window the connection's two ends allowed (dropped). */
    public static final int TCP_OUT_OF_WINDOW = 15;
    /** How many counters there are (their numbers run from 0). */
    public static final int COUNTERS = 16;

    /** A connection's kind, as {@link #snapshot} shows it (ipnat -l's MAP and RDR). */
    public static final int MAP = 1;
    public static final int RDR = 2;

    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;
    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final int ICMP = 1;
    private static final byte SYN_SENT = 1;
    private static final byte ESTABLISHED = 2;
    private static final byte CLOSING = 3;
    private static final byte OTHER = 4;
    private static final int RECORD = 6;
    private static final long NONE = -1;

    /** The table's bounds, timeouts and filtering (a rule's {@code age} overrides UDP's and ICMP's). */
    public record Config(int maxConnections, int maxPerSource, boolean endpointIndependentFiltering,
        long tcpEstablishedMs, long tcpTransitoryMs, long udpMs, long icmpMs)
    {
        /** RFC 5382/4787/5508's timeouts, address-and-port-dependent filtering, a quarter of the table a source. */
        public static Config defaults(final int maxConnections)
        {
            return new Config(maxConnections, Math.max(64, maxConnections / 4), false,
                TimeUnit.MINUTES.toMillis(124), TimeUnit.MINUTES.toMillis(4), TimeUnit.MINUTES.toMillis(5),
                TimeUnit.SECONDS.toMillis(60));
        }

        public Config withEndpointIndependentFiltering(final boolean on)
        {
            return new Config(maxConnections, maxPerSource, on, tcpEstablishedMs, tcpTransitoryMs, udpMs, icmpMs);
        }
    }

    private final Config config;
    private NatRules rules;
    /**
     * The connections, by id, six longs each, side by side (a packet touches one record, not eight arrays):
     * inside address and remote address; inside, outside and remote ports, protocol and TCP state; last seen;
     * outside address, idle time in seconds (0: the table's), TCP window scales and what the handshake showed, and
     * kind; for TCP, each side's highest sequence sent, and each side's largest window advertised.
     */
    private final long[] records;
    private final boolean[] live;
    private final int[] freeIds;
    private int free;
    /** Outbound: (protocol, inside address and port, remote address and port) to connection. */
    private final ConnectionIndex outIndex;
    /** Inbound: (protocol, outside address and port, remote address and port) to connection. */
    private final ConnectionIndex inIndex;
    /** The outside addresses' ports: who is mapped to each, how many connections use it, which an rdr publishes. */
    private PortSpace[] spaces = new PortSpace[0];
    /**
     * The endpoint-independent mappings that did not keep their inside port (a preserved one is found in its port
     * space): (protocol, inside address and port) to outside address and port ({@code address << 16 | port}).
     */
    private final Long2LongHashMap moved = new Long2LongHashMap(NONE);
    private final int[] portCursor = {1024, 1024, 1024};
    private int[] rdrCursor = new int[0];
    private final Long2LongHashMap perSource;
    private final ExpiryWheel wheel;
    private final ExpiryWheel.Expiry expiry = this::due;
    private long nextExpiryMs;
    private final AtomicLongArray counters = new AtomicLongArray(COUNTERS);
    /** Fragmented datagrams whose first fragment was translated: their later fragments follow it. */
    private final FragmentFollower fragments = new FragmentFollower();
    private final int[] byProtocol = new int[3];
    /** The datagram being translated has a partial transport checksum (set by each public entry point). */
    private boolean partial;
    private int tcpEstablished;

    /**
     * @param rules  the interface's rules.
     * @param config the table's settings.
     * @param nowMs  the clock now.
     */
    public NatTable(final NatRules rules, final Config config, final long nowMs)
    {
        this.config = config;
        final int n = config.maxConnections();
        records = new long[n * RECORD];
        live = new boolean[n];
        freeIds = new int[n];
        for (int i = 0; i < n; i++)
        {
            freeIds[i] = n - 1 - i;
        }
        free = n;
        outIndex = new ConnectionIndex(n);
        inIndex = new ConnectionIndex(n);
        perSource = new Long2LongHashMap(Math.min(n, 1 << 16), 0.65f, 0);
        wheel = new ExpiryWheel(n, nowMs);
        rules(rules);
    }

    /**
     * New rules; the connections tracked stay until they end (ipnat -F ends them). Datapath thread.
     */
    public void rules(final NatRules newRules)
    {
        for (final PortSpace space : spaces)
        {
            space.unreserve();
        }
        this.rules = newRules;
        rdrCursor = new int[newRules.rdrs.length];
        // A port an rdr publishes on an address a map takes ports of is kept from the map.
        for (final NatRules.RdrRule rdr : newRules.rdrs)
        {
            reserve(rdr, newRules.interfaceAddress);
            for (final NatRules.MapRule map : newRules.maps)
            {
                if (map.outside() != newRules.interfaceAddress)
                {
                    reserve(rdr, map.outside());
                }
            }
        }
    }

    private void reserve(final NatRules.RdrRule rdr, final int address)
    {
        if (((address ^ rdr.address()) & rdr.mask()) != 0)
        {
            return;
        }
        final PortSpace space = space(address, true);
        for (int p = 0; p < 2; p++)
        {
            if ((rdr.protocols() & (1 << p)) != 0)
            {
                for (int port = rdr.firstPort(); port <= rdr.lastPort(); port++)
                {
                    space.reserve(p, port);
                }
            }
        }
    }

    /** An outside address's port space (made on first use with {@code create}), or null. */
    private PortSpace space(final int address, final boolean create)
    {
        final PortSpace[] all = spaces;
        for (int i = 0; i < all.length; i++)
        {
            if (all[i].address == address)
            {
                return all[i];
            }
        }
        if (!create)
        {
            return null;
        }
        final PortSpace made = new PortSpace(address);
        spaces = java.util.Arrays.copyOf(all, all.length + 1);
        spaces[all.length] = made;
        return made;
    }

    public NatRules rules()
    {
        return rules;
    }

    public long counter(final int counter)
    {
        return counters.get(counter);
    }

    private void count(final int counter)
    {
        counters.lazySet(counter, counters.get(counter) + 1);
    }

    /** Ints a connection takes in a {@link #snapshot}. */
    public static final int SNAPSHOT_INTS = 8;

    /**
     * Every tracked connection copied into {@code into}, {@link #SNAPSHOT_INTS} ints each (kind, protocol, inside
     * address and port, outside address and port, remote address and port), for the control plane to read and format
     * off the datapath: the datapath spends a copy on a listing, not the formatting. Datapath thread.
     *
     * @param into at least {@link #size()} times {@link #SNAPSHOT_INTS} ints (the capacity's, to be sure).
     * @return the connections copied.
     */
    public int snapshot(final int[] into)
    {
        int n = 0;
        final int most = into.length / SNAPSHOT_INTS;
        for (int id = 0; id < live.length && n < most; id++)
        {
            if (live[id])
            {
                final int at = n++ * SNAPSHOT_INTS;
                into[at] = kind(id);
                into[at + 1] = proto(id);
                into[at + 2] = insideIp(id);
                into[at + 3] = insidePort(id);
                into[at + 4] = outsideIp(id);
                into[at + 5] = outsidePort(id);
                into[at + 6] = remoteIp(id);
                into[at + 7] = remotePort(id);
            }
        }
        return n;
    }

    /** Whether filtering is endpoint-independent (else address-and-port-dependent). */
    public boolean endpointIndependentFiltering()
    {
        return config.endpointIndependentFiltering();
    }

    /** Connections tracked now. */
    public int size()
    {
        return config.maxConnections() - free;
    }

    /** The most connections it tracks. */
    public int capacity()
    {
        return config.maxConnections();
    }

    /**
     * Connections tracked now by protocol: TCP (6), UDP (17) or ICMP (1); with {@code established}, TCP's established
     * ones. Any thread (a snapshot).
     */
    public int connectionsOf(final int protocol, final boolean established)
    {
        return established ? tcpEstablished : byProtocol[protoIndex(protocol)];
    }

    /**
     * Bytes per connection the table holds room for: its record, free-list slot and live flag, its timer's links,
     * its share of the two indexes and of the port spaces (2 MiB an outside address, whatever the connections), and
     * of the mappings that did not keep their port (as many as there are now, at the hash map's load).
     */
    public long bytesPerConnection()
    {
        final long n = config.maxConnections();
        final long own = RECORD * 8L + 4 + 1 + 8;
        final long spaceBytes = (long)spaces.length * (3 << 16) * (4 + 2 + 4);
        final long movedBytes = (long)(moved.size() * 16 / 0.65);
        return own + (outIndex.footprintBytes() + inIndex.footprintBytes() + spaceBytes + movedBytes) / n;
    }

    private static long far(final int remote, final int remotePort)
    {
        return (long)remotePort << 32 | (remote & 0xFFFF_FFFFL);
    }

    private static long endpoint(final int protocol, final int address, final int port)
    {
        return (long)protocol << 48 | (long)port << 32 | (address & 0xFFFF_FFFFL);
    }

    /**
     * The index tag a datagram's connection lookup starts from (0 if it has none: not TCP, UDP or an ICMP query, a
     * later fragment, a short header), for {@link #touch} and {@link #touchRecord}: a batch's lookups, done in
     * passes of loads that do not depend on each other, overlap their cache misses where one at a time they queue
     * (a table of a million connections is tens of MiB).
     *
     * @param outbound leaving through the outside interface (else arriving on it).
     */
    public int lookupTag(final MutableDirectBuffer b, final int ip, final boolean outbound)
    {
        final int protocol = b.getByte(ip + 9) & 0xFF;
        if (protocol != TCP && protocol != UDP && protocol != ICMP || isLaterFragment(b, ip))
        {
            return 0;
        }
        final int l4 = ip + (b.getByte(ip) & 0x0F) * 4;
        final int sourcePort;
        final int destinationPort;
        if (protocol == ICMP)
        {
            final int type = b.getByte(l4) & 0xFF;
            if (outbound ? type != 8 && type != 13 : type != 0 && type != 14)
            {
                return 0;
            }
            sourcePort = outbound ? b.getShort(l4 + 4, BE) & 0xFFFF : 0;
            destinationPort = outbound ? 0 : b.getShort(l4 + 4, BE) & 0xFFFF;
        }
        else
        {
            sourcePort = b.getShort(l4, BE) & 0xFFFF;
            destinationPort = b.getShort(l4 + 2, BE) & 0xFFFF;
        }
        final int source = b.getInt(ip + 12, BE);
        final int destination = b.getInt(ip + 16, BE);
        return outbound ? ConnectionIndex.tag(endpoint(protocol, source, sourcePort), far(destination, destinationPort)) :
            ConnectionIndex.tag(endpoint(protocol, destination, destinationPort), far(source, sourcePort));
    }

    /** Loads the index slot a lookup by this tag reads first. @return it (to keep the load). */
    public long touch(final int tag, final boolean outbound)
    {
        return tag == 0 ? 0 : (outbound ? outIndex : inIndex).touch(tag);
    }

    /** Loads the record a lookup by this tag finds first (after {@link #touch}: its slot is in cache). */
    public long touchRecord(final int tag, final boolean outbound)
    {
        if (tag == 0)
        {
            return 0;
        }
        final ConnectionIndex index = outbound ? outIndex : inIndex;
        for (int i = index.first(tag); i != ConnectionIndex.END; i = index.next(i))
        {
            if (index.tagAt(i) == tag)
            {
                return records[index.idAt(i) * RECORD];
            }
        }
        return 0;
    }

    /** The connection from this inside endpoint to this remote one, or -1. */
    private int findOutbound(final int protocol, final int inIp, final int inPort, final int remote,
        final int remotePort)
    {
        final int tag = ConnectionIndex.tag(endpoint(protocol, inIp, inPort), far(remote, remotePort));
        final long r0 = (long)inIp << 32 | (remote & 0xFFFF_FFFFL);
        final long r1 = (long)inPort << 48 | (long)remotePort << 16 | (long)protocol << 8;
        final ConnectionIndex index = outIndex;
        for (int i = index.first(tag); i != ConnectionIndex.END; i = index.next(i))
        {
            if (index.tagAt(i) == tag)
            {
                final int id = index.idAt(i);
                final int r = id * RECORD;
                if (records[r] == r0 && (records[r + 1] & 0xFFFF_0000_FFFF_FF00L) == r1)
                {
                    return id;
                }
            }
        }
        return -1;
    }

    /** The connection from this remote endpoint to this outside one, or -1. */
    private int findInbound(final int protocol, final int outIp, final int outPort, final int remote,
        final int remotePort)
    {
        final int tag = ConnectionIndex.tag(endpoint(protocol, outIp, outPort), far(remote, remotePort));
        final long r1 = (long)outPort << 32 | (long)remotePort << 16 | (long)protocol << 8;
        final ConnectionIndex index = inIndex;
        for (int i = index.first(tag); i != ConnectionIndex.END; i = index.next(i))
        {
            if (index.tagAt(i) == tag)
            {
                final int id = index.idAt(i);
                final int r = id * RECORD;
                if ((int)records[r] == remote && (records[r + 1] & 0x0000_FFFF_FFFF_FF00L) == r1 &&
                    (int)(records[r + 3] >>> 32) == outIp)
                {
                    return id;
                }
            }
        }
        return -1;
    }

    private int insideIp(final int id)
    {
        return (int)(records[id * RECORD] >>> 32);
    }

    private int remoteIp(final int id)
    {
        return (int)records[id * RECORD];
    }

    private int insidePort(final int id)
    {
        return (int)(records[id * RECORD + 1] >>> 48) & 0xFFFF;
    }

    private int outsidePort(final int id)
    {
        return (int)(records[id * RECORD + 1] >>> 32) & 0xFFFF;
    }

    private int remotePort(final int id)
    {
        return (int)(records[id * RECORD + 1] >>> 16) & 0xFFFF;
    }

    private int proto(final int id)
    {
        return (int)(records[id * RECORD + 1] >>> 8) & 0xFF;
    }

    private byte state(final int id)
    {
        return (byte)records[id * RECORD + 1];
    }

    private void state(final int id, final byte newState)
    {
        records[id * RECORD + 1] = records[id * RECORD + 1] & ~0xFFL | (newState & 0xFF);
    }

    private void seen(final int id, final long nowMs)
    {
        records[id * RECORD + 2] = nowMs;
    }

    private long lastSeen(final int id)
    {
        return records[id * RECORD + 2];
    }

    private int outsideIp(final int id)
    {
        return (int)(records[id * RECORD + 3] >>> 32);
    }

    private int ageSeconds(final int id)
    {
        return (int)(records[id * RECORD + 3] >>> 16) & 0xFFFF;
    }

    private int kind(final int id)
    {
        return (int)records[id * RECORD + 3] & 0x3;
    }

    private static int protoIndex(final int protocol)
    {
        return protocol == TCP ? NatRules.TCP : protocol == UDP ? NatRules.UDP : NatRules.ICMP;
    }

    private static boolean isFragment(final MutableDirectBuffer b, final int ip)
    {
        return (b.getShort(ip + 6, BE) & 0x3FFF) != 0;
    }

    /** A fragment without the transport header: its offset is not 0. */
    private static boolean isLaterFragment(final MutableDirectBuffer b, final int ip)
    {
        return (b.getShort(ip + 6, BE) & 0x1FFF) != 0;
    }

    private static boolean hasMoreFragments(final MutableDirectBuffer b, final int ip)
    {
        return (b.getShort(ip + 6, BE) & 0x2000) != 0;
    }

    /**
     * A later fragment: translated as its first fragment was (the address at {@code addressAt}), if that one came.
     *
     * @return {@link #TRANSLATED}, or -1 if its datagram is not followed.
     */
    private int followFragment(final MutableDirectBuffer b, final int ip, final long direction, final int addressAt,
        final int protocol)
    {
        final int entry = fragments.find(direction, b, ip);
        if (entry == FragmentFollower.NONE)
        {
            return -1;
        }
        translateAddress(b, ip, addressAt, protocol, fragments.address(entry));
        count(FRAGMENTS_FOLLOWED);
        count(direction == FragmentFollower.OUT ? TRANSLATED_OUT : TRANSLATED_IN);
        return TRANSLATED;
    }

    /** A first fragment is being translated: its datagram's later fragments will take this address. */
    private void rememberFragmented(final long direction, final MutableDirectBuffer b, final int ip,
        final int address, final long nowMs)
    {
        if (fragments.remember(direction, b, ip, address, nowMs))
        {
            count(FRAGMENTS_EVICTED);
        }
    }

    private static boolean isIcmpError(final int type)
    {
        return type == 3 || type == 11 || type == 12 || type == 4;
    }

    // ---------------------------------------------------------------------------------------------------------

    /**
     * A datagram leaving through the outside interface (already routed there): of a tracked connection, or from a
     * bimap's inside address, or from a map's source prefix, it takes its outside address and port.
     *
     * @param b     the buffer.
     * @param ip    its IPv4 header (checked already).
     * @param nowMs the clock.
     * @return {@link #PASS}, {@link #TRANSLATED}, {@link #REFUSED} or {@link #UNTRANSLATABLE}.
     */
    public int outbound(final MutableDirectBuffer b, final int ip, final long nowMs)
    {
        return outbound(b, ip, nowMs, false);
    }

    /**
     * @param partialChecksum the datagram's transport checksum is partial (a super-frame, or a checksum left to the
     *                        device): the field holds the pseudo-header's sum, so an address change is added to it
     *                        as it is and a port change not at all (the device sums the ports with the data).
     * @see #outbound(MutableDirectBuffer, int, long)
     */
    public int outbound(final MutableDirectBuffer b, final int ip, final long nowMs, final boolean partialChecksum)
    {
        partial = partialChecksum;
        final int source = b.getInt(ip + 12, BE);
        final int protocol = b.getByte(ip + 9) & 0xFF;
        if (protocol != TCP && protocol != UDP && protocol != ICMP)
        {
            return outboundUntracked(b, ip, source, protocol);
        }
        if (isLaterFragment(b, ip))
        {
            final int followed = followFragment(b, ip, FragmentFollower.OUT, ip + 12, protocol);
            return followed == TRANSLATED ? TRANSLATED : outboundUntracked(b, ip, source, protocol);
        }
        final int l4 = ip + (b.getByte(ip) & 0x0F) * 4;
        final int l4Length = (b.getShort(ip + 2, BE) & 0xFFFF) - (l4 - ip);
        final int srcPort;
        final int dstPort;
        if (protocol == ICMP)
        {
            if (l4Length < 8)
            {
                return outboundUntracked(b, ip, source, protocol);
            }
            final int type = b.getByte(l4) & 0xFF;
            if (isIcmpError(type))
            {
                return outboundIcmpError(b, ip, l4, l4Length, source);
            }
            if (type != 8 && type != 13)
            {
                return outboundUntracked(b, ip, source, protocol);
            }
            srcPort = b.getShort(l4 + 4, BE) & 0xFFFF; // the query's identifier stands for a port
            dstPort = 0;
        }
        else
        {
            if (l4Length < (protocol == TCP ? 20 : 8))
            {
                return outboundUntracked(b, ip, source, protocol);
            }
            srcPort = b.getShort(l4, BE) & 0xFFFF;
            dstPort = b.getShort(l4 + 2, BE) & 0xFFFF;
        }
        final int destination = b.getInt(ip + 16, BE);
        int id = findOutbound(protocol, source, srcPort, destination, dstPort);
        if (id < 0)
        {
            if (rules.bimapInside(source) >= 0)
            {
                return outboundUntracked(b, ip, source, protocol);
            }
            final int map = rules.mapFor(source);
            if (map < 0)
            {
                return PASS;
            }
            id = openMapped(map, protocol, source, srcPort, destination, dstPort, nowMs);
            if (id < 0)
            {
                return REFUSED;
            }
        }
        if (protocol == TCP)
        {
            if (!inWindow(id, b, l4, l4Length, 0))
            {
                count(TCP_OUT_OF_WINDOW);
                return OUT_OF_WINDOW;
            }
            tcpState(id, b.getByte(l4 + 13) & 0x3F);
        }
        seen(id, nowMs);
        if (hasMoreFragments(b, ip))
        {
            rememberFragmented(FragmentFollower.OUT, b, ip, outsideIp(id), nowMs);
        }
        rewrite(b, ip, ip + 12, l4, protocol, protocol == ICMP ? l4 + 4 : l4, source, outsideIp(id), srcPort,
            outsidePort(id));
        count(TRANSLATED_OUT);
        return TRANSLATED;
    }

    /**
     * Leaving without a connection to follow (a fragment, a protocol without ports, an ICMP message that is neither
     * a query nor an error): a bimap's inside address takes its outside one; from a source a map or a connection
     * covers it is dropped rather than leave with an inside address; else it passes.
     */
    private int outboundUntracked(final MutableDirectBuffer b, final int ip, final int source, final int protocol)
    {
        final int bimap = rules.bimapInside(source);
        if (bimap >= 0)
        {
            final NatRules.BimapRule rule = rules.bimaps[bimap];
            translateAddress(b, ip, ip + 12, protocol, rule.outside() | source & ~rule.mask());
            count(BIMAPPED);
            count(TRANSLATED_OUT);
            return TRANSLATED;
        }
        if (rules.mapFor(source) >= 0 || perSource.get(source & 0xFFFF_FFFFL) > 0)
        {
            if (isFragment(b, ip))
            {
                count(FRAGMENTS);
            }
            return UNTRANSLATABLE;
        }
        return PASS;
    }

    /**
     * A datagram arriving on the outside interface for an address the NAT {@link NatRules#claims claims}: a
     * connection's reply goes back to its inside endpoint; a datagram to a published port opens a connection to its
     * inside address; one to a bimap's outside address goes to its inside one; with endpoint-independent filtering,
     * any datagram to a mapped port gets in.
     *
     * @return {@link #TRANSLATED}; {@link #REFUSED} (a published port, but no room); {@link #UNTRANSLATABLE} (a
     *         fragment for a mapped address); or {@link #PASS} (nothing here for it: the router's own, or dropped).
     */
    public int inbound(final MutableDirectBuffer b, final int ip, final long nowMs)
    {
        return inbound(b, ip, nowMs, false);
    }

    /** @see #inbound(MutableDirectBuffer, int, long) and {@link #outbound(MutableDirectBuffer, int, long, boolean)} */
    public int inbound(final MutableDirectBuffer b, final int ip, final long nowMs, final boolean partialChecksum)
    {
        partial = partialChecksum;
        final int destination = b.getInt(ip + 16, BE);
        final int protocol = b.getByte(ip + 9) & 0xFF;
        if (protocol != TCP && protocol != UDP && protocol != ICMP)
        {
            return inboundUntracked(b, ip, destination, protocol);
        }
        if (isLaterFragment(b, ip))
        {
            final int followed = followFragment(b, ip, FragmentFollower.IN, ip + 16, protocol);
            return followed == TRANSLATED ? TRANSLATED : inboundUntracked(b, ip, destination, protocol);
        }
        final int l4 = ip + (b.getByte(ip) & 0x0F) * 4;
        final int l4Length = (b.getShort(ip + 2, BE) & 0xFFFF) - (l4 - ip);
        final int remote = b.getInt(ip + 12, BE);
        final int port;
        final int fromPort;
        if (protocol == ICMP)
        {
            if (l4Length < 8)
            {
                return PASS;
            }
            final int type = b.getByte(l4) & 0xFF;
            if (isIcmpError(type))
            {
                return inboundIcmpError(b, ip, l4, l4Length, destination);
            }
            if (type != 0 && type != 14)
            {
                return inboundUntracked(b, ip, destination, protocol); // a query: a bimap's guest's, or the router's
            }
            port = b.getShort(l4 + 4, BE) & 0xFFFF;
            fromPort = 0;
        }
        else
        {
            if (l4Length < (protocol == TCP ? 20 : 8))
            {
                return PASS;
            }
            fromPort = b.getShort(l4, BE) & 0xFFFF;
            port = b.getShort(l4 + 2, BE) & 0xFFFF;
        }
        int id = findInbound(protocol, destination, port, remote, fromPort);
        if (id < 0)
        {
            final int rdr = protocol == ICMP ? -1 : rdrFor(destination, protocol, port);
            if (rdr >= 0)
            {
                id = openRedirected(rdr, protocol, destination, port, remote, fromPort, nowMs);
                if (id < 0)
                {
                    return REFUSED;
                }
            }
            else if (rules.bimapOutside(destination) >= 0)
            {
                return inboundUntracked(b, ip, destination, protocol);
            }
            else
            {
                final PortSpace space = config.endpointIndependentFiltering() && protocol != ICMP ?
                    space(destination, false) : null;
                final int at = protoIndex(protocol) << 16 | port;
                if (space == null || space.users[at] <= 0)
                {
                    count(UNMAPPED_INBOUND);
                    return PASS;
                }
                // Endpoint-independent filtering: the mapping takes in any remote (nothing allocated if full).
                id = room(space.ownerIp[at], nowMs) ? openOn(destination, port, protocol, space.ownerIp[at],
                    space.ownerPort[at], remote, fromPort, 0, nowMs) : -1;
                if (id < 0)
                {
                    return PASS;
                }
            }
        }
        if (protocol == TCP)
        {
            if (!inWindow(id, b, l4, l4Length, 1))
            {
                count(TCP_OUT_OF_WINDOW);
                return OUT_OF_WINDOW;
            }
            tcpState(id, b.getByte(l4 + 13) & 0x3F);
        }
        seen(id, nowMs);
        if (hasMoreFragments(b, ip))
        {
            rememberFragmented(FragmentFollower.IN, b, ip, insideIp(id), nowMs);
        }
        rewrite(b, ip, ip + 16, l4, protocol, protocol == ICMP ? l4 + 4 : l4 + 2, destination, insideIp(id), port,
            insidePort(id));
        count(TRANSLATED_IN);
        return TRANSLATED;
    }

    /** Arriving without a connection to follow: to a bimap's outside address it goes to the inside one. */
    private int inboundUntracked(final MutableDirectBuffer b, final int ip, final int destination, final int protocol)
    {
        final int bimap = rules.bimapOutside(destination);
        if (bimap >= 0)
        {
            final NatRules.BimapRule rule = rules.bimaps[bimap];
            translateAddress(b, ip, ip + 16, protocol, rule.inside() | destination & ~rule.mask());
            count(BIMAPPED);
            count(TRANSLATED_IN);
            return TRANSLATED;
        }
        if (isFragment(b, ip))
        {
            count(FRAGMENTS);
            return UNTRANSLATABLE;
        }
        count(UNMAPPED_INBOUND);
        return PASS;
    }

    private int rdrFor(final int destination, final int protocol, final int port)
    {
        final int bit = protocol == TCP ? 1 : 2;
        final NatRules.RdrRule[] rdrs = rules.rdrs;
        for (int i = 0; i < rdrs.length; i++)
        {
            if (rdrs[i].matches(destination, bit, port))
            {
                return i;
            }
        }
        return -1;
    }

    /**
     * A guest's datagram to one of this NAT's outside addresses ({@link NatRules#hairpins}): its source is
     * translated as if it left (so the other guest sees its outside endpoint), then its destination as if it
     * arrived. When no rule takes it in (the router's own address, a port nobody publishes), the source goes back
     * as it was and the datagram is the router's.
     *
     * @return {@link #TRANSLATED}, {@link #PASS}, {@link #REFUSED} or {@link #UNTRANSLATABLE}.
     */
    public int hairpin(final MutableDirectBuffer b, final int ip, final long nowMs)
    {
        return hairpin(b, ip, nowMs, false);
    }

    /** @see #hairpin(MutableDirectBuffer, int, long) and {@link #outbound(MutableDirectBuffer, int, long, boolean)} */
    public int hairpin(final MutableDirectBuffer b, final int ip, final long nowMs, final boolean partialChecksum)
    {
        final int source = b.getInt(ip + 12, BE);
        final int protocol = b.getByte(ip + 9) & 0xFF;
        final int l4 = ip + (b.getByte(ip) & 0x0F) * 4;
        final int l4Length = (b.getShort(ip + 2, BE) & 0xFFFF) - (l4 - ip);
        final boolean ports = (protocol == TCP || protocol == UDP) && !isLaterFragment(b, ip) &&
            l4Length >= (protocol == TCP ? 20 : 8);
        final int type = protocol == ICMP && l4Length >= 8 && !isLaterFragment(b, ip) ? b.getByte(l4) & 0xFF : -1;
        final boolean query = type == 8 || type == 13 || type == 0 || type == 14;
        final int portAt = ports ? l4 : l4 + 4;
        final int sourcePort = ports || query ? b.getShort(portAt, BE) & 0xFFFF : 0;
        final int out = outbound(b, ip, nowMs, partialChecksum);
        if (out != TRANSLATED)
        {
            return out == REFUSED || out == OUT_OF_WINDOW ? out : PASS;
        }
        final int in = inbound(b, ip, nowMs, partialChecksum);
        if (in == TRANSLATED)
        {
            count(HAIRPINNED);
            return TRANSLATED;
        }
        if (protocol == ICMP && !query)
        {
            return UNTRANSLATABLE; // an error half translated: dropped rather than undone
        }
        // Not for a guest: the datagram is the router's, from its real source.
        final int translatedSource = b.getInt(ip + 12, BE);
        if (ports || query)
        {
            rewrite(b, ip, ip + 12, l4, protocol, portAt, translatedSource, source, b.getShort(portAt, BE) & 0xFFFF,
                sourcePort);
        }
        else
        {
            translateAddress(b, ip, ip + 12, protocol, source);
        }
        return in == REFUSED || in == OUT_OF_WINDOW ? in : PASS;
    }

    /**
     * A datagram this NAT translated, about to be quoted in an ICMP error long after (its next hop never answered
     * ARP): its header goes back to what its sender sent, the destination first (a published port's, a bimap's),
     * then the source (a map's), so the error reaches the sender and names its own connection. Its checksums are
     * kept right; the connections are not touched. Datapath thread.
     *
     * @return whether anything was put back.
     */
    public boolean untranslate(final MutableDirectBuffer b, final int ip)
    {
        partial = false;
        final int protocol = b.getByte(ip + 9) & 0xFF;
        final int l4 = ip + (b.getByte(ip) & 0x0F) * 4;
        final int l4Length = (b.getShort(ip + 2, BE) & 0xFFFF) - (l4 - ip);
        final boolean ports = (protocol == TCP && l4Length >= 20 || protocol == UDP && l4Length >= 8) &&
            !isLaterFragment(b, ip);
        final int type = protocol == ICMP && l4Length >= 8 && !isLaterFragment(b, ip) ? b.getByte(l4) & 0xFF : -1;
        // An ICMP query's identifier is its requester's "port": the source's in a request, the destination's in a
        // reply; the other end's is 0.
        final int sourcePortAt = ports ? l4 : type == 8 ? l4 + 4 : -1;
        final int destinationPortAt = ports ? l4 + 2 : type == 0 ? l4 + 4 : -1;
        final boolean tracked = ports || type == 8 || type == 0;
        boolean changed = false;
        final int source = b.getInt(ip + 12, BE);
        final int sourcePort = sourcePortAt < 0 ? 0 : b.getShort(sourcePortAt, BE) & 0xFFFF;
        final int destination = b.getInt(ip + 16, BE);
        final int destinationPort = destinationPortAt < 0 ? 0 : b.getShort(destinationPortAt, BE) & 0xFFFF;
        final int in = tracked ? findOutbound(protocol, destination, destinationPort, source, sourcePort) : -1;
        if (in >= 0 && destinationPortAt >= 0)
        {
            rewrite(b, ip, ip + 16, l4, protocol, destinationPortAt, destination, outsideIp(in), destinationPort,
                outsidePort(in));
            changed = true;
        }
        else if (rules.bimapInside(destination) >= 0)
        {
            final NatRules.BimapRule rule = rules.bimaps[rules.bimapInside(destination)];
            translateAddress(b, ip, ip + 16, protocol, rule.outside() | destination & ~rule.mask());
            changed = true;
        }
        // The destination as it is now: a hairpinned datagram's source was mapped to reach it so.
        final int sentTo = b.getInt(ip + 16, BE);
        final int sentToPort = destinationPortAt < 0 ? 0 : b.getShort(destinationPortAt, BE) & 0xFFFF;
        final int out = tracked ? findInbound(protocol, source, sourcePort, sentTo, sentToPort) : -1;
        if (out >= 0 && sourcePortAt >= 0)
        {
            rewrite(b, ip, ip + 12, l4, protocol, sourcePortAt, source, insideIp(out), sourcePort, insidePort(out));
            changed = true;
        }
        else if (rules.bimapOutside(source) >= 0)
        {
            final NatRules.BimapRule rule = rules.bimaps[rules.bimapOutside(source)];
            translateAddress(b, ip, ip + 12, protocol, rule.inside() | source & ~rule.mask());
            changed = true;
        }
        return changed;
    }

    // ---------------------------------------------------------------------------------------------------------

    /**
     * An ICMP error from outside quoting a datagram this NAT sent (its source one of our outside endpoints): the
     * quoted datagram and the outer destination go back to the inside endpoint.
     */
    private int inboundIcmpError(final MutableDirectBuffer b, final int ip, final int icmp, final int icmpLength,
        final int destination)
    {
        final int quoted = icmp + 8;
        if (icmpLength < 8 + 20 + 8)
        {
            return PASS;
        }
        final int qihl = (b.getByte(quoted) & 0x0F) * 4;
        final int protocol = b.getByte(quoted + 9) & 0xFF;
        final int quotedSource = b.getInt(quoted + 12, BE);
        if (qihl < 20 || icmpLength < 8 + qihl + 8 || quotedSource != destination)
        {
            return PASS;
        }
        final int ql4 = quoted + qihl;
        if (protocol == TCP || protocol == UDP || protocol == ICMP)
        {
            final int remote = b.getInt(quoted + 16, BE);
            final int portAt = ql4 + (protocol == ICMP ? 4 : 0);
            final int port = b.getShort(portAt, BE) & 0xFFFF;
            final int remotePort = protocol == ICMP ? 0 : b.getShort(ql4 + 2, BE) & 0xFFFF;
            final int id = findInbound(protocol, quotedSource, port, remote, remotePort);
            if (id >= 0)
            {
                // Not a packet of the connection: lastSeen is left alone (RFC 5508 REQ-4).
                translateError(b, ip, icmp, icmpLength, quoted + 12, protocol, ql4, portAt, quotedSource,
                    insideIp(id), port, insidePort(id), ip + 16);
                count(ICMP_ERRORS_TRANSLATED);
                return TRANSLATED;
            }
        }
        final int bimap = rules.bimapOutside(quotedSource);
        if (bimap >= 0)
        {
            final NatRules.BimapRule rule = rules.bimaps[bimap];
            final int inside = rule.inside() | quotedSource & ~rule.mask();
            translateError(b, ip, icmp, icmpLength, quoted + 12, protocol, ql4, -1, quotedSource, inside, 0, 0,
                ip + 16);
            count(ICMP_ERRORS_TRANSLATED);
            count(BIMAPPED);
            return TRANSLATED;
        }
        count(UNMAPPED_INBOUND);
        return PASS; // about no connection of ours: the router's own, or nothing
    }

    /**
     * An ICMP error from a guest quoting a datagram it received through this NAT (its destination the guest's inside
     * endpoint): the quoted datagram and the outer source take the outside endpoint.
     */
    private int outboundIcmpError(final MutableDirectBuffer b, final int ip, final int icmp, final int icmpLength,
        final int source)
    {
        final int quoted = icmp + 8;
        final int qihl = icmpLength < 8 + 20 ? 0 : (b.getByte(quoted) & 0x0F) * 4;
        if (qihl < 20 || icmpLength < 8 + qihl + 8 || b.getInt(quoted + 16, BE) != source)
        {
            return outboundUntracked(b, ip, source, ICMP);
        }
        final int protocol = b.getByte(quoted + 9) & 0xFF;
        final int ql4 = quoted + qihl;
        if (protocol == TCP || protocol == UDP)
        {
            final int remote = b.getInt(quoted + 12, BE);
            final int portAt = ql4 + 2;
            final int port = b.getShort(portAt, BE) & 0xFFFF;
            final int remotePort = b.getShort(ql4, BE) & 0xFFFF;
            final int id = findOutbound(protocol, source, port, remote, remotePort);
            if (id >= 0)
            {
                translateError(b, ip, icmp, icmpLength, quoted + 16, protocol, ql4, portAt, source, outsideIp(id),
                    port, outsidePort(id), ip + 12);
                count(ICMP_ERRORS_TRANSLATED);
                return TRANSLATED;
            }
        }
        final int bimap = rules.bimapInside(source);
        if (bimap >= 0)
        {
            final NatRules.BimapRule rule = rules.bimaps[bimap];
            translateError(b, ip, icmp, icmpLength, quoted + 16, protocol, ql4, -1, source,
                rule.outside() | source & ~rule.mask(), 0, 0, ip + 12);
            count(ICMP_ERRORS_TRANSLATED);
            count(BIMAPPED);
            return TRANSLATED;
        }
        return outboundUntracked(b, ip, source, ICMP);
    }

    /**
     * An ICMP error's translation: an address of the quoted header (and its checksum), the quoted port or query
     * identifier (and the quoted transport checksum when it was quoted), the ICMP checksum over all of it, and the
     * outer address (and the outer header's checksum).
     *
     * @param portAt where the quoted port is, or -1 to keep ports.
     */
    private static void translateError(final MutableDirectBuffer b, final int ip, final int icmp,
        final int icmpLength, final int quotedAddressAt, final int protocol, final int ql4, final int portAt,
        final int oldAddress, final int newAddress, final int oldPort, final int newPort, final int outerAddressAt)
    {
        final int quoted = icmp + 8;
        int icmpSum = b.getShort(icmp + 2, BE) & 0xFFFF;
        final int oldQSum = b.getShort(quoted + 10, BE) & 0xFFFF;
        final int newQSum = InternetChecksum.update32(oldQSum, oldAddress, newAddress);
        b.putInt(quotedAddressAt, newAddress, BE);
        b.putShort(quoted + 10, (short)newQSum, BE);
        icmpSum = InternetChecksum.update32(icmpSum, oldAddress, newAddress);
        icmpSum = InternetChecksum.update16(icmpSum, oldQSum, newQSum);
        if (portAt >= 0)
        {
            b.putShort(portAt, (short)newPort, BE);
            icmpSum = InternetChecksum.update16(icmpSum, oldPort, newPort);
        }
        final int transportSumAt = protocol == TCP ? ql4 + 16 : protocol == UDP ? ql4 + 6 : protocol == ICMP ?
            ql4 + 2 : -1;
        if (transportSumAt >= 0 && transportSumAt + 2 <= icmp + icmpLength)
        {
            final int oldT = b.getShort(transportSumAt, BE) & 0xFFFF;
            if (!(protocol == UDP && oldT == 0))
            {
                int newT = protocol == ICMP ? oldT : InternetChecksum.update32(oldT, oldAddress, newAddress);
                if (portAt >= 0)
                {
                    newT = InternetChecksum.update16(newT, oldPort, newPort);
                }
                b.putShort(transportSumAt, (short)newT, BE);
                icmpSum = InternetChecksum.update16(icmpSum, oldT, newT);
            }
        }
        b.putShort(icmp + 2, (short)icmpSum, BE);
        final int oldOuter = b.getInt(outerAddressAt, BE);
        b.putInt(outerAddressAt, newAddress, BE);
        b.putShort(ip + 10, (short)InternetChecksum.update32(b.getShort(ip + 10, BE) & 0xFFFF, oldOuter,
            newAddress), BE);
    }

    // ---------------------------------------------------------------------------------------------------------

    /** A connection through a map: the inside endpoint's mapping (made now if it has none), to this remote. */
    private int openMapped(final int map, final int protocol, final int inIp, final int inPort, final int remote,
        final int remotePort, final long nowMs)
    {
        if (!room(inIp, nowMs))
        {
            return -1;
        }
        final int p = protoIndex(protocol);
        final NatRules.MapRule rule = rules.maps[map];
        // Preserved: the inside port in the rule's address's space, owned by this endpoint; or moved elsewhere.
        final PortSpace space = space(rule.outside(), true);
        final int preserved = p << 16 | inPort;
        if (space.users[preserved] > 0 && space.ownerIp[preserved] == inIp && space.ownerPort[preserved] == inPort)
        {
            return openOn(rule.outside(), inPort, protocol, inIp, inPort, remote, remotePort, rule.ageSeconds(),
                nowMs);
        }
        final long elsewhere = moved.get(endpoint(p, inIp, inPort));
        if (elsewhere != NONE)
        {
            return openOn((int)(elsewhere >>> 16), (int)(elsewhere & 0xFFFF), protocol, inIp, inPort, remote,
                remotePort, rule.ageSeconds(), nowMs);
        }
        final int port = allocatePort(rule, space, p, inPort);
        if (port < 0)
        {
            count(REFUSED_PORTS);
            return -1;
        }
        final int at = p << 16 | port;
        space.ownerIp[at] = inIp;
        space.ownerPort[at] = (char)inPort;
        if (port != inPort)
        {
            moved.put(endpoint(p, inIp, inPort), (rule.outside() & 0xFFFF_FFFFL) << 16 | port);
        }
        final int id = openOn(rule.outside(), port, protocol, inIp, inPort, remote, remotePort, rule.ageSeconds(),
            nowMs);
        if (id < 0 && space.users[at] == 0)
        {
            release(space, p, port, inIp, inPort); // a mapping without a connection is not kept
        }
        return id;
    }

    /** A connection on a mapping (its outside address and port) to a remote; the mapping's users count it. */
    private int openOn(final int outIp, final int port, final int protocol, final int inIp, final int inPort,
        final int remote, final int remotePort, final int ageSeconds, final long nowMs)
    {
        if (findInbound(protocol, outIp, port, remote, remotePort) >= 0)
        {
            count(REFUSED_PORTS); // the mapping's port talks to this remote for another inside endpoint already
            return -1;
        }
        space(outIp, true).users[protoIndex(protocol) << 16 | port]++;
        return open(MAP, protocol, inIp, inPort, outIp, port, remote, remotePort, ageSeconds, nowMs);
    }

    private void release(final PortSpace space, final int p, final int port, final int inIp, final int inPort)
    {
        final int at = p << 16 | port;
        space.users[at] = 0;
        space.ownerIp[at] = 0;
        space.ownerPort[at] = 0;
        final long key = endpoint(p, inIp, inPort);
        if (moved.get(key) == ((space.address & 0xFFFF_FFFFL) << 16 | port))
        {
            moved.remove(key);
        }
    }

    /** A connection to a published port, to the rule's next inside address. */
    private int openRedirected(final int rdr, final int protocol, final int address, final int port,
        final int remote, final int remotePort, final long nowMs)
    {
        final NatRules.RdrRule rule = rules.rdrs[rdr];
        final int[] targets = rule.targets();
        final int target = targets[rdrCursor[rdr]];
        final int targetPort = rule.targetPort() + (port - rule.firstPort());
        if (!room(target, nowMs))
        {
            return -1;
        }
        if (findOutbound(protocol, target, targetPort, remote, remotePort) >= 0)
        {
            count(REFUSED_PORTS); // the inside endpoint talks to this remote through another connection already
            return -1;
        }
        rdrCursor[rdr] = rdrCursor[rdr] + 1 == targets.length ? 0 : rdrCursor[rdr] + 1;
        count(REDIRECTED);
        return open(RDR, protocol, target, targetPort, address, port, remote, remotePort, 0, nowMs);
    }

    /** Is there room for a connection of this inside address (expiring what is due first if the table is full)? */
    private boolean room(final int inIp, final long nowMs)
    {
        if (free == 0)
        {
            expire(nowMs); // the datapath expires on its own rhythm; a full table tries now
        }
        if (free == 0)
        {
            count(REFUSED_FULL);
            return false;
        }
        if (perSource.get(inIp & 0xFFFF_FFFFL) >= config.maxPerSource())
        {
            count(REFUSED_SOURCE);
            return false;
        }
        return true;
    }

    private int open(final int kind, final int protocol, final int inIp, final int inPort, final int outIp,
        final int outPort, final int remote, final int remotePort, final int ageSeconds, final long nowMs)
    {
        final int id = freeIds[--free];
        final int r = id * RECORD;
        records[r] = (long)inIp << 32 | (remote & 0xFFFF_FFFFL);
        records[r + 1] = (long)inPort << 48 | (long)outPort << 32 | (long)remotePort << 16 | (long)protocol << 8 |
            (protocol == TCP ? SYN_SENT : OTHER);
        records[r + 2] = nowMs;
        records[r + 3] = (long)outIp << 32 | (long)(ageSeconds & 0xFFFF) << 16 | kind;
        records[r + 4] = 0;
        records[r + 5] = 0;
        live[id] = true;
        byProtocol[protoIndex(protocol)]++;
        final long sourceKey = inIp & 0xFFFF_FFFFL;
        perSource.put(sourceKey, perSource.get(sourceKey) + 1);
        final long far = far(remote, remotePort);
        outIndex.put(ConnectionIndex.tag(endpoint(protocol, inIp, inPort), far), id);
        inIndex.put(ConnectionIndex.tag(endpoint(protocol, outIp, outPort), far), id);
        arm(id, nowMs + timeout(id));
        count(CREATED);
        return id;
    }

    /**
     * An outside port on the rule's address: in the rule's {@code portmap} range if it has one (the inside port if
     * free there), else the inside port if free (port preservation), else one in the same range (below 1024 for
     * below 1024) from a rolling cursor.
     */
    private int allocatePort(final NatRules.MapRule rule, final PortSpace space, final int p, final int inPort)
    {
        final int first;
        final int span;
        final boolean low = rule.first()[p] == 0 && inPort < 1024;
        if (rule.first()[p] != 0)
        {
            first = rule.first()[p];
            span = rule.last()[p] - first + 1;
        }
        else
        {
            first = low ? 1 : 1024;
            span = low ? 1023 : 65536 - 1024;
        }
        final int[] users = space.users;
        final int base = p << 16;
        if (inPort >= first && inPort < first + span && users[base | inPort] == 0)
        {
            return inPort;
        }
        final int cursor = low ? first : portCursor[p];
        for (int i = 0; i < span; i++)
        {
            final int port = first + Math.floorMod(cursor - first + i, span);
            if (users[base | port] == 0)
            {
                if (!low)
                {
                    portCursor[p] = port + 1;
                }
                return port;
            }
        }
        return -1;
    }

    private long timeout(final int id)
    {
        final int protocol = proto(id);
        if (protocol == TCP)
        {
            return state(id) == ESTABLISHED ? config.tcpEstablishedMs() : config.tcpTransitoryMs();
        }
        final int age = ageSeconds(id);
        return age != 0 ? age * 1000L : protocol == UDP ? config.udpMs() : config.icmpMs();
    }

    /** @param side 0 for the inside's segments, 1 for the remote's. */
    private boolean inWindow(final int id, final MutableDirectBuffer b, final int l4, final int l4Length,
        final int side)
    {
        return TcpWindows.inWindow(records, id * RECORD + 3, b, l4, l4Length, side);
    }

    private void tcpState(final int id, final int flags)
    {
        final byte current = state(id);
        if ((flags & 0x05) != 0)
        {
            if (current != CLOSING)
            {
                if (current == ESTABLISHED)
                {
                    tcpEstablished--;
                }
                state(id, CLOSING); // FIN or RST: the transitory time from here (late segments)
            }
        }
        else if (current == SYN_SENT && (flags & 0x12) == 0x12)
        {
            tcpEstablished++;
            state(id, ESTABLISHED); // the answering SYN-ACK (the remote's, or the inside's to a published port)
        }
    }

    /** Connections whose time is up, as the timer wheel says; a connection that saw packets is re-armed instead. */
    public int expire(final long nowMs)
    {
        if (nowMs < nextExpiryMs)
        {
            return 0; // a poll looks at a second's slot: once a second is enough for timeouts of minutes
        }
        nextExpiryMs = nowMs + 1_000;
        fragments.expire(nowMs);
        return wheel.poll(nowMs, expiry);
    }

    /** The wheel asks: a connection's deadline if it saw packets since it was armed, else it is closed (-1). */
    private long due(final int id, final long nowMs)
    {
        final long due = lastSeen(id) + timeout(id);
        if (due > nowMs)
        {
            return due;
        }
        close(id, false);
        count(EXPIRED);
        return -1;
    }

    private void arm(final int id, final long deadlineMs)
    {
        wheel.arm(id, deadlineMs);
    }

    private void close(final int id)
    {
        close(id, true);
    }

    /** @param armed whether its timer is still on the wheel (not when the wheel closes it). */
    private void close(final int id, final boolean armed)
    {
        if (armed)
        {
            wheel.disarm(id);
        }
        final int protocol = proto(id);
        final int inIp = insideIp(id);
        final long far = far(remoteIp(id), remotePort(id));
        outIndex.remove(ConnectionIndex.tag(endpoint(protocol, inIp, insidePort(id)), far), id);
        inIndex.remove(ConnectionIndex.tag(endpoint(protocol, outsideIp(id), outsidePort(id)), far), id);
        if (kind(id) == MAP)
        {
            final int p = protoIndex(protocol);
            final PortSpace space = space(outsideIp(id), false);
            final int at = p << 16 | outsidePort(id);
            if (space != null && --space.users[at] == 0)
            {
                release(space, p, outsidePort(id), inIp, insidePort(id));
            }
        }
        final long sourceKey = inIp & 0xFFFF_FFFFL;
        final long left = perSource.get(sourceKey) - 1;
        if (left <= 0)
        {
            perSource.remove(sourceKey);
        }
        else
        {
            perSource.put(sourceKey, left);
        }
        live[id] = false;
        byProtocol[protoIndex(protocol)]--;
        if (protocol == TCP && state(id) == ESTABLISHED)
        {
            tcpEstablished--;
        }
        freeIds[free++] = id;
    }

    /** The connections of one inside address end now (its vif went), their timers with them. Datapath thread. */
    public int forget(final int insideIp)
    {
        int n = 0;
        for (int id = 0; id < live.length; id++)
        {
            if (live[id] && insideIp(id) == insideIp)
            {
                close(id);
                n++;
            }
        }
        return n;
    }

    /** {@code ipnat -F}: every connection ends now; the rules stay. Datapath thread. */
    public int flush()
    {
        final int n = size();
        for (int id = 0; id < live.length; id++)
        {
            if (live[id])
            {
                close(id);
            }
        }
        fragments.clear();
        return n;
    }

    /**
     * @param nowMs the clock now.
     * @return when the table next needs {@link #expire}: within a minute while it tracks connections (expiry only
     *         frees room, so an idle datapath need not wake for each), never when empty.
     */
    public long nextDeadlineMs(final long nowMs)
    {
        return wheel.armed() == 0 ? Long.MAX_VALUE : nowMs + 60_000;
    }

    // ---------------------------------------------------------------------------------------------------------

    /**
     * One address and one port (or ICMP query identifier) rewritten, with the IPv4 header checksum and the transport
     * checksum updated incrementally (RFC 1624): TCP and UDP cover the address through their pseudo-header, ICMP does
     * not; a UDP checksum of 0 (none) stays 0, and one that comes out 0 is sent as 0xFFFF.
     */
    private void rewrite(final MutableDirectBuffer b, final int ip, final int addressAt, final int l4,
        final int protocol, final int portAt, final int oldAddress, final int newAddress, final int oldPort,
        final int newPort)
    {
        b.putInt(addressAt, newAddress, BE);
        b.putShort(ip + 10, (short)InternetChecksum.update32(b.getShort(ip + 10, BE) & 0xFFFF, oldAddress,
            newAddress), BE);
        b.putShort(portAt, (short)newPort, BE);
        if (partial)
        {
            partialAddressChange(b, protocol, l4, oldAddress, newAddress);
            return;
        }
        if (protocol == ICMP)
        {
            b.putShort(l4 + 2, (short)InternetChecksum.update16(b.getShort(l4 + 2, BE) & 0xFFFF, oldPort, newPort),
                BE);
            return;
        }
        final int sumAt = protocol == TCP ? l4 + 16 : l4 + 6;
        final int old = b.getShort(sumAt, BE) & 0xFFFF;
        if (protocol == UDP && old == 0)
        {
            return;
        }
        int sum = InternetChecksum.update32(old, oldAddress, newAddress);
        sum = InternetChecksum.update16(sum, oldPort, newPort);
        b.putShort(sumAt, (short)(protocol == UDP && sum == 0 ? 0xFFFF : sum), BE);
    }

    /**
     * A partial TCP or UDP checksum holds the pseudo-header's sum, not complemented (virtio's NEEDS_CSUM, Linux's
     * CHECKSUM_PARTIAL): an address change is added to it in one's complement, as Linux's NAT does
     * ({@code inet_proto_csum_replace4} with a pseudo-header); ports are the device's to sum.
     */
    private static void partialAddressChange(final MutableDirectBuffer b, final int protocol, final int l4,
        final int oldAddress, final int newAddress)
    {
        if (protocol != TCP && protocol != UDP)
        {
            return;
        }
        final int sumAt = protocol == TCP ? l4 + 16 : l4 + 6;
        final int old = b.getShort(sumAt, BE) & 0xFFFF;
        b.putShort(sumAt, (short)~InternetChecksum.update32(~old & 0xFFFF, oldAddress, newAddress), BE);
    }

    /**
     * An address alone rewritten (bimap): the header checksum, and for TCP or UDP with its header here (not a later
     * fragment) the transport checksum over the pseudo-header.
     */
    private void translateAddress(final MutableDirectBuffer b, final int ip, final int addressAt,
        final int protocol, final int newAddress)
    {
        final int oldAddress = b.getInt(addressAt, BE);
        b.putInt(addressAt, newAddress, BE);
        b.putShort(ip + 10, (short)InternetChecksum.update32(b.getShort(ip + 10, BE) & 0xFFFF, oldAddress,
            newAddress), BE);
        if ((protocol != TCP && protocol != UDP) || (b.getShort(ip + 6, BE) & 0x1FFF) != 0)
        {
            return;
        }
        final int l4 = ip + (b.getByte(ip) & 0x0F) * 4;
        final int l4Length = (b.getShort(ip + 2, BE) & 0xFFFF) - (l4 - ip);
        final int sumAt = protocol == TCP ? l4 + 16 : l4 + 6;
        if (sumAt + 2 > l4 + l4Length)
        {
            return;
        }
        if (partial)
        {
            partialAddressChange(b, protocol, l4, oldAddress, newAddress);
            return;
        }
        final int old = b.getShort(sumAt, BE) & 0xFFFF;
        if (protocol == UDP && old == 0)
        {
            return;
        }
        final int sum = InternetChecksum.update32(old, oldAddress, newAddress);
        b.putShort(sumAt, (short)(protocol == UDP && sum == 0 ? 0xFFFF : sum), BE);
    }
}
