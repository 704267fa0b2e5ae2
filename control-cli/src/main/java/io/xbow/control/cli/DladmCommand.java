package io.xbow.control.cli;

import io.xbow.control.api.Backend;
import io.xbow.control.api.CommandFailure;
import io.xbow.control.service.Table;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code dladm}: the Crossbow link commands, with dladm's syntax, option letters, columns and parsable output.
 * With no subcommand it is {@code show-link}, as dladm is.
 */
@Command(name = "dladm", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = "Administer data links: physical links, etherstubs, VNICs, VLAN links and their properties.",
    synopsisSubcommandLabel = "<subcommand>")
public final class DladmCommand implements Callable<Integer>
{
    private final Backend backend;
    private final PrintWriter out;

    /**
     * @param backend where requests go.
     * @param out     standard output.
     */
    public DladmCommand(final Backend backend, final PrintWriter out)
    {
        this.backend = backend;
        this.out = out;
    }

    @Override
    public Integer call()
    {
        return showLink(false, false, null, false, null, null);
    }

    @Command(name = "show-link", description = "Show data links, or their statistics with -s.")
    int showLink(
        @Option(names = {"-P", "--persistent"}, description = "Show the persistent configuration.") final boolean persistent,
        @Option(names = {"-s", "--statistics"}, description = "Show statistics.") final boolean statistics,
        @Option(names = {"-i", "--interval"}, paramLabel = "INTERVAL", description = "Repeat every INTERVAL seconds (with -s).") final Integer interval,
        @Option(names = {"-p", "--parsable", "--parseable"}, description = "Machine-readable output; needs -o.") final boolean parsable,
        @Option(names = {"-o", "--output"}, paramLabel = "FIELD,...", description = "Fields to show, or all.") final String output,
        @Parameters(arity = "0..1", paramLabel = "link") final String link)
    {
        if (interval != null && !statistics)
        {
            throw new UsageException("-i requires -s");
        }
        if (persistent && statistics)
        {
            throw new UsageException("the option -P cannot be used with -s"); // statistics are the active link's
        }
        final Map<String, Object> args = args("link", link, "statistics", statistics, "persistent", persistent);
        final List<Ofmt.Field> fields = statistics ? DladmFields.SHOW_LINK_STATS :
            persistent ? DladmFields.SHOW_LINK_PERSISTENT : DladmFields.SHOW_LINK;
        return repeat(interval, () -> print(backend.call("show-link", args), fields, output, parsable));
    }

    @Command(name = "show-phys", description = "Show physical links, their MAC addresses (-m), or their persistent " +
        "configuration (-P).")
    int showPhys(
        @Option(names = {"-P", "--persistent"}) final boolean persistent,
        @Option(names = {"-m", "--mac"}) final boolean macs,
        @Option(names = {"-p", "--parsable", "--parseable"}) final boolean parsable,
        @Option(names = {"-o", "--output"}, paramLabel = "FIELD,...") final String output,
        @Parameters(arity = "0..1", paramLabel = "phys-link") final String link)
    {
        if (macs && persistent)
        {
            throw new UsageException("-m cannot combine with -P");
        }
        final Table table = backend.call("show-phys", args("link", link, "persistent", persistent, "macs", macs));
        if (macs || persistent)
        {
            print(table, macs ? DladmFields.SHOW_PHYS_MACS : DladmFields.SHOW_PHYS_PERSISTENT, output, parsable);
        }
        else
        {
            print(table, DladmFields.SHOW_PHYS, output, parsable, DladmFields.SHOW_PHYS_DEFAULTS);
        }
        return 0;
    }

    @Command(name = "create-vnic", description = "Create a VNIC over a physical link or an etherstub.")
    int createVnic(
        @Option(names = {"-t", "--temporary"}, description = "Do not persist.") final boolean temporary,
        @Option(names = {"-l", "--link"}, required = true, paramLabel = "link") final String over,
        @Option(names = {"-m", "--mac-address"}, paramLabel = "value",
            description = "A MAC address, or auto, random, factory.") final String mac,
        @Option(names = {"-r", "--mac-prefix"}, paramLabel = "prefix") final String prefix,
        @Option(names = {"-n", "--slot"}, paramLabel = "slot") final Integer slot,
        @Option(names = {"-v", "--vlan-id", "--vid"}, paramLabel = "vid") final Integer vid,
        @Option(names = {"-f", "--forcible", "--force"}) final boolean force,
        @Option(names = {"-p", "--prop"}, paramLabel = "prop=value[,...]") final List<String> properties,
        @Parameters(paramLabel = "vnic-link") final String name)
    {
        if (force && vid == null)
        {
            throw new UsageException("-f requires -v");
        }
        final Map<String, Object> args = args("link", name, "over", over, "mac", mac, "prefix", prefix, "slot", slot,
            "vid", vid, "temporary", temporary);
        args.put("properties", PropertyList.parse(properties == null ? List.of() : properties));
        backend.call("create-vnic", args);
        return 0;
    }

