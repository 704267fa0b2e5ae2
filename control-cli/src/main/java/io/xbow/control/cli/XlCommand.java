package io.xbow.control.cli;

import io.xbow.control.api.Backend;
import io.xbow.control.api.CommandFailure;
import io.xbow.control.service.Table;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code xbow xl} (and {@code bin/xl}): domain commands with xl's syntax and output columns.
 */
public final class XlCommand
{
    static final String USAGE = String.join("\n",
        "Usage: xl <subcommand> [args]",
        "  create [-p] [-n] [-q] [-f] FILE [key=value ...]",
        "                                        create a domain from an xl.cfg file (-p paused, -n dry run)",
        "  list [-l] [-v] [DOMAIN ...]           list domains (-l: their configuration as JSON; -v: UUIDs)",
        "  destroy [-f] DOMAIN                   terminate a domain immediately",
        "  shutdown [-w] [-F] -a|DOMAIN          shut a domain (-a: every guest) down gracefully (-w: wait)",
        "  reboot [-w] [-F] -a|DOMAIN            reboot a domain",
        "  pause DOMAIN | unpause DOMAIN         pause or unpause a domain",
        "  network-attach DOMAIN KEY=VALUE ...   add a vif (mac=, bridge=, ip=, rate=, vifname=, vlanid=)",
        "  network-detach DOMAIN DEVID|MAC       remove a vif",
        "  network-list DOMAIN ...               list a domain's vifs",
        "  domid NAME | domname ID               convert between domain name and id",
        "  uptime [-s] [DOMAIN ...]              print domains' uptime",
        "  ping DOMAIN ADDRESS [-c N] [-i SEC] [-W SEC] [-s BYTES] [-u PORT]",
        "                                        ping from inside an emulated guest (-u: a UDP echo service)",
        "  exec DOMAIN [--] COMMAND [ARG ...]    run a command inside a netns guest (an xbow extension; root)");

    private static final Pattern PING_SUMMARY = Pattern.compile("\\d+ packets transmitted, (\\d+) received");

    private XlCommand()
    {
    }

    /**
     * What only the client may do for a command line: read the config files that {@code xl create} names, run the
     * command {@code xl exec} names. The daemon running a native client's command line reads files only for its
     * own user and runs nothing: it hands such command lines back to the client ({@link RunInClient}).
     */
    @FunctionalInterface
    public interface ConfigFiles
    {
        /**
         * @param name the file as the user gave it.
         * @return its text.
         * @throws IOException whose message is printed after the name.
         */
        String read(String name) throws IOException;

        /**
         * Run a command inside a network namespace, with this process's standard input, output and error.
         *
         * @return its exit status.
         */
        default int exec(final String namespace, final List<String> argv)
        {
            throw new RunInClient("xl exec runs its command in the client");
        }
    }

    /** The client's own files, read with the client's permissions; commands run as the client. */
    public static final ConfigFiles LOCAL_FILES = new ConfigFiles()
    {
        @Override
        public String read(final String name) throws IOException
        {
            return Files.readString(Path.of(name), StandardCharsets.UTF_8);
        }

        @Override
        public int exec(final String namespace, final List<String> argv)
        {
            if (!"root".equals(System.getProperty("user.name")))
            {
                throw new CommandFailure("xl exec needs root: it enters the guest's network namespace", 1);
            }
            final List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
            command.addAll(argv);
            try
            {
                return new ProcessBuilder(command).inheritIO().start().waitFor();
            }
            catch (final IOException ex)
            {
                throw new IllegalStateException("cannot run ip(8): " + ex.getMessage());
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return 130;
            }
        }
    };

    /**
     * @return the exit status: 0, 1 when the daemon refused, 2 for wrong usage.
     */
    public static int run(final Backend backend, final PrintWriter out, final PrintWriter err, final String[] argv)
    {
        return run(backend, LOCAL_FILES, out, err, argv);
    }

