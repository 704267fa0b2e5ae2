package io.xbow.control;

import io.xbow.control.api.ApiClient;
import io.xbow.control.cli.CaptureCommand;
import io.xbow.control.cli.CaptureFileSink;
import io.xbow.control.cli.DladmCommand;
import io.xbow.control.cli.Version;
import io.xbow.control.cli.XlCommand;
import io.xbow.control.daemon.Paths;
import io.xbow.control.daemon.Xbowd;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code xbow}: the one launcher. {@code xbow [--socket PATH] dladm ...}, {@code xbow xl ...},
 * {@code xbow capture ...}, {@code xbow daemon [options]}, {@code xbow completion}, {@code xbow --version}.
 * <p>
 * The launcher only picks the program by its first word (after {@code --socket}) and hands it the rest as typed;
 * each program parses its own options ({@code dladm} and {@code daemon} with picocli). The first word is not
 * parsed by picocli on purpose: building picocli's model of the launcher costs every JVM client start (measured,
 * medians of 15, C1 only, no class-data archive: {@code xbow --version} 162 ms before, 332 ms with a picocli
 * launcher, 152 ms with this one; {@code xbow xl list} with no daemon 443, 537 and 461 ms).
 */
public final class XbowMain
{
    private static final String USAGE =
        "usage: xbow [--socket PATH] {dladm|xl|ipadm|route|routeadm|netstat|arp|dhcpadm|ipnat|capture|daemon|completion|" +
        "--version} ...";

    private XbowMain()
    {
    }

    public static void main(final String[] args)
    {
        System.exit(run(args));
    }

