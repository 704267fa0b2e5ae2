package io.xbow.control.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.xbow.control.service.DhcpService;
import io.xbow.control.service.RouterService;
import io.xbow.nat.router.RouterInterface;
import io.xbow.packet.DropReason;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Micrometer meters for the router, read from the counters its show commands print: per interface, datagrams
 * forwarded, ICMP errors sent, ARP requests sent, datagrams with options forwarded, and drops by reason; per DHCP
 * pool, what the server answered. {@link #sync()} follows interfaces and pools as they come and go.
 */
public final class RouterMetrics
{
    /** The reasons the router drops for; the others belong to the switch and VNICs ({@link LinkMetrics}). */
    private static final List<DropReason> REASONS = List.of(DropReason.MALFORMED, DropReason.BAD_CHECKSUM,
        DropReason.TTL_EXCEEDED, DropReason.NO_ROUTE, DropReason.ARP_UNRESOLVED, DropReason.NEEDS_FRAGMENTATION,
        DropReason.FORWARDING_DISABLED, DropReason.DIRECTED_BROADCAST, DropReason.NOT_FOR_A_SERVICE,
        DropReason.IP_SPOOFED, DropReason.NO_BUFFER, DropReason.QUEUE_FULL);

    private final MeterRegistry meters;
    private final RouterService router;
    private final Map<RouterInterface, List<Meter>> byInterface = new IdentityHashMap<>();
    private final Map<String, List<Meter>> byPool = new HashMap<>();

    public RouterMetrics(final MeterRegistry meters, final RouterService router)
    {
        this.meters = meters;
        this.router = router;
    }

    public synchronized void sync()
    {
        final Set<RouterInterface> present = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (final RouterInterface iface : router.interfaces())
        {
            present.add(iface);
            byInterface.computeIfAbsent(iface, this::register);
        }
        for (final RouterInterface gone : new ArrayList<>(byInterface.keySet()))
        {
            if (!present.contains(gone))
            {
                byInterface.remove(gone).forEach(meters::remove);
            }
        }
        final Set<String> pools = new HashSet<>();
        for (final DhcpService.PoolCounters pool : router.dhcp().poolCounters())
        {
            pools.add(pool.addrobj());
            byPool.computeIfAbsent(pool.addrobj(), name -> register(pool));
        }
        for (final String gone : new ArrayList<>(byPool.keySet()))
        {
            if (!pools.contains(gone))
            {
                byPool.remove(gone).forEach(meters::remove);
            }
        }
    }

    private List<Meter> register(final RouterInterface iface)
    {
        final Tags tags = Tags.of("interface", iface.name());
        final List<Meter> registered = new ArrayList<>();
        registered.add(counter("xbow.router.forwarded", tags, iface, i -> i.counter(RouterInterface.FORWARDED)));
        registered.add(counter("xbow.router.icmp.errors", tags, iface, i -> i.counter(RouterInterface.ICMP_ERRORS)));
        registered.add(counter("xbow.router.arp.requests", tags, iface,
            i -> i.counter(RouterInterface.ARP_REQUESTS)));
        registered.add(counter("xbow.router.options.forwarded", tags, iface,
            i -> i.counter(RouterInterface.OPTIONS_FORWARDED)));
        for (final DropReason reason : REASONS)
        {
            registered.add(counter("xbow.router.drops", tags.and("reason", reason.label()), iface,
                i -> i.drops(reason)));
        }
        return registered;
    }

    private List<Meter> register(final DhcpService.PoolCounters pool)
    {
        final Tags tags = Tags.of("pool", pool.addrobj());
        final List<Meter> registered = new ArrayList<>();
        for (final Map.Entry<String, Integer> kind : DhcpService.PoolCounters.KINDS.entrySet())
        {
            registered.add(FunctionCounter.builder("xbow.dhcp.messages", pool,
                p -> (double)p.counter(kind.getValue())).tags(tags.and("kind", kind.getKey())).register(meters));
        }
        registered.add(io.micrometer.core.instrument.Gauge.builder("xbow.dhcp.leases", pool,
            p -> (double)p.leases()).tags(tags).register(meters));
        return registered;
    }

    private <T> Meter counter(final String name, final Tags tags, final T source,
        final java.util.function.ToLongFunction<T> value)
    {
        return FunctionCounter.builder(name, source, s -> (double)value.applyAsLong(s)).tags(tags).register(meters);
    }
}
