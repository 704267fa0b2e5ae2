package io.xbow.nat.dhcp;

import io.xbow.packet.checksum.InternetChecksum;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.Long2ObjectHashMap;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * A DHCP server (RFC 2131, options of RFC 2132) on one of the router's addresses: a pool of addresses and static
 * hosts, leases by client MAC, and replies addressed as RFC 2131 4.1 says. It runs on the datapath thread with the
 * router; what it leases is told to a {@link Listener} (which keeps the leases on disk, off this thread).
 * <p>
 * The server answers DISCOVER with an OFFER (the client's static address, its current or last address, the one it
 * asks for if free, else the first free one), REQUEST in its four forms (SELECTING, INIT-REBOOT, RENEWING, REBINDING)
 * with an ACK or a NAK (an address leased to another client, or off the subnet, is NAKed), RELEASE and DECLINE (the
 * address is kept out of the pool for {@link #DECLINE_HOLD_MS}), and INFORM with the options alone. Requests through
 * a relay (giaddr set) are not served: xbow's DHCP serves the links the router stands on.
 */
public final class DhcpServer
{
    public static final int DISCOVER = 1;
    public static final int OFFER = 2;
    public static final int REQUEST = 3;
    public static final int DECLINE = 4;
    public static final int ACK = 5;
    public static final int NAK = 6;
    public static final int RELEASE = 7;
    public static final int INFORM = 8;

    /** Counter: messages received. */
    public static final int RECEIVED = 0;
    public static final int OFFERS = 1;
    public static final int ACKS = 2;
    public static final int NAKS = 3;
    /** Counter: truncated, bad magic, bad options. */
    public static final int MALFORMED = 4;
    /** Counter: not for us (another server chosen, a relay, a client we have no record of). */
    public static final int IGNORED = 5;
    /** Counter: a DISCOVER with no free address to offer. */
    public static final int EXHAUSTED = 6;
    public static final int DECLINES = 7;
    public static final int RELEASES = 8;
    private static final int COUNTERS = 9;

    /** How long an offered address waits for the client's REQUEST. */
    static final long OFFER_HOLD_MS = 60_000;
    /** How long a declined address stays out of the pool (RFC 2131 3.1.5: the client found it in use). */
    static final long DECLINE_HOLD_MS = 600_000;
    private static final int BOOTP_MINIMUM = 300;
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;
    private static final long BROADCAST_MAC = 0xFFFF_FFFF_FFFFL;

    /** What the pool serves. */
    public record Pool(int first, int last, int router, int[] dns, int leaseSeconds, String domain)
    {
        public Pool
        {
            if (Integer.compareUnsigned(first, last) > 0)
            {
                throw new IllegalArgumentException("the range's first address is after its last");
            }
            if (leaseSeconds < 60)
            {
                throw new IllegalArgumentException("a lease of at least 60 s");
            }
            dns = dns.clone();
        }

        boolean contains(final int address)
        {
            return Integer.compareUnsigned(address, first) >= 0 && Integer.compareUnsigned(address, last) <= 0;
        }
    }

    /** Told of every lease made, renewed, and ended (on the datapath thread: hand it off, do not block). */
    public interface Listener
    {
        void leased(long mac, int address, long expiresEpochMs, String hostname);

        void ended(long mac, int address);
    }

    /** A lease, as {@link #leases} shows it. */
    public interface LeaseVisitor
    {
        /** @param state {@code offered}, {@code bound} or {@code static} (a static host with no lease yet). */
        void lease(long mac, int address, long expiresEpochMs, String hostname, String state);
    }

    private static final class Lease
    {
        final long mac;
        final int address;
        long expiresMs;
        boolean bound;
        String hostname = "";

        Lease(final long mac, final int address)
        {
            this.mac = mac;
            this.address = address;
        }
    }

    private final int serverAddress;
    private final int mask;
    private Pool pool;
    private final LongSupplier epochMs;
    private final Listener listener;
    private final Long2ObjectHashMap<Lease> byMac = new Long2ObjectHashMap<>();
    private final Int2ObjectHashMap<Lease> byAddress = new Int2ObjectHashMap<>();
    private final Long2LongHashMap staticByMac = new Long2LongHashMap(-1);
    /** Keyed by address as an unsigned long. */
    private final Long2LongHashMap staticByAddress = new Long2LongHashMap(-1);
    private final Long2LongHashMap declinedUntil = new Long2LongHashMap(-1);
    private final DhcpRequest request = new DhcpRequest();
    private final AtomicLongArray counters = new AtomicLongArray(COUNTERS);

    /**
     * @param serverAddress the router's address the server answers from (its server identifier).
     * @param prefixLength  that address's subnet.
     * @param pool          what it serves.
     * @param epochMs       the wall clock (leases outlive a restart).
     * @param listener      told of leases.
     */
    public DhcpServer(final int serverAddress, final int prefixLength, final Pool pool, final LongSupplier epochMs,
        final Listener listener)
    {
        this.serverAddress = serverAddress;
        this.mask = prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
        this.epochMs = epochMs;
        this.listener = listener;
        pool(pool);
    }

    /** Replace what the pool serves; leases outside the new range end when they expire. Datapath thread. */
    public void pool(final Pool newPool)
    {
        if (!onSubnet(newPool.first()) || !onSubnet(newPool.last()))
        {
            throw new IllegalArgumentException("the range is not within the subnet of the server's address");
        }
        this.pool = newPool;
    }

    private boolean onSubnet(final int address)
    {
        return ((address ^ serverAddress) & mask) == 0 && address != serverAddress &&
            (address & ~mask) != 0 && (address & ~mask) != ~mask;
    }

    /** A static host: this MAC always gets this address (which may be outside the range). Datapath thread. */
    public void addStatic(final long mac, final int address)
    {
        if (!onSubnet(address))
        {
            throw new IllegalArgumentException("the address is not a host address on the server's subnet");
        }
        final long other = staticByAddress.get(key(address));
        if (other != -1 && other != mac)
        {
            throw new IllegalArgumentException("the address is another host's already");
        }
        removeStatic(mac);
        staticByMac.put(mac, address);
        staticByAddress.put(key(address), mac);
        final Lease held = byAddress.get(address);
        if (held != null && held.mac != mac)
        {
            end(held); // the address is the host's now
        }
    }

    public void removeStatic(final long mac)
    {
        final long address = staticByMac.remove(mac);
        if (address != -1)
        {
            staticByAddress.remove(key((int)address));
        }
    }

    /** A lease read back from disk at start. */
    public void restore(final long mac, final int address, final long expiresEpochMs, final String hostname)
    {
        if (expiresEpochMs <= epochMs.getAsLong() || byAddress.containsKey(address) || byMac.containsKey(mac))
        {
            return;
        }
        final Lease lease = new Lease(mac, address);
        lease.expiresMs = expiresEpochMs;
        lease.bound = true;
        lease.hostname = hostname;
        byMac.put(mac, lease);
        byAddress.put(address, lease);
    }

    public long counter(final int counter)
    {
        return counters.get(counter);
    }

    private void count(final int counter)
    {
        counters.lazySet(counter, counters.get(counter) + 1);
    }

    /** Every lease and static host. Datapath thread. */
    public void leases(final LeaseVisitor visitor)
    {
        final long now = epochMs.getAsLong();
        byMac.forEach((mac, lease) ->
        {
            if (lease.expiresMs > now)
            {
                visitor.lease(mac, lease.address, lease.expiresMs, lease.hostname, lease.bound ? "bound" : "offered");
            }
        });
        staticByMac.forEach((final Long mac, final Long address) ->
        {
            final Lease lease = byMac.get(mac.longValue());
            if (lease == null || lease.expiresMs <= now)
            {
                visitor.lease(mac, (int)address.longValue(), 0, "", "static");
            }
        });
    }

    /**
     * Answer a message sent to the server's port.
     *
     * @param in        the frame's buffer.
     * @param ip        where its IPv4 header starts.
     * @param sourceMac the frame's source MAC.
     * @param serverMac the router's MAC on the link.
     * @param out       where to write the reply frame.
     * @param at        its offset; room for 14 + 20 + 8 + 576 bytes.
     * @return the reply frame's length, or 0 for no reply; its destination MAC is at {@code at} (broadcast, or the
     *         client's).
     */
    public int handle(final DirectBuffer in, final int ip, final long sourceMac, final long serverMac,
        final MutableDirectBuffer out, final int at)
    {
        count(RECEIVED);
        final int ihl = (in.getByte(ip) & 0x0F) * 4;
        final int total = in.getShort(ip + 2, BE) & 0xFFFF;
        final int udp = ip + ihl;
        final int udpLength = in.getShort(udp + 4, BE) & 0xFFFF;
        if (udpLength < 8 || ihl + udpLength > total || !request.read(in, udp + 8, udpLength - 8))
        {
            count(MALFORMED);
            return 0;
        }
        if (request.giaddr != 0)
        {
            count(IGNORED);
            return 0;
        }
        final long now = epochMs.getAsLong();
        return switch (request.messageType)
        {
            case DISCOVER -> discover(now, serverMac, out, at);
            case REQUEST -> request(now, serverMac, out, at);
            case DECLINE -> decline(now);
            case RELEASE -> release();
            case INFORM -> inform(serverMac, sourceMac, out, at);
            default -> ignored();
        };
    }

    private int ignored()
    {
        count(IGNORED);
        return 0;
    }

    private int discover(final long now, final long serverMac, final MutableDirectBuffer out, final int at)
    {
        final int address = choose(now);
        if (address == 0)
        {
            count(EXHAUSTED);
            return 0;
        }
        Lease lease = byMac.get(request.chaddr);
        if (lease == null || lease.address != address)
        {
            if (lease != null)
            {
                drop(lease);
            }
            lease = new Lease(request.chaddr, address);
            byMac.put(request.chaddr, lease);
            byAddress.put(address, lease);
            lease.expiresMs = now + OFFER_HOLD_MS;
        }
        else if (!lease.bound || lease.expiresMs <= now)
        {
            lease.bound = false;
            lease.expiresMs = now + OFFER_HOLD_MS;
        }
        count(OFFERS);
        return reply(OFFER, address, 0, serverMac, out, at);
    }

    /** The address to offer this client, or 0 if none is free. */
    private int choose(final long now)
    {
        final long fixed = staticByMac.get(request.chaddr);
        if (fixed != -1)
        {
            return (int)fixed;
        }
        final Lease known = byMac.get(request.chaddr);
        if (known != null && pool.contains(known.address) && !declined(known.address, now))
        {
            return known.address;
        }
        if (request.requestedAddress != 0 && free(request.requestedAddress, now))
        {
            return request.requestedAddress;
        }
        for (int a = pool.first(); ; a++)
        {
            if (free(a, now))
            {
                return a;
            }
            if (a == pool.last())
            {
                return 0;
            }
        }
    }

    private boolean free(final int address, final long now)
    {
        if (!pool.contains(address) || !onSubnet(address) || address == pool.router() ||
            staticByAddress.containsKey(key(address)) || declined(address, now))
        {
            return false;
        }
        final Lease lease = byAddress.get(address);
        if (lease != null && lease.expiresMs <= now)
        {
            drop(lease);
            return true;
        }
        return lease == null;
    }

    private boolean declined(final int address, final long now)
    {
        final long until = declinedUntil.get(key(address));
        if (until == -1)
        {
            return false;
        }
        if (until <= now)
        {
            declinedUntil.remove(key(address));
            return false;
        }
        return true;
    }

    private int request(final long now, final long serverMac, final MutableDirectBuffer out, final int at)
    {
        final long client = request.chaddr;
        final int wanted;
        if (request.serverId != 0)
        {
            // SELECTING: an answer to offers; ours, or another server's.
            if (request.serverId != serverAddress)
            {
                final Lease offered = byMac.get(client);
                if (offered != null && !offered.bound)
                {
                    drop(offered);
                }
                return ignored();
            }
            wanted = request.requestedAddress != 0 ? request.requestedAddress : request.ciaddr;
        }
        else if (request.ciaddr == 0)
        {
            // INIT-REBOOT: the client asks to keep the address it had.
            wanted = request.requestedAddress;
            if (wanted == 0)
            {
                count(MALFORMED);
                return 0;
            }
            if (!onSubnet(wanted))
            {
                return nak(serverMac, out, at); // it moved to another network
            }
            final Lease lease = byMac.get(client);
            final long fixed = staticByMac.get(client);
            if ((lease == null || lease.address != wanted) && fixed != wanted && !free(wanted, now))
            {
                return nak(serverMac, out, at); // another client's
            }
            if (lease == null && fixed != wanted)
            {
                return ignored(); // RFC 2131 4.3.2: no record of this client, so say nothing
            }
        }
        else
        {
            // RENEWING (unicast) or REBINDING (broadcast): extend the lease on ciaddr.
            wanted = request.ciaddr;
        }
        final Lease lease = byMac.get(client);
        final long fixed = staticByMac.get(client);
        final boolean ours = lease != null && lease.address == wanted;
        if (!onSubnet(wanted) || fixed != -1 && fixed != wanted ||
            !ours && fixed != wanted && (!free(wanted, now)))
        {
            return nak(serverMac, out, at);
        }
        Lease bound = lease;
        if (!ours)
        {
            if (lease != null)
            {
                drop(lease);
            }
            final Lease other = byAddress.get(wanted);
            if (other != null)
            {
                end(other); // a static host takes its address back
            }
            bound = new Lease(client, wanted);
            byMac.put(client, bound);
            byAddress.put(wanted, bound);
        }
        bound.bound = true;
        bound.expiresMs = now + pool.leaseSeconds() * 1000L;
        bound.hostname = request.hostname();
        listener.leased(client, wanted, bound.expiresMs, bound.hostname);
        count(ACKS);
        return reply(ACK, wanted, request.ciaddr, serverMac, out, at);
    }

    private int decline(final long now)
    {
        final Lease lease = byMac.get(request.chaddr);
        if (lease == null || request.requestedAddress != lease.address ||
            request.serverId != 0 && request.serverId != serverAddress)
        {
            return ignored();
        }
        declinedUntil.put(key(lease.address), now + DECLINE_HOLD_MS);
        end(lease);
        count(DECLINES);
        return 0;
    }

    private int release()
    {
        final Lease lease = byMac.get(request.chaddr);
        if (lease == null || lease.address != request.ciaddr)
        {
            return ignored();
        }
        end(lease);
        count(RELEASES);
        return 0;
    }

    private int inform(final long serverMac, final long sourceMac, final MutableDirectBuffer out, final int at)
    {
        if (request.ciaddr == 0 || !onSubnet(request.ciaddr))
        {
            return ignored();
        }
        count(ACKS);
        final int length = reply(ACK, 0, request.ciaddr, serverMac, out, at);
        putMac(out, at, sourceMac);
        return length;
    }

    private int nak(final long serverMac, final MutableDirectBuffer out, final int at)
    {
        final Lease offered = byMac.get(request.chaddr);
        if (offered != null && !offered.bound)
        {
            drop(offered);
        }
        count(NAKS);
        return reply(NAK, 0, 0, serverMac, out, at);
    }

    private void end(final Lease lease)
    {
        drop(lease);
        if (lease.bound)
        {
            listener.ended(lease.mac, lease.address);
        }
    }

    private void drop(final Lease lease)
    {
        byMac.remove(lease.mac);
        if (byAddress.get(lease.address) == lease)
        {
            byAddress.remove(lease.address);
        }
    }

    /**
     * Write a reply: Ethernet, IPv4 and UDP headers addressed as RFC 2131 4.1 says, the BOOTP fields, and the options.
     */
    private int reply(final int type, final int yiaddr, final int ciaddr, final long serverMac,
        final MutableDirectBuffer out, final int at)
    {
        final boolean broadcast = type == NAK || ciaddr == 0 && (request.flags & 0x8000) != 0;
        final int destination = broadcast ? -1 : ciaddr != 0 ? ciaddr : yiaddr;
        putMac(out, at, broadcast ? BROADCAST_MAC : request.chaddr);
        putMac(out, at + 6, serverMac);
        out.putShort(at + 12, (short)0x0800, BE);
        final int ip = at + 14;
        final int udp = ip + 20;
        final int bootp = udp + 8;
        out.setMemory(bootp, DhcpRequest.OPTIONS, (byte)0);
        out.putByte(bootp, (byte)2);
        out.putByte(bootp + 1, (byte)1);
        out.putByte(bootp + 2, (byte)6);
        out.putInt(bootp + 4, request.xid, BE);
        out.putShort(bootp + 10, (short)request.flags, BE);
        out.putInt(bootp + 12, type == NAK ? 0 : ciaddr, BE);
        out.putInt(bootp + 16, yiaddr, BE);
        putMac(out, bootp + 28, request.chaddr);
        out.putInt(bootp + 236, DhcpRequest.MAGIC, BE);
        int o = bootp + DhcpRequest.OPTIONS;
        o = option1(out, o, 53, type);
        o = option4(out, o, 54, serverAddress);
        if (type != NAK)
        {
            if (type != ACK || yiaddr != 0)
            {
                final int lease = pool.leaseSeconds();
                o = option4(out, o, 51, lease);
                o = option4(out, o, 58, lease / 2);
                o = option4(out, o, 59, (int)(lease * 7L / 8));
            }
            o = option4(out, o, 1, mask);
            if (pool.router() != 0 && request.asked(3))
            {
                o = option4(out, o, 3, pool.router());
            }
            if (pool.dns().length > 0 && request.asked(6))
            {
                out.putByte(o, (byte)6);
                out.putByte(o + 1, (byte)(4 * Math.min(pool.dns().length, 8)));
                o += 2;
                for (int i = 0; i < Math.min(pool.dns().length, 8); i++)
                {
                    out.putInt(o, pool.dns()[i], BE);
                    o += 4;
                }
            }
            if (request.asked(28))
            {
                o = option4(out, o, 28, serverAddress | ~mask);
            }
            if (pool.domain() != null && !pool.domain().isEmpty() && request.asked(15))
            {
                final byte[] name = pool.domain().getBytes(StandardCharsets.US_ASCII);
                final int n = Math.min(name.length, 64);
                out.putByte(o, (byte)15);
                out.putByte(o + 1, (byte)n);
                out.putBytes(o + 2, name, 0, n);
                o += 2 + n;
            }
        }
        out.putByte(o++, (byte)255);
        int bootpLength = o - bootp;
        if (bootpLength < BOOTP_MINIMUM)
        {
            out.setMemory(o, BOOTP_MINIMUM - bootpLength, (byte)0);
            bootpLength = BOOTP_MINIMUM;
        }
        out.putByte(ip, (byte)0x45);
        out.putByte(ip + 1, (byte)0x10);
        out.putShort(ip + 2, (short)(20 + 8 + bootpLength), BE);
        out.putShort(ip + 4, (short)0, BE);
        out.putShort(ip + 6, (short)0, BE);
        out.putByte(ip + 8, (byte)64);
        out.putByte(ip + 9, (byte)17);
        out.putShort(ip + 10, (short)0, BE);
        out.putInt(ip + 12, serverAddress, BE);
        out.putInt(ip + 16, destination, BE);
        out.putShort(ip + 10, (short)InternetChecksum.ipv4HeaderChecksum(out, ip, 20), BE);
        out.putShort(udp, (short)67, BE);
        out.putShort(udp + 2, (short)68, BE);
        out.putShort(udp + 4, (short)(8 + bootpLength), BE);
        out.putShort(udp + 6, (short)0, BE);
        out.putShort(udp + 6, (short)InternetChecksum.udpChecksum(out, udp, 8 + bootpLength, serverAddress,
            destination), BE);
        return 14 + 20 + 8 + bootpLength;
    }

    private static int option1(final MutableDirectBuffer out, final int o, final int code, final int value)
    {
        out.putByte(o, (byte)code);
        out.putByte(o + 1, (byte)1);
        out.putByte(o + 2, (byte)value);
        return o + 3;
    }

    private static int option4(final MutableDirectBuffer out, final int o, final int code, final int value)
    {
        out.putByte(o, (byte)code);
        out.putByte(o + 1, (byte)4);
        out.putInt(o + 2, value, BE);
        return o + 6;
    }

    private static long key(final int address)
    {
        return address & 0xFFFF_FFFFL;
    }

    private static void putMac(final MutableDirectBuffer b, final int at, final long mac)
    {
        b.putShort(at, (short)(mac >>> 32), BE);
        b.putInt(at + 2, (int)mac, BE);
    }

    /** The server's address (its identifier). */
    public int address()
    {
        return serverAddress;
    }

    public Pool pool()
    {
        return pool;
    }
}
