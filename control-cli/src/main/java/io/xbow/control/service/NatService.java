package io.xbow.control.service;

import io.xbow.control.store.ConfigEntry;
import io.xbow.nat.conntrack.NatRules;
import io.xbow.nat.conntrack.NatTable;
import io.xbow.nat.rules.IpnatRules;
import io.xbow.packet.address.Ipv4Address;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The router's NAT rules, as {@code ipnat} sees them: rules loaded from ipnat.conf text, put to work on the
 * interface each names (its outside interface: one {@link NatTable} there holds its rules and the connections they
 * opened), persistent in the router's configuration, listed with the translations they made. Its lock is the
 * {@link RouterService}'s, whose addresses the rules stand on.
 * <p>
 * Served: {@code map} to the interface's address ({@code 0/32}) or another single address, with {@code portmap}
 * auto or a range and {@code age}; {@code rdr} with port ranges, several inside addresses (alternating) and
 * {@code tcp}, {@code udp} or {@code tcp/udp}; {@code bimap} of an address or a prefix of /24 or longer.
 */
public final class NatService
{
    /** Connections an interface's NAT tracks at most, by default (Linux's nf_conntrack_max on most hosts). */
    public static final int DEFAULT_CONNECTIONS = 262_144;

    private final RouterService owner;
    /** The rules in force, in the order loaded. */
    private final List<IpnatRules.Rule> rules = new ArrayList<>();
    /** Persistent rules that could not be put to work at start: kept in the configuration as they were. */
    private final List<String> kept = new ArrayList<>();
    /** vif-nat's rules, by vif: in force with the others, but neither kept nor flushed by ipnat -C. */
    private final Map<String, IpnatRules.Rule> vifRules = new TreeMap<>();
    /** Per outside interface with rules: its address and its table. */
    private final Map<String, Installed> tables = new TreeMap<>();

    private record Installed(RouterService.Address on, NatTable table)
    {
    }

    /** RFC 4787's filtering for every table: endpoint-independent, or address-and-port-dependent (the default). */
    private boolean endpointIndependent;
    private int maxConnections = DEFAULT_CONNECTIONS;

    NatService(final RouterService owner)
    {
        this.owner = owner;
    }

    /** The daemon's {@code --nat-connections}: for the tables made from now on (set before the rules are restored). */
    public void maxConnections(final int connections)
    {
        synchronized (owner)
        {
            this.maxConnections = connections;
        }
    }

