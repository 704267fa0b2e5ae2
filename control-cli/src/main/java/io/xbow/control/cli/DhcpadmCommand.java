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
 * {@code dhcpadm}: the DHCP server of xbow's router, in the conventions of dladm and ipadm (illumos's own DHCP server
 * tools, dhcpconfig, dhtadm and pntadm, manage a server xbow does not have). A pool is served from one of the
 * router's addresses, on that address's link:
 * <pre>
 *   dhcpadm create-pool [-t] -p range=FIRST-LAST[,lease=SECONDS][,router=ADDRESS|none][,dns=A[,B]][,domain=NAME] ADDROBJ
 *   dhcpadm delete-pool ADDROBJ
 *   dhcpadm add-host [-t] -m MAC -a ADDRESS ADDROBJ        a static lease
 *   dhcpadm remove-host -m MAC ADDROBJ
 *   dhcpadm show-pool [-p] [-o FIELD,...]
 *   dhcpadm show-lease [-p] [-o FIELD,...] [ADDROBJ]
 * </pre>
 */
@Command(name = "dhcpadm", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = "Administer the DHCP server of xbow's router.", synopsisSubcommandLabel = "<subcommand>")
public final class DhcpadmCommand implements Runnable
{
    static final List<Ofmt.Field> SHOW_POOL = List.of(new Ofmt.Field("ADDROBJ", 15), new Ofmt.Field("RANGE", 32),
        new Ofmt.Field("LEASE", 7), new Ofmt.Field("ROUTER", 16), new Ofmt.Field("DNS", 16),
        new Ofmt.Field("DOMAIN", 16), new Ofmt.Field("OFFERS", 7), new Ofmt.Field("ACKS", 7),
        new Ofmt.Field("NAKS", 6), new Ofmt.Field("MALFORMED", 10));
    static final List<Ofmt.Field> SHOW_LEASE = List.of(new Ofmt.Field("ADDROBJ", 15), new Ofmt.Field("ADDRESS", 16),
        new Ofmt.Field("MACADDRESS", 18), new Ofmt.Field("STATE", 8), new Ofmt.Field("EXPIRES", 21),
        new Ofmt.Field("HOSTNAME", 20));

    private final Backend backend;
    private final PrintWriter out;

    public DhcpadmCommand(final Backend backend, final PrintWriter out)
    {
        this.backend = backend;
        this.out = out;
    }

    @Override
    public void run()
    {
        throw new UsageException("a subcommand is needed: create-pool, delete-pool, add-host, remove-host, " +
            "show-pool or show-lease");
    }

    @Command(name = "create-pool", description = "Serve DHCP from one of the router's addresses.")
    int createPool(
        @Option(names = {"-t", "--temporary"}, description = "Do not persist.") final boolean temporary,
        @Option(names = {"-p", "--prop"}, required = true, paramLabel = "prop=value[,...]") final List<String> props,
        @Parameters(paramLabel = "addrobj") final String addrobj)
    {
        final Map<String, Object> args = new HashMap<>();
        args.put("addrobj", addrobj);
        args.put("properties", PropertyList.parse(props));
        args.put("temporary", temporary);
        backend.call("create-pool", args);
        return 0;
    }

    @Command(name = "delete-pool", description = "Stop serving DHCP from an address.")
    int deletePool(@Parameters(paramLabel = "addrobj") final String addrobj)
    {
        backend.call("delete-pool", Map.of("addrobj", addrobj));
        return 0;
    }

    @Command(name = "add-host", description = "A static lease: this MAC always gets this address.")
    int addHost(
        @Option(names = {"-t", "--temporary"}) final boolean temporary,
        @Option(names = {"-m", "--mac-address"}, required = true, paramLabel = "MAC") final String mac,
        @Option(names = {"-a", "--address"}, required = true, paramLabel = "ADDRESS") final String address,
        @Parameters(paramLabel = "addrobj") final String addrobj)
    {
        final Map<String, Object> args = new HashMap<>();
        args.put("addrobj", addrobj);
        args.put("mac", mac);
        args.put("address", address);
        args.put("temporary", temporary);
        backend.call("add-host", args);
        return 0;
    }

    @Command(name = "remove-host", description = "Remove a static lease.")
    int removeHost(
        @Option(names = {"-m", "--mac-address"}, required = true, paramLabel = "MAC") final String mac,
        @Parameters(paramLabel = "addrobj") final String addrobj)
    {
        backend.call("remove-host", Map.of("addrobj", addrobj, "mac", mac));
        return 0;
    }

    @Command(name = "show-pool", description = "Show the pools and what they answered.")
    int showPool(
        @Option(names = {"-p", "--parsable"}) final boolean parsable,
        @Option(names = {"-o", "--output"}, paramLabel = "FIELD,...") final String output)
    {
        print(backend.call("show-pool", Map.of()), SHOW_POOL, output, parsable,
            "addrobj,range,lease,router,dns,acks,naks");
        return 0;
    }

    @Command(name = "show-lease", description = "Show the leases (and static hosts without one).")
    int showLease(
        @Option(names = {"-p", "--parsable"}) final boolean parsable,
        @Option(names = {"-o", "--output"}, paramLabel = "FIELD,...") final String output,
        @Parameters(arity = "0..1", paramLabel = "addrobj") final String addrobj)
    {
        final Map<String, Object> args = new HashMap<>();
        args.put("addrobj", addrobj);
        print(backend.call("show-lease", args), SHOW_LEASE, output, parsable, null);
        return 0;
    }

    private void print(final Table table, final List<Ofmt.Field> fields, final String output, final boolean parsable,
        final String defaults)
    {
        Ofmt.print(out, table, fields, output == null && !parsable ? defaults : output, parsable, "dhcpadm");
    }

    public static int run(final Backend backend, final PrintWriter out, final PrintWriter err, final String... argv)
    {
        return Programs.run("dhcpadm", new CommandLine(new DhcpadmCommand(backend, out)), out, err, argv);
    }
}
