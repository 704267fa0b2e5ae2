package io.xbow.control.cli;

import io.xbow.control.api.Backend;
import io.xbow.control.api.CommandFailure;
import io.xbow.control.service.Table;

import java.io.PrintWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code routeadm}: IPv4 forwarding of xbow's router, as illumos routeadm(1M) sets it: {@code -e|-d
 * ipv4-forwarding} changes the configuration (persistent), {@code -r} reverts it to the default (disabled), {@code -u}
 * applies it to the running router; alone, the table of both, {@code -p} parseable. The other options illumos knows
 * (IPv6, routing daemons) are refused by name: xbow's router forwards IPv4 and runs no routing protocol.
 */
public final class RouteadmCommand
{
    private static final String USAGE = "usage: routeadm [-p] | [-e|-d|-r ipv4-forwarding] ... [-u]";

    private RouteadmCommand()
    {
    }

    public static int run(final Backend backend, final PrintWriter out, final PrintWriter err, final String... argv)
    {
        try
        {
            String setting = null;
            boolean update = false;
            boolean parsable = false;
            for (int i = 0; i < argv.length; i++)
            {
                final String word = argv[i];
                switch (word)
                {
                    case "-e", "-d", "-r" ->
                    {
                        if (++i == argv.length)
                        {
                            throw new UsageException("option requires an argument -- " + word.charAt(1));
                        }
                        final String option = argv[i];
                        if (!option.equals("ipv4-forwarding"))
                        {
                            if (List.of("ipv6-forwarding", "ipv4-routing", "ipv6-routing").contains(option))
                            {
                                throw new CommandFailure("routeadm: " + option + ": not supported by xbow's " +
                                    "router (it forwards IPv4 and runs no routing daemon)", 1);
                            }
                            throw new CommandFailure("routeadm: invalid option: " + option, 1);
                        }
                        setting = word.equals("-e") ? "enabled" : "disabled";
                    }
                    case "-u" -> update = true;
                    case "-p" -> parsable = true;
                    default -> throw new UsageException("illegal option " + word);
                }
            }
            if (parsable && (setting != null || update))
            {
                throw new UsageException("-p cannot be combined with -e, -d, -r or -u");
            }
            if (setting != null || update)
            {
                final Map<String, Object> args = new HashMap<>();
                args.put("forwarding", setting);
                args.put("update", update);
                backend.call("routeadm", args);
                return 0;
            }
            final Table table = backend.call("routeadm-show", Map.of());
            final List<String> v4 = table.rows().get(0);
            if (parsable)
            {
                out.println("ipv4-forwarding persistent=" + v4.get(1) + " default=" + v4.get(2) + " current=" +
                    v4.get(3));
                return 0;
            }
            out.print("              Configuration   Current              Current\n" +
                "                     Option   Configuration        System State\n" +
                "---------------------------------------------------------------\n");
            out.printf("%27s   %-21s%s%n", "IPv4 routing", "disabled", "disabled");
            out.printf("%27s   %-21s%s%n", "IPv6 routing", "disabled", "disabled");
            out.printf("%27s   %-21s%s%n", "IPv4 forwarding", v4.get(1), v4.get(3));
            out.printf("%27s   %-21s%s%n", "IPv6 forwarding", "disabled", "disabled");
            return 0;
        }
        catch (final UsageException ex)
        {
            err.println("routeadm: " + ex.getMessage());
            err.println(USAGE);
            return 2;
        }
        catch (final CommandFailure ex)
        {
            err.println(ex.getMessage().startsWith("routeadm:") ? ex.getMessage() : "routeadm: " + ex.getMessage());
            return ex.exitStatus();
        }
        finally
        {
            out.flush();
            err.flush();
        }
    }
}
