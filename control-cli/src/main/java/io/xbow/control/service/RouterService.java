package io.xbow.control.service;

import io.xbow.control.store.ConfigEntry;
import io.xbow.control.store.ConfigException;
import io.xbow.control.store.ConfigStore;
import io.xbow.nat.arp.ArpCache;
import io.xbow.nat.router.Router;
import io.xbow.nat.router.RouterInterface;
import io.xbow.packet.DropReason;
import io.xbow.packet.address.Ipv4Address;
import io.xbow.packet.address.MacAddress;
import io.xbow.vnic.LinkRegistry;
import io.xbow.vnic.link.Etherstub;
import io.xbow.vnic.link.Link;
import io.xbow.vnic.link.LinkName;
import io.xbow.vnic.link.PhysicalLink;
import io.xbow.vnic.link.PortLink;
import io.xbow.vnic.link.VlanLink;
import io.xbow.vnic.link.Vnic;
import io.xbow.vnic.mac.MacSpec;
import io.xbow.vswitch.VirtualSwitch;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The router's control plane, as illumos's {@code ipadm}, {@code route} and {@code routeadm} see theirs: addresses
 * on links (each link with an address is an interface of the one {@link Router}), static routes, and IPv4
 * forwarding; persistent unless made temporary, in their own file ({@link ConfigStore#l3}).
 * <p>
 * An address on a physical link, an etherstub or a VLAN link puts the router on that link's switch through a VNIC
 * of its own ({@code ip_<link>}, over the link, on the VLAN link's VLAN), owned by the address: dladm shows it (and
 * captures on it show the router's traffic) but will not delete it. An address on a VNIC plugs the router into that
 * VNIC, as an IP interface on a VNIC does on illumos; its properties (maxbw, protection) then apply to the router.
 * <p>
 * The router's state belongs to the datapath thread: every change is a command run there ({@link #onDatapath}), and
 * this service waits for it, so that changes apply in the order they were asked. The service's own model (addresses,
 * routes, what is persistent) answers the show commands, but the counters and the ARP tables, which are read there.
 * Its parts along their seams, under this service's lock: {@link DhcpService} (dhcpadm's pools and leases) and
 * {@link RoutedVifs} (Xen's vif-route).
 */
public final class RouterService
{
    private static final System.Logger LOG = System.getLogger(RouterService.class.getName());
    private static final long DATAPATH_WAIT_SECONDS = 5;
    /** ICMP errors a second, as illumos's icmp_err_interval (100 ms) and burst (10) allow about. */
    private static final int ICMP_PER_SECOND = 100;
    private static final int ARP_ENTRIES_PER_LINK = 1024;
    static final String VNIC_PREFIX = "ip_";

    private final LinkRegistry registry;
    private final ConfigStore store;
    private final Runnable drive;
    private final Router router;
    /** Active addresses, by address object. */
    private final Map<String, Address> addresses = new TreeMap<>();
    /** Active static routes, by prefix. */
    private final Map<Prefix, StaticRoute> routes = new TreeMap<>();
    /** The persistent configuration, by kind and name, in creation order. */
    private final Map<String, ConfigEntry> persistent = new LinkedHashMap<>();
    private boolean forwardingConfigured;
    private final DhcpService dhcp;
    private final NatService nat;
    private final RoutedVifs routedVifs;

    /** An address object: an address on an interface, and how the router stands on the interface's link. */
    record Address(String addrobj, String ifname, int address, int prefixLength, boolean temporary,
        RouterInterface iface, String ownVnic, VirtualSwitch sw)
    {
        String text()
        {
            return Ipv4Address.format(address) + "/" + prefixLength;
        }
    }

    /** A destination prefix, ordered as netstat lists them: longest first, then by address. */
    public record Prefix(int prefix, int length) implements Comparable<Prefix>
    {
        @Override
        public int compareTo(final Prefix other)
        {
            return length != other.length ? Integer.compare(other.length, length) :
                Integer.compareUnsigned(prefix, other.prefix);
        }

        @Override
        public String toString()
        {
            return length == 0 ? "default" : Ipv4Address.format(prefix) + "/" + length;
        }
    }

    private record StaticRoute(Prefix prefix, int gateway, boolean host)
    {
    }

    /**
     * @param registry the links.
     * @param store    the L3 configuration file, or null for nothing persistent.
     * @param drive    run while waiting for the datapath (a test's manual datapath); production: nothing.
     */
    public RouterService(final LinkRegistry registry, final ConfigStore store, final Runnable drive)
    {
        this.registry = registry;
        this.store = store;
        this.drive = drive;
        this.router = new Router(ICMP_PER_SECOND, ARP_ENTRIES_PER_LINK, System.nanoTime());
        this.router.forwarding(false); // illumos's default: routeadm -e ipv4-forwarding -u turns it on
        this.dhcp = new DhcpService(this, store == null ? null : store.leases());
        this.nat = new NatService(this);
        this.routedVifs = new RoutedVifs(this, registry, router);
    }

    /** The daemon stops: the last DHCP leases reach the lease file. */
    public void close()
    {
        dhcp.close();
    }

    /** The NAT rules (ipnat). */
    public NatService nat()
    {
        return nat;
    }

    /** The DHCP pools on the router's addresses (dhcpadm). */
    public DhcpService dhcp()
    {
        return dhcp;
    }

    /** The router's side of routed vifs (Xen's vif-route), for the hypervisor. */
    public RoutedVifs routedVifs()
    {
        return routedVifs;
    }

    /**
     * Re-create the persistent addresses, routes and the forwarding setting. An address whose link is gone, or a
     * route whose gateway is not on any subnet, stays in the configuration and is logged; a file that does not read
     * right stops the daemon with its line and reason.
     */
    public synchronized void restore() throws ConfigException
    {
        if (store == null)
        {
            return;
        }
        final List<ConfigEntry> entries = new ArrayList<>(store.load());
        entries.sort(Comparator.comparing(entry -> switch (entry.kind())
        {
            case "addr" -> 0;
            case "route" -> 1;
            case "pool" -> 2;
            case "host" -> 3;
            case "ipnat" -> 5;
            default -> 4;
        }));
        dhcp.loadLeases();
        final List<ConfigEntry> natEntries = new ArrayList<>();
        for (final ConfigEntry entry : entries)
        {
            final String where = store.file() + ":" + entry.line() + ": " + entry.kind() + " " + entry.name() + ": ";
            try
            {
                switch (entry.kind())
                {
                    case "addr" -> createAddrActive(entry.name(), required(entry, "address"), false);
                    case "route" ->
                    {
                        final Prefix prefix = parsePrefix(entry.name());
                        final int gateway = Ipv4Address.parse(required(entry, "gateway"));
                        final boolean host = "yes".equals(entry.get("host"));
                        try
                        {
                            addRouteActive(prefix, gateway, host);
                        }
                        catch (final RouteException ex)
                        {
                            LOG.log(System.Logger.Level.WARNING, where + "not applied: " + ex.getMessage());
                        }
                    }
                    case "pool", "host" -> dhcp.restore(entry);
                    case "ipnat" -> natEntries.add(entry);
                    case "forwarding" ->
                    {
                        if (!entry.name().equals("ipv4"))
                        {
                            throw new IllegalArgumentException("only ipv4 forwarding is known");
                        }
                        forwardingConfigured = "yes".equals(required(entry, "enabled"));
                        router.forwarding(forwardingConfigured);
                    }
                    default -> throw new IllegalArgumentException("unknown object");
                }
            }
            catch (final IpadmException ex)
            {
                // the link is gone, or the address clashes with one created since: kept, shown as disabled
                LOG.log(System.Logger.Level.WARNING, where + "not applied: " + ex.getMessage());
            }
            catch (final IllegalArgumentException ex)
            {
                throw new ConfigException(where + ex.getMessage(), ex);
            }
            catch (final RuntimeException ex)
            {
                LOG.log(System.Logger.Level.WARNING, where + "not applied: " + ex.getMessage());
            }
            persistent.put(key(entry.kind(), entry.name()), entry);
        }
        nat.restore(natEntries); // the rules stand on the addresses: last
    }

    static String required(final ConfigEntry entry, final String key)
    {
        final String value = entry.get(key);
        if (value == null)
        {
            throw new IllegalArgumentException("missing " + key + "=");
        }
        return value;
    }

    static String key(final String kind, final String name)
    {
        return kind + " " + name;
    }

    /** An active address object, or null. Under this service's lock. */
    Address address(final String addrobj)
    {
        return addresses.get(addrobj);
    }

    /** The active addresses. Under this service's lock. */
    java.util.Collection<Address> addresses()
    {
        return addresses.values();
    }

    /** The persistent configuration, for the DHCP pools' lines. Under this service's lock. */
    Map<String, ConfigEntry> persistent()
    {
        return persistent;
    }

    boolean hasRoute(final Prefix prefix)
    {
        return routes.containsKey(prefix);
    }

    /** The default route's gateway, or null. */
    Integer defaultGateway()
    {
        final StaticRoute route = routes.get(new Prefix(0, 0));
        return route == null ? null : route.gateway();
    }

    /** The router itself, for metrics. */
    public Router router()
    {
        return router;
    }

    // ---------------------------------------------------------------------------------------------------------
    // ipadm
    // ---------------------------------------------------------------------------------------------------------

    /**
     * {@code ipadm create-addr [-t] -T static -a ADDRESS/PREFIX IFNAME/NAME}.
     */
    public synchronized void createAddr(final String addrobj, final String address, final boolean temporary)
    {
        if (addresses.containsKey(addrobj) || persistent.containsKey(key("addr", addrobj)))
        {
            throw new IpadmException("cannot create address: Address object already exists");
        }
        final Address created = createAddrActive(addrobj, address, temporary);
        if (!temporary)
        {
            persist(() -> persistent.put(key("addr", addrobj), new ConfigEntry("addr", addrobj,
                Map.of("address", created.text()), 0)), () -> deleteAddrActive(created));
        }
        activatePendingRoutes();
    }

    private Address createAddrActive(final String addrobj, final String addressText, final boolean temporary)
    {
        final int slash = addrobj.indexOf('/');
        if (slash <= 0 || slash == addrobj.length() - 1 || addrobj.indexOf('/', slash + 1) >= 0 ||
            !addrobj.substring(slash + 1).matches("[A-Za-z][A-Za-z0-9_]{0,31}"))
        {
            throw new IpadmException("cannot create address: Invalid address object name");
        }
        final String ifname = addrobj.substring(0, slash);
        final Prefix parsed;
        final int address;
        try
        {
            final int at = addressText.indexOf('/');
            if (at < 0)
            {
                throw new IllegalArgumentException("no prefix length");
            }
            address = Ipv4Address.parse(addressText.substring(0, at));
            final int length = Integer.parseInt(addressText.substring(at + 1));
            if (length < 1 || length > 32)
            {
                throw new IllegalArgumentException("prefix length");
            }
            parsed = new Prefix(address & mask(length), length);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IpadmException("cannot create address: Invalid argument provided (" + addressText +
                ": an IPv4 address and a prefix length, such as 192.0.2.1/24)");
        }
        if (address == parsed.prefix() && parsed.length() < 31 || address == (parsed.prefix() | ~mask(parsed.length()))
            && parsed.length() < 31 || (address >>> 24) == 0 || (address >>> 24) == 127 || (address >>> 28) >= 14)
        {
            throw new IpadmException("cannot create address: Invalid argument provided (" +
                Ipv4Address.format(address) + " cannot be a host's address on " + parsed + ")");
        }
        final Link link;
        try
        {
            link = registry.link(ifname);
        }
        catch (final RuntimeException ex)
        {
            throw new IpadmException("cannot create address: Interface " + ifname + " does not exist");
        }
        for (final Address other : addresses.values())
        {
            if (other.ifname().equals(ifname))
            {
                throw new IpadmException("cannot create address: Address object already exists on " + ifname +
                    " (" + other.addrobj() + "); xbow's router takes one address per interface");
            }
            if (other.address() == address)
            {
                throw new IpadmException("cannot create address: Duplicate address detected (" +
                    other.addrobj() + " has " + Ipv4Address.format(address) + ")");
            }
            if (overlaps(other.address(), other.prefixLength(), address, parsed.length()))
            {
                throw new IpadmException("cannot create address: Address already in use (" + parsed +
                    " overlaps " + other.addrobj() + ", " + other.text() + ")");
            }
        }
        final String ownVnic;
        final PortLink standsOn;
        if (link instanceof Vnic && !((Vnic)link).name().startsWith(VNIC_PREFIX))
        {
            final Vnic vnic = (Vnic)link;
            if (vnic.vnicPort().isPlugged())
            {
                throw new IpadmException("cannot create address: Interface " + ifname + " is in use: a guest is " +
                    "plugged into it");
            }
            ownVnic = null;
            standsOn = vnic;
            registry.own(vnic.name(), "ipadm address " + addrobj + " (ipadm delete-addr first)");
        }
        else if (link instanceof PhysicalLink || link instanceof Etherstub || link instanceof VlanLink)
        {
            ownVnic = VNIC_PREFIX + ifname;
            if (!LinkName.isValid(ownVnic))
            {
                throw new IpadmException("cannot create address: Invalid argument provided (the router's VNIC " +
                    "on " + ifname + " would be " + ownVnic + ", longer than a link name may be)");
            }
            final String over = link instanceof VlanLink ? ((VlanLink)link).over() : ifname;
            final int vid = link instanceof VlanLink ? ((VlanLink)link).vid() : 0;
            try
            {
                registry.createVnic(ownVnic, over, MacSpec.random(), vid, Map.of(), true);
            }
            catch (final RuntimeException ex)
            {
                throw new IpadmException("cannot create address: " + ex.getMessage());
            }
            registry.own(ownVnic, "ipadm address " + addrobj);
            standsOn = (PortLink)registry.link(ownVnic);
        }
        else
        {
            throw new IpadmException("cannot create address: Operation not supported on " + ifname);
        }
        final VirtualSwitch sw = standsOn.overLink().switchOf();
        final RouterInterface iface = router.newInterface(ifname, standsOn.mac(), address, parsed.length(),
            standsOn.mtu(), sw.cycleClock().nanoTime());
        final Address created = new Address(addrobj, ifname, address, parsed.length(), temporary, iface, ownVnic, sw);
        try
        {
            onDatapath(sw, () -> router.addInterface(iface));
            registry.plug(standsOn.name(), iface.port());
        }
        catch (final RuntimeException ex)
        {
            deleteAddrActive(created);
            throw ex;
        }
        addresses.put(addrobj, created);
        return created;
    }

    private static boolean overlaps(final int a, final int aLength, final int b, final int bLength)
    {
        final int shorter = Math.min(aLength, bLength);
        return ((a ^ b) & mask(shorter)) == 0;
    }

    /**
     * {@code ipadm delete-addr ADDROBJ}: the address goes from the active and the persistent configuration, with
     * the routes that went through it.
     */
    public synchronized void deleteAddr(final String addrobj)
    {
        final Address address = addresses.get(addrobj);
        final ConfigEntry kept = persistent.get(key("addr", addrobj));
        if (address == null && kept == null)
        {
            throw new IpadmException("could not delete address: Address object not found");
        }
        if (address != null)
        {
            final List<String> users = routedVifs.users(address);
            if (nat.uses(address.ifname()))
            {
                throw new IpadmException("could not delete address: Address object is in use: a NAT rule " +
                    "masquerades behind it (ipnat -C, or ipnat -r -f with the rule)");
            }
            if (dhcp.serves(addrobj))
            {
                throw new IpadmException("could not delete address: Address object is in use: a DHCP pool is " +
                    "served from it (dhcpadm delete-pool " + addrobj + ")");
            }
            if (!users.isEmpty())
            {
                throw new IpadmException("could not delete address: Address object is in use: the router " +
                    "publishes routed vifs' addresses with it (" + String.join(", ", users) + ")");
            }
        }
        if (kept != null)
        {
            persist(() -> persistent.remove(key("addr", addrobj)), () -> { });
        }
        if (address != null)
        {
            deleteAddrActive(address);
        }
    }

    private void deleteAddrActive(final Address address)
    {
        addresses.remove(address.addrobj());
        routes.values().removeIf(route -> !gatewayReachable(route.gateway()));
        try
        {
            onDatapath(address.sw(), () -> router.removeInterface(address.iface()));
        }
        finally
        {
            final String on = address.ownVnic() != null ? address.ownVnic() : address.ifname();
            try
            {
                registry.plug(on, null);
                if (address.ownVnic() != null)
                {
                    registry.deleteOwnedVnic(address.ownVnic());
                }
                else
                {
                    registry.disown(on); // the user's VNIC is dladm's again
                }
            }
            catch (final RuntimeException ex)
            {
                LOG.log(System.Logger.Level.WARNING, "removing " + address.addrobj() + " from " + on + ": " +
                    ex.getMessage());
            }
        }
    }

    private boolean gatewayReachable(final int gateway)
    {
        for (final Address a : addresses.values())
        {
            if (((a.address() ^ gateway) & mask(a.prefixLength())) == 0)
            {
                return true;
            }
        }
        return false;
    }

    /** {@code ipadm show-addr [ADDROBJ | IFNAME/]}: ADDROBJ TYPE STATE CURRENT PERSISTENT ADDR. */
    public synchronized Table showAddr(final String which)
    {
        String ifname = null;
        String addrobj = null;
        if (which != null)
        {
            final int slash = which.indexOf('/');
            if (slash < 0)
            {
                throw new IpadmException("Invalid address object name provided");
            }
            if (slash == which.length() - 1)
            {
                ifname = which.substring(0, slash);
            }
            else
            {
                addrobj = which;
            }
        }
        final Map<String, List<String>> rows = new TreeMap<>();
        for (final Address a : addresses.values())
        {
            final boolean kept = persistent.containsKey(key("addr", a.addrobj()));
            rows.put(a.addrobj(), List.of(a.addrobj(), "static", "ok", "U---" + (a.temporary() ? "t" : "-") + "-",
                kept ? "U--" : "---", a.text()));
        }
        for (final ConfigEntry entry : persistent.values())
        {
            if (entry.kind().equals("addr") && !addresses.containsKey(entry.name()))
            {
                rows.put(entry.name(), List.of(entry.name(), "static", "disabled", "------", "U--",
                    entry.get("address")));
            }
        }
        final List<List<String>> selected = new ArrayList<>();
        for (final List<String> row : rows.values())
        {
            final String name = row.get(0);
            if ((addrobj == null || name.equals(addrobj)) &&
                (ifname == null || name.substring(0, name.indexOf('/')).equals(ifname)))
            {
                selected.add(row);
            }
        }
        if (addrobj != null && selected.isEmpty())
        {
            throw new IpadmException("Address object not found");
        }
        return new Table(List.of("ADDROBJ", "TYPE", "STATE", "CURRENT", "PERSISTENT", "ADDR"), selected);
    }

    /** {@code ipadm show-if [IFNAME]}: IFNAME STATE CURRENT PERSISTENT, an interface per link with an address. */
    public synchronized Table showIf(final String ifname)
    {
        final Map<String, List<String>> rows = new TreeMap<>();
        for (final Address a : addresses.values())
        {
            final boolean kept = persistent.containsKey(key("addr", a.addrobj()));
            rows.put(a.ifname(), List.of(a.ifname(), "ok", "bm--------4-", kept ? "-4-" : "---"));
        }
        for (final ConfigEntry entry : persistent.values())
        {
            final String name = entry.name().substring(0, Math.max(0, entry.name().indexOf('/')));
            if (entry.kind().equals("addr") && !rows.containsKey(name))
            {
                rows.put(name, List.of(name, "disabled", "------------", "-4-"));
            }
        }
        if (ifname != null)
        {
            final List<String> row = rows.get(ifname);
            if (row == null)
            {
                throw new IpadmException("Could not get interface(s): Interface does not exist");
            }
            return new Table(List.of("IFNAME", "STATE", "CURRENT", "PERSISTENT"), List.of(row));
        }
        return new Table(List.of("IFNAME", "STATE", "CURRENT", "PERSISTENT"), new ArrayList<>(rows.values()));
    }

    // ---------------------------------------------------------------------------------------------------------
    // route
    // ---------------------------------------------------------------------------------------------------------

    /**
     * {@code route [-p] add}: a route through a gateway on one of the router's subnets.
     *
     * @param persistent {@code -p}: also kept in the configuration.
     * @throws RouteException with route(1M)'s words for what went wrong ({@code entry exists},
     *                        {@code Network is unreachable}).
     */
    public synchronized void addRoute(final Prefix prefix, final int gateway, final boolean host,
        final boolean persistentToo)
    {
        final String name = prefix.toString();
        addRouteActive(prefix, gateway, host); // as route(1M): the running table first, then the file
        if (persistentToo)
        {
            if (persistent.containsKey(key("route", name)))
            {
                throw new RouteException("entry exists", true);
            }
            final Map<String, String> attributes = new LinkedHashMap<>();
            attributes.put("gateway", Ipv4Address.format(gateway));
            if (host)
            {
                attributes.put("host", "yes");
            }
            persist(() -> persistent.put(key("route", name), new ConfigEntry("route", name, attributes, 0)),
                () -> deleteRouteActive(prefix));
        }
    }

    private void addRouteActive(final Prefix prefix, final int gateway, final boolean host)
    {
        if (routes.containsKey(prefix) || isConnected(prefix))
        {
            throw new RouteException("entry exists", false);
        }
        final Address via = addressFor(gateway);
        if (via == null)
        {
            throw new RouteException("Network is unreachable", false);
        }
        final int[] result = new int[1];
        onDatapath(via.sw(), () -> result[0] = router.addRoute(prefix.prefix(), prefix.length(), gateway));
        if (result[0] == Router.EXISTS)
        {
            throw new RouteException("entry exists", false);
        }
        if (result[0] == Router.UNREACHABLE)
        {
            throw new RouteException("Network is unreachable", false);
        }
        routes.put(prefix, new StaticRoute(prefix, gateway, host));
    }

    private boolean isConnected(final Prefix prefix)
    {
        for (final Address a : addresses.values())
        {
            if (a.prefixLength() == prefix.length() && (a.address() & mask(a.prefixLength())) == prefix.prefix())
            {
                return true;
            }
        }
        return false;
    }

    Address addressFor(final int destination)
    {
        Address best = null;
        for (final Address a : addresses.values())
        {
            if (((a.address() ^ destination) & mask(a.prefixLength())) == 0 && a.address() != destination &&
                (best == null || a.prefixLength() > best.prefixLength()))
            {
                best = a;
            }
        }
        return best;
    }

    /** Persistent routes whose gateway became reachable (an address was created): applied now. */
    private void activatePendingRoutes()
    {
        for (final ConfigEntry entry : persistent.values())
        {
            if (!entry.kind().equals("route"))
            {
                continue;
            }
            final Prefix prefix = parsePrefix(entry.name());
            if (routes.containsKey(prefix))
            {
                continue;
            }
            try
            {
                addRouteActive(prefix, Ipv4Address.parse(entry.get("gateway")), "yes".equals(entry.get("host")));
            }
            catch (final RouteException ex)
            {
                // still unreachable, or the subnet itself: stays persistent only
            }
        }
    }

    /**
     * {@code route [-p] delete}.
     *
     * @param gateway the gateway given (a route is deleted only if it matches), or 0 for any.
     */
    public synchronized void deleteRoute(final Prefix prefix, final int gateway, final boolean persistentToo)
    {
        final StaticRoute active = routes.get(prefix);
        final ConfigEntry kept = persistent.get(key("route", prefix.toString()));
        final boolean activeMatches = active != null && (gateway == 0 || active.gateway() == gateway);
        final boolean keptMatches = kept != null && (gateway == 0 || Ipv4Address.format(gateway).equals(kept.get("gateway")));
        if (!activeMatches && !(persistentToo && keptMatches))
        {
            throw new RouteException("not in table", false);
        }
        if (activeMatches)
        {
            deleteRouteActive(prefix);
        }
        if (persistentToo)
        {
            if (!keptMatches)
            {
                throw new RouteException("not in file", true);
            }
            persist(() -> persistent.remove(key("route", prefix.toString())), () -> { });
        }
    }

    private void deleteRouteActive(final Prefix prefix)
    {
        final StaticRoute route = routes.remove(prefix);
        if (route == null)
        {
            return;
        }
        final Address via = addressFor(route.gateway());
        if (via != null)
        {
            onDatapath(via.sw(), () -> router.removeRoute(prefix.prefix(), prefix.length()));
        }
    }

    /**
     * {@code route get DEST}: the route the router would use.
     *
     * @return rows of name and value: destination, mask, gateway (if any), interface, flags, mtu; none if no route.
     */
    public synchronized Table getRoute(final int destination)
    {
        final List<List<String>> rows = new ArrayList<>();
        if (addresses.isEmpty())
        {
            return new Table(List.of("FIELD", "VALUE"), rows);
        }
        final VirtualSwitch sw = addresses.values().iterator().next().sw();
        onDatapath(sw, () -> router.route(destination, (prefix, length, kind, iface, gateway, use) ->
        {
            rows.add(List.of("destination", length == 0 ? "default" : Ipv4Address.format(prefix)));
            rows.add(List.of("mask", length == 0 ? "default" : Ipv4Address.format(mask(length))));
            if (kind == Router.GATEWAY)
            {
                rows.add(List.of("gateway", Ipv4Address.format(gateway)));
            }
            rows.add(List.of("interface", iface.name()));
            rows.add(List.of("flags", "<UP" + (kind == Router.GATEWAY ? ",GATEWAY" : "") +
                (length == 32 ? ",HOST" : "") + ",DONE" + (kind == Router.GATEWAY ? ",STATIC" : "") + ">"));
            rows.add(List.of("mtu", Integer.toString(iface.mtu())));
        }));
        return new Table(List.of("FIELD", "VALUE"), rows);
    }

    /** The table as {@code netstat -rn} prints it: Destination Gateway Flags Ref Use Interface. */
    public synchronized Table showRoutes()
    {
        final List<List<String>> rows = new ArrayList<>();
        if (!addresses.isEmpty())
        {
            final Map<Prefix, List<String>> sorted = new TreeMap<>();
            onDatapath(addresses.values().iterator().next().sw(), () ->
                router.routes((prefix, length, kind, iface, gateway, use) ->
                {
                    final String destination = length == 32 ? Ipv4Address.format(prefix) :
                        length == 0 ? "default" : Ipv4Address.format(prefix);
                    final String via = kind == Router.GATEWAY ? Ipv4Address.format(gateway) :
                        Ipv4Address.format(iface.address());
                    final String flags = "U" + (kind == Router.GATEWAY ? "G" : "") + (length == 32 ? "H" : "");
                    sorted.put(new Prefix(prefix, length), List.of(destination, via, flags, "1", Long.toString(use),
                        iface.name(), Integer.toString(length)));
                }));
            rows.addAll(sorted.values());
        }
        return new Table(List.of("DESTINATION", "GATEWAY", "FLAGS", "REF", "USE", "INTERFACE", "PREFIXLEN"), rows);
    }

    /** {@code route -p show}: the persistent routes, as route(1M) would write them. */
    public synchronized Table showPersistentRoutes()
    {
        final List<List<String>> rows = new ArrayList<>();
        for (final ConfigEntry entry : persistent.values())
        {
            if (entry.kind().equals("route"))
            {
                final boolean host = "yes".equals(entry.get("host"));
                final String destination = host ? entry.name().replace("/32", "") : entry.name();
                rows.add(List.of((host ? "-host " : "-net ") + destination + " " + entry.get("gateway")));
            }
        }
        return new Table(List.of("ROUTE"), rows);
    }

    // ---------------------------------------------------------------------------------------------------------
    // routeadm
    // ---------------------------------------------------------------------------------------------------------

    /**
     * {@code routeadm [-e|-d ipv4-forwarding] [-u]}.
     *
     * @param enable  true for {@code -e}, false for {@code -d}, null for neither.
     * @param update  {@code -u}: apply the configuration to the running router.
     */
    public synchronized void routeadm(final Boolean enable, final boolean update)
    {
        if (enable != null && enable != forwardingConfigured)
        {
            final boolean before = forwardingConfigured;
            persist(() ->
            {
                forwardingConfigured = enable;
                persistent.put(key("forwarding", "ipv4"), new ConfigEntry("forwarding", "ipv4",
                    Map.of("enabled", enable ? "yes" : "no"), 0));
            }, () -> forwardingConfigured = before);
        }
        if (update)
        {
            router.forwarding(forwardingConfigured);
        }
    }

    /** OPTION PERSISTENT DEFAULT CURRENT, for routeadm's table. */
    public synchronized Table showRouteadm()
    {
        return new Table(List.of("OPTION", "PERSISTENT", "DEFAULT", "CURRENT"), List.of(
            List.of("ipv4-forwarding", forwardingConfigured ? "enabled" : "disabled", "disabled",
                router.forwarding() ? "enabled" : "disabled")));
    }

    // ---------------------------------------------------------------------------------------------------------
    // arp, counters
    // ---------------------------------------------------------------------------------------------------------

    /** The ARP tables of every interface, as {@code arp -an} prints them: DEVICE ADDRESS MASK FLAGS MAC. */
    public synchronized Table showArp()
    {
        final List<List<String>> rows = new ArrayList<>();
        for (final Address a : addresses.values())
        {
            arpRows(a.sw(), a.iface(), rows);
        }
        for (final Map.Entry<RouterInterface, VirtualSwitch> r : routedVifs.interfaces().entrySet())
        {
            arpRows(r.getValue(), r.getKey(), rows);
        }
        return new Table(List.of("DEVICE", "ADDRESS", "MASK", "FLAGS", "MAC"), rows);
    }

    private void arpRows(final VirtualSwitch sw, final RouterInterface iface, final List<List<String>> rows)
    {
        onDatapath(sw, () -> iface.arpTable((address, mac, own, published) -> rows.add(List.of(
            iface.name(), Ipv4Address.format(address), "255.255.255.255",
            (own || published ? "S" : "") + (published ? "P" : "") + (mac == ArpCache.UNRESOLVED ? "U" : "") +
                (own ? "L" : "") + (own || published ? "A" : ""),
            mac == ArpCache.UNRESOLVED ? "" : MacAddress.format(mac)))));
    }

    /** Per interface: forwarded, ICMP errors, ARP requests, and drops by reason (nonzero), for netstat -s style. */
    public synchronized Table showStatistics()
    {
        final List<List<String>> rows = new ArrayList<>();
        for (final RouterInterface i : interfaces())
        {
            rows.add(List.of(i.name(), "forwarded", Long.toString(i.counter(RouterInterface.FORWARDED))));
            rows.add(List.of(i.name(), "icmp-errors", Long.toString(i.counter(RouterInterface.ICMP_ERRORS))));
            rows.add(List.of(i.name(), "arp-requests", Long.toString(i.counter(RouterInterface.ARP_REQUESTS))));
            rows.add(List.of(i.name(), "options-forwarded",
                Long.toString(i.counter(RouterInterface.OPTIONS_FORWARDED))));
            for (final DropReason reason : DropReason.values())
            {
                final long n = i.drops(reason);
                if (n > 0)
                {
                    rows.add(List.of(i.name(), "dropped-" + reason.label(), Long.toString(n)));
                }
            }
        }
        return new Table(List.of("INTERFACE", "COUNTER", "VALUE"), rows);
    }

    /** Interfaces and their counters, for the metrics registry (any thread). */
    public synchronized List<RouterInterface> interfaces()
    {
        final List<RouterInterface> list = new ArrayList<>();
        for (final Address a : addresses.values())
        {
            list.add(a.iface());
        }
        list.addAll(routedVifs.interfaces().keySet());
        return list;
    }

    // ---------------------------------------------------------------------------------------------------------

    /** Run a change or a read on the datapath thread that runs the router, and wait for it. */
    void onDatapath(final VirtualSwitch sw, final Runnable command)
    {
        final CompletableFuture<Void> done = sw.run(command);
        drive.run();
        try
        {
            done.get(DATAPATH_WAIT_SECONDS, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the datapath applied a change", ex);
        }
        catch (final ExecutionException ex)
        {
            throw ex.getCause() instanceof RuntimeException ? (RuntimeException)ex.getCause() :
                new IllegalStateException(ex.getCause());
        }
        catch (final TimeoutException ex)
        {
            throw new IllegalStateException("the datapath did not apply the change within " +
                DATAPATH_WAIT_SECONDS + " s");
        }
    }

    void persist(final Runnable update, final Runnable undo)
    {
        ConfigStore.change(store, persistent, update, undo);
    }

    static int mask(final int length)
    {
        return length == 0 ? 0 : -1 << (32 - length);
    }

    /**
     * @param text {@code default}, or an address with an optional {@code /length}.
     */
    public static Prefix parsePrefix(final String text)
    {
        if (text.equals("default"))
        {
            return new Prefix(0, 0);
        }
        final int slash = text.indexOf('/');
        final int address = Ipv4Address.parse(slash < 0 ? text : text.substring(0, slash));
        final int length;
        try
        {
            length = slash < 0 ? 32 : Integer.parseInt(text.substring(slash + 1));
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("bad prefix length " + text.substring(slash + 1));
        }
        if (length < 0 || length > 32)
        {
            throw new IllegalArgumentException("prefix length " + length + " out of range");
        }
        return new Prefix(address & mask(length), length);
    }

    /**
     * A route(1M) failure in its words; one about the persistent file (route -p) starts with {@link #FILE}, as route
     * reports those apart ({@code add persistent net ...: entry exists}).
     */
    public static final class RouteException extends IllegalStateException
    {
        /** The prefix of a failure about the persistent file. */
        public static final String FILE = "file: ";

        public RouteException(final String message, final boolean persistentFile)
        {
            super(persistentFile ? FILE + message : message);
        }
    }


    /** An ipadm failure, in ipadm's words. */
    public static final class IpadmException extends IllegalArgumentException
    {
        public IpadmException(final String message)
        {
            super(message);
        }
    }
}
