package io.xbow.control.cli;

import io.xbow.control.api.CommandFailure;
import picocli.CommandLine;

import java.io.PrintWriter;

/**
 * What the picocli programs share: no {@code @FILE} expansion (in the daemon an argument must never open a file),
 * and errors as one line prefixed with the program's name, exit status 2 for usage and 1 (or the failure's own)
 * for a refused request.
 */
public final class Programs
{
    /** The router's programs, each over the daemon's {@code router} API. */
    public static final java.util.List<String> ROUTER = java.util.List.of("ipadm", "route", "routeadm", "netstat", "arp",
        "dhcpadm", "ipnat");

    private Programs()
    {
    }

    /**
     * Run one of the router's programs.
     *
     * @param program one of {@link #ROUTER}.
     * @param router  the daemon's {@code router} API.
     * @return its exit status.
     */
    public static int runRouterProgram(final String program, final io.xbow.control.api.Backend router,
        final PrintWriter out, final PrintWriter err, final String... argv)
    {
        return runRouterProgram(program, router, XlCommand.LOCAL_FILES, System.in, out, err, argv);
    }

    /**
     * @param files  how ipnat reads the file {@code -f} names (the client's, or the daemon's for its own user).
     * @param stdin  the client's standard input ({@code ipnat -f -}), or null where there is none to read.
     */
    public static int runRouterProgram(final String program, final io.xbow.control.api.Backend router,
        final XlCommand.ConfigFiles files, final java.io.InputStream stdin, final PrintWriter out,
        final PrintWriter err, final String... argv)
    {
        final int status = switch (program)
        {
            case "ipadm" -> IpadmCommand.run(router, out, err, argv);
            case "route" -> RouteCommand.run(router, out, err, argv);
            case "routeadm" -> RouteadmCommand.run(router, out, err, argv);
            case "netstat" -> NetstatCommand.run(router, out, err, argv);
            case "arp" -> NetstatCommand.arp(router, out, err, argv);
            case "dhcpadm" -> DhcpadmCommand.run(router, out, err, argv);
            case "ipnat" -> IpnatCommand.run(router, files, stdin, out, err, argv);
            default -> throw new IllegalArgumentException("not one of the router's programs: " + program);
        };
        out.flush();
        err.flush();
        return status;
    }

    static int run(final String program, final CommandLine cli, final PrintWriter out, final PrintWriter err,
        final String... argv)
    {
        cli.setExpandAtFiles(false);
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler((ex, args) ->
        {
            err.println(program + ": " + ex.getMessage());
            err.flush();
            return 2;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) ->
        {
            final String message = ex.getMessage() == null ? ex.toString() : ex.getMessage();
            if (ex instanceof CommandFailure)
            {
                // A failure from the daemon is its message alone; one made here already names the program.
                err.println(message.startsWith(program + ":") ? message : program + ": " + message);
                err.flush();
                return ((CommandFailure)ex).exitStatus();
            }
            err.println(program + ": " + message);
            err.flush();
            return ex instanceof UsageException ? 2 : 1;
        });
        final int status = cli.execute(argv);
        out.flush();
        return status;
    }
}