    /**
     * @param files where {@code xl create} reads its config: the daemon running a native client's command line
     *              reads relative to the client's working directory.
     * @return the exit status: 0, 1 when the daemon refused, 2 for wrong usage.
     * @throws RunInClient when only the client itself can run this command line.
     */
    public static int run(final Backend backend, final ConfigFiles files, final PrintWriter out,
        final PrintWriter err, final String[] argv)
    {
        try
        {
            if (argv.length == 0 || argv[0].equals("help") || argv[0].equals("-h") || argv[0].equals("--help"))
            {
                (argv.length == 0 ? err : out).println(USAGE);
                return argv.length == 0 ? 2 : 0;
            }
            final List<String> args = new ArrayList<>(Arrays.asList(argv).subList(1, argv.length));
            return dispatch(backend, files, out, err, argv[0], args);
        }
        catch (final RunInClient ex)
        {
            throw ex;
        }
        catch (final CommandFailure ex)
        {
            err.println("xl: " + ex.getMessage());
            return ex.exitStatus();
        }
        catch (final RuntimeException ex)
        {
            err.println("xl: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
            return 1;
        }
        finally
        {
            out.flush();
            err.flush();
        }
    }

    private static int dispatch(final Backend backend, final ConfigFiles files, final PrintWriter out,
        final PrintWriter err, final String command, List<String> args)
    {
        switch (command)
        {
            case "create":
                return create(backend, files, out, err, args);
            case "list":
            {
                final ListArgs a = parse(command, new ListArgs(), args, false);
                if (a.long_)
                {
                    return listLong(backend, out, a.domains);
                }
                // xl_info.c's list_domains: -v adds the UUID, the shutdown reason and the security label.
                out.println("Name                                        ID   Mem VCPUs\tState\tTime(s)" +
                    (a.verbose ? "   UUID                            Reason-Code\tSecurity Label" : ""));
                for (final String domain : a.domains.isEmpty() ? Arrays.asList((String)null) : a.domains)
                {
                    final Map<String, Object> request = new LinkedHashMap<>();
                    if (domain != null)
                    {
                        request.put("domain", domain);
                    }
                    if (a.verbose)
                    {
                        request.put("long", true);
                    }
                    printList(out, backend.call("list", request), a.verbose);
                }
                return 0;
            }
            case "destroy":
            {
                final DestroyArgs a = parse(command, new DestroyArgs(), args, false);
                exactly(command, a.words, 1, "[-f] DOMAIN");
                if (!a.force && isDomainZero(backend, a.words.get(0)))
                {
                    throw new CommandFailure("Destroying domid 0 is not permitted.", 1); // xl's words
                }
                backend.call(command, Map.of("domain", a.words.get(0)));
                return 0;
            }
            case "shutdown":
            case "reboot":
                return shutdownOrReboot(backend, err, command, parse(command, new ShutdownArgs(), args, false));
            case "pause":
            case "unpause":
            {
                final List<String> words = words(command, args);
                exactly(command, words, 1, "DOMAIN");
                backend.call(command, Map.of("domain", words.get(0)));
                return 0;
            }
            case "network-attach":
            {
                final List<String> words = words(command, args);
                if (words.size() < 2)
                {
                    throw new CommandFailure("usage: xl network-attach DOMAIN KEY=VALUE ...", 2);
                }
                backend.call(command, Map.of("domain", words.get(0),
                    "spec", String.join(",", words.subList(1, words.size()))));
                return 0;
            }
            case "network-detach":
            {
                final List<String> words = words(command, args);
                exactly(command, words, 2, "DOMAIN DEVID|MAC");
                backend.call(command, Map.of("domain", words.get(0), "device", words.get(1)));
                return 0;
            }
            case "network-list":
                args = words(command, args);
                if (args.isEmpty())
                {
                    throw new CommandFailure("usage: xl network-list DOMAIN ...", 2);
                }
                out.printf("%-3s %-2s %-17s %-6s %-5s %-6s %5s/%-5s %-30s%n",
                    "Idx", "BE", "Mac Addr.", "handle", "state", "evt-ch", "tx-", "rx-ring-ref", "BE-path");
                for (final String domain : args)
                {
                    for (final List<String> r : backend.call(command, Map.of("domain", domain)).rows())
                    {
                        out.printf("%-3s %-2s %-17s %-6s %-5s %-6s %5s/%-11s %-30s%n",
                            r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5), r.get(6), r.get(7), r.get(8));
                    }
                }
                return 0;
            case "exec":
                return exec(backend, files, parse(command, new ExecArgs(), args, true).words);
            case "domid":
            case "domname":
            {
                final List<String> words = words(command, args);
                exactly(command, words, 1, command.equals("domid") ? "NAME" : "ID");
                out.println(backend.call(command, Map.of("domain", words.get(0))).rows().get(0).get(0));
                return 0;
            }
            case "uptime":
            {
                final UptimeArgs a = parse(command, new UptimeArgs(), args, false);
                if (!a.short_)
                {
                    out.printf("%-33s %4s %s%n", "Name", "ID", "Uptime");
                }
                for (final String domain : a.domains.isEmpty() ? Arrays.asList((String)null) : a.domains)
                {
                    final Map<String, Object> request = domain == null ? Map.of() : Map.of("domain", domain);
                    for (final List<String> r : backend.call(command, request).rows())
                    {
                        final long seconds = Long.parseLong(r.get(2));
                        if (a.short_)
                        {
                            // xl uptime -s: " 12:34:56 up 1 day,  1:01, web (1)", as uptime(1) prints it.
                            out.printf(" %s up %s, %s (%s)%n", java.time.LocalTime.now().withNano(0)
                                .format(java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss")),
                                uptime(seconds, true), r.get(0), r.get(1));
                        }
                        else
                        {
                            out.printf("%-33s %4s %s%n", r.get(0), r.get(1), uptime(seconds, false));
                        }
                    }
                }
                return 0;
            }
            case "ping":
                return ping(backend, out, args);
            default:
                throw new CommandFailure("unknown subcommand '" + command + "'; try xl help", 2);
        }
    }

    /**
     * shutdown and reboot as xl_vmcontrol.c does them: "Shutting down domain N" (or "Rebooting") for each on
     * standard error; -a for every guest; -w waits for each to go, saying so as xl's log does. Ours have gone when
     * the call answers. -F (an ACPI power button for a guest without PV drivers) changes nothing here: every xbow
     * guest takes the PV request.
     */
    private static int shutdownOrReboot(final Backend backend, final PrintWriter err, final String command,
        final ShutdownArgs a)
    {
        final List<String> targets = new ArrayList<>();
        if (a.all)
        {
            if (!a.words.isEmpty())
            {
                throw new CommandFailure("usage: xl " + command + " [-w] [-F] -a|DOMAIN", 2);
            }
            for (final List<String> row : backend.call("list", Map.of()).rows())
            {
                if (!row.get(1).equals("0"))
                {
                    targets.add(row.get(1));
                }
            }
        }
        else
        {
            if (a.words.isEmpty())
            {
                throw new CommandFailure("You must specify -a or a domain id.", 1); // xl's words
            }
            exactly(command, a.words, 1, "[-w] [-F] -a|DOMAIN");
            final List<List<String>> id = backend.call("domid", Map.of("domain", a.words.get(0))).rows();
            targets.add(id.isEmpty() ? a.words.get(0) : id.get(0).get(0));
        }
        for (final String domid : targets)
        {
            err.println((command.equals("reboot") ? "Rebooting" : "Shutting down") + " domain " + domid);
            err.flush();
            backend.call(command, Map.of("domain", domid));
        }
        if (a.await)
        {
            err.println("Waiting for " + targets.size() + " domains");
            for (final String domid : targets)
            {
                // LIBXL_SHUTDOWN_REASON_POWEROFF (0) or _REBOOT (1), as the shutdown event reports it.
                err.println("Domain " + domid + " has been shut down, reason code " +
                    (command.equals("reboot") ? 1 : 0));
            }
        }
        return 0;
    }

    private static boolean isDomainZero(final Backend backend, final String ref)
    {
        try
        {
            final List<List<String>> id = backend.call("domid", Map.of("domain", ref)).rows();
            return !id.isEmpty() && id.get(0).get(0).equals("0");
        }
        catch (final CommandFailure ex)
        {
            return false; // no such domain: destroy says so
        }
    }

    private static int create(final Backend backend, final ConfigFiles files, final PrintWriter out,
        final PrintWriter err, final List<String> args)
    {
        final CreateArgs a = parse("create", new CreateArgs(), args, false);
        final List<String> words = new ArrayList<>(a.words);
        if (a.file != null)
        {
            words.add(0, a.file);
        }
        if (words.isEmpty())
        {
            throw new CommandFailure("usage: xl create [-p] [-n] [-q] [-f] FILE [key=value ...]", 2);
        }
        final Path file = Path.of(words.get(0));
        final String text;
        try
        {
            text = files.read(words.get(0));
        }
        catch (final IOException ex)
        {
            throw new CommandFailure("cannot read config file " + file + ": " + ex.getMessage(), 1);
        }
        if (!a.quiet)
        {
            err.println("Parsing config from " + file);
        }
        final Map<String, Object> request = new LinkedHashMap<>();
        request.put("source", file.toString());
        request.put("text", text);
        request.put("overrides", words.subList(1, words.size()));
        if (a.paused)
        {
            request.put("paused", true);
        }
        if (a.dryRun)
        {
            request.put("dryRun", true);
        }
        final Table created = backend.call("create", request);
        if (a.dryRun)
        {
            // xl create -n: the domain's configuration as libxl_domain_config JSON on standard output; nothing made.
            final StringBuilder sb = new StringBuilder();
            Json.write(sb, Json.parse(created.rows().get(0).get(1)), "");
            out.println(sb);
        }
        for (final List<String> row : created.rows())
        {
            if (!row.get(2).isEmpty())
            {
                err.println("WARNING: " + row.get(2));
            }
        }
        return 0;
    }

    private static int ping(final Backend backend, final PrintWriter out, final List<String> args)
    {
        final Map<String, Object> request = new LinkedHashMap<>();
        final PingArgs a = parse("ping", new PingArgs(), args, false);
        if (a.count != null)
        {
            request.put("count", number("-c", a.count, 1));
        }
        if (a.interval != null)
        {
            request.put("intervalMs", number("-i", a.interval, 1000));
        }
        if (a.timeout != null)
        {
            request.put("timeoutMs", number("-W", a.timeout, 1000));
        }
        if (a.size != null)
        {
            request.put("size", number("-s", a.size, 1));
        }
        if (a.udpPort != null)
        {
            request.put("udpPort", number("-u", a.udpPort, 1));
        }
        final List<String> positional = a.words;
        if (positional.size() != 2)
        {
            throw new CommandFailure("usage: xl ping DOMAIN ADDRESS [-c COUNT] [-i INTERVAL] [-W TIMEOUT] " +
                "[-s SIZE] [-u PORT]", 2);
        }
        request.put("domain", positional.get(0));
        request.put("address", positional.get(1));
        int received = -1;
        for (final List<String> row : backend.call("ping", request).rows())
        {
            out.println(row.get(0));
            final Matcher m = PING_SUMMARY.matcher(row.get(0));
            if (m.find())
            {
                received = Integer.parseInt(m.group(1));
            }
        }
        return received > 0 ? 0 : 1; // as ping(8): 1 when no reply came
    }

    /**
     * {@code xl exec DOMAIN [--] COMMAND...}: runs the command in the guest's network namespace, as the client's
     * own user (entering a namespace needs root: the daemon never runs a command for a client).
     */
    private static int exec(final Backend backend, final ConfigFiles files, final List<String> args)
    {
        if (args.isEmpty())
        {
            throw new CommandFailure("usage: xl exec DOMAIN [--] COMMAND [ARG ...]", 2);
        }
        final String domain = args.get(0);
        final List<String> command = new ArrayList<>(args.subList(1, args.size()));
        if (!command.isEmpty() && command.get(0).equals("--"))
        {
            command.remove(0);
        }
        if (command.isEmpty())
        {
            throw new CommandFailure("usage: xl exec DOMAIN [--] COMMAND [ARG ...]: name a command to run, as in " +
                "xl exec " + domain + " -- ip addr", 2);
        }
        final String namespace = backend.call("namespace", Map.of("domain", domain)).rows().get(0).get(0);
        return files.exec(namespace, command);
    }

    /**
     * {@code xl list -l}: a JSON array of {@code {"domid": N, "config": libxl_domain_config}}, indented as xl's
     * JSON writer (yajl) indents: four spaces, {@code "key": value}.
     */
    private static int listLong(final Backend backend, final PrintWriter out, final List<String> args)
    {
        final List<Object> domains = new ArrayList<>();
        for (final String domain : args.isEmpty() ? Arrays.asList((String)null) : args)
        {
            final Map<String, Object> request = new LinkedHashMap<>();
            request.put("json", true);
            if (domain != null)
            {
                request.put("domain", domain);
            }
            for (final List<String> row : backend.call("list", request).rows())
            {
                final Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("domid", Long.parseLong(row.get(0)));
                entry.put("config", Json.parse(row.get(1)));
                domains.add(entry);
            }
        }
        final StringBuilder sb = new StringBuilder();
        Json.write(sb, domains, "");
        out.println(sb);
        return 0;
    }

    private static int number(final String option, final String value, final int scale)
    {
        try
        {
            final double parsed = Double.parseDouble(value);
            final double scaled = parsed * scale;
            if (!(scaled >= 0 && scaled <= Integer.MAX_VALUE) || (scale == 1 && parsed != Math.rint(parsed)))
            {
                throw new NumberFormatException();
            }
            return (int)Math.round(scaled);
        }
        catch (final NumberFormatException ex)
        {
            throw new CommandFailure("xl ping: invalid value '" + value + "' for " + option, 2);
        }
    }

    private static void printList(final PrintWriter out, final Table table, final boolean verbose)
    {
        for (final List<String> r : table.rows())
        {
            final String line = String.format(Locale.ROOT, "%-40s %5s %5s %5s     %s %9s", r.get(0), r.get(1),
                r.get(2), r.get(3), r.get(4), r.get(5));
            // A domain that has shut down is gone at once here: its reason code is always "-"; no XSM labels.
            out.println(verbose ? line + " " + r.get(6) + String.format(Locale.ROOT, " %8s %16s", "-", "-") : line);
        }
    }

    /** xl's uptime_to_string: hours padded to two places, seconds left out in short mode. */
    private static String uptime(final long seconds, final boolean shortMode)
    {
        final long days = seconds / 86_400;
        final String clock = shortMode ?
            String.format(Locale.ROOT, "%2d:%02d", seconds / 3600 % 24, seconds / 60 % 60) :
            String.format(Locale.ROOT, "%2d:%02d:%02d", seconds / 3600 % 24, seconds / 60 % 60, seconds % 60);
        return days == 0 ? clock : days + (days == 1 ? " day, " : " days, ") + clock;
    }

    // -----------------------------------------------------------------------------------------------------------
    // The command lines, as picocli reads them (the project's one parser): one class per form.
    // -----------------------------------------------------------------------------------------------------------

    /** Words after the subcommand, and no options. */
    @Command(name = "xl")
    static final class Plain
    {
        @Parameters
        List<String> words = new ArrayList<>();
    }

    @Command(name = "list")
    static final class ListArgs
    {
        @Option(names = {"-l", "--long"})
        boolean long_;
        @Option(names = {"-v", "--verbose"})
        boolean verbose;
        @Parameters
        List<String> domains = new ArrayList<>();
    }

    @Command(name = "create")
    static final class CreateArgs
    {
        /** No "Parsing config from" on standard error. */
        @Option(names = {"-q", "--quiet"})
        boolean quiet;
        /** xl's {@code -f FILE}: the config file named as an option, as well as the first word. */
        @Option(names = {"-f", "--defconfig"})
        String file;
        /** Created paused: its guest does not run until {@code xl unpause}. */
        @Option(names = "-p")
        boolean paused;
        /** Print the configuration libxl would build, as JSON, and create nothing. */
        @Option(names = {"-n", "--dryrun"})
        boolean dryRun;
        @Parameters
        List<String> words = new ArrayList<>();
    }

    @Command(name = "destroy")
    static final class DestroyArgs
    {
        /** Allow domain 0 (which, being the host here, still cannot be destroyed). */
        @Option(names = "-f")
        boolean force;
        @Parameters
        List<String> words = new ArrayList<>();
    }

    /** shutdown and reboot, as xl's main_shutdown_or_reboot reads them. */
    @Command(name = "shutdown")
    static final class ShutdownArgs
    {
        @Option(names = {"-a", "--all"})
        boolean all;
        @Option(names = {"-w", "--wait"})
        boolean await;
        /** Fall back to an ACPI power event for a guest without PV drivers: every xbow guest has them. */
        @Option(names = "-F")
        boolean fallback;
        @Parameters
        List<String> words = new ArrayList<>();
    }

    @Command(name = "uptime")
    static final class UptimeArgs
    {
        @Option(names = "-s")
        boolean short_;
        @Parameters
        List<String> domains = new ArrayList<>();
    }

    @Command(name = "ping")
    static final class PingArgs
    {
        @Option(names = "-c")
        String count;
        @Option(names = "-i")
        String interval;
        @Option(names = "-W")
        String timeout;
        @Option(names = "-s")
        String size;
        @Option(names = {"-u", "--udp"})
        String udpPort;
        @Parameters
        List<String> words = new ArrayList<>();
    }

    /** exec DOMAIN [--] COMMAND...: everything after the domain is the command's, options included. */
    @Command(name = "exec")
    static final class ExecArgs
    {
        @Parameters
        List<String> words = new ArrayList<>();
    }

    /**
     * Parse a subcommand's arguments into its class; no argument is ever a file to read ({@code @FILE} is off:
     * the daemon runs these command lines for its clients).
     */
    private static <T> T parse(final String command, final T spec, final List<String> args, final boolean stopAtPositional)
    {
        try
        {
            Picocli.parse(spec, args.toArray(new String[0]), stopAtPositional);
        }
        catch (final CommandLine.ParameterException ex)
        {
            final String message = ex instanceof CommandLine.UnmatchedArgumentException &&
                !((CommandLine.UnmatchedArgumentException)ex).getUnmatched().isEmpty() ?
                "unknown option '" + ((CommandLine.UnmatchedArgumentException)ex).getUnmatched().get(0) + "'" :
                ex.getMessage();
            throw new CommandFailure("xl " + command + ": " + message, 2);
        }
        return spec;
    }

    private static List<String> words(final String command, final List<String> args)
    {
        return parse(command, new Plain(), args, false).words;
    }

    private static void exactly(final String command, final List<String> args, final int count, final String usage)
    {
        if (args.size() != count)
        {
            throw new CommandFailure("usage: xl " + command + " " + usage, 2);
        }
    }
}