    @Command(name = "delete-vnic", description = "Delete a VNIC.")
    int deleteVnic(
        @Option(names = {"-t", "--temporary"}) final boolean temporary,
        @Parameters(paramLabel = "vnic-link") final String name)
    {
        backend.call("delete-vnic", args("link", name, "temporary", temporary));
        return 0;
    }

    @Command(name = "modify-vnic", description = "Change a VNIC's MAC address or VLAN id.")
    int modifyVnic(
        @Option(names = {"-t", "--temporary"}) final boolean temporary,
        @Option(names = {"-m", "--mac-address"}, paramLabel = "value") final String mac,
        @Option(names = {"-v", "--vlan-id", "--vid"}, paramLabel = "vid") final Integer vid,
        @Parameters(paramLabel = "vnic-link") final String name)
    {
        if (mac == null && vid == null)
        {
            throw new UsageException("modify-vnic needs -m or -v");
        }
        backend.call("modify-vnic", args("link", name, "mac", mac, "vid", vid, "temporary", temporary));
        return 0;
    }

    @Command(name = "show-vnic", description = "Show VNICs, or their statistics with -s.")
    int showVnic(
        @Option(names = {"-P", "--persistent"}) final boolean persistent,
        @Option(names = {"-p", "--parsable", "--parseable"}) final boolean parsable,
        @Option(names = {"-o", "--output"}, paramLabel = "FIELD,...") final String output,
        @Option(names = {"-s", "--statistics"}) final boolean statistics,
        @Option(names = {"-i", "--interval"}, paramLabel = "INTERVAL") final Integer interval,
        @Option(names = {"-l", "--link"}, paramLabel = "link") final String over,
        @Parameters(arity = "0..1", paramLabel = "vnic-link") final String name)
    {
        if (interval != null && !statistics)
        {
            throw new UsageException("-i requires -s");
        }
        if (persistent && statistics)
        {
            throw new UsageException("the option -P cannot be used with -s");
        }
        final Map<String, Object> args = args("link", name, "over", over, "statistics", statistics, "persistent",
            persistent);
        if (!statistics)
        {
            print(backend.call("show-vnic", args), DladmFields.SHOW_VNIC, output, parsable);
            return 0;
        }
        final Map<String, long[]> previous = new LinkedHashMap<>();
        return repeat(interval, () -> printVnicStats(backend.call("show-vnic", args), name != null || over != null,
            over, previous));
    }

    /**
     * dladm's show-vnic -s layout: a tab-separated header (with the link's name and percentage columns when -l is
     * given), a Total row first when a VNIC or link is named, then per VNIC the change since the previous sample
     * and its share of the total.
     */
    private void printVnicStats(final Table table, final boolean named, final String over,
        final Map<String, long[]> previous)
    {
        final long[] total = new long[4];
        final Map<String, long[]> deltas = new LinkedHashMap<>();
        for (final List<String> row : table.rows())
        {
            final long[] now = new long[4];
            for (int i = 0; i < 4; i++)
            {
                now[i] = Long.parseLong(row.get(i + 1));
            }
            final long[] before = previous.getOrDefault(row.get(0), new long[4]);
            final long[] delta = new long[4];
            for (int i = 0; i < 4; i++)
            {
                delta[i] = Math.max(0, now[i] - before[i]);
                total[i] += delta[i];
            }
            previous.put(row.get(0), now);
            deltas.put(row.get(0), delta);
        }
        out.print((over == null ? "" : over) + "\tipackets  rbytes      opackets  obytes          ");
        out.print(over == null ? "\n" : "%ipkts  %opkts\n");
        if (named)
        {
            out.print(vnicStatsRow("Total", total, null));
        }
        for (final Map.Entry<String, long[]> delta : deltas.entrySet())
        {
            out.print(vnicStatsRow(delta.getKey(), delta.getValue(), total));
        }
        out.flush();
    }

