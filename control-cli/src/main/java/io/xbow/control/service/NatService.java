package io.xbow.control.service;

import io.xbow.control.store.ConfigEntry;
import io.xbow.nat.conntrack.Masquerade;
import io.xbow.nat.rules.IpnatRules;
import io.xbow.packet.address.Ipv4Address;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The router's NAT rules, as {@code ipnat} sees them: rules loaded from ipnat.conf text, each put to work on the
 * interface it names (a {@code map} masquerades what leaves through it), persistent in the router's configuration,
 * listed with the translations they made. Its lock is the {@link RouterService}'s, whose addresses the rules stand on.
 * <p>
 * Served today: {@code map} with the outside address {@code 0/32} (the interface's own) or the interface's address,
 * one per interface. {@code rdr} and {@code bimap} read right but are refused by name until they are served, and a
 * file with one is refused whole.
 */
public final class NatService
{
    /** Connections a map rule tracks at most. */
    static final int MAX_CONNECTIONS = 65_536;

    private final RouterService owner;
    /** The rules in force, in the order loaded. */
    private final List<Active> rules = new ArrayList<>();
    /** Persistent rules that could not be put to work at start: kept in the configuration as they were. */
    private final List<String> kept = new ArrayList<>();

    private record Active(IpnatRules.Map rule, RouterService.Address on, Masquerade masquerade)
    {
    }

    NatService(final RouterService owner)
    {
        this.owner = owner;
    }

    /**
     * {@code ipnat [-n] [-r] -f FILE}: the rules of a file, added (or removed with {@code remove}); with
     * {@code parseOnly} only read.
     *
     * @return the rules read, as ipnat prints them.
     * @throws IllegalArgumentException for the file's first bad line, or a rule that cannot be served here; nothing
     *                                  of the file is then applied.
     */
    public List<String> load(final String text, final String source, final boolean remove, final boolean parseOnly)
    {
        synchronized (owner)
        {
            final List<IpnatRules.Rule> read = IpnatRules.parse(text, source);
            final List<String> printed = new ArrayList<>();
            for (final IpnatRules.Rule rule : read)
            {
                printed.add(rule.toString());
            }
            if (parseOnly)
            {
                return printed;
            }
            if (remove)
            {
                for (final IpnatRules.Rule rule : read)
                {
                    final Active active = find(rule);
                    if (active == null)
                    {
                        throw new IllegalArgumentException(source + ": no such rule in force: " + rule);
                    }
                }
                for (final IpnatRules.Rule rule : read)
                {
                    stop(find(rule));
                }
                save();
                return printed;
            }
            final List<Active> added = new ArrayList<>();
            try
            {
                for (final IpnatRules.Rule rule : read)
                {
                    added.add(start(rule, source, added));
                }
            }
            catch (final RuntimeException ex)
            {
                added.forEach(this::stop);
                throw ex;
            }
            save();
            return printed;
        }
    }

    private Active find(final IpnatRules.Rule rule)
    {
        for (final Active active : rules)
        {
            if (active.rule().toString().equals(rule.toString()))
            {
                return active;
            }
        }
        return null;
    }

    private Active start(final IpnatRules.Rule rule, final String source, final List<Active> alsoNew)
    {
        if (!(rule instanceof IpnatRules.Map map))
        {
            throw new IllegalArgumentException(source + ": " + rule + ": " +
                (rule instanceof IpnatRules.Rdr ? "rdr" : "bimap") + " rules are not served yet (map is)");
        }
        RouterService.Address on = null;
        for (final RouterService.Address a : owner.addresses())
        {
            if (a.ifname().equals(map.ifname()))
            {
                on = a;
            }
        }
        if (on == null)
        {
            throw new IllegalArgumentException(source + ": " + rule + ": the router has no address on " +
                map.ifname() + " (ipadm create-addr ... " + map.ifname() + "/v4)");
        }
        if (map.outside() != 0 && (map.outside() != on.address() || map.outsideLength() != 32))
        {
            throw new IllegalArgumentException(source + ": " + rule + ": the outside address must be 0/32 (the " +
                "interface's own) or " + Ipv4Address.format(on.address()) + "/32; other addresses are bimap's");
        }
        if (map.portmap() != 0 && !map.auto())
        {
            throw new IllegalArgumentException(source + ": " + rule + ": portmap with a range is not served yet " +
                "(auto is: ports preserved where free)");
        }
        for (final Active other : rules)
        {
            if (other.rule().ifname().equals(map.ifname()))
            {
                throw new IllegalArgumentException(source + ": " + rule + ": " + map.ifname() +
                    " has a map rule already (" + other.rule() + "): one per interface");
            }
        }
        for (final Active other : alsoNew)
        {
            if (other.rule().ifname().equals(map.ifname()))
            {
                throw new IllegalArgumentException(source + ": " + rule + ": a second map rule for " + map.ifname());
            }
        }
        final Active active = new Active(map, on, masquerade(map, on));
        final RouterService.Address at = on;
        owner.onDatapath(on.sw(), () -> at.iface().nat(active.masquerade()));
        rules.add(active);
        return active;
    }

    private static Masquerade masquerade(final IpnatRules.Map map, final RouterService.Address on)
    {
        final Masquerade.Config defaults = Masquerade.Config.defaults(map.source(), map.sourceLength(),
            MAX_CONNECTIONS);
        final Masquerade.Config config = map.ageSeconds() == 0 ? defaults : new Masquerade.Config(
            defaults.insidePrefix(), defaults.insideLength(), defaults.maxConnections(), defaults.maxPerSource(),
            false, defaults.tcpEstablishedMs(), defaults.tcpTransitoryMs(), map.ageSeconds() * 1000L,
            map.ageSeconds() * 1000L);
        return new Masquerade(on.address(), config, System.nanoTime() / 1_000_000);
    }

    private void stop(final Active active)
    {
        rules.remove(active);
        owner.onDatapath(active.on().sw(), () -> active.on().iface().nat(null));
    }

    /** {@code ipnat -C}: every rule goes (and the translations with them). */
    public int flushRules()
    {
        synchronized (owner)
        {
            final int n = rules.size() + kept.size();
            new ArrayList<>(rules).forEach(this::stop);
            kept.clear();
            save();
            return n;
        }
    }

    /** {@code ipnat -F}: every translation goes; the rules stay. */
    public int flushTranslations()
    {
        synchronized (owner)
        {
            int n = 0;
            for (int i = 0; i < rules.size(); i++)
            {
                final Active old = rules.get(i);
                n += old.masquerade().size();
                final Active fresh = new Active(old.rule(), old.on(), masquerade(old.rule(), old.on()));
                rules.set(i, fresh);
                owner.onDatapath(old.on().sw(), () -> old.on().iface().nat(fresh.masquerade()));
            }
            return n;
        }
    }

    /** Rules, then translations, for {@code ipnat -l}: rows of kind ({@code rule} or {@code session}) and text. */
    public Table list()
    {
        synchronized (owner)
        {
            final List<List<String>> rows = new ArrayList<>();
            for (final Active active : rules)
            {
                rows.add(List.of("rule", active.rule().toString()));
            }
            for (final Active active : rules)
            {
                final String outside = Ipv4Address.format(active.masquerade().outsideAddress());
                owner.onDatapath(active.on().sw(), () -> active.masquerade().connections(
                    (protocol, insideIp, insidePort, outsidePort, remoteIp, remotePort) -> rows.add(List.of("session",
                        "MAP " + Ipv4Address.format(insideIp) + " " + insidePort + " <- -> " + outside + " " +
                            outsidePort + " [" + Ipv4Address.format(remoteIp) + " " + remotePort + "]"))));
            }
            return new Table(List.of("KIND", "TEXT"), rows);
        }
    }

    /** {@code ipnat -s}: counters summed over the rules, name and value. */
    public Table statistics()
    {
        synchronized (owner)
        {
            long in = 0;
            long out = 0;
            long added = 0;
            long expired = 0;
            long refused = 0;
            long inUse = 0;
            long icmp = 0;
            long unmapped = 0;
            boolean independent = false;
            for (final Active active : rules)
            {
                final Masquerade m = active.masquerade();
                in += m.counter(Masquerade.TRANSLATED_IN);
                out += m.counter(Masquerade.TRANSLATED_OUT);
                added += m.counter(Masquerade.CREATED);
                expired += m.counter(Masquerade.EXPIRED);
                refused += m.counter(Masquerade.REFUSED_FULL) + m.counter(Masquerade.REFUSED_SOURCE) +
                    m.counter(Masquerade.REFUSED_PORTS);
                inUse += m.size();
                icmp += m.counter(Masquerade.ICMP_ERRORS_TRANSLATED);
                unmapped += m.counter(Masquerade.UNMAPPED_INBOUND);
                independent |= m.endpointIndependentFiltering();
            }
            final Map<String, String> values = new LinkedHashMap<>();
            values.put("mapped in", Long.toString(in));
            values.put("mapped out", Long.toString(out));
            values.put("added", Long.toString(added));
            values.put("expired", Long.toString(expired));
            values.put("no memory", Long.toString(refused));
            values.put("inuse", Long.toString(inUse));
            values.put("rules", Long.toString(rules.size()));
            values.put("icmp errors translated", Long.toString(icmp));
            values.put("unmapped inbound", Long.toString(unmapped));
            values.put("mapping", "endpoint-independent");
            values.put("filtering", independent ? "endpoint-independent" : "address-and-port-dependent");
            final List<List<String>> rows = new ArrayList<>();
            values.forEach((k, v) -> rows.add(List.of(k, v)));
            return new Table(List.of("NAME", "VALUE"), rows);
        }
    }

    /** Is a rule in force on this interface? Under the owner's lock (an address with one is not deleted). */
    boolean uses(final String ifname)
    {
        for (final Active active : rules)
        {
            if (active.rule().ifname().equals(ifname))
            {
                return true;
            }
        }
        return false;
    }

    /** Re-create the persistent rules, in order. Under the owner's lock. */
    void restore(final List<ConfigEntry> entries)
    {
        final StringBuilder text = new StringBuilder();
        for (final ConfigEntry entry : entries)
        {
            text.append(entry.get("rule")).append('\n');
        }
        if (text.length() > 0)
        {
            final List<Active> added = new ArrayList<>();
            for (final IpnatRules.Rule rule : IpnatRules.parse(text.toString(), "l3.conf (ipnat)"))
            {
                try
                {
                    added.add(start(rule, "l3.conf (ipnat)", added));
                }
                catch (final IllegalArgumentException ex)
                {
                    // Its interface lost its address, say: the rule is kept and the daemon starts.
                    kept.add(rule.toString());
                    System.getLogger(NatService.class.getName()).log(System.Logger.Level.WARNING,
                        "not applied: " + ex.getMessage());
                }
            }
        }
    }

    /** The rules in force, as the configuration keeps them: {@code ipnat N rule="..."}. */
    private void save()
    {
        owner.persist(() ->
        {
            owner.persistent().keySet().removeIf(k -> k.startsWith("ipnat "));
            final List<String> all = new ArrayList<>(kept);
            rules.forEach(active -> all.add(active.rule().toString()));
            int n = 1;
            for (final String rule : all)
            {
                final String name = Integer.toString(n++);
                owner.persistent().put(RouterService.key("ipnat", name), new ConfigEntry("ipnat", name,
                    Map.of("rule", rule), 0));
            }
        }, () -> { });
    }
}
