package io.xbow.nat.router;

import io.xbow.nat.arp.ArpCache;
import io.xbow.nat.conntrack.NatTable;
import io.xbow.nat.dhcp.DhcpServer;
import io.xbow.packet.DropReason;
import io.xbow.packet.frame.FrameBatch;
import io.xbow.packet.frame.FrameOffload;
import io.xbow.packet.frame.FramePool;
import io.xbow.vswitch.port.PortContext;
import io.xbow.vswitch.port.PortDevice;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.IntHashSet;

import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The router on one link: its MAC and address there, the link's ARP cache, and the port that stands on the link's
 * switch ({@link #port()}): the switch hands it frames addressed to the router ({@code transmit}) and takes from it
 * what the router sends on the link ({@code receive}): forwarded datagrams, ARP requests and replies, ICMP.
 */
public final class RouterInterface
{
    /** Counter: datagrams forwarded out of another interface after coming in on this one. */
    public static final int FORWARDED = 0;
    /** Counter: ICMP errors sent on this link. */
    public static final int ICMP_ERRORS = 1;
    /** Counter: ARP requests sent on this link. */
    public static final int ARP_REQUESTS = 2;
    /** Counter: datagrams with IP options forwarded (as they are: xbow acts on none of them). */
    public static final int OPTIONS_FORWARDED = 3;
    private static final int COUNTERS = 4;
    private static final int QUEUE = 1024;
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    private final Router router;
    private final String name;
    private final long mac;
    private final int address;
    private final int prefixLength;
    private final int mtu;
    private final ArpCache arp;
    /** Addresses the router answers ARP for here with its own MAC (routed guests behind other interfaces). */
    private final IntHashSet proxied = new IntHashSet();
    /** Answer ARP for any address but the asker's own (the guest side of a routed vif: everything is via us). */
    private boolean proxyAll;
    private DhcpServer dhcp;
    private NatTable nat;
    private final Port port = new Port();
    private final int[] queue = new int[QUEUE];
    private int head;
    private int tail;
    private PortContext context = PortContext.DETACHED;
    private final AtomicLongArray counters = new AtomicLongArray(COUNTERS);
    private final long[] drops = new long[DropReason.count()];

    RouterInterface(final Router router, final String name, final long mac, final int address,
        final int prefixLength, final int mtu, final ArpCache arp)
    {
        this.router = router;
        this.name = name;
        this.mac = mac;
        this.address = address;
        this.prefixLength = prefixLength;
        this.mtu = mtu;
        this.arp = arp;
        arp.listener(new ArpCache.Listener()
        {
            @Override
            public void release(final int frame, final long nextHopMac)
            {
                transmitTo(frame, nextHopMac);
            }

            @Override
            public void unreachable(final int frame, final int nextHop)
            {
                router.hostUnreachable(RouterInterface.this, frame, context.clock().nanoTime());
                drop(frame, DropReason.ARP_UNRESOLVED);
            }

            @Override
            public void request(final int nextHop)
            {
                arpRequest(nextHop);
            }
        });
    }

    /**
     * @return the device to attach to the link's switch (with the router's MAC as a static entry there).
     */
    public PortDevice port()
    {
        return port;
    }

    public String name()
    {
        return name;
    }

    public long mac()
    {
        return mac;
    }

    public int address()
    {
        return address;
    }

    public int prefixLength()
    {
        return prefixLength;
    }

    public int mtu()
    {
        return mtu;
    }

    /**
     * Answer ARP on this link for an address with the router's MAC (proxy ARP, as Xen's vif-route sets it up on
     * the uplink for a routed guest), or stop. The address is also never learned from this link (a gratuitous ARP
     * from the LAN cannot take it), and a datagram from this link claiming it as its source is dropped as spoofed.
     * Datapath thread.
     */
    public void proxyArp(final int address, final boolean on)
    {
        if (on)
        {
            proxied.add(address);
        }
        else
        {
            proxied.remove(address);
        }
    }

    /**
     * Serve DHCP on this link from the router's address, or stop (null). Datapath thread.
     */
    public void dhcp(final DhcpServer server)
    {
        this.dhcp = server;
    }

    /**
     * Translate what leaves through this interface and what arrives on it for the NAT's addresses (ipnat's rules
     * for it), or stop (null). Datapath thread.
     */
    public void nat(final NatTable table)
    {
        this.nat = table;
        router.natChanged();
    }

    /** The NAT of this interface (the outside one), or null. */
    public NatTable nat()
    {
        return nat;
    }

    /** This link's DHCP server, or null. */
    public DhcpServer dhcp()
    {
        return dhcp;
    }

    /**
     * Answer every ARP request on this link (but one for the asker's own address) with the router's MAC: the guest
     * side of a routed vif, where the guest reaches everything through the router. Datapath thread.
     */
    public void proxyAll(final boolean on)
    {
        this.proxyAll = on;
    }

    /** An ARP table entry, as {@link #arpTable} shows it. */
    @FunctionalInterface
    public interface ArpVisitor
    {
        /**
         * @param mac       its MAC, or {@link ArpCache#UNRESOLVED} while a request waits for an answer.
         * @param own       the router's own address on this link.
         * @param published answered for by the router (its own, or proxied).
         */
        void entry(int address, long mac, boolean own, boolean published);
    }

    /** This link's ARP table: the router's own address, what it answers for (proxy ARP), what it learned. Datapath thread. */
    public void arpTable(final ArpVisitor visitor)
    {
        visitor.entry(address, mac, true, true);
        final IntHashSet.IntIterator it = proxied.iterator();
        while (it.hasNext())
        {
            visitor.entry(it.nextValue(), mac, false, true);
        }
        arp.forEach((ip, learned) -> visitor.entry(ip, learned, false, false));
    }

    boolean isProxied(final int address)
    {
        return proxied.contains(address);
    }

    boolean answersArpFor(final int target, final int sender)
    {
        return target == address || proxied.contains(target) || proxyAll && target != sender && target != 0 ||
            nat != null && nat.rules().answersArpFor(target);
    }

    ArpCache arp()
    {
        return arp;
    }

    FramePool pool()
    {
        return context.pool();
    }

    /**
     * @param counter one of the counter constants; any thread.
     */
    public long counter(final int counter)
    {
        return counters.get(counter);
    }

    /**
     * @return frames dropped here for a reason (read from any thread: a snapshot).
     */
    public long drops(final DropReason reason)
    {
        return drops[reason.ordinal()];
    }

    void forwarded()
    {
        counters.lazySet(FORWARDED, counters.get(FORWARDED) + 1);
    }

    void optionsForwarded()
    {
        counters.lazySet(OPTIONS_FORWARDED, counters.get(OPTIONS_FORWARDED) + 1);
    }

    void icmpSent()
    {
        counters.lazySet(ICMP_ERRORS, counters.get(ICMP_ERRORS) + 1);
    }

    void drop(final int frame, final DropReason reason)
    {
        context.pool().free(frame);
        drops[reason.ordinal()]++;
        context.dropped(reason);
    }

    /** A datagram in this link's pool, for a next hop on this link: sent once ARP says where. */
    void resolveAndSend(final int frame, final int nextHop, final long nowNs)
    {
        final long nextHopMac = arp.lookup(nextHop);
        if (nextHopMac != ArpCache.UNRESOLVED)
        {
            transmitTo(frame, nextHopMac);
            return;
        }
        final int held = arp.hold(nextHop, frame, nowNs / 1_000_000);
        if (held == ArpCache.HELD_SEND_REQUEST)
        {
            arpRequest(nextHop);
        }
        else if (held == ArpCache.REFUSED)
        {
            drop(frame, DropReason.ARP_UNRESOLVED);
        }
    }

    private void transmitTo(final int frame, final long nextHopMac)
    {
        final MutableDirectBuffer b = context.pool().buffer();
        final int at = context.pool().offset(frame);
        Router.putMac(b, at, nextHopMac);
        Router.putMac(b, at + 6, mac);
        send(frame);
    }

    private void arpRequest(final int target)
    {
        final FramePool pool = context.pool();
        final int frame = pool.allocate();
        if (frame == FramePool.NO_FRAME)
        {
            return;
        }
        final MutableDirectBuffer b = pool.buffer();
        final int at = pool.offset(frame);
        b.setMemory(at, 60, (byte)0);
        Router.putMac(b, at, 0xFFFF_FFFF_FFFFL);
        Router.putMac(b, at + 6, mac);
        b.putShort(at + 12, (short)0x0806, BE);
        b.putShort(at + 14, (short)1, BE);
        b.putShort(at + 16, (short)0x0800, BE);
        b.putByte(at + 18, (byte)6);
        b.putByte(at + 19, (byte)4);
        b.putShort(at + 20, (short)1, BE);
        Router.putMac(b, at + 22, mac);
        b.putInt(at + 28, address, BE);
        b.putInt(at + 38, target, BE);
        pool.length(frame, 60); // padded to Ethernet's minimum
        counters.lazySet(ARP_REQUESTS, counters.get(ARP_REQUESTS) + 1);
        send(frame);
    }

    /** Out on the link: queued for the switch to take, which is woken for it. */
    void send(final int frame)
    {
        if (tail - head == QUEUE)
        {
            drop(frame, DropReason.QUEUE_FULL);
            return;
        }
        queue[tail++ & (QUEUE - 1)] = frame;
        context.wakeup();
    }

    /** The device on the link's switch. */
    private final class Port implements PortDevice
    {
        @Override
        public void attached(final PortContext portContext)
        {
            context = portContext;
        }

        /** The switch takes what the router sends on this link; the link's ARP timers run here. */
        @Override
        public int receive(final FrameBatch batch)
        {
            final long nowMs = context.clock().nanoTime() / 1_000_000;
            arp.poll(nowMs);
            if (nat != null)
            {
                nat.expire(nowMs);
            }
            int taken = 0;
            while (head != tail && !batch.isFull())
            {
                batch.add(queue[head++ & (QUEUE - 1)]);
                taken++;
            }
            return taken;
        }

        /** The switch hands the router what is addressed to it (and what it floods). */
        @Override
        public int transmit(final FrameBatch batch)
        {
            router.input(RouterInterface.this, batch, context.clock().nanoTime());
            return batch.count();
        }

        @Override
        public long nextDeadlineNs(final long nowNs)
        {
            long ms = arp.nextDeadlineMs(nowNs / 1_000_000);
            if (nat != null)
            {
                ms = Math.min(ms, nat.nextDeadlineMs(nowNs / 1_000_000));
            }
            return ms == Long.MAX_VALUE ? Long.MAX_VALUE : ms * 1_000_000;
        }

        /**
         * Partial checksums and TCP/IPv4 super-frames, forwarded as they are (their headers routed and translated
         * once for all their segments); the next link's port finishes or cuts them if it must.
         */
        @Override
        public int offloads()
        {
            return FrameOffload.CAN_CSUM | FrameOffload.CAN_TSO4 | FrameOffload.CAN_TSO_ECN;
        }

        @Override
        public void onDetach()
        {
            arp.clear(); // frames waiting for ARP go too
            while (head != tail)
            {
                context.pool().free(queue[head++ & (QUEUE - 1)]);
            }
        }
    }
}
