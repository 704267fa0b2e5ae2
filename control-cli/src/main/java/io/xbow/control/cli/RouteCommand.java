package io.xbow.control.cli;

import io.xbow.control.api.Backend;
import io.xbow.control.api.CommandFailure;
import io.xbow.control.service.RouterService;
import io.xbow.control.service.Table;
import io.xbow.packet.address.Ipv4Address;

import java.io.PrintWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code route}: the static routes of xbow's router, as illumos route(1M) takes and reports them:
 * <pre>
 *   route [-npq] add|delete [-net|-host] destination[/prefixlen] gateway [-netmask mask]
 *   route [-n] get destination
 *   route -p show          the persistent routes
 *   route show             the table, as netstat -rn prints it (xbow's addition)
 * </pre>
 * A destination without a prefix length is a host, unless {@code -net} says otherwise or its classful host part is
 * zero, and a network's mask then follows its class, as route(1M) reads it. What route prints goes to standard
 * output, failures included ({@code add net default: gateway 192.0.2.1: Network is unreachable}); a failure about
 * the persistent file goes to standard error.
 */
public final class RouteCommand
{
    private static final String USAGE = "usage: route [-npq] {add|delete} [-net|-host] destination gateway " +
        "[-netmask mask] | get destination | [-p] show";

    private final Backend backend;
    private final PrintWriter out;
    private final PrintWriter err;
    private boolean persistent;
    private boolean quiet;

    private RouteCommand(final Backend backend, final PrintWriter out, final PrintWriter err)
    {
        this.backend = backend;
        this.out = out;
        this.err = err;
    }

    /**
     * @return 0, 1 for a refused request, 2 for wrong usage.
     */
    public static int run(final Backend backend, final PrintWriter out, final PrintWriter err, final String... argv)
    {
        final RouteCommand route = new RouteCommand(backend, out, err);
        try
        {
            return route.execute(argv);
        }
        catch (final UsageException ex)
        {
            err.println("route: " + ex.getMessage());
            err.println(USAGE);
            return 2;
        }
        catch (final CommandFailure ex)
        {
            err.println(ex.getMessage().startsWith("route:") ? ex.getMessage() : "route: " + ex.getMessage());
            return ex.exitStatus();
        }
        finally
        {
            out.flush();
            err.flush();
        }
    }

    private int execute(final String[] argv)
    {
        int i = 0;
        for (; i < argv.length && argv[i].startsWith("-") && argv[i].length() > 1; i++)
        {
            for (final char c : argv[i].substring(1).toCharArray())
            {
                switch (c)
                {
                    case 'n', 'v' -> { } // addresses are always numeric; no routing socket to be verbose about
                    case 'p' -> persistent = true;
                    case 'q' -> quiet = true;
                    default -> throw new UsageException("illegal option -- " + c);
                }
            }
        }
        if (i == argv.length)
        {
            throw new UsageException("a command is needed");
        }
        final String command = argv[i];
        final List<String> args = List.of(argv).subList(i + 1, argv.length);
        switch (command)
        {
            case "add":
            case "delete":
                return change(command, args);
            case "get":
                if (args.size() != 1)
                {
                    throw new UsageException("get takes one destination");
                }
                return get(args.get(0));
            case "show":
                if (!args.isEmpty())
                {
                    throw new UsageException("invalid arguments for show");
                }
                return persistent ? showPersistent() : NetstatCommand.printRoutes(backend, out);
            case "flush":
                return flush();
            default:
                throw new UsageException(command + ": unknown command");
        }
    }

    /** A parsed destination: its prefix, whether it is a host, and the words route echoes. */
    private record Destination(int prefix, int length, boolean host, String typed)
    {
    }

    private int change(final String command, final List<String> args)
    {
        Boolean host = null;
        String destination = null;
        String gateway = null;
        String netmask = null;
        for (int i = 0; i < args.size(); i++)
        {
            final String word = args.get(i);
            switch (word)
            {
                case "-net", "net" -> host = setOnce(host, false);
                case "-host", "host" -> host = setOnce(host, true);
                case "-netmask" ->
                {
                    if (++i == args.size())
                    {
                        throw new UsageException("-netmask: missing argument");
                    }
                    netmask = args.get(i);
                }
                case "-gateway" ->
                {
                    if (++i == args.size())
                    {
                        throw new UsageException("-gateway: missing argument");
                    }
                    gateway = args.get(i);
                }
                default ->
                {
                    if (word.startsWith("-"))
                    {
                        throw new UsageException(word.substring(1) + ": unsupported keyword (xbow's router takes " +
                            "-net, -host, -netmask and -gateway)");
                    }
                    if (destination == null)
                    {
                        destination = word;
                    }
                    else if (gateway == null)
                    {
                        gateway = word;
                    }
                    else if (netmask == null && !word.matches("[0-9]+"))
                    {
                        netmask = word; // the old trailing-mask form
                    }
                    // a trailing number is the old metric: ignored, as route(1M) ignores it
                }
            }
        }
        if (destination == null)
        {
            throw new UsageException("destination required");
        }
        if (gateway == null)
        {
            throw new UsageException("gateway required for add or delete command");
        }
        final Destination dest = destination(destination, host, netmask);
        final int gw = address(gateway);
        final String summary = command + " " + (dest.host() ? "host" : "net") + " " + dest.typed() + ": gateway " +
            gateway;
        final Map<String, Object> request = new HashMap<>();
        request.put("prefix", Ipv4Address.format(dest.prefix()));
        request.put("length", dest.length());
        request.put("gateway", Ipv4Address.format(gw));
        request.put("host", dest.host());
        request.put("persistent", persistent);
        try
        {
            backend.call(command.equals("add") ? "route-add" : "route-delete", request);
        }
        catch (final CommandFailure ex)
        {
            final String message = ex.getMessage();
            if (message.startsWith(RouterService.RouteException.FILE))
            {
                if (!quiet)
                {
                    out.println(summary); // the running table took it; the file did not
                }
                out.flush();
                err.println(command + " persistent " + (dest.host() ? "host" : "net") + " " + dest.typed() +
                    ": gateway " + gateway + ": " + message.substring(RouterService.RouteException.FILE.length()));
                return 1;
            }
            if (message.equals("entry exists") || message.equals("not in table") ||
                message.equals("Network is unreachable"))
            {
                out.println(summary + ": " + message);
                return 1;
            }
            throw ex;
        }
        if (!quiet)
        {
            out.println(summary);
            if (persistent)
            {
                out.println(command + " persistent " + (dest.host() ? "host" : "net") + " " + dest.typed() +
                    ": gateway " + gateway);
            }
        }
        return 0;
    }

    private static Boolean setOnce(final Boolean host, final boolean value)
    {
        if (host != null && host != value)
        {
            throw new UsageException("-host and -net are mutually exclusive");
        }
        return value;
    }

    /** As route(1M) reads a destination: default, ADDR/LEN, or an address made a host or a (classful) network. */
    private static Destination destination(final String text, final Boolean host, final String netmask)
    {
        if (text.equals("default"))
        {
            if (Boolean.TRUE.equals(host))
            {
                throw new UsageException("default: bad value");
            }
            return new Destination(0, 0, false, text);
        }
        final int slash = text.indexOf('/');
        final int address = address(slash < 0 ? text : text.substring(0, slash));
        int length;
        if (slash >= 0)
        {
            final String digits = text.substring(slash + 1);
            if (!digits.matches("[0-9]{1,2}"))
            {
                throw new UsageException("bad prefix length " + digits);
            }
            length = Integer.parseInt(digits);
            if (length > 32)
            {
                throw new UsageException("prefix length " + digits + " out of range");
            }
        }
        else if (netmask != null)
        {
            length = maskLength(netmask);
        }
        else if (Boolean.TRUE.equals(host))
        {
            length = 32;
        }
        else if (Boolean.FALSE.equals(host) || classfulHostPart(address) == 0)
        {
            length = classfulLength(address);
        }
        else
        {
            length = 32;
        }
        final boolean isHost = !Boolean.FALSE.equals(host) && length == 32;
        return new Destination(address & (length == 0 ? 0 : -1 << (32 - length)), length, isHost, text);
    }

    /** inet_lnaof: the host part of an address by its class. */
    private static int classfulHostPart(final int address)
    {
        final int first = address >>> 24;
        return first < 128 ? address & 0xFFFFFF : first < 192 ? address & 0xFFFF : address & 0xFF;
    }

    /** inet_makenetandmask: a network's mask from its trailing zero octets, else from its class. */
    private static int classfulLength(final int address)
    {
        if (address == 0)
        {
            return 0;
        }
        final int first = address >>> 24;
        if (first >= 240)
        {
            return 32; // class E
        }
        if ((address & 0xFFFFFF) == 0)
        {
            return 8;
        }
        if ((address & 0xFFFF) == 0)
        {
            return 16;
        }
        if ((address & 0xFF) == 0)
        {
            return 24;
        }
        return first < 128 ? 8 : first < 192 ? 16 : 24;
    }

    private static int maskLength(final String text)
    {
        final int mask = address(text);
        final int length = Integer.bitCount(mask);
        if (mask != (length == 0 ? 0 : -1 << (32 - length)))
        {
            throw new UsageException(text + ": bad value (a netmask is contiguous ones)");
        }
        return length;
    }

    private static int address(final String text)
    {
        try
        {
            return Ipv4Address.parse(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UsageException(text + ": bad value");
        }
    }

    private int get(final String destination)
    {
        final int address = destination.equals("default") ? 0 : address(destination);
        final Table table = backend.call("route-get", Map.of("destination", Ipv4Address.format(address)));
        if (table.rows().isEmpty())
        {
            out.println(destination + ": not in table");
            return 1;
        }
        final Map<String, String> fields = new HashMap<>();
        for (final List<String> row : table.rows())
        {
            fields.put(row.get(0), row.get(1));
        }
        out.println("   route to: " + (address == 0 ? "default" : Ipv4Address.format(address)));
        out.println("destination: " + fields.get("destination"));
        out.println("       mask: " + fields.get("mask"));
        if (fields.containsKey("gateway"))
        {
            out.println("    gateway: " + fields.get("gateway"));
        }
        out.println("  interface: " + fields.get("interface"));
        out.println("      flags: " + fields.get("flags"));
        out.println(" recvpipe  sendpipe  ssthresh    rtt,ms rttvar,ms  hopcount      mtu     expire");
        final StringBuilder metrics = new StringBuilder();
        for (int i = 0; i < 8; i++)
        {
            metrics.append(String.format("%8d%c", i == 6 ? Integer.parseInt(fields.get("mtu")) : 0, ' '));
            if (i < 7)
            {
                metrics.append(' ');
            }
        }
        out.println(metrics);
        return 0;
    }

    private int showPersistent()
    {
        final Table table = backend.call("route-show-persistent", Map.of());
        if (table.rows().isEmpty())
        {
            out.println("No persistent routes are defined");
            return 0;
        }
        for (final List<String> row : table.rows())
        {
            out.println("persistent: route add " + row.get(0));
        }
        return 0;
    }

    /** route flush: every gateway route of the running table goes (the subnets stay, as on illumos). */
    private int flush()
    {
        final Table table = backend.call("route-show", Map.of());
        for (final List<String> row : table.rows())
        {
            if (!row.get(2).contains("G"))
            {
                continue;
            }
            final Map<String, Object> request = new HashMap<>();
            request.put("prefix", row.get(0).equals("default") ? "0.0.0.0" : row.get(0));
            request.put("length", Integer.parseInt(row.get(6)));
            request.put("gateway", row.get(1));
            request.put("persistent", false);
            backend.call("route-delete", request);
            if (!quiet)
            {
                out.printf("%-20.20s %-20.20s done%n", row.get(0), row.get(1));
            }
        }
        return 0;
    }
}