    static int run(final String[] argv)
    {
        final PrintWriter out = new PrintWriter(System.out, true);
        final PrintWriter err = new PrintWriter(System.err, true);
        String socket = null;
        int i = 0;
        while (i < argv.length && (argv[i].equals("--socket") || argv[i].startsWith("--socket=")))
        {
            if (argv[i].contains("="))
            {
                socket = argv[i++].substring("--socket=".length());
            }
            else if (i + 1 < argv.length)
            {
                socket = argv[i + 1];
                i += 2;
            }
            else
            {
                err.println("xbow: --socket needs a path");
                return 2;
            }
        }
        if (i >= argv.length)
        {
            err.println(USAGE);
            return 2;
        }
        final String[] rest = Arrays.copyOfRange(argv, i + 1, argv.length);
        switch (argv[i])
        {
            case "--version":
            case "-V":
                out.println("xbow " + Version.VERSION);
                return 0;
            case "--help":
            case "-h":
                out.println(USAGE);
                return 0;
            case "dladm":
                try (ApiClient client = new ApiClient(Paths.socket(socket)))
                {
                    return DladmCommand.run(client, out, err, rest);
                }
            case "xl":
                try (ApiClient client = new ApiClient(Paths.socket(socket)))
                {
                    return XlCommand.run(client.xl(), out, err, rest);
                }
            case "ipadm":
            case "route":
            case "routeadm":
            case "netstat":
            case "arp":
            case "dhcpadm":
            case "ipnat":
                try (ApiClient client = new ApiClient(Paths.socket(socket)))
                {
                    return io.xbow.control.cli.Programs.runRouterProgram(argv[i], client.api("router"), out, err,
                        rest);
                }
            case "capture":
                try (ApiClient client = new ApiClient(Paths.socket(socket)))
                {
                    return CaptureCommand.run(client, out, err,
                        // The raw descriptor, not System.out: nothing else may write into a pcap stream.
                        (o, l, s) -> CaptureFileSink.open(o, l, s, new FileOutputStream(FileDescriptor.out)), rest);
                }
            case "daemon":
            {
                final CommandLine daemon = new CommandLine(new Daemon(socket, err));
                daemon.setExpandAtFiles(false);
                daemon.setOut(out);
                daemon.setErr(err);
                daemon.setParameterExceptionHandler((ex, args) ->
                {
                    err.println("xbow daemon: " + ex.getMessage());
                    return 2;
                });
                return daemon.execute(rest);
            }
            case "completion":
                // dladm's from its picocli model; xl's and xbow's (capture links, domain names) written by hand.
                out.print(AutoComplete.bash("dladm", DladmCommand.command(null, out, err)));
                try (java.io.InputStream script = XbowMain.class.getResourceAsStream("cli/completion.bash"))
                {
                    out.print(new String(script.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
                }
                catch (final java.io.IOException | NullPointerException ex)
                {
                    err.println("xbow completion: the xl and xbow completion is missing from this build");
                    return 1;
                }
                out.flush();
                return 0;
            default:
                err.println("xbow: unknown command '" + argv[i] + "'; try dladm, xl, ipadm, route, routeadm, netstat, " +
                    "arp, dhcpadm, ipnat, capture, daemon, completion or --version");
                return 2;
        }
    }

    @Command(name = "xbow daemon", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Run xbowd: the datapath, the configuration and the API.")
    private static final class Daemon implements Callable<Integer>
    {
        @Option(names = "--socket", paramLabel = "PATH", description = "The Unix socket of the API.")
        String socket;

        @Option(names = "--state-dir", paramLabel = "DIR", description = "Where the configuration lives.")
        String state;

        @Option(names = "--listen", paramLabel = "ADDR:PORT", description = "Also serve the API on TCP (bearer token).")
        String listen;

        @Option(names = "--token-file", paramLabel = "FILE", description = "The bearer token for --listen (mode 0600).")
        Path token;

        @Option(names = "--allow-remote", description = "Allow a --listen address that is not loopback (clear text).")
        boolean allowRemote;

        @Option(names = "--guest-threads", paramLabel = "datapath|own", defaultValue = "datapath",
            description = "Where netns guests' frontends run: on the datapath thread (a frame between guests " +
                "crosses no thread; the default), or each guest on a thread of its own (guests' traffic in " +
                "parallel, on hosts with cores to spare).")
        String guestThreads;

        @Option(names = "--poll-us", paramLabel = "MICROSECONDS", defaultValue = "0",
            description = "Keep the datapath polling this long after its last frame before it sleeps: lower " +
                "latency for a frame after a pause, at the cost of a core while traffic is that frequent " +
                "(as Linux's net.core.busy_poll). Default 0.")
        long pollMicros;

        @Option(names = "--nat-filtering", paramLabel = "address-and-port-dependent|endpoint-independent",
            defaultValue = "address-and-port-dependent",
            description = "Which remotes reach a NAT mapping (RFC 4787): only those the inside endpoint sent to " +
                "(address-and-port-dependent, the default, as Linux's MASQUERADE), or any (endpoint-independent: " +
                "friendlier to peer-to-peer, as RFC 4787 REQ-8 recommends where security allows). ipnat -s says which.")
        String natFiltering;

        @Option(names = "--nat-connections", paramLabel = "N", defaultValue = "262144",
            description = "The most connections each outside interface's NAT tracks (1024 to 16777216; 96 bytes " +
                "each, allocated with the interface's first rule). Default 262144, as Linux's nf_conntrack_max.")
        int natConnections;

        private final String launcherSocket;
        private final PrintWriter err;

        Daemon(final String launcherSocket, final PrintWriter err)
        {
            this.launcherSocket = launcherSocket;
            this.err = err;
        }

        @Override
        public Integer call()
        {
            final String socketPath = socket != null ? socket : launcherSocket;
            if (!"datapath".equals(guestThreads) && !"own".equals(guestThreads))
            {
                err.println("xbow daemon: invalid --guest-threads '" + guestThreads + "': datapath or own");
                return 2;
            }
            if (pollMicros < 0 || pollMicros > 10_000_000)
            {
                err.println("xbow daemon: invalid --poll-us " + pollMicros + ": 0 to 10000000 microseconds");
                return 2;
            }
            if (natConnections < 1024 || natConnections > 1 << 24)
            {
                err.println("xbow daemon: invalid --nat-connections " + natConnections + ": 1024 to 16777216");
                return 2;
            }
            if (!"address-and-port-dependent".equals(natFiltering) && !"endpoint-independent".equals(natFiltering))
            {
                err.println("xbow daemon: invalid --nat-filtering '" + natFiltering +
                    "': address-and-port-dependent or endpoint-independent");
                return 2;
            }
            final Xbowd daemon = new Xbowd(Paths.socket(socketPath), Paths.stateDirectory(state), listen, token,
                allowRemote, Version.VERSION).datapath("datapath".equals(guestThreads), pollMicros)
                .natFiltering("endpoint-independent".equals(natFiltering)).natConnections(natConnections);
            try
            {
                daemon.start();
            }
            catch (final Xbowd.DaemonException ex)
            {
                err.println("xbowd: " + ex.getMessage());
                return 1;
            }
            final CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() ->
            {
                daemon.close();
                stopped.countDown();
                err.println("xbowd: stopped");
                err.flush();
                // SIGTERM is how xbowd is asked to stop: report a clean stop (0), not the JVM's 143.
                Runtime.getRuntime().halt(0);
            }, "xbowd-shutdown"));
            err.println("xbowd: listening on " + daemon.socket() + ", state in " + Paths.stateDirectory(state));
            err.flush();
            try
            {
                stopped.await();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            return 0;
        }
    }
}
