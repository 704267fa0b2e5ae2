package io.xbow.control.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.xbow.packet.DropReason;
import io.xbow.vnic.LinkRegistry;
import io.xbow.vnic.LinkStats;
import io.xbow.vnic.link.Link;
import io.xbow.vnic.link.PortLink;
import io.xbow.vnic.link.SwitchLink;
import io.xbow.vswitch.VirtualSwitch;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Micrometer meters for every link, read from the same counters {@code dladm show-link -s} prints: packets, bytes
 * and errors in each direction, drops by reason, shaping queue depth, and forwarding table size for links that own
 * a switch. {@link #sync()} adds meters for new links and removes those of deleted or renamed ones; the API calls
 * it before each scrape.
 */
public final class LinkMetrics
{
    private final MeterRegistry meters;
    private final LinkRegistry links;
    private final Map<String, List<Meter>> byLink = new HashMap<>();

    public LinkMetrics(final MeterRegistry meters, final LinkRegistry links)
    {
        this.meters = meters;
        this.links = links;
    }

    private final List<Runnable> others = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Also sync these meters before each scrape (the router's). */
    public void alsoSync(final Runnable other)
    {
        others.add(other);
    }

    public synchronized void sync()
    {
        others.forEach(Runnable::run);
        final Set<String> present = new HashSet<>();
        for (final Link link : links.links())
        {
            present.add(link.name());
            byLink.computeIfAbsent(link.name(), name -> register(link));
        }
        for (final String name : new ArrayList<>(byLink.keySet()))
        {
            if (!present.contains(name))
            {
                byLink.remove(name).forEach(meters::remove);
            }
        }
    }

    private List<Meter> register(final Link link)
    {
        final String name = link.name();
        final Tags tags = Tags.of("link", name, "class", link.linkClass().label());
        final List<Meter> registered = new ArrayList<>();
        registered.add(counter("xbow.link.packets", tags.and("direction", "in"), () -> stats(name).ipackets()));
        registered.add(counter("xbow.link.packets", tags.and("direction", "out"), () -> stats(name).opackets()));
        registered.add(counter("xbow.link.bytes", tags.and("direction", "in"), () -> stats(name).rbytes()));
        registered.add(counter("xbow.link.bytes", tags.and("direction", "out"), () -> stats(name).obytes()));
        registered.add(counter("xbow.link.errors", tags.and("direction", "in"), () -> stats(name).ierrors()));
        registered.add(counter("xbow.link.errors", tags.and("direction", "out"), () -> stats(name).oerrors()));
        for (final DropReason reason : DropReason.values())
        {
            registered.add(counter("xbow.link.drops", tags.and("reason", reason.label()),
                () -> stats(name).drops(reason)));
        }
        if (link instanceof PortLink)
        {
            final PortLink port = (PortLink)link;
            registered.add(Gauge.builder("xbow.link.queue.depth", port,
                p -> p.vnicPort().counters().inboundQueueDepth()).tags(tags.and("direction", "in")).register(meters));
            registered.add(Gauge.builder("xbow.link.queue.depth", port,
                p -> p.vnicPort().counters().outboundQueueDepth()).tags(tags.and("direction", "out"))
                .register(meters));
        }
        if (link instanceof SwitchLink)
        {
            final VirtualSwitch sw = ((SwitchLink)link).switchOf();
            registered.add(Gauge.builder("xbow.switch.fdb.entries", sw, s -> s.counters().get(VirtualSwitch.FDB_ENTRIES))
                .tags(tags).register(meters));
        }
        return registered;
    }

    private LinkStats stats(final String name)
    {
        try
        {
            return links.stats(name);
        }
        catch (final RuntimeException gone)
        {
            return new LinkStats(0, 0, 0, 0, 0, 0, Map.of());
        }
    }

    private Meter counter(final String name, final Tags tags, final java.util.function.LongSupplier value)
    {
        return FunctionCounter.builder(name, value, v -> (double)v.getAsLong()).tags(tags).register(meters);
    }
}
