package io.xbow.nat.conntrack;

import io.xbow.packet.checksum.InternetChecksum;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.DeadlineTimerWheel;

import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Masquerade (ipnat's {@code map IF SRC/MASK -> 0/32 portmap tcp/udp auto}, iptables' MASQUERADE): datagrams from
 * the inside prefix leaving through the outside interface take its address, and a port of it; replies come back
 * translated. Connection tracking as RFC 4787 (UDP), RFC 5382 (TCP) and RFC 5508 (ICMP) ask:
 * <ul>
 *   <li>endpoint-independent mapping: an inside address and port keep one outside port whatever they talk to; the
 *   inside port itself when it is free (port preservation), a port below 1024 for one below 1024 (REQ-3a);</li>
 *   <li>filtering address-and-port-dependent by default (only the remote a connection was opened to gets in), or
 *   endpoint-independent ({@link Config#endpointIndependentFiltering});</li>
 *   <li>TCP followed through SYN, established, FIN/RST: established connections live 2 h 4 min without a packet,
 *   transitory ones 4 min (RFC 5382 REQ-5); UDP 5 min (RFC 4787 REQ-5: at least 2); ICMP queries 60 s, their
 *   identifier translated as a port (RFC 5508);</li>
 *   <li>ICMP errors about a translated connection have the datagram they quote translated back, checksums and all,
 *   and neither refresh nor end it (RFC 5508 REQ-4 to 6);</li>
 *   <li>checksums updated incrementally (RFC 1624); a UDP checksum of 0 stays 0.</li>
 * </ul>
 * The table is bounded, in total and per inside address: a full table refuses new connections (counted) and existing
 * ones keep working. Timeouts run on a timer wheel, one timer per connection armed once and re-armed lazily when it
 * fires on a connection that saw packets since, so a packet costs no timer work.
 * <p>
 * Flat arrays, no object per connection, nothing allocated per packet; one thread (the router's datapath) owns it.
 */
public final class Masquerade
{
    /** The datagram is not the NAT's business: forward it as it is. */
    public static final int PASS = 0;
    /** Translated: forward it (inbound, to its new destination). */
    public static final int TRANSLATED = 1;
    /** No room for a new connection (table or this source's share full, or no outside port left): drop it. */
    public static final int REFUSED = 2;
    /** A fragment, or a header too short for its ports: not translated, dropped. */
    public static final int UNTRANSLATABLE = 3;

    /** Counters. */
    public static final int CREATED = 0;
    public static final int EXPIRED = 1;
    public static final int REFUSED_FULL = 2;
    public static final int REFUSED_SOURCE = 3;
    public static final int REFUSED_PORTS = 4;
    public static final int ICMP_ERRORS_TRANSLATED = 5;
    public static final int UNMAPPED_INBOUND = 6;
    public static final int FRAGMENTS = 7;
    /** Datagrams translated on their way out, and replies translated on their way in. */
    public static final int TRANSLATED_OUT = 8;
    public static final int TRANSLATED_IN = 9;
    private static final int COUNTERS = 10;

    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;
    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final int ICMP = 1;
    private static final byte SYN_SENT = 1;
    private static final byte ESTABLISHED = 2;
    private static final byte CLOSING = 3;
    private static final byte OTHER = 4;

    /** What a {@code map} rule sets. */
    public record Config(int insidePrefix, int insideLength, int maxConnections, int maxPerSource,
        boolean endpointIndependentFiltering, long tcpEstablishedMs, long tcpTransitoryMs, long udpMs, long icmpMs)
    {
        /** RFC 5382/4787/5508's timeouts, address-and-port-dependent filtering. */
        public static Config defaults(final int insidePrefix, final int insideLength, final int maxConnections)
        {
            return new Config(insidePrefix, insideLength, maxConnections, Math.max(64, maxConnections / 4), false,
                TimeUnit.MINUTES.toMillis(124), TimeUnit.MINUTES.toMillis(4), TimeUnit.MINUTES.toMillis(5),
                TimeUnit.SECONDS.toMillis(60));
        }

        public Config withEndpointIndependentFiltering(final boolean on)
        {
            return new Config(insidePrefix, insideLength, maxConnections, maxPerSource, on, tcpEstablishedMs,
                tcpTransitoryMs, udpMs, icmpMs);
        }
    }

    private final int outside;
    private final Config config;
    private final int insideMask;
    /**
     * The connections, by id, three longs each, side by side (a packet touches one record, not eight arrays):
     * inside address and remote address; inside, outside and remote ports, protocol and TCP state; last seen.
     */
    private final long[] records;
    private final int[] freeIds;
    private int free;
    /** Outbound: (protocol, inside address and port, remote address and port) to connection. */
    private final FlowIndex outbound;
    /** Inbound: (protocol, outside port, remote address and port) to connection. */
    private final FlowIndex inbound;
    /** The endpoint-independent mappings: (protocol, inside address and port) to outside port, and back. */
    private final FlowIndex mappings;
    /** Per protocol, per outside port: its inside endpoint ({@code address << 16 | port}), or -1. */
    private final long[][] portOwner = new long[3][];
    /** Per protocol, per outside port: the connections using it. */
    private final int[][] portUsers = new int[3][];
    private final int[] portCursor = new int[3];
    private final Long2LongHashMap perSource;
    private final DeadlineTimerWheel timers;
    private final Long2LongHashMap connectionOfTimer;
    private final DeadlineTimerWheel.TimerHandler handler = this::onTimer;
    private long nextExpiryMs;
    private final AtomicLongArray counters = new AtomicLongArray(COUNTERS);

    /**
     * @param outside the outside interface's address (ipnat's {@code 0/32}).
     * @param config  the rule's settings.
     * @param nowMs   the clock now.
     */
    public Masquerade(final int outside, final Config config, final long nowMs)
    {
        this.outside = outside;
        this.config = config;
        this.insideMask = config.insideLength() == 0 ? 0 : -1 << (32 - config.insideLength());
        final int n = config.maxConnections();
        records = new long[n * 3];
        freeIds = new int[n];
        for (int i = 0; i < n; i++)
        {
            freeIds[i] = n - 1 - i;
        }
        free = n;
        outbound = new FlowIndex(n);
        inbound = new FlowIndex(n);
        mappings = new FlowIndex(n);
        for (int p = 0; p < 3; p++)
        {
            portOwner[p] = new long[65536];
            Arrays.fill(portOwner[p], -1);
            portUsers[p] = new int[65536];
            portCursor[p] = 1024;
        }
        perSource = new Long2LongHashMap(Math.min(n, 1 << 16), 0.65f, 0);
        timers = new DeadlineTimerWheel(TimeUnit.MILLISECONDS, nowMs, 1024, 512);
        connectionOfTimer = new Long2LongHashMap(Math.max(16, n), 0.65f, -1);
    }

    public int outsideAddress()
    {
        return outside;
    }

    public long counter(final int counter)
    {
        return counters.get(counter);
    }

    private void count(final int counter)
    {
        counters.lazySet(counter, counters.get(counter) + 1);
    }

    /** A tracked connection, as {@link #connections} shows it. */
    @FunctionalInterface
    public interface ConnectionVisitor
    {
        void connection(int protocol, int insideIp, int insidePort, int outsidePort, int remoteIp, int remotePort);
    }

    /** Every tracked connection. Datapath thread. */
    public void connections(final ConnectionVisitor visitor)
    {
        final boolean[] isFree = new boolean[config.maxConnections()];
        for (int i = 0; i < free; i++)
        {
            isFree[freeIds[i]] = true;
        }
        for (int id = 0; id < isFree.length; id++)
        {
            if (!isFree[id])
            {
                visitor.connection(proto(id), insideIp(id), insidePort(id), outsidePort(id), remoteIp(id),
                    remotePort(id));
            }
        }
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

    /** Bytes per connection the table holds room for: its arrays and its share of the indexes. */
    public long bytesPerConnection()
    {
        final long arrays = 3 * 8 + 4 + 8 + 8; // the record, its free-list slot, its timer's map entry (about)
        return arrays + (outbound.footprintBytes() + inbound.footprintBytes() + mappings.footprintBytes()) /
            config.maxConnections();
    }

    private int insideIp(final int id)
    {
        return (int)(records[id * 3] >>> 32);
    }

    private int remoteIp(final int id)
    {
        return (int)records[id * 3];
    }

    private int insidePort(final int id)
    {
        return (int)(records[id * 3 + 1] >>> 48) & 0xFFFF;
    }

    private int outsidePort(final int id)
    {
        return (int)(records[id * 3 + 1] >>> 32) & 0xFFFF;
    }

    private int remotePort(final int id)
    {
        return (int)(records[id * 3 + 1] >>> 16) & 0xFFFF;
    }

    private int proto(final int id)
    {
        return (int)(records[id * 3 + 1] >>> 8) & 0xFF;
    }

    private byte state(final int id)
    {
        return (byte)records[id * 3 + 1];
    }

    private void state(final int id, final byte newState)
    {
        records[id * 3 + 1] = records[id * 3 + 1] & ~0xFFL | (newState & 0xFF);
    }

    private void seen(final int id, final long nowMs)
    {
        records[id * 3 + 2] = nowMs;
    }

    private long lastSeen(final int id)
    {
        return records[id * 3 + 2];
    }

    private static int protoIndex(final int protocol)
    {
        return protocol == TCP ? 0 : protocol == UDP ? 1 : 2;
    }

    // ---------------------------------------------------------------------------------------------------------

    /**
     * A datagram leaving through the outside interface (already routed there): from the inside prefix, it takes the
     * outside address and its connection's port.
     *
     * @param b      the buffer.
     * @param ip     its IPv4 header (checked already).
     * @param nowMs  the clock.
     * @return {@link #PASS}, {@link #TRANSLATED}, {@link #REFUSED} or {@link #UNTRANSLATABLE}.
     */
    public int outbound(final MutableDirectBuffer b, final int ip, final long nowMs)
    {
        final int source = b.getInt(ip + 12, BE);
        if (((source ^ config.insidePrefix()) & insideMask) != 0)
        {
            return PASS;
        }
        final int protocol = b.getByte(ip + 9) & 0xFF;
        if (protocol != TCP && protocol != UDP && protocol != ICMP)
        {
            return PASS;
        }
        if ((b.getShort(ip + 6, BE) & 0x3FFF) != 0)
        {
            count(FRAGMENTS);
            return UNTRANSLATABLE; // fragments are reassembled or tracked later; never forwarded untranslated
        }
        final int l4 = ip + (b.getByte(ip) & 0x0F) * 4;
        final int total = b.getShort(ip + 2, BE) & 0xFFFF;
        final int l4Length = total - (l4 - ip);
        final int srcPort;
        final int dstPort;
        if (protocol == ICMP)
        {
            if (l4Length < 8)
            {
                return UNTRANSLATABLE;
            }
            final int type = b.getByte(l4) & 0xFF;
            if (type != 8 && type != 13)
            {
                return PASS; // errors from inside about inbound flows: not translated yet
            }
            srcPort = b.getShort(l4 + 4, BE) & 0xFFFF; // the query's identifier stands for a port
            dstPort = 0;
        }
        else
        {
            if (l4Length < (protocol == TCP ? 20 : 8))
            {
                return UNTRANSLATABLE;
            }
            srcPort = b.getShort(l4, BE) & 0xFFFF;
            dstPort = b.getShort(l4 + 2, BE) & 0xFFFF;
        }
        final int destination = b.getInt(ip + 16, BE);
        final long keyA = (long)protocol << 48 | (long)srcPort << 32 | (source & 0xFFFF_FFFFL);
        final long keyB = (long)dstPort << 32 | (destination & 0xFFFF_FFFFL);
        int id = outbound.get(keyA, keyB);
        if (id == FlowIndex.MISSING)
        {
            id = open(protocol, source, srcPort, destination, dstPort, keyA, keyB, nowMs);
            if (id < 0)
            {
                return REFUSED;
            }
        }
        seen(id, nowMs);
        if (protocol == TCP)
        {
            tcpState(id, b.getByte(l4 + 13) & 0x3F, true);
        }
        final int newPort = outsidePort(id);
        rewrite(b, ip, ip + 12, l4, protocol, protocol == ICMP ? l4 + 4 : l4, source, outside, srcPort, newPort);
        count(TRANSLATED_OUT);
        return TRANSLATED;
    }

    /**
     * A datagram arriving on the outside interface for the outside address: one of a connection's replies (or, with
     * endpoint-independent filtering, any datagram to a mapped port) goes back to its inside endpoint.
     *
     * @return {@link #TRANSLATED}, or {@link #PASS} (not for a connection: the router's own, or dropped by it).
     */
    public int inbound(final MutableDirectBuffer b, final int ip, final long nowMs)
    {
        if (b.getInt(ip + 16, BE) != outside)
        {
            return PASS;
        }
        final int protocol = b.getByte(ip + 9) & 0xFF;
        if (protocol != TCP && protocol != UDP && protocol != ICMP)
        {
            return PASS;
        }
        if ((b.getShort(ip + 6, BE) & 0x3FFF) != 0)
        {
            count(FRAGMENTS);
            return UNTRANSLATABLE;
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
            if (type == 3 || type == 11 || type == 12 || type == 4)
            {
                return icmpError(b, ip, l4, l4Length);
            }
            if (type != 0 && type != 14)
            {
                return PASS; // a query to the router itself
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
        int id = inbound.get((long)protocol << 48 | (long)port << 32, (long)fromPort << 32 | (remote & 0xFFFF_FFFFL));
        if (id == FlowIndex.MISSING)
        {
            final long owner = portOwner[protoIndex(protocol)][port];
            if (!config.endpointIndependentFiltering() || owner < 0 || protocol == ICMP)
            {
                count(UNMAPPED_INBOUND);
                return PASS;
            }
            // Endpoint-independent filtering: the mapping takes in any remote (nothing allocated if the table is full).
            final int inIp = (int)(owner >>> 16);
            final int inPort = (int)(owner & 0xFFFF);
            final long keyA = (long)protocol << 48 | (long)inPort << 32 | (inIp & 0xFFFF_FFFFL);
            final long keyB = (long)fromPort << 32 | (remote & 0xFFFF_FFFFL);
            id = open(protocol, inIp, inPort, remote, fromPort, keyA, keyB, nowMs);
            if (id < 0)
            {
                return PASS;
            }
        }
        seen(id, nowMs);
        if (protocol == TCP)
        {
            tcpState(id, b.getByte(l4 + 13) & 0x3F, false);
        }
        rewrite(b, ip, ip + 16, l4, protocol, protocol == ICMP ? l4 + 4 : l4 + 2, outside, insideIp(id), port,
            insidePort(id));
        count(TRANSLATED_IN);
        return TRANSLATED;
    }

    /** An ICMP error from outside quoting a datagram a connection sent: both headers go back to the inside endpoint. */
    private int icmpError(final MutableDirectBuffer b, final int ip, final int icmp, final int icmpLength)
    {
        final int quoted = icmp + 8;
        if (icmpLength < 8 + 20 + 8)
        {
            return PASS;
        }
        final int qihl = (b.getByte(quoted) & 0x0F) * 4;
        final int protocol = b.getByte(quoted + 9) & 0xFF;
        if (qihl < 20 || icmpLength < 8 + qihl + 8 || b.getInt(quoted + 12, BE) != outside ||
            protocol != TCP && protocol != UDP && protocol != ICMP)
        {
            return PASS;
        }
        final int ql4 = quoted + qihl;
        final int remote = b.getInt(quoted + 16, BE);
        final int port = b.getShort(ql4 + (protocol == ICMP ? 4 : 0), BE) & 0xFFFF;
        final int remotePortQuoted = protocol == ICMP ? 0 : b.getShort(ql4 + 2, BE) & 0xFFFF;
        final int id = inbound.get((long)protocol << 48 | (long)port << 32,
            (long)remotePortQuoted << 32 | (remote & 0xFFFF_FFFFL));
        if (id == FlowIndex.MISSING)
        {
            count(UNMAPPED_INBOUND);
            return PASS; // about no connection of ours: the router's own, or nothing
        }
        // Not a packet of the connection: lastSeen is left alone (RFC 5508 REQ-4).
        final int inIp = insideIp(id);
        final int inPort = insidePort(id);
        int icmpSum = b.getShort(icmp + 2, BE) & 0xFFFF;
        // The quoted header's source address, its checksum, and the quoted source port (and its transport checksum).
        final int oldQSum = b.getShort(quoted + 10, BE) & 0xFFFF;
        final int newQSum = InternetChecksum.update32(oldQSum, outside, inIp);
        b.putInt(quoted + 12, inIp, BE);
        b.putShort(quoted + 10, (short)newQSum, BE);
        icmpSum = InternetChecksum.update32(icmpSum, outside, inIp);
        icmpSum = InternetChecksum.update16(icmpSum, oldQSum, newQSum);
        final int portAt = ql4 + (protocol == ICMP ? 4 : 0);
        b.putShort(portAt, (short)inPort, BE);
        icmpSum = InternetChecksum.update16(icmpSum, port, inPort);
        final int transportSumAt = protocol == TCP ? ql4 + 16 : protocol == UDP ? ql4 + 6 : ql4 + 2;
        if (transportSumAt + 2 <= icmp + icmpLength)
        {
            final int oldT = b.getShort(transportSumAt, BE) & 0xFFFF;
            if (!(protocol == UDP && oldT == 0))
            {
                int newT = protocol == ICMP ? oldT : InternetChecksum.update32(oldT, outside, inIp);
                newT = InternetChecksum.update16(newT, port, inPort);
                b.putShort(transportSumAt, (short)newT, BE);
                icmpSum = InternetChecksum.update16(icmpSum, oldT, newT);
            }
        }
        b.putShort(icmp + 2, (short)icmpSum, BE);
        // The outer destination: the inside endpoint.
        final int oldSum = b.getShort(ip + 10, BE) & 0xFFFF;
        b.putInt(ip + 16, inIp, BE);
        b.putShort(ip + 10, (short)InternetChecksum.update32(oldSum, outside, inIp), BE);
        count(ICMP_ERRORS_TRANSLATED);
        return TRANSLATED;
    }

    // ---------------------------------------------------------------------------------------------------------

    private int open(final int protocol, final int inIp, final int inPort, final int remote, final int remotePortNumber,
        final long keyA, final long keyB, final long nowMs)
    {
        if (free == 0)
        {
            expire(nowMs); // the datapath expires on its own rhythm (expire() each cycle); a full table tries now
        }
        if (free == 0)
        {
            count(REFUSED_FULL);
            return -1;
        }
        final long sourceKey = inIp & 0xFFFF_FFFFL;
        final long fromSource = perSource.get(sourceKey);
        if (fromSource >= config.maxPerSource())
        {
            count(REFUSED_SOURCE);
            return -1;
        }
        final int p = protoIndex(protocol);
        final long mapKeyA = (long)protocol << 48 | (long)inPort << 32 | (inIp & 0xFFFF_FFFFL);
        int port = mappings.get(mapKeyA, 0);
        if (port == FlowIndex.MISSING)
        {
            port = allocatePort(p, inIp, inPort);
            if (port < 0)
            {
                count(REFUSED_PORTS);
                return -1;
            }
            mappings.put(mapKeyA, 0, port);
            portOwner[p][port] = (long)inIp << 16 | inPort;
        }
        final long inKeyA = (long)protocol << 48 | (long)port << 32;
        final long inKeyB = (long)remotePortNumber << 32 | (remote & 0xFFFF_FFFFL);
        if (inbound.get(inKeyA, inKeyB) != FlowIndex.MISSING)
        {
            count(REFUSED_PORTS); // the mapping's port talks to this remote for another inside endpoint already
            return -1;
        }
        final int id = freeIds[--free];
        records[id * 3] = (long)inIp << 32 | (remote & 0xFFFF_FFFFL);
        records[id * 3 + 1] = (long)inPort << 48 | (long)port << 32 | (long)remotePortNumber << 16 |
            (long)protocol << 8 | (protocol == TCP ? SYN_SENT : OTHER);
        records[id * 3 + 2] = nowMs;
        portUsers[p][port]++;
        perSource.put(sourceKey, fromSource + 1);
        outbound.put(keyA, keyB, id);
        inbound.put(inKeyA, inKeyB, id);
        arm(id, nowMs + timeout(id));
        count(CREATED);
        return id;
    }

    /** Port preservation, else a port in the same range (below 1024 for below 1024), from a rolling cursor. */
    private int allocatePort(final int p, final int inIp, final int inPort)
    {
        final long[] owners = portOwner[p];
        if (inPort != 0 && owners[inPort] == -1)
        {
            return inPort;
        }
        final boolean low = inPort < 1024;
        final int first = low ? 1 : 1024;
        final int span = low ? 1023 : 65536 - 1024;
        int cursor = low ? first : portCursor[p];
        for (int i = 0; i < span; i++)
        {
            final int port = first + (cursor - first + i) % span;
            if (owners[port] == -1)
            {
                if (!low)
                {
                    portCursor[p] = port + 1 >= 65536 ? 1024 : port + 1;
                }
                return port;
            }
        }
        return -1;
    }

    private long timeout(final int id)
    {
        final int protocol = proto(id);
        return protocol == TCP ? (state(id) == ESTABLISHED ? config.tcpEstablishedMs() : config.tcpTransitoryMs()) :
            protocol == UDP ? config.udpMs() : config.icmpMs();
    }

    private void tcpState(final int id, final int flags, final boolean fromInside)
    {
        final byte current = state(id);
        if ((flags & 0x05) != 0)
        {
            if (current != CLOSING)
            {
                state(id, CLOSING); // FIN or RST: the transitory time from here (late segments)
            }
        }
        else if (current == SYN_SENT && (flags & 0x12) == 0x12)
        {
            state(id, ESTABLISHED); // the answering SYN-ACK (the remote's, or the inside's to a published port)
        }
    }

    /** Connections whose time is up, as the timer wheel says; a connection that saw packets is re-armed instead. */
    public int expire(final long nowMs)
    {
        if (nowMs < nextExpiryMs)
        {
            return 0; // a poll scans a tick's timers: once a second is enough for timeouts of minutes
        }
        nextExpiryMs = nowMs + 1_000;
        int fired = 0;
        do
        {
            fired += timers.poll(nowMs, handler, Integer.MAX_VALUE); // a tick a call: catch up to now
        }
        while (timers.timerCount() > 0 && timers.currentTickTime() <= nowMs);
        return fired;
    }

    private boolean onTimer(final TimeUnit unit, final long nowMs, final long timerId)
    {
        final long value = connectionOfTimer.remove(timerId);
        if (value < 0)
        {
            return true;
        }
        final int id = (int)value;
        final long due = lastSeen(id) + timeout(id);
        if (due > nowMs)
        {
            arm(id, due); // it saw packets since: its time starts from the last
            return true;
        }
        close(id);
        count(EXPIRED);
        return true;
    }

    private void arm(final int id, final long deadlineMs)
    {
        connectionOfTimer.put(timers.scheduleTimer(deadlineMs), id);
    }

    private void close(final int id)
    {
        final int protocol = proto(id);
        final int p = protoIndex(protocol);
        final int port = outsidePort(id);
        final long inside = (long)protocol << 48 | (long)insidePort(id) << 32 | (insideIp(id) & 0xFFFF_FFFFL);
        final long far = (long)remotePort(id) << 32 | (remoteIp(id) & 0xFFFF_FFFFL);
        outbound.remove(inside, far);
        inbound.remove((long)protocol << 48 | (long)port << 32, far);
        if (--portUsers[p][port] == 0)
        {
            mappings.remove(inside, 0);
            portOwner[p][port] = -1;
        }
        final long sourceKey = insideIp(id) & 0xFFFF_FFFFL;
        final long left = perSource.get(sourceKey) - 1;
        if (left <= 0)
        {
            perSource.remove(sourceKey);
        }
        else
        {
            perSource.put(sourceKey, left);
        }
        freeIds[free++] = id;
    }

    /**
     * @param nowMs the clock now.
     * @return when the table next needs {@link #expire}: within a minute while it tracks connections (expiry only
     *         frees room, so an idle datapath need not wake for each), never when empty.
     */
    public long nextDeadlineMs(final long nowMs)
    {
        return timers.timerCount() == 0 ? Long.MAX_VALUE : nowMs + 60_000;
    }

    // ---------------------------------------------------------------------------------------------------------

    /**
     * One address and one port (or ICMP query identifier) rewritten, with the IPv4 header checksum and the transport
     * checksum updated incrementally (RFC 1624): TCP and UDP cover the address through their pseudo-header, ICMP does
     * not; a UDP checksum of 0 (none) stays 0, and one that comes out 0 is sent as 0xFFFF.
     */
    private static void rewrite(final MutableDirectBuffer b, final int ip, final int addressAt, final int l4,
        final int protocol, final int portAt, final int oldAddress, final int newAddress, final int oldPort,
        final int newPort)
    {
        b.putInt(addressAt, newAddress, BE);
        b.putShort(ip + 10, (short)InternetChecksum.update32(b.getShort(ip + 10, BE) & 0xFFFF, oldAddress,
            newAddress), BE);
        b.putShort(portAt, (short)newPort, BE);
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
}
