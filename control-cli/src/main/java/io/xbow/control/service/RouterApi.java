package io.xbow.control.service;

import io.xbow.packet.address.Ipv4Address;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The router's commands as the API serves them ({@code /v1/router/{command}}): ipadm's, route's, routeadm's and
 * the show commands of arp and netstat, mapped to {@link RouterService}.
 */
public final class RouterApi implements CommandApi
{
    /** The commands the API serves. */
    public static final Set<String> COMMANDS = Set.of("create-addr", "delete-addr", "show-addr", "show-if",
        "route-add", "route-delete", "route-get", "route-show", "route-show-persistent", "routeadm",
        "routeadm-show", "arp-show", "statistics", "create-pool", "delete-pool", "add-host", "remove-host",
        "show-pool", "show-lease", "ipnat-load", "ipnat-flush-rules", "ipnat-flush-translations", "ipnat-list",
        "ipnat-stats");

    private final RouterService service;

    public RouterApi(final RouterService service)
    {
        this.service = service;
    }

    @Override
    public Table call(final String command, final Map<String, Object> args)
    {
        final ApiArgs a = new ApiArgs(args);
        switch (command)
        {
            case "create-addr":
                service.createAddr(a.required("addrobj"), a.required("address"), a.flag("temporary"));
                return null;
            case "delete-addr":
                service.deleteAddr(a.required("addrobj"));
                return null;
            case "show-addr":
                return service.showAddr(a.string("addrobj"));
            case "show-if":
                return service.showIf(a.string("ifname"));
            case "route-add":
                service.addRoute(prefix(a), Ipv4Address.parse(a.required("gateway")), a.flag("host"),
                    a.flag("persistent"));
                return null;
            case "route-delete":
                service.deleteRoute(prefix(a), a.string("gateway") == null ? 0 : Ipv4Address.parse(a.string("gateway")),
                    a.flag("persistent"));
                return null;
            case "route-get":
                return service.getRoute(Ipv4Address.parse(a.required("destination")));
            case "route-show":
                return service.showRoutes();
            case "route-show-persistent":
                return service.showPersistentRoutes();
            case "routeadm":
                service.routeadm(a.string("forwarding") == null ? null : parseSetting(a.string("forwarding")),
                    a.flag("update"));
                return null;
            case "routeadm-show":
                return service.showRouteadm();
            case "arp-show":
                return service.showArp();
            case "statistics":
                return service.showStatistics();
            case "create-pool":
                service.dhcp().createPool(a.required("addrobj"), a.map("properties"), a.flag("temporary"));
                return null;
            case "delete-pool":
                service.dhcp().deletePool(a.required("addrobj"));
                return null;
            case "add-host":
                service.dhcp().addHost(a.required("addrobj"), a.required("mac"), a.required("address"), a.flag("temporary"));
                return null;
            case "remove-host":
                service.dhcp().removeHost(a.required("addrobj"), a.required("mac"));
                return null;
            case "show-pool":
                return service.dhcp().showPools();
            case "show-lease":
                return service.dhcp().showLeases(a.string("addrobj"));
            case "ipnat-load":
            {
                final List<String> rules = service.nat().load(a.required("text"), a.required("source"),
                    a.flag("remove"), a.flag("parseOnly"));
                return new Table(List.of("RULE"), rules.stream().map(List::of).toList());
            }
            case "ipnat-flush-rules":
                return new Table(List.of("COUNT"), List.of(List.of(Integer.toString(service.nat().flushRules()))));
            case "ipnat-flush-translations":
                return new Table(List.of("COUNT"),
                    List.of(List.of(Integer.toString(service.nat().flushTranslations()))));
            case "ipnat-list":
                return service.nat().list();
            case "ipnat-stats":
                return service.nat().statistics();
            default:
                throw new UnknownCommandException(command);
        }
    }

    private static RouterService.Prefix prefix(final ApiArgs a)
    {
        final int length = a.requiredInteger("length");
        if (length < 0 || length > 32)
        {
            throw new IllegalArgumentException("prefix length " + length + " out of range");
        }
        return new RouterService.Prefix(Ipv4Address.parse(a.required("prefix")) & RouterService.mask(length), length);
    }

    private static boolean parseSetting(final String value)
    {
        if (!List.of("enabled", "disabled").contains(value))
        {
            throw new IllegalArgumentException("forwarding: enabled or disabled, not " + value);
        }
        return value.equals("enabled");
    }
}
