package io.xbow.hypervisor.guest;

import io.xbow.netback.frontend.Netfront;
import io.xbow.packet.address.Ipv4Address;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The emulated guest builder's guest: one minimal IPv4 host per domain (ARP, ICMP echo, UDP echo on port 7), with
 * an interface per vif.
 */
public final class EmulatedGuest extends Guest
{
    private final List<GuestInterface> interfaces = new CopyOnWriteArrayList<>();

    public EmulatedGuest(final String name)
    {
        super(name);
    }

    @Override
    public Object addInterface(final GuestNic vif)
    {
        return addInterface(vif.vifName(), vif.netfront(), vif.mac(), vif.ip());
    }

    /**
     * Bring up an interface on a connected vif.
     *
     * @param vifName  the vif's name, for messages.
     * @param netfront the guest's side of the vif.
     * @param mac      the vif's MAC.
     * @param ip       the address from the vif's {@code ip=}, with an optional {@code /prefix}; null for none.
     * @return a handle for {@link #removeInterface}.
     */
    public Object addInterface(final String vifName, final Netfront netfront, final long mac, final String ip)
    {
        int address = 0;
        int prefix = 0;
        if (ip != null)
        {
            final int slash = ip.indexOf('/');
            address = Ipv4Address.parse(slash < 0 ? ip : ip.substring(0, slash));
            prefix = slash < 0 ? 0 : Integer.parseInt(ip.substring(slash + 1));
        }
        final GuestInterface nic = new GuestInterface(vifName, netfront, mac, address, prefix);
        nic.wakeupBy(this::wake);
        command(() -> interfaces.add(nic));
        return nic;
    }

    @Override
    public CompletableFuture<Void> removeInterface(final Object handle)
    {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        command(() ->
        {
            interfaces.remove(handle);
            ((GuestInterface)handle).abort("interface " + ((GuestInterface)handle).name() + " went away");
            done.complete(null);
        });
        return done;
    }

    @Override
    protected boolean armInterfaces()
    {
        boolean ready = false;
        for (final GuestInterface nic : interfaces)
        {
            ready |= nic.armWakeup();
        }
        return ready;
    }

    /**
     * @return when a running ping's probes or timeouts next need the thread, or {@link Long#MAX_VALUE}.
     */
    @Override
    protected long interfacesDeadline(final long now)
    {
        long deadline = Long.MAX_VALUE;
        for (final GuestInterface nic : interfaces)
        {
            deadline = Math.min(deadline, nic.nextDeadlineNanos(now));
        }
        return deadline;
    }

    /**
     * Ping from inside the guest, from the interface that reaches the destination.
     *
     * @return the ping, whose {@link Ping#result()} completes with ping(8)'s output.
     * @throws IllegalStateException if the guest has no address or is paused.
     */
    public Ping ping(final int destination, final int count, final long intervalNanos, final long timeoutNanos,
        final int payloadLength)
    {
        return probe(new Ping(destination, count, intervalNanos, timeoutNanos, payloadLength,
            (int)(System.nanoTime() >>> 10)), destination);
    }

    /**
     * Send datagrams to a UDP echo service (the guests' own on port 7, say) and time the echoes, ping-style.
     *
     * @return the probe, whose {@link Ping#result()} completes with ping-style output ({@code udp_seq=}).
     */
    public Ping udpPing(final int destination, final int port, final int count, final long intervalNanos,
        final long timeoutNanos, final int payloadLength)
    {
        return udpPing(destination, 32768 + (int)((System.nanoTime() >>> 10) & 0x3FFF), port, count, intervalNanos,
            timeoutNanos, payloadLength);
    }

    /**
     * The same, from a given source port.
     */
    public Ping udpPing(final int destination, final int sourcePort, final int port, final int count,
        final long intervalNanos, final long timeoutNanos, final int payloadLength)
    {
        return probe(new Ping(destination, count, intervalNanos, timeoutNanos, payloadLength, sourcePort, port),
            destination);
    }

    private Ping probe(final Ping ping, final int destination)
    {
        if (!isRunning())
        {
            throw new IllegalStateException("domain " + name() + " is paused");
        }
        command(() ->
        {
            for (final GuestInterface nic : interfaces)
            {
                if (nic.hasAddress() && nic.reaches(destination))
                {
                    nic.start(ping);
                    return;
                }
            }
            ping.abort("domain " + name() + " has no interface with an IPv4 address (give the vif ip=ADDRESS)");
        });
        return ping;
    }

    @Override
    protected int stepInterfaces(final long now)
    {
        int work = 0;
        for (final GuestInterface nic : interfaces)
        {
            work += nic.step(now);
        }
        return work;
    }
}