    private static String vnicStatsRow(final String name, final long[] stats, final long[] total)
    {
        final StringBuilder sb = new StringBuilder(name)
            .append(String.format(Locale.ROOT, "\t%-10d%-12d%-10d%-12d", stats[0], stats[1], stats[2], stats[3]));
        if (total != null)
        {
            sb.append(total[0] == 0 ? "\t-" : String.format(Locale.ROOT, "\t%-6.1f", 100.0 * stats[0] / total[0]));
            sb.append(total[2] == 0 ? "\t-" : String.format(Locale.ROOT, "\t%-6.1f", 100.0 * stats[2] / total[2]));
        }
        return sb.append('\n').toString();
    }

    @Command(name = "create-etherstub", description = "Create an etherstub: a virtual switch with no physical link.")
    int createEtherstub(
        @Option(names = {"-t", "--temporary"}) final boolean temporary,
        @Parameters(paramLabel = "etherstub") final String name)
    {
        backend.call("create-etherstub", args("link", name, "temporary", temporary));
        return 0;
    }

    @Command(name = "delete-etherstub", description = "Delete an etherstub.")
    int deleteEtherstub(
        @Option(names = {"-t", "--temporary"}) final boolean temporary,
        @Parameters(paramLabel = "etherstub") final String name)
    {
        backend.call("delete-etherstub", args("link", name, "temporary", temporary));
        return 0;
    }

    @Command(name = "show-etherstub", description = "Show etherstubs.")
    int showEtherstub(
        @Option(names = {"-p", "--parsable", "--parseable"}) final boolean parsable,
        @Option(names = {"-o", "--output"}, paramLabel = "FIELD,...") final String output,
        @Parameters(arity = "0..1", paramLabel = "etherstub") final String name)
    {
        print(backend.call("show-etherstub", args("link", name)), DladmFields.SHOW_ETHERSTUB, output, parsable);
        return 0;
    }

    @Command(name = "create-vlan", description = "Create a VLAN link over a physical link.")
    int createVlan(
        @Option(names = {"-t", "--temporary"}) final boolean temporary,
        @Option(names = {"-f", "--forcible", "--force"}) final boolean force,
        @Option(names = {"-l", "--link"}, required = true, paramLabel = "ether-link") final String over,
        @Option(names = {"-v", "--vlan-id", "--vid"}, required = true, paramLabel = "vid") final int vid,
        @Parameters(arity = "0..1", paramLabel = "vlan-link") final String name)
    {
        backend.call("create-vlan", args("over", over, "vid", vid, "link", name, "temporary", temporary));
        return 0;
    }

    @Command(name = "delete-vlan", description = "Delete a VLAN link.")
    int deleteVlan(
        @Option(names = {"-t", "--temporary"}) final boolean temporary,
        @Parameters(paramLabel = "vlan-link") final String name)
    {
        backend.call("delete-vlan", args("link", name, "temporary", temporary));
        return 0;
    }

    @Command(name = "show-vlan", description = "Show VLAN links.")
    int showVlan(
        @Option(names = {"-p", "--parsable", "--parseable"}) final boolean parsable,
        @Option(names = {"-o", "--output"}, paramLabel = "FIELD,...") final String output,
        @Parameters(arity = "0..1", paramLabel = "vlan-link") final String name)
    {
        print(backend.call("show-vlan", args("link", name)), DladmFields.SHOW_VLAN, output, parsable);
        return 0;
    }

    @Command(name = "rename-link", description = "Rename a link; everything attached to it stays.")
    int renameLink(
        @Parameters(index = "0", paramLabel = "link") final String link,
        @Parameters(index = "1", paramLabel = "new-link") final String newName)
    {
        backend.call("rename-link", args("link", link, "newName", newName));
        return 0;
    }

    @Command(name = "set-linkprop", description = "Set link properties.")
    int setLinkprop(
        @Option(names = {"-t", "--temporary"}) final boolean temporary,
        @Option(names = {"-p", "--prop"}, required = true, paramLabel = "prop=value[,...]") final List<String> properties,
        @Parameters(paramLabel = "link") final String link)
    {
        final Map<String, Object> args = args("link", link, "temporary", temporary);
        args.put("properties", PropertyList.parse(properties));
        backend.call("set-linkprop", args);
        return 0;
    }

