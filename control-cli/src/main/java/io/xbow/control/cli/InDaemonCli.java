package io.xbow.control.cli;

import io.xbow.control.service.Table;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs {@code xl} and {@code dladm} command lines inside the daemon, for the native client: a process that starts
 * no JVM sends its arguments and working directory, and gets back what the JVM client would have printed and its
 * exit status. The commands are the very same code; their API calls go through {@link Calls}, which queues them
 * with every other request, so a command line runs on a thread of its own and never waits on the thread that
 * serves the API.
 * <p>
 * The request body is NUL-terminated UTF-8 strings: the working directory, then the arguments after the program
 * name. The daemon refuses ({@link Result#runInClient()}) what it should not run: {@code dladm -i} repeats forever,
 * and {@code xl create} from a client that is not the daemon's user would have the daemon read a file with its
 * own permissions.
 */
public final class InDaemonCli implements AutoCloseable
{
    /** The daemon's own user: the only one whose files it reads for a client. */
    private static final int OWN_UID = ownUid();

    /** Command lines running at once; more wait (a 50 s xl ping holds one). */
    private static final int THREADS = 4;

    private final Calls calls;
    private final ExecutorService threads;
    private final ThreadLocal<Dladm> dladm = ThreadLocal.withInitial(Dladm::new);

    /**
     * How the commands reach the APIs.
     */
    @FunctionalInterface
    public interface Calls
    {
        /**
         * @param api     {@code xl} or {@code dladm}.
         * @param command the subcommand.
         * @param args    its arguments.
         * @return completes with the rows (or null), or fails with a {@link CommandFailure} carrying the message
         *         the JVM client would print.
         */
        CompletableFuture<Table> call(String api, String command, Map<String, Object> args);
    }

    /**
     * What the command line printed and its exit status; or, with {@code runInClient} set, why the client must run
     * it itself.
     */
    public record Result(int exitStatus, byte[] out, byte[] err, String runInClient)
    {
    }

    public InDaemonCli(final Calls calls)
    {
        this.calls = calls;
        final AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newFixedThreadPool(THREADS, r ->
        {
            final Thread t = new Thread(r, "xbow-cli-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * @param program {@code xl} or {@code dladm}.
     * @param body    the working directory and the arguments, each NUL-terminated.
     * @param peerUid the client's user id.
     * @return completes with the result, never exceptionally.
     */
    public CompletableFuture<Result> run(final String program, final byte[] body, final int peerUid)
    {
        final List<String> words = decode(body);
        if (words == null || words.isEmpty() || !Path.of(words.get(0)).isAbsolute())
        {
            return CompletableFuture.completedFuture(failed(2, "xbow: malformed command line from the client"));
        }
        if (!program.equals("xl") && !program.equals("dladm"))
        {
            return CompletableFuture.completedFuture(failed(2, "xbow: the daemon runs xl and dladm only"));
        }
        final Path cwd = Path.of(words.get(0));
        final String[] argv = words.subList(1, words.size()).toArray(new String[0]);
        final String streams = streams(program, argv);
        if (streams != null)
        {
            return CompletableFuture.completedFuture(new Result(0, new byte[0], new byte[0], streams));
        }
        return CompletableFuture.supplyAsync(() -> execute(program, cwd, argv, peerUid), threads);
    }

    /**
     * @return why the command line cannot run in the daemon because it would not end (dladm's {@code -i}), or null.
     */
    static String streams(final String program, final String[] argv)
    {
        if (!program.equals("dladm"))
        {
            return null;
        }
        for (final String arg : argv)
        {
            // -i alone or in a cluster (-si 1); a false match (-olink) only costs a JVM start.
            if (arg.startsWith("--interval") || (arg.startsWith("-") && !arg.startsWith("--") && arg.indexOf('i') > 0))
            {
                return "dladm -i repeats until interrupted";
            }
        }
        return null;
    }

    private Result execute(final String program, final Path cwd, final String[] argv, final int peerUid)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final Backend backend = (command, args) -> join(calls.call(program, command, args));
        final int status;
        try
        {
            if (program.equals("xl"))
            {
                status = XlCommand.run(backend, files(cwd, peerUid), new PrintWriter(out), new PrintWriter(err),
                    argv);
            }
            else
            {
                status = dladm.get().run(backend, out, err, argv);
            }
        }
        catch (final RunInClient ex)
        {
            return new Result(0, new byte[0], new byte[0], ex.getMessage());
        }
        catch (final RuntimeException ex)
        {
            return failed(1, program + ": internal error: " + ex);
        }
        return new Result(status, out.toString().getBytes(StandardCharsets.UTF_8),
            err.toString().getBytes(StandardCharsets.UTF_8), null);
    }

    private static XlCommand.ConfigFiles files(final Path cwd, final int peerUid)
    {
        return name ->
        {
            if (peerUid != OWN_UID)
            {
                throw new RunInClient("the daemon reads config files for its own user only");
            }
            try
            {
                return Files.readString(cwd.resolve(name), StandardCharsets.UTF_8);
            }
            catch (final FileSystemException ex)
            {
                // Name the file as the user did, as the JVM client's message does.
                throw new FileSystemException(name, ex.getOtherFile(), ex.getReason());
            }
        };
    }

    private static Table join(final CompletableFuture<Table> answer)
    {
        try
        {
            return answer.join();
        }
        catch (final CompletionException ex)
        {
            throw ex.getCause() instanceof RuntimeException ? (RuntimeException)ex.getCause() : ex;
        }
    }

    private static Result failed(final int status, final String message)
    {
        return new Result(status, new byte[0], (message + "\n").getBytes(StandardCharsets.UTF_8), null);
    }

    private static List<String> decode(final byte[] body)
    {
        if (body.length == 0 || body[body.length - 1] != 0)
        {
            return null;
        }
        final List<String> words = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < body.length; i++)
        {
            if (body[i] == 0)
            {
                words.add(new String(body, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        return words;
    }

    private static int ownUid()
    {
        try
        {
            return (Integer)Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        }
        catch (final IOException | UnsupportedOperationException ex)
        {
            return -1; // no peer matches: every xl create runs in the client
        }
    }

    @Override
    public void close()
    {
        threads.shutdownNow();
    }

    /**
     * One thread's dladm: picocli builds its model once, and each run points it at new output and a new backend.
     */
    private static final class Dladm
    {
        private final Redirect out = new Redirect();
        private final Redirect err = new Redirect();
        private Backend backend;
        private final CommandLine cli;

        Dladm()
        {
            cli = DladmCommand.command((command, args) -> backend.call(command, args), new PrintWriter(out),
                new PrintWriter(err));
        }

        int run(final Backend runBackend, final Writer runOut, final Writer runErr, final String[] argv)
        {
            backend = runBackend;
            out.target = runOut;
            err.target = runErr;
            try
            {
                final int status = cli.execute(argv);
                cli.getOut().flush();
                cli.getErr().flush();
                return status;
            }
            finally
            {
                backend = null;
                out.target = null;
                err.target = null;
            }
        }
    }

    /**
     * A writer whose destination changes per run.
     */
    private static final class Redirect extends Writer
    {
        private Writer target;

        @Override
        public void write(final char[] buffer, final int offset, final int length) throws IOException
        {
            target.write(buffer, offset, length);
        }

        @Override
        public void flush() throws IOException
        {
            if (target != null)
            {
                target.flush();
            }
        }

        @Override
        public void close()
        {
            // the run's writer is the caller's
        }
    }
}
