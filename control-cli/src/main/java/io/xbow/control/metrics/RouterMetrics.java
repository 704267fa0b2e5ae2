package io.xbow.control.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.xbow.control.service.DhcpService;
import io.xbow.control.service.RouterService;
import io.xbow.nat.conntrack.NatTable;
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
 * pool, what the server answered; per NAT (outside interface), its translations and connections. {@link #sync()}
 * follows interfaces, pools and NATs as they come and go.
 */
public final class RouterMetrics
{
    /** The reasons the router drops for; the others belong to the switch and VNICs ({@link LinkMetrics}). */
    private static final List<DropReason> REASONS = List.of(DropReason.MALFORMED, DropReason.BAD_CHECKSUM,
        DropReason.TTL_EXCEEDED, DropReason.NO_ROUTE, DropReason.ARP_UNRESOLVED, DropReason.NEEDS_FRAGMENTATION,
        DropReason.FORWARDING_DISABLED, DropReason.DIRECTED_BROADCAST, DropReason.NOT_FOR_A_SERVICE,
        DropReason.IP_SPOOFED, DropReason.NO_BUFFER, DropReason.QUEUE_FULL, DropReason.NAT_REFUSED,
        DropReason.NAT_UNTRANSLATABLE, DropReason.NAT_UNMAPPED, DropReason.NAT_OUT_OF_WINDOW);
    /** NAT counters by name (a metric each, but refusals one metric by reason). */
    private static final Map<String, Integer> NAT_COUNTERS = Map.ofEntries(
        Map.entry("xbow.nat.connections.opened", NatTable.CREATED),
        Map.entry("xbow.nat.connections.expired", NatTable.EXPIRED),
        Map.entry("xbow.nat.connections.redirected", NatTable.REDIRECTED),
        Map.entry("xbow.nat.icmp.errors.translated", NatTable.ICMP_ERRORS_TRANSLATED),
        Map.entry("xbow.nat.hairpinned", NatTable.HAIRPINNED),
        Map.entry("xbow.nat.bimapped", NatTable.BIMAPPED),
        Map.entry("xbow.nat.unmapped.inbound", NatTable.UNMAPPED_INBOUND),
        Map.entry("xbow.nat.fragments.followed", NatTable.FRAGMENTS_FOLLOWED),
        Map.entry("xbow.nat.fragments.dropped", NatTable.FRAGMENTS),
        Map.entry("xbow.nat.fragments.evicted", NatTable.FRAGMENTS_EVICTED),
        Map.entry("xbow.nat.tcp.out.of.window", NatTable.TCP_OUT_OF_WINDOW));

    private final MeterRegistry meters;
    private final RouterService router;
    private final Map<RouterInterface, List<Meter>> byInterface = new IdentityHashMap<>();
    private final Map<String, List<Meter>> byPool = new HashMap<>();
    private final Map<NatTable, List<Meter>> byNat = new IdentityHashMap<>();

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
        final Set<NatTable> nats = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (final Map.Entry<String, NatTable> nat : router.nat().tables().entrySet())
        {
            nats.add(nat.getValue());
            byNat.computeIfAbsent(nat.getValue(), table -> register(nat.getKey(), table));
        }
        for (final NatTable gone : new ArrayList<>(byNat.keySet()))
        {
            if (!nats.contains(gone))
            {
                byNat.remove(gone).forEach(meters::remove);
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

    /**
     * An outside interface's NAT: translations each way, connections created, expired and refused (by why), by
     * protocol and TCP state now, and what its rules did besides.
     */
    private List<Meter> register(final String ifname, final NatTable table)
    {
        final Tags tags = Tags.of("interface", ifname);
        final List<Meter> registered = new ArrayList<>();
        registered.add(counter("xbow.nat.translations", tags.and("direction", "out"), table,
            t -> t.counter(NatTable.TRANSLATED_OUT)));
        registered.add(counter("xbow.nat.translations", tags.and("direction", "in"), table,
            t -> t.counter(NatTable.TRANSLATED_IN)));
        NAT_COUNTERS.forEach((name, counter) -> registered.add(counter(name, tags, table, t -> t.counter(counter))));
        for (final Map.Entry<String, Integer> refusal : Map.of("table-full", NatTable.REFUSED_FULL, "source-limit",
            NatTable.REFUSED_SOURCE, "no-port", NatTable.REFUSED_PORTS).entrySet())
        {
            registered.add(counter("xbow.nat.connections.refused", tags.and("reason", refusal.getKey()), table,
                t -> t.counter(refusal.getValue())));
        }
        registered.add(gauge(tags.and("protocol", "tcp").and("state", "established"), table,
            t -> t.connectionsOf(6, true)));
        registered.add(gauge(tags.and("protocol", "tcp").and("state", "transitory"), table,
            t -> t.connectionsOf(6, false) - t.connectionsOf(6, true)));
        registered.add(gauge(tags.and("protocol", "udp").and("state", "active"), table,
            t -> t.connectionsOf(17, false)));
        registered.add(gauge(tags.and("protocol", "icmp").and("state", "active"), table,
            t -> t.connectionsOf(1, false)));
        registered.add(io.micrometer.core.instrument.Gauge.builder("xbow.nat.connections.capacity", table,
            t -> (double)t.capacity()).tags(tags).register(meters));
        return registered;
    }

    private Meter gauge(final Tags tags, final NatTable table, final java.util.function.ToIntFunction<NatTable> value)
    {
        return io.micrometer.core.instrument.Gauge.builder("xbow.nat.connections", table,
            t -> (double)value.applyAsInt(t)).tags(tags).register(meters);
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