    /** The daemon's {@code --nat-filtering}: for the tables made from now on (set before the rules are restored). */
    public void endpointIndependentFiltering(final boolean on)
    {
        synchronized (owner)
        {
            this.endpointIndependent = on;
        }
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
            read.forEach(rule -> printed.add(rule.toString()));
            if (parseOnly)
            {
                return printed;
            }
            final List<IpnatRules.Rule> next = new ArrayList<>(rules);
            for (final IpnatRules.Rule rule : read)
            {
                final int at = indexOf(next, rule);
                if (remove && at < 0)
                {
                    throw new IllegalArgumentException(source + ": no such rule in force: " + rule);
                }
                if (remove && vifRules.containsValue(next.get(at)))
                {
                    throw new IllegalArgumentException(source + ": " + rule + ": a vif-nat vif's rule: it goes " +
                        "with its vif (xl network-detach)");
                }
                if (!remove && at >= 0)
                {
                    throw new IllegalArgumentException(source + ": " + rule + ": in force already");
                }
                if (remove)
                {
                    next.remove(at);
                }
                else
                {
                    next.add(rule);
                }
            }
            apply(next, source);
            save();
            return printed;
        }
    }

    private static int indexOf(final List<IpnatRules.Rule> list, final IpnatRules.Rule rule)
    {
        for (int i = 0; i < list.size(); i++)
        {
            if (list.get(i).toString().equals(rule.toString()))
            {
                return i;
            }
        }
        return -1;
    }

    /**
     * Put a set of rules in force: every interface's rules are checked first (its address, what xbow serves), and
     * only then are the tables changed, so a refused file changes nothing.
     */
    private void apply(final List<IpnatRules.Rule> next, final String source)
    {
        final Map<String, List<IpnatRules.Rule>> byInterface = new TreeMap<>();
        for (final IpnatRules.Rule rule : next)
        {
            byInterface.computeIfAbsent(rule.ifname(), k -> new ArrayList<>()).add(rule);
        }
        final Map<String, NatRules> built = new TreeMap<>();
        final Map<String, RouterService.Address> on = new TreeMap<>();
        for (final Map.Entry<String, List<IpnatRules.Rule>> e : byInterface.entrySet())
        {
            final RouterService.Address address = addressOn(e.getKey());
            if (address == null)
            {
                throw new IllegalArgumentException(source + ": " + e.getValue().get(0) + ": the router has no " +
                    "address on " + e.getKey() + " (ipadm create-addr ... " + e.getKey() + "/v4)");
            }
            try
            {
                built.put(e.getKey(), NatRules.of(address.address(), e.getValue()));
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException(source + ": " + ex.getMessage(), ex);
            }
            on.put(e.getKey(), address);
        }
        for (final String ifname : new ArrayList<>(tables.keySet()))
        {
            if (!built.containsKey(ifname))
            {
                final Installed gone = tables.remove(ifname);
                owner.onDatapath(gone.on().sw(), () -> gone.on().iface().nat(null));
            }
        }
        for (final Map.Entry<String, NatRules> e : built.entrySet())
        {
            final Installed installed = tables.get(e.getKey());
            final NatRules newRules = e.getValue();
            if (installed != null && installed.on().equals(on.get(e.getKey())))
            {
                owner.onDatapath(installed.on().sw(), () -> installed.table().rules(newRules));
            }
            else
            {
                final RouterService.Address address = on.get(e.getKey());
                final NatTable table = new NatTable(newRules, NatTable.Config.defaults(maxConnections)
                    .withEndpointIndependentFiltering(endpointIndependent), System.nanoTime() / 1_000_000);
                tables.put(e.getKey(), new Installed(address, table));
                owner.onDatapath(address.sw(), () -> address.iface().nat(table));
            }
        }
        rules.clear();
        rules.addAll(next);
    }

    private RouterService.Address addressOn(final String ifname)
    {
        for (final RouterService.Address a : owner.addresses())
        {
            if (a.ifname().equals(ifname))
            {
                return a;
            }
        }
        return null;
    }

    /** {@code ipnat -C}: every rule goes (and the translations with them). */
    public int flushRules()
    {
        synchronized (owner)
        {
            final int n = rules.size() - vifRules.size() + kept.size();
            apply(new ArrayList<>(vifRules.values()), "ipnat -C");
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
            final int[] n = new int[1];
            for (final Installed installed : tables.values())
            {
                owner.onDatapath(installed.on().sw(), () -> n[0] += installed.table().flush());
            }
            return n[0];
        }
    }

    /** Rules, then translations, for {@code ipnat -l}: rows of kind ({@code rule} or {@code session}) and text. */
    public Table list()
    {
        synchronized (owner)
        {
            final List<List<String>> rows = new ArrayList<>();
            for (final IpnatRules.Rule rule : rules)
            {
                rows.add(List.of("rule", rule.toString()));
            }
            for (final Installed installed : tables.values())
            {
                // Copied on the datapath, formatted here: a long listing does not hold the traffic up.
                final NatTable table = installed.table();
                final int[] snapshot = new int[table.capacity() * NatTable.SNAPSHOT_INTS];
                final int[] copied = new int[1];
                owner.onDatapath(installed.on().sw(), () -> copied[0] = table.snapshot(snapshot));
                for (int i = 0; i < copied[0]; i++)
                {
                    final int at = i * NatTable.SNAPSHOT_INTS;
                    rows.add(List.of("session", (snapshot[at] == NatTable.RDR ? "RDR " : "MAP ") +
                        Ipv4Address.format(snapshot[at + 2]) + " " + snapshot[at + 3] + " <- -> " +
                        Ipv4Address.format(snapshot[at + 4]) + " " + snapshot[at + 5] + " [" +
                        Ipv4Address.format(snapshot[at + 6]) + " " + snapshot[at + 7] + "]"));
                }
            }
            return new Table(List.of("KIND", "TEXT"), rows);
        }
    }

    /** {@code ipnat -s}: counters summed over the interfaces, name and value. */
    public Table statistics()
    {
        synchronized (owner)
        {
            final long[] sums = new long[NatTable.COUNTERS];
            final int[] protocols = new int[4];
            final boolean independent = endpointIndependent;
            for (final Installed installed : tables.values())
            {
                final NatTable t = installed.table();
                for (int c = 0; c < sums.length; c++)
                {
                    sums[c] += t.counter(c);
                }
                protocols[0] += t.connectionsOf(6, false);
                protocols[1] += t.connectionsOf(6, true);
                protocols[2] += t.connectionsOf(17, false);
                protocols[3] += t.connectionsOf(1, false);
            }
            final Map<String, String> values = new LinkedHashMap<>();
            values.put("mapped in", Long.toString(sums[NatTable.TRANSLATED_IN]));
            values.put("mapped out", Long.toString(sums[NatTable.TRANSLATED_OUT]));
            values.put("added", Long.toString(sums[NatTable.CREATED]));
            values.put("expired", Long.toString(sums[NatTable.EXPIRED]));
            values.put("no memory", Long.toString(sums[NatTable.REFUSED_FULL] + sums[NatTable.REFUSED_SOURCE] +
                sums[NatTable.REFUSED_PORTS]));
            values.put("inuse", Long.toString(protocols[0] + protocols[2] + protocols[3]));
            values.put("rules", Long.toString(rules.size()));
            values.put("tcp", Long.toString(protocols[0]));
            values.put("tcp established", Long.toString(protocols[1]));
            values.put("udp", Long.toString(protocols[2]));
            values.put("icmp", Long.toString(protocols[3]));
            values.put("redirected", Long.toString(sums[NatTable.REDIRECTED]));
            values.put("bimapped", Long.toString(sums[NatTable.BIMAPPED]));
            values.put("hairpinned", Long.toString(sums[NatTable.HAIRPINNED]));
            values.put("icmp errors translated", Long.toString(sums[NatTable.ICMP_ERRORS_TRANSLATED]));
            values.put("unmapped inbound", Long.toString(sums[NatTable.UNMAPPED_INBOUND]));
            values.put("tcp out of window", Long.toString(sums[NatTable.TCP_OUT_OF_WINDOW]));
            values.put("fragments followed", Long.toString(sums[NatTable.FRAGMENTS_FOLLOWED]));
            values.put("fragments dropped", Long.toString(sums[NatTable.FRAGMENTS]));
            values.put("fragmented datagrams evicted", Long.toString(sums[NatTable.FRAGMENTS_EVICTED]));
            values.put("refused table full", Long.toString(sums[NatTable.REFUSED_FULL]));
            values.put("refused source limit", Long.toString(sums[NatTable.REFUSED_SOURCE]));
            values.put("refused no port", Long.toString(sums[NatTable.REFUSED_PORTS]));
            values.put("mapping", "endpoint-independent");
            values.put("filtering", independent ? "endpoint-independent" : "address-and-port-dependent");
            final List<List<String>> rows = new ArrayList<>();
            values.forEach((k, v) -> rows.add(List.of(k, v)));
            return new Table(List.of("NAME", "VALUE"), rows);
        }
    }

    /**
     * vif-nat: what a guest sends out of an interface leaves masqueraded ({@code map IF GUEST/32 -> 0/32 portmap
     * tcp/udp auto}), a rule of the vif's. Under the owner's lock.
     */
    void addVifRule(final String vif, final String ifname, final int guest)
    {
        final IpnatRules.Rule rule = new IpnatRules.Map(ifname, guest, 32, 0, 32, IpnatRules.TCP | IpnatRules.UDP, 0,
            0, 0, 0);
        final List<IpnatRules.Rule> next = new ArrayList<>(rules);
        if (indexOf(next, rule) < 0)
        {
            next.add(rule);
        }
        apply(next, "vif " + vif);
        vifRules.put(vif, rule);
    }

    /** The vif went: its rule, and its guest's translations, go. Under the owner's lock. */
    void removeVifRule(final String vif)
    {
        final IpnatRules.Rule rule = vifRules.remove(vif);
        if (rule == null)
        {
            return;
        }
        final List<IpnatRules.Rule> next = new ArrayList<>(rules);
        next.remove(rule);
        apply(next, "vif " + vif);
        final Installed installed = tables.get(rule.ifname());
        if (installed != null)
        {
            final int guest = ((IpnatRules.Map)rule).source();
            owner.onDatapath(installed.on().sw(), () -> installed.table().forget(guest));
        }
    }

    /** The NAT tables in force, by outside interface (a snapshot, for metrics). */
    public Map<String, NatTable> tables()
    {
        synchronized (owner)
        {
            final Map<String, NatTable> all = new TreeMap<>();
            tables.forEach((ifname, installed) -> all.put(ifname, installed.table()));
            return all;
        }
    }

    /** Is a rule in force on this interface? Under the owner's lock (an address with one is not deleted). */
    boolean uses(final String ifname)
    {
        return tables.containsKey(ifname);
    }

    /** Re-create the persistent rules, in order. Under the owner's lock. */
    void restore(final List<ConfigEntry> entries)
    {
        final StringBuilder text = new StringBuilder();
        for (final ConfigEntry entry : entries)
        {
            text.append(entry.get("rule")).append('\n');
        }
        if (text.length() == 0)
        {
            return;
        }
        final List<IpnatRules.Rule> read = IpnatRules.parse(text.toString(), "l3.conf (ipnat)");
        final List<IpnatRules.Rule> served = new ArrayList<>();
        for (final IpnatRules.Rule rule : read)
        {
            final List<IpnatRules.Rule> trial = new ArrayList<>(served);
            trial.add(rule);
            try
            {
                final RouterService.Address on = addressOn(rule.ifname());
                if (on == null)
                {
                    throw new IllegalArgumentException(rule + ": no address on " + rule.ifname());
                }
                NatRules.of(on.address(), trial.stream().filter(r -> r.ifname().equals(rule.ifname())).toList());
                served.add(rule);
            }
            catch (final IllegalArgumentException ex)
            {
                // Its interface lost its address, say: the rule is kept and the daemon starts.
                kept.add(rule.toString());
                System.getLogger(NatService.class.getName()).log(System.Logger.Level.WARNING,
                    "not applied: " + ex.getMessage());
            }
        }
        apply(served, "l3.conf (ipnat)");
    }

    /** The rules in force, as the configuration keeps them: {@code ipnat N rule="..."}. */
    private void save()
    {
        owner.persist(() ->
        {
            owner.persistent().keySet().removeIf(k -> k.startsWith("ipnat "));
            final List<String> all = new ArrayList<>(kept);
            rules.stream().filter(rule -> !vifRules.containsValue(rule)).forEach(rule -> all.add(rule.toString()));
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
