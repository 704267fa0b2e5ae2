package io.xbow.control;

import java.io.FileDescriptor;
import java.io.FileOutputStream;

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

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

/**
 * {@code xbow}: the one launcher. {@code xbow [--socket PATH] dladm ...}, {@code xbow daemon [options]},
 * {@code xbow completion}, {@code xbow --version}.
 */
public final class XbowMain
{
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
        while (i < argv.length && argv[i].startsWith("--socket"))
        {
            if (argv[i].contains("="))
            {
                socket = argv[i].substring(argv[i].indexOf('=') + 1);
                i++;
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
            err.println("usage: xbow [--socket PATH] {dladm|xl|capture|daemon|completion|--version} ...");
            return 2;
        }
        final String[] rest = Arrays.copyOfRange(argv, i + 1, argv.length);
        switch (argv[i])
        {
            case "--version":
            case "-V":
                out.println("xbow " + Version.VERSION);
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
            case "capture":
                try (ApiClient client = new ApiClient(Paths.socket(socket)))
                {
                    return CaptureCommand.run(client, out, err,
                        // The raw descriptor, not System.out: nothing else may write into a pcap stream.
                        (o, l, s) -> CaptureFileSink.open(o, l, s, new FileOutputStream(FileDescriptor.out)), rest);
                }
            case "daemon":
                return daemon(socket, rest, err);
            case "completion":
                out.print(AutoComplete.bash("dladm", DladmCommand.command(null, out, err)));
                out.flush();
                return 0;
            default:
                err.println("xbow: unknown command '" + argv[i] + "'; try dladm, xl, capture, daemon, completion or --version");
                return 2;
        }
    }

    private static int daemon(final String socketOption, final String[] argv, final PrintWriter err)
    {
        String socket = socketOption;
        String state = null;
        String listen = null;
        String token = null;
        boolean allowRemote = false;
        for (int i = 0; i < argv.length; i++)
        {
            final String option = argv[i];
            if (option.equals("--allow-remote"))
            {
                allowRemote = true;
                continue;
            }
            if (i + 1 >= argv.length || !option.startsWith("--"))
            {
                err.println("xbow daemon: unknown or incomplete option '" + option +
                    "'; options: --socket PATH --state-dir DIR --listen ADDR:PORT --token-file FILE --allow-remote");
                return 2;
            }
            final String value = argv[++i];
            switch (option)
            {
                case "--socket": socket = value; break;
                case "--state-dir": state = value; break;
                case "--listen": listen = value; break;
                case "--token-file": token = value; break;
                default:
                    err.println("xbow daemon: unknown option '" + option + "'");
                    return 2;
            }
        }
        final Xbowd daemon = new Xbowd(Paths.socket(socket), Paths.stateDirectory(state), listen,
            token == null ? null : Path.of(token), allowRemote, Version.VERSION);
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
