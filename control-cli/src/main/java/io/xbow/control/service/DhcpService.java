package io.xbow.control.service;

import io.xbow.control.store.ConfigEntry;
import io.xbow.control.store.ConfigException;
import io.xbow.control.store.ConfigStore;
import io.xbow.nat.dhcp.DhcpServer;
import io.xbow.packet.address.Ipv4Address;
import io.xbow.packet.address.MacAddress;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The router's DHCP servers, as {@code dhcpadm} sees them: a pool on one of the router's addresses (served on that
 * address's link by a {@link DhcpServer} on the datapath), static hosts, and the leases, which a writer thread keeps
 * in {@code dhcp.leases} (never the datapath). Pools and hosts are persistent in the router's configuration; its
 * lock is the {@link RouterService}'s, whose addresses the pools stand on.
 */
public final class DhcpService
{
    private static final System.Logger LOG = System.getLogger(DhcpService.class.getName());

    private final RouterService owner;
    /** DHCP pools, by the address object they serve from. */
    private final Map<String, Dhcp> pools = new TreeMap<>();
    /** Leases as the servers last told them, by {@code ADDROBJ@MAC}: what the lease file holds. */
    private final ConcurrentHashMap<String, ConfigEntry> leases = new ConcurrentHashMap<>();
    private final ConfigStore leaseStore;
    private final AtomicBoolean leasesDirty = new AtomicBoolean();
    private final ExecutorService leaseWriter;

    /** A DHCP pool on an address: what it serves, and its server (on the datapath, in the address's interface). */
    private record Dhcp(String addrobj, DhcpServer.Pool pool, boolean temporary, DhcpServer server,
        RouterService.Address on)
    {
    }

    DhcpService(final RouterService owner, final ConfigStore leaseStore)
    {
        this.owner = owner;
        this.leaseStore = leaseStore;
        this.leaseWriter = Executors.newSingleThreadExecutor(r ->
        {
            final Thread t = new Thread(r, "xbow-dhcp-leases");
            t.setDaemon(true);
            return t;
        });
    }

    /** Read the lease file: the leases pools get back as they are restored. */
    void loadLeases() throws ConfigException
    {
        if (leaseStore != null)
        {
            for (final ConfigEntry lease : leaseStore.load())
            {
                leases.put(lease.name(), lease);
            }
        }
    }

    /** Re-create a persistent {@code pool} or {@code host} line. Under the owner's lock. */
    void restore(final ConfigEntry entry)
    {
        if (entry.kind().equals("pool"))
        {
            createPoolActive(entry.name(), poolOf(entry.attributes(), entry.name()), false);
        }
        else
        {
            final int at = entry.name().lastIndexOf('@');
            addHostActive(entry.name().substring(0, at), MacAddress.parse(entry.name().substring(at + 1)),
                Ipv4Address.parse(RouterService.required(entry, "address")));
        }
    }

    /** Is a pool served from this address object? Under the owner's lock. */
    boolean serves(final String addrobj)
    {
        return pools.containsKey(addrobj);
    }

    /**
     * A bridged vif's {@code ip=} and {@code mac=} as a static lease, where a pool serves the vif's link and subnet.
     *
     * @return how to remove it, or null.
     */
    AutoCloseable staticLease(final String link, final long mac, final int address)
    {
        synchronized (owner)
        {
            for (final Dhcp dhcp : pools.values())
            {
                final RouterService.Address on = dhcp.on();
                if (on.ifname().equals(link) && ((on.address() ^ address) & RouterService.mask(on.prefixLength())) == 0)
                {
                    try
                    {
                        owner.onDatapath(on.sw(), () -> dhcp.server().addStatic(mac, address));
                    }
                    catch (final IllegalArgumentException ex)
                    {
                        LOG.log(System.Logger.Level.WARNING, "no static lease of " + Ipv4Address.format(address) +
                            " for " + MacAddress.format(mac) + ": " + ex.getMessage());
                        return null;
                    }
                    return () ->
                    {
                        synchronized (owner)
                        {
                            removeHostActive(dhcp.addrobj(), mac);
                        }
                    };
                }
            }
            return null;
        }
    }

    /**
     * The pool described by dhcpadm's properties: {@code range=FIRST-LAST} (required), {@code lease=SECONDS}
     * (86400), {@code router=ADDRESS} (the server's address; {@code none} for no router option), {@code dns=A[,B]},
     * {@code domain=NAME}.
     */
    private DhcpServer.Pool poolOf(final Map<String, String> properties, final String addrobj)
    {
        final RouterService.Address on = owner.address(addrobj);
        for (final String key : properties.keySet())
        {
            if (!List.of("range", "lease", "router", "dns", "domain").contains(key))
            {
                throw new DhcpException("unknown property '" + key + "': range, lease, router, dns or domain");
            }
        }
        final String range = properties.get("range");
        if (range == null || range.indexOf('-') < 0)
        {
            throw new DhcpException("a pool needs range=FIRST-LAST");
        }
        try
        {
            final int first = Ipv4Address.parse(range.substring(0, range.indexOf('-')));
            final int last = Ipv4Address.parse(range.substring(range.indexOf('-') + 1));
            final int lease = Integer.parseInt(properties.getOrDefault("lease", "86400"));
            final String routerValue = properties.get("router");
            final int gateway = "none".equals(routerValue) ? 0 : routerValue != null ? Ipv4Address.parse(routerValue) :
                on != null ? on.address() : 0;
            final String dnsValue = properties.get("dns");
            final int[] dns = dnsValue == null || dnsValue.isEmpty() ? new int[0] :
                java.util.Arrays.stream(dnsValue.split(",")).mapToInt(Ipv4Address::parse).toArray();
            final String domain = properties.get("domain");
            if (domain != null && !domain.matches("[A-Za-z0-9.-]{1,63}"))
            {
                throw new IllegalArgumentException("domain: letters, digits, dots and dashes");
            }
            return new DhcpServer.Pool(first, last, gateway, dns, lease, domain);
        }
        catch (final NumberFormatException ex)
        {
            throw new DhcpException("lease: a number of seconds, not " + properties.get("lease"));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new DhcpException(ex.getMessage());
        }
    }

    private static Map<String, String> propertiesOf(final DhcpServer.Pool pool)
    {
        final Map<String, String> p = new LinkedHashMap<>();
        p.put("range", Ipv4Address.format(pool.first()) + "-" + Ipv4Address.format(pool.last()));
        p.put("lease", Integer.toString(pool.leaseSeconds()));
        p.put("router", pool.router() == 0 ? "none" : Ipv4Address.format(pool.router()));
        if (pool.dns().length > 0)
        {
            p.put("dns", String.join(",", java.util.Arrays.stream(pool.dns()).mapToObj(Ipv4Address::format).toList()));
        }
        if (pool.domain() != null)
        {
            p.put("domain", pool.domain());
        }
        return p;
    }

    /** {@code dhcpadm create-pool [-t] -p range=...[,...] ADDROBJ}: serve DHCP on the address's link. */
    public void createPool(final String addrobj, final Map<String, String> properties,
        final boolean temporary)
    {
        synchronized (owner)
        {
            if (pools.containsKey(addrobj) || owner.persistent().containsKey(RouterService.key("pool", addrobj)))
            {
                throw new DhcpException("cannot create pool: a pool is served from " + addrobj + " already");
            }
            if (owner.address(addrobj) == null)
            {
                throw new DhcpException("cannot create pool: Address object not found: " + addrobj);
            }
            final DhcpServer.Pool pool = poolOf(properties, addrobj);
            createPoolActive(addrobj, pool, temporary);
            if (!temporary)
            {
                owner.persist(() -> owner.persistent().put(RouterService.key("pool", addrobj),
                    new ConfigEntry("pool", addrobj, propertiesOf(pool), 0)),
                    () -> deletePoolActive(addrobj));
            }
        }
    }

    void createPoolActive(final String addrobj, final DhcpServer.Pool pool, final boolean temporary)
    {
        final RouterService.Address on = owner.address(addrobj);
        if (on == null)
        {
            throw new RouterService.IpadmException("the pool's address " + addrobj + " is not there"); // kept, not applied
        }
        final DhcpServer server;
        try
        {
            server = new DhcpServer(on.address(), on.prefixLength(), pool, System::currentTimeMillis,
                new LeaseKeeper(addrobj));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new DhcpException("cannot create pool: " + ex.getMessage());
        }
        final String prefix = addrobj + "@";
        for (final ConfigEntry lease : leases.values())
        {
            if (lease.name().startsWith(prefix))
            {
                try
                {
                    server.restore(MacAddress.parse(lease.name().substring(prefix.length())),
                        Ipv4Address.parse(lease.get("address")), Long.parseLong(lease.get("expires")) * 1000,
                        lease.get("hostname") == null ? "" : lease.get("hostname"));
                }
                catch (final RuntimeException ex)
                {
                    LOG.log(System.Logger.Level.WARNING, "lease " + lease.name() + " not restored: " + ex.getMessage());
                }
            }
        }
        pools.put(addrobj, new Dhcp(addrobj, pool, temporary, server, on));
        owner.onDatapath(on.sw(), () -> on.iface().dhcp(server));
    }

    /** {@code dhcpadm delete-pool ADDROBJ}. */
    public void deletePool(final String addrobj)
    {
        synchronized (owner)
        {
            final boolean kept = owner.persistent().containsKey(RouterService.key("pool", addrobj));
            if (!pools.containsKey(addrobj) && !kept)
            {
                throw new DhcpException("cannot delete pool: no pool is served from " + addrobj);
            }
            if (kept)
            {
                owner.persist(() ->
                {
                    owner.persistent().remove(RouterService.key("pool", addrobj));
                    owner.persistent().keySet().removeIf(k -> k.startsWith("host " + addrobj + "@"));
                }, () -> { });
            }
            deletePoolActive(addrobj);
        }
    }

    private void deletePoolActive(final String addrobj)
    {
        final Dhcp dhcp = pools.remove(addrobj);
        if (dhcp != null)
        {
            owner.onDatapath(dhcp.on().sw(), () -> dhcp.on().iface().dhcp(null));
        }
    }

    /** {@code dhcpadm add-host [-t] -m MAC -a ADDRESS ADDROBJ}: a static lease. */
    public void addHost(final String addrobj, final String macText, final String addressText,
        final boolean temporary)
    {
        synchronized (owner)
        {
            final long mac;
            final int address;
            try
            {
                mac = MacAddress.parse(macText);
                address = Ipv4Address.parse(addressText);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new DhcpException("cannot add host: " + ex.getMessage());
            }
            final String name = addrobj + "@" + MacAddress.format(mac);
            if (owner.persistent().containsKey(RouterService.key("host", name)) && !temporary)
            {
                throw new DhcpException("cannot add host: " + MacAddress.format(mac) +
                    " has a static address there already");
            }
            addHostActive(addrobj, mac, address);
            if (!temporary)
            {
                owner.persist(() -> owner.persistent().put(RouterService.key("host", name),
                    new ConfigEntry("host", name,
                    Map.of("address", Ipv4Address.format(address)), 0)), () -> removeHostActive(addrobj, mac));
            }
        }
    }

    void addHostActive(final String addrobj, final long mac, final int address)
    {
        final Dhcp dhcp = pools.get(addrobj);
        if (dhcp == null)
        {
            throw new DhcpException("cannot add host: no pool is served from " + addrobj);
        }
        owner.onDatapath(dhcp.on().sw(), () -> dhcp.server().addStatic(mac, address));
    }

    /** {@code dhcpadm remove-host -m MAC ADDROBJ}. */
    public void removeHost(final String addrobj, final String macText)
    {
        synchronized (owner)
        {
            final long mac = MacAddress.parse(macText);
            final String name = addrobj + "@" + MacAddress.format(mac);
            if (owner.persistent().containsKey(RouterService.key("host", name)))
            {
                owner.persist(() -> owner.persistent().remove(RouterService.key("host", name)), () -> { });
            }
            removeHostActive(addrobj, mac);
        }
    }

    void removeHostActive(final String addrobj, final long mac)
    {
        final Dhcp dhcp = pools.get(addrobj);
        if (dhcp != null)
        {
            owner.onDatapath(dhcp.on().sw(), () -> dhcp.server().removeStatic(mac));
        }
    }

    /** ADDROBJ RANGE LEASE ROUTER DNS DOMAIN OFFERS ACKS NAKS, for dhcpadm show-pool. */
    public Table showPools()
    {
        synchronized (owner)
        {
            final List<List<String>> rows = new ArrayList<>();
            for (final Dhcp d : pools.values())
            {
                final Map<String, String> p = propertiesOf(d.pool());
                rows.add(List.of(d.addrobj(), p.get("range"), p.get("lease"), p.get("router"),
                    p.getOrDefault("dns", "--"), p.getOrDefault("domain", "--"),
                    Long.toString(d.server().counter(DhcpServer.OFFERS)),
                    Long.toString(d.server().counter(DhcpServer.ACKS)),
                    Long.toString(d.server().counter(DhcpServer.NAKS)),
                    Long.toString(d.server().counter(DhcpServer.MALFORMED))));
            }
            return new Table(List.of("ADDROBJ", "RANGE", "LEASE", "ROUTER", "DNS", "DOMAIN", "OFFERS", "ACKS", "NAKS",
                "MALFORMED"), rows);
        }
    }

    /** ADDROBJ ADDRESS MACADDRESS STATE EXPIRES HOSTNAME, for dhcpadm show-lease. */
    public Table showLeases(final String addrobj)
    {
        synchronized (owner)
        {
            final List<List<String>> rows = new ArrayList<>();
            for (final Dhcp d : pools.values())
            {
                if (addrobj != null && !addrobj.equals(d.addrobj()))
                {
                    continue;
                }
                final List<List<String>> these = new ArrayList<>();
                owner.onDatapath(d.on().sw(), () -> d.server().leases((mac, address, expires, hostname, state) ->
                    these.add(List.of(d.addrobj(), Ipv4Address.format(address), MacAddress.format(mac), state,
                        expires == 0 ? "--" : java.time.Instant.ofEpochMilli(expires).truncatedTo(
                            java.time.temporal.ChronoUnit.SECONDS).toString(), hostname.isEmpty() ? "--" : hostname))));
                these.sort(Comparator.comparing(row -> Integer.toUnsignedLong(Ipv4Address.parse(row.get(1)))));
                rows.addAll(these);
            }
            if (addrobj != null && !pools.containsKey(addrobj))
            {
                throw new DhcpException("no pool is served from " + addrobj);
            }
            return new Table(List.of("ADDROBJ", "ADDRESS", "MACADDRESS", "STATE", "EXPIRES", "HOSTNAME"), rows);
        }
    }

    /** A pool's counters and lease count, for metrics (any thread). */
    public record PoolCounters(String addrobj, DhcpServer server, java.util.function.LongSupplier leaseCount)
    {
        /** The message kinds counted, by their metric label. */
        public static final Map<String, Integer> KINDS = Map.of("received", DhcpServer.RECEIVED, "offer",
            DhcpServer.OFFERS, "ack", DhcpServer.ACKS, "nak", DhcpServer.NAKS, "malformed", DhcpServer.MALFORMED,
            "ignored", DhcpServer.IGNORED, "exhausted", DhcpServer.EXHAUSTED, "decline", DhcpServer.DECLINES,
            "release", DhcpServer.RELEASES);

        public long counter(final int counter)
        {
            return server.counter(counter);
        }

        public long leases()
        {
            return leaseCount.getAsLong();
        }
    }

    /** Every pool's counters (any thread). */
    public List<PoolCounters> poolCounters()
    {
        synchronized (owner)
        {
            final List<PoolCounters> list = new ArrayList<>();
            for (final Dhcp d : pools.values())
            {
                final String prefix = d.addrobj() + "@";
                list.add(new PoolCounters(d.addrobj(), d.server(), () ->
                {
                    final long now = System.currentTimeMillis() / 1000;
                    return leases.values().stream().filter(l -> l.name().startsWith(prefix) &&
                        Long.parseLong(l.get("expires")) > now).count();
                }));
            }
            return list;
        }
    }

    /** Keeps a pool's leases in the lease file, written off the datapath by {@link #leaseWriter}. */
    private final class LeaseKeeper implements DhcpServer.Listener
    {
        private final String addrobj;

        LeaseKeeper(final String addrobj)
        {
            this.addrobj = addrobj;
        }

        @Override
        public void leased(final long mac, final int address, final long expiresEpochMs, final String hostname)
        {
            final Map<String, String> attributes = new LinkedHashMap<>();
            attributes.put("address", Ipv4Address.format(address));
            attributes.put("expires", Long.toString(expiresEpochMs / 1000));
            if (!hostname.isEmpty())
            {
                attributes.put("hostname", hostname);
            }
            final String name = addrobj + "@" + MacAddress.format(mac);
            leases.put(name, new ConfigEntry("lease", name, attributes, 0));
            writeLeases();
        }

        @Override
        public void ended(final long mac, final int address)
        {
            leases.remove(addrobj + "@" + MacAddress.format(mac));
            writeLeases();
        }
    }

    private void writeLeases()
    {
        if (leaseStore == null || !leasesDirty.compareAndSet(false, true))
        {
            return; // a write is coming, and it will see this change
        }
        leaseWriter.execute(() ->
        {
            leasesDirty.set(false);
            try
            {
                final long now = System.currentTimeMillis() / 1000;
                leases.values().removeIf(lease -> Long.parseLong(lease.get("expires")) <= now);
                final List<ConfigEntry> all = new ArrayList<>(leases.values());
                all.sort(Comparator.comparing(ConfigEntry::name));
                leaseStore.save(all);
            }
            catch (final IOException ex)
            {
                LOG.log(System.Logger.Level.WARNING, "DHCP leases could not be saved (" + leaseStore.file() + "): " +
                    ex.getMessage());
            }
        });
    }

    /** Write the last leases and stop the lease writer (the daemon stops). */
    public void close()
    {
        flushLeases();
        leaseWriter.shutdown();
    }

    /** Wait for the lease file to hold every lease told so far (tests, shutdown). */
    public void flushLeases()
    {
        try
        {
            leaseWriter.submit(() -> { }).get(5, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        catch (final ExecutionException | TimeoutException ex)
        {
            LOG.log(System.Logger.Level.WARNING, "DHCP leases: " + ex);
        }
    }

    /** A dhcpadm failure. */
    public static final class DhcpException extends IllegalArgumentException
    {
        public DhcpException(final String message)
        {
            super(message);
        }
    }
}
