package io.xbow.control.cli;

import io.xbow.control.api.Backend;
import io.xbow.control.api.CommandFailure;
import io.xbow.control.service.Table;
import io.xbow.packet.address.Ipv4Address;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;

/**
 * {@code netstat -rn} and {@code netstat -pn} for xbow's router, printed as illumos netstat prints its own: the
 * routing table ({@code Routing Table: IPv4}) and the ARP table ({@code Net to Media Table: IPv4}); and {@code arp},
 * which on illumos is the same table ({@code arp -a}) or one entry ({@code arp ADDRESS}).
 */
public final class NetstatCommand
{
    private NetstatCommand()
    {
    }

    /**
     * {@code netstat [-n] [-f inet] -r|-p}.
     *
     * @return 0, 1 for a refused request, 2 for wrong usage.
     */
    public static int run(final Backend backend, final PrintWriter out, final PrintWriter err, final String... argv)
    {
        boolean routes = false;
        boolean arp = false;
        boolean statistics = false;
        try
        {
            for (int i = 0; i < argv.length; i++)
            {
                final String word = argv[i];
                if (!word.startsWith("-") || word.length() < 2)
                {
                    throw new UsageException("extra arguments");
                }
                for (int c = 1; c < word.length(); c++)
                {
                    switch (word.charAt(c))
                    {
                        case 'r' -> routes = true;
                        case 'p' -> arp = true;
                        case 's' -> statistics = true;
                        case 'n', 'a' -> { } // numeric always; every route is shown
                        case 'f' ->
                        {
                            final String family = c + 1 < word.length() ? word.substring(c + 1) :
                                ++i < argv.length ? argv[i] : null;
                            if (!"inet".equals(family))
                            {
                                throw new UsageException((family == null ? "-f" : family) +
                                    ": xbow's router has the inet family only");
                            }
                            c = word.length();
                        }
                        default -> throw new UsageException("illegal option -- " + word.charAt(c) +
                            " (xbow's netstat shows -r, the routing table, -p, the ARP table, and -s, the router's counters)");
                    }
                }
            }
            if (!routes && !arp && !statistics)
            {
                throw new UsageException("-r, -p or -s is needed: xbow's netstat shows the router's tables");
            }
            if (statistics)
            {
                printStatistics(backend.call("statistics", Map.of()), out);
            }
            if (routes)
            {
                printRoutes(backend, out);
            }
            if (arp)
            {
                printArp(backend.call("arp-show", Map.of()), out);
            }
            return 0;
        }
        catch (final UsageException ex)
        {
            err.println("netstat: " + ex.getMessage());
            err.println("usage: netstat -r [-n] [-f inet] | -p [-n] | -s");
            return 2;
        }
        catch (final CommandFailure ex)
        {
            err.println("netstat: " + ex.getMessage());
            return ex.exitStatus();
        }
        finally
        {
            out.flush();
            err.flush();
        }
    }

    /** The routing table as netstat -rn prints it; nothing when there are no routes. */
    static int printRoutes(final Backend backend, final PrintWriter out)
    {
        final Table table = backend.call("route-show", Map.of());
        if (table.rows().isEmpty())
        {
            return 0;
        }
        out.print("\nRouting Table: IPv4\n");
        out.print("  Destination           Gateway           Flags  Ref     Use     Interface \n");
        out.print("-------------------- -------------------- ----- ----- ---------- --------- \n");
        for (final List<String> row : table.rows())
        {
            out.printf("%-20s %-20s %-5s  %4d %10d %-9s %n", row.get(0), row.get(1), row.get(2),
                Long.parseLong(row.get(3)), Long.parseLong(row.get(4)), row.get(5));
        }
        return 0;
    }

    /**
     * The router's counters per interface: forwarded, ICMP errors and ARP requests sent, options forwarded, and
     * drops by reason (those that happened). Not illumos's MIB layout: xbow's router keeps different counters.
     */
    static void printStatistics(final Table table, final PrintWriter out)
    {
        String current = null;
        for (final List<String> row : table.rows())
        {
            if (!row.get(0).equals(current))
            {
                current = row.get(0);
                out.println("\nRouter interface " + current);
            }
            out.printf("        %-28s = %12s%n", row.get(1), row.get(2));
        }
    }

    static void printArp(final Table table, final PrintWriter out)
    {
        if (table.rows().isEmpty())
        {
            return;
        }
        out.println("Net to Media Table: IPv4");
        out.println("Device   IP Address               Mask      Flags      Phys Addr");
        out.println("------ -------------------- --------------- -------- ---------------");
        for (final List<String> row : table.rows())
        {
            out.printf("%-6s %-20s %-15s %-8s %s%n", row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
        }
    }

    /**
     * {@code arp -a}, {@code arp -an}: the table; {@code arp [-n] ADDRESS}: one entry.
     *
     * @return 0, 1 for no such entry, 2 for wrong usage.
     */
    public static int arp(final Backend backend, final PrintWriter out, final PrintWriter err, final String... argv)
    {
        try
        {
            boolean all = false;
            String address = null;
            for (final String word : argv)
            {
                if (word.startsWith("-") && word.length() > 1)
                {
                    for (final char c : word.substring(1).toCharArray())
                    {
                        switch (c)
                        {
                            case 'a' -> all = true;
                            case 'n' -> { }
                            default -> throw new UsageException("illegal option -- " + c + " (xbow's arp shows " +
                                "entries: arp -a, arp ADDRESS; the router learns and publishes them itself)");
                        }
                    }
                }
                else if (address == null)
                {
                    address = word;
                }
                else
                {
                    throw new UsageException("extra arguments");
                }
            }
            if (all == (address != null))
            {
                throw new UsageException(all ? "-a takes no address" : "an address or -a is needed");
            }
            final Table table = backend.call("arp-show", Map.of());
            if (all)
            {
                printArp(table, out);
                return 0;
            }
            final String ip;
            try
            {
                ip = Ipv4Address.format(Ipv4Address.parse(address));
            }
            catch (final IllegalArgumentException ex)
            {
                err.println("arp: " + address + ": unknown host");
                return 1;
            }
            for (final List<String> row : table.rows())
            {
                if (row.get(1).equals(ip))
                {
                    final String flags = row.get(3);
                    out.println(ip + " (" + ip + ") at " + (row.get(4).isEmpty() ? "(incomplete)" : row.get(4)) +
                        (flags.contains("S") ? " permanent" : "") + (flags.contains("P") ? " published" : ""));
                    return 0;
                }
            }
            out.println(ip + " (" + ip + ") -- no entry");
            return 1;
        }
        catch (final UsageException ex)
        {
            err.println("arp: " + ex.getMessage());
            err.println("usage: arp -a [-n] | arp [-n] address");
            return 2;
        }
        catch (final CommandFailure ex)
        {
            err.println("arp: " + ex.getMessage());
            return ex.exitStatus();
        }
        finally
        {
            out.flush();
            err.flush();
        }
    }
}
