package io.xbow.control.cli;

import io.xbow.control.api.Backend;
import io.xbow.control.api.CommandFailure;
import io.xbow.control.service.Table;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ipadm}: addresses on links for xbow's router, with illumos ipadm's syntax, columns and messages
 * ({@code ipadm create-addr -T static -a 198.51.100.2/24 net0/v4}). The interface of an address object is any link:
 * a physical link, an etherstub, a VLAN link or a VNIC.
 */
@Command(name = "ipadm", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = "Administer the addresses of xbow's router on links.", synopsisSubcommandLabel = "<subcommand>")
public final class IpadmCommand implements Runnable
{
    static final List<Ofmt.Field> SHOW_ADDR = List.of(new Ofmt.Field("ADDROBJ", 18), new Ofmt.Field("TYPE", 9),
        new Ofmt.Field("STATE", 13), new Ofmt.Field("CURRENT", 8), new Ofmt.Field("PERSISTENT", 11),
        new Ofmt.Field("ADDR", 46));
    static final List<Ofmt.Field> SHOW_IF = List.of(new Ofmt.Field("IFNAME", 11), new Ofmt.Field("STATE", 9),
        new Ofmt.Field("CURRENT", 13), new Ofmt.Field("PERSISTENT", 11));

    private final Backend backend;
    private final PrintWriter out;

    public IpadmCommand(final Backend backend, final PrintWriter out)
    {
        this.backend = backend;
        this.out = out;
    }

    @Override
    public void run()
    {
        throw new UsageException("a subcommand is needed: create-addr, delete-addr, show-addr or show-if");
    }

    @Command(name = "create-addr", description = "Create a static address on an interface (a link).")
    int createAddr(
        @Option(names = {"-t", "--temporary"}, description = "Do not persist.") final boolean temporary,
        @Option(names = {"-T", "--type"}, required = true, paramLabel = "static") final String type,
        @Option(names = {"-a", "--address"}, paramLabel = "[local=]ADDRESS/PREFIXLEN") final String address,
        @Parameters(paramLabel = "interface/address-name") final String addrobj)
    {
        if (!type.equals("static"))
        {
            throw new CommandFailure("ipadm: cannot create address: Operation not supported (-T " + type +
                ": xbow's router takes static addresses; its DHCP server serves guests, not itself)", 1);
        }
        if (address == null)
        {
            throw new UsageException("create-addr -T static needs -a ADDRESS/PREFIXLEN");
        }
        final String local = address.startsWith("local=") ? address.substring("local=".length()) : address;
        if (local.contains(",") || local.startsWith("remote="))
        {
            throw new CommandFailure("ipadm: cannot create address: Operation not supported (a point-to-point " +
                "remote address)", 1);
        }
        final Map<String, Object> args = new HashMap<>();
        args.put("addrobj", addrobj);
        args.put("address", local);
        args.put("temporary", temporary);
        call("create-addr", args);
        return 0;
    }

    @Command(name = "delete-addr", description = "Delete an address object.")
    int deleteAddr(@Parameters(paramLabel = "addrobj") final String addrobj)
    {
        call("delete-addr", Map.of("addrobj", addrobj));
        return 0;
    }

    @Command(name = "show-addr", description = "Show addresses.")
    int showAddr(
        @Option(names = {"-p", "--parsable"}) final boolean parsable,
        @Option(names = {"-o", "--output"}, paramLabel = "FIELD,...") final String output,
        @Parameters(arity = "0..1", paramLabel = "addrobj|interface/") final String addrobj)
    {
        final Map<String, Object> args = new HashMap<>();
        args.put("addrobj", addrobj);
        print(call("show-addr", args), SHOW_ADDR, output, parsable, "addrobj,type,state,addr");
        return 0;
    }

    @Command(name = "show-if", description = "Show IP interfaces: the links with an address of the router.")
    int showIf(
        @Option(names = {"-p", "--parsable"}) final boolean parsable,
        @Option(names = {"-o", "--output"}, paramLabel = "FIELD,...") final String output,
        @Parameters(arity = "0..1", paramLabel = "interface") final String ifname)
    {
        final Map<String, Object> args = new HashMap<>();
        args.put("ifname", ifname);
        print(call("show-if", args), SHOW_IF, output, parsable, null);
        return 0;
    }

    private Table call(final String command, final Map<String, Object> args)
    {
        return backend.call(command, args);
    }

    private void print(final Table table, final List<Ofmt.Field> fields, final String output, final boolean parsable,
        final String defaults)
    {
        Ofmt.print(out, table, fields, output == null && !parsable ? defaults : output, parsable, "ipadm");
    }

    /**
     * Run ipadm; errors become one line on standard error, as illumos prints them ({@code ipadm: cannot create
     * address: Address object already exists}), and exit status 1 (2 for a command line picocli cannot read).
     */
    public static int run(final Backend backend, final PrintWriter out, final PrintWriter err, final String... argv)
    {
        return Programs.run("ipadm", new CommandLine(new IpadmCommand(backend, out)), out, err, argv);
    }
}