    @Command(name = "reset-linkprop", description = "Reset link properties to their defaults (all with no -p).")
    int resetLinkprop(
        @Option(names = {"-t", "--temporary"}) final boolean temporary,
        @Option(names = {"-p", "--prop"}, paramLabel = "prop[,...]") final String properties,
        @Parameters(paramLabel = "link") final String link)
    {
        final Map<String, Object> args = args("link", link, "temporary", temporary);
        args.put("properties", properties == null ? List.of() : List.of(properties.split(",")));
        backend.call("reset-linkprop", args);
        return 0;
    }

    @Command(name = "show-linkprop", description = "Show link properties.")
    int showLinkprop(
        @Option(names = {"-P", "--persistent"}) final boolean persistent,
        @Option(names = {"-c", "--parsable", "--parseable"}) final boolean parsable,
        @Option(names = {"-o", "--output"}, paramLabel = "FIELD,...") final String output,
        @Option(names = {"-p", "--prop"}, paramLabel = "prop[,...]") final String properties,
        @Parameters(arity = "0..1", paramLabel = "link") final String link)
    {
        final Map<String, Object> args = args("link", link, "persistent", persistent);
        args.put("properties", properties == null ? List.of() : List.of(properties.split(",")));
        print(backend.call("show-linkprop", args), DladmFields.SHOW_LINKPROP, output, parsable);
        return 0;
    }

    private int repeat(final Integer interval, final Runnable show)
    {
        if (interval != null && interval < 1)
        {
            throw new UsageException("invalid interval " + interval + ": must be at least 1 second");
        }
        show.run();
        while (interval != null)
        {
            try
            {
                Thread.sleep(interval * 1000L);
            }
            catch (final InterruptedException ex)
            {
                return 0;
            }
            show.run();
        }
        return 0;
    }

    private void print(final Table table, final List<Ofmt.Field> fields, final String output, final boolean parsable)
    {
        print(table, fields, output, parsable, fields.size());
    }

    private void print(final Table table, final List<Ofmt.Field> fields, final String output, final boolean parsable,
        final int defaults)
    {
        final Ofmt ofmt = Ofmt.of(fields, output, parsable, defaults);
        final String header = ofmt.header();
        if (header != null)
        {
            out.println(header);
        }
        for (final List<String> row : table.rows())
        {
            out.println(ofmt.row(row));
        }
        out.flush();
    }

    private static Map<String, Object> args(final Object... keyValues)
    {
        final Map<String, Object> args = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2)
        {
            if (keyValues[i + 1] != null && !Boolean.FALSE.equals(keyValues[i + 1]))
            {
                args.put((String)keyValues[i], keyValues[i + 1]);
            }
        }
        return args;
    }

    /**
     * Run dladm with arguments; errors become one line on standard error and an exit status.
     *
     * @param backend where requests go.
     * @param out     standard output.
     * @param err     standard error.
     * @param argv    the arguments after {@code dladm}.
     * @return the exit status: 0, 1 for a refused request, 2 for wrong usage.
     */
    public static int run(final Backend backend, final PrintWriter out, final PrintWriter err, final String... argv)
    {
        final CommandLine cli = command(backend, out, err);
        return cli.execute(argv);
    }

    public static CommandLine command(final Backend backend, final PrintWriter out, final PrintWriter err)
    {
        final CommandLine cli = new CommandLine(new DladmCommand(backend, out));
        // dladm has no @FILE arguments; and in the daemon an argument must never make it open a file.
        cli.setExpandAtFiles(false);
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler((ex, args) ->
        {
            err.println("dladm: " + ex.getMessage());
            err.flush();
            return 2;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) ->
        {
            final int status;
            if (ex instanceof UsageException)
            {
                status = 2;
            }
            else if (ex instanceof CommandFailure)
            {
                status = ((CommandFailure)ex).exitStatus();
            }
            else if (ex instanceof IllegalArgumentException || ex instanceof IllegalStateException)
            {
                status = 1;
            }
            else
            {
                status = 1;
            }
            err.println("dladm: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
            err.flush();
            return status;
        });
        return cli;
    }

    /** Subcommand names, for completion and help. */
    static List<String> subcommands()
    {
        return new ArrayList<>(new CommandLine(new DladmCommand(null, null)).getSubcommands().keySet());
    }
}
