package io.xbow.hypervisor.guest;

import io.xbow.netback.frontend.Netfront;
import io.xbow.packet.address.Ipv4Address;
import io.xbow.packet.address.MacAddress;
import io.xbow.packet.build.FrameBuilder;
import io.xbow.packet.codec.ArpFlyweight;
import io.xbow.packet.codec.EtherType;
import io.xbow.packet.codec.EthernetFlyweight;
import io.xbow.packet.codec.Icmpv4Flyweight;
import io.xbow.packet.codec.IpProtocol;
import io.xbow.packet.codec.Ipv4Flyweight;
import io.xbow.packet.codec.UdpFlyweight;
import io.xbow.packet.parse.HeaderChain;
import io.xbow.packet.parse.ParseResult;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One network interface of an emulated guest: a minimal IPv4 host on a netfront. It answers ARP for its address,
 * keeps an ARP cache with timeouts, answers ICMP echo, runs a UDP echo service on port 7, and sends echo requests
 * for {@link Ping}. Runs on the guest thread only; a guest is not the datapath, so it may allocate.
 */
final class GuestInterface
{
    static final int UDP_ECHO_PORT = 7;
    static final long ARP_TIMEOUT_NANOS = 60_000_000_000L;

    private final String name;
    private final Netfront netfront;
    private final long mac;
    private final int address;
    private final int prefixLength;
    private final Int2ObjectHashMap<long[]> arpCache = new Int2ObjectHashMap<>(); // ip -> {mac, expiry}
    private final HeaderChain chain = new HeaderChain();
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[65_536 + 64]);
    private final EthernetFlyweight ethernet = new EthernetFlyweight();
    private final ArpFlyweight arp = new ArpFlyweight();
    private final Ipv4Flyweight ip = new Ipv4Flyweight();
    private final Icmpv4Flyweight icmp = new Icmpv4Flyweight();
    private final UdpFlyweight udp = new UdpFlyweight();
    private final FrameBuilder builder = new FrameBuilder();
    private Ping ping;
    private long dropped;

    GuestInterface(final String name, final Netfront netfront, final long mac, final int address,
        final int prefixLength)
    {
        this.name = name;
        this.netfront = netfront;
        this.mac = mac;
        this.address = address;
        this.prefixLength = prefixLength;
    }

    String name()
    {
        return name;
    }

    int address()
    {
        return address;
    }

    boolean hasAddress()
    {
        return address != 0;
    }

    /**
     * @return true if the destination is in this interface's subnet (every address is, without a prefix).
     */
    boolean reaches(final int destination)
    {
        if (prefixLength == 0)
        {
            return true;
        }
        final int mask = prefixLength == 32 ? -1 : ~(-1 >>> prefixLength);
        return (destination & mask) == (address & mask);
    }

    long dropped()
    {
        return dropped;
    }

    void abort(final String reason)
    {
        if (ping != null)
        {
            ping.abort(reason);
            ping = null;
        }
    }

    /**
     * @param wakeup runs when a frame arrives for this interface (see {@link #armWakeup()}).
     */
    void wakeupBy(final Runnable wakeup)
    {
        netfront.onNotify(wakeup);
    }

    /**
     * Before the guest thread sleeps: be woken by the next frame.
     *
     * @return true if frames are waiting already.
     */
    boolean armWakeup()
    {
        return netfront.armRxNotification();
    }

    /**
     * @return when a ping running here next needs the thread by itself, or {@link Long#MAX_VALUE}.
     */
    long nextDeadlineNanos(final long now)
    {
        return ping == null ? Long.MAX_VALUE : ping.nextDeadlineNanos(now);
    }

    void start(final Ping ping)
    {
        abort("another ping started on " + name);
        this.ping = ping;
    }

    /**
     * Take frames off the ring, answer what needs answering, move a running ping along.
     *
     * @return work done.
     */
    int step(final long now)
    {
        final int work = netfront.poll((buffer, offset, length) -> onFrame(buffer, offset, length, now));
        netfront.reclaim();
        if (ping != null && ping.step(now, this))
        {
            ping = null;
        }
        return work;
    }

    private void onFrame(final DirectBuffer buffer, final int offset, final int length, final long now)
    {
        if (length > frame.capacity())
        {
            dropped++;
            return;
        }
        buffer.getBytes(offset, frame, 0, length);
        if (chain.parse(frame, 0, length) != ParseResult.OK || chain.tagCount() != 0)
        {
            dropped++;
            return;
        }
        if (chain.etherType() == EtherType.ARP)
        {
            onArp(now);
        }
        else if (chain.etherType() == EtherType.IPV4)
        {
            onIpv4(now);
        }
    }

    private void onArp(final long now)
    {
        arp.wrap(frame, chain.l3Offset());
        if (!arp.isEthernetIpv4() || address == 0)
        {
            return;
        }
        final int sender = arp.senderProtocolAddress();
        final long senderMac = arp.senderHardwareAddress();
        if (sender != 0 && (arp.targetProtocolAddress() == address || arpCache.containsKey(sender)))
        {
            learn(sender, senderMac, now);
        }
        if (arp.operation() == ArpFlyweight.OP_REQUEST && arp.targetProtocolAddress() == address)
        {
            send(builder.reset().ethernet(senderMac, mac)
                .arp(ArpFlyweight.OP_REPLY, mac, address, senderMac, sender));
        }
    }

    private void onIpv4(final long now)
    {
        ip.wrap(frame, chain.l3Offset());
        if (ip.destination() != address || chain.isLaterFragment() || ip.isFragment())
        {
            return;
        }
        final long peerMac = ethernet.wrap(frame, 0).source();
        learn(ip.source(), peerMac, now);
        final int l4 = chain.l4Offset();
        if (chain.ipProtocol() == IpProtocol.ICMP)
        {
            icmp.wrap(frame, l4);
            final int payloadLength = chain.l4Length() - Icmpv4Flyweight.HEADER_LENGTH;
            if (icmp.type() == Icmpv4Flyweight.TYPE_ECHO_REQUEST && icmp.isChecksumValid(chain.l4Length()))
            {
                final byte[] payload = new byte[payloadLength];
                frame.getBytes(l4 + Icmpv4Flyweight.HEADER_LENGTH, payload);
                send(builder.reset().ethernet(peerMac, mac).ipv4(address, ip.source())
                    .icmpEcho(Icmpv4Flyweight.TYPE_ECHO_REPLY, icmp.identifier(), icmp.sequence(), 0)
                    .payload(payload));
            }
            else if (icmp.type() == Icmpv4Flyweight.TYPE_ECHO_REPLY && ping != null && !ping.isUdp())
            {
                ping.onReply(ip.source(), icmp.identifier(), icmp.sequence(), ip.ttl(),
                    Icmpv4Flyweight.HEADER_LENGTH + payloadLength, now);
            }
        }
        else if (chain.ipProtocol() == IpProtocol.UDP)
        {
            udp.wrap(frame, l4);
            if (ping != null && ping.isUdp() && udp.destinationPort() == ping.identifier() && chain.l4Length() >= 10)
            {
                final int sequence = ((frame.getByte(l4 + 8) & 0xFF) << 8) | (frame.getByte(l4 + 9) & 0xFF);
                ping.onReply(ip.source(), ping.identifier(), sequence, ip.ttl(), chain.l4Length() - 8, now);
            }
            else if (udp.destinationPort() == UDP_ECHO_PORT && udp.sourcePort() != UDP_ECHO_PORT)
            {
                // Never echo an echo service: two of them would bounce one datagram between them forever.
                final byte[] payload = new byte[chain.l4Length() - 8];
                frame.getBytes(l4 + 8, payload);
                send(builder.reset().ethernet(peerMac, mac).ipv4(address, ip.source())
                    .udp(UDP_ECHO_PORT, udp.sourcePort(), 0).payload(payload));
            }
        }
    }

    private void learn(final int ip, final long peerMac, final long now)
    {
        if (ip != 0 && peerMac != 0)
        {
            arpCache.put(ip, new long[] {peerMac, now + ARP_TIMEOUT_NANOS});
        }
    }

    /**
     * @return the peer's MAC from the ARP cache, or -1 (a request is sent; ask again later).
     */
    long resolve(final int destination, final long now, final boolean sendRequest)
    {
        final long[] entry = arpCache.get(destination);
        if (entry != null && entry[1] > now)
        {
            return entry[0];
        }
        if (entry != null)
        {
            arpCache.remove(destination);
        }
        if (sendRequest)
        {
            send(builder.reset().ethernet(MacAddress.BROADCAST, mac)
                .arp(ArpFlyweight.OP_REQUEST, mac, address, 0, destination));
        }
        return -1;
    }

    boolean sendEcho(final long peerMac, final int destination, final int identifier, final int sequence,
        final int payloadLength)
    {
        return send(builder.reset().ethernet(peerMac, mac).ipv4(address, destination)
            .icmpEcho(Icmpv4Flyweight.TYPE_ECHO_REQUEST, identifier, sequence, payloadLength).payloadFill(0x5a));
    }

    boolean sendUdp(final long peerMac, final int destination, final int sourcePort, final int destinationPort,
        final byte[] payload)
    {
        return send(builder.reset().ethernet(peerMac, mac).ipv4(address, destination)
            .udp(sourcePort, destinationPort, 0).payload(payload));
    }

    private boolean send(final FrameBuilder frame)
    {
        final UnsafeBuffer bytes = new UnsafeBuffer(frame.toBytes());
        if (!netfront.send(bytes, 0, bytes.capacity(), 0))
        {
            dropped++;
            return false;
        }
        return true;
    }

    @Override
    public String toString()
    {
        return name + " " + MacAddress.format(mac) + " " + Ipv4Address.format(address) + "/" + prefixLength;
    }
}
