package io.xbow.control.cli;

import io.xbow.control.api.CommandFailure;
import picocli.CommandLine;

import java.io.PrintWriter;

/**
 * What the picocli programs share: no {@code @FILE} expansion (in the daemon an argument must never open a file),
 * and errors as one line prefixed with the program's name, exit status 2 for usage and 1 (or the failure's own)
 * for a refused request.
 */
final class Programs
{
    private Programs()
    {
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
