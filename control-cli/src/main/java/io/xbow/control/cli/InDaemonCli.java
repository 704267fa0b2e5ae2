package io.xbow.control.cli;

import io.xbow.control.api.Backend;
import io.xbow.control.api.CommandFailure;
import io.xbow.control.api.CommandLines;
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
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs {@code xl} and {@code dladm} command lines inside the daemon, for the native client: a process that starts
 * no JVM sends its arguments and working directory, and gets back what the JVM client would have printed and its
 * exit status. The commands are the very same code; their API calls go through {@link Calls}, which queues them
 * with every other request, so a command line runs on a thread of its own and never waits on the thread that
 * serves the API.
 * <p>
 * The request body is NUL-terminated UTF-8 strings: the working directory, then the arguments after the program
 * name. The daemon refuses ({@link Result#runInClient()}) what it should not run: {@code dladm -i} repeats forever
 * (recognised from picocli's parse result), {@code xl create} from a client that is not the daemon's user would
 * have the daemon read a file with its own permissions, and output past {@link #MAX_OUTPUT_CHARS} is the client's
 * to print. No argument opens a file here: picocli's {@code @FILE} expansion is off.
 * <p>
 * Every command line is bounded: at most {@link #THREADS} run and {@link #MAX_QUEUED} wait (more are refused), each
 * runs at most {@link #MAX_RUN_SECONDS}, and cancelling its future (the client went away) interrupts it.
 */
public final class InDaemonCli implements CommandLines
{
    /** The daemon's own user: the only one whose files it reads for a client. */
    private static final int OWN_UID = ownUid();

    /** The programs whose command lines the daemon runs. */
    public static final java.util.Set<String> PROGRAMS = new java.util.LinkedHashSet<>(List.of("xl", "dladm"));

    static
    {
        PROGRAMS.addAll(Programs.ROUTER);
    }

    /** Command lines running at once; more wait (a 50 s xl ping holds one). */
    static final int THREADS = 4;

    /** Command lines waiting for a thread; past this the daemon answers that it is busy. */
    static final int MAX_QUEUED = 64;

    /** Longest a command line runs (xl ping, the longest, is bounded at 50 s by the API). */
    static final long MAX_RUN_SECONDS = 120;

    /** Standard output and error together, in characters, that the daemon sends back for one command line. */
    static final int MAX_OUTPUT_CHARS = 4 << 20;

    private final Calls calls;
    private final ThreadPoolExecutor threads;
    private final ScheduledExecutorService timer;
    private final long maxRunNanos;
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

    public InDaemonCli(final Calls calls)
    {
        this(calls, TimeUnit.SECONDS.toNanos(MAX_RUN_SECONDS));
    }

    /**
     * @param maxRunNanos how long a command line may run before it is stopped.
     */
    InDaemonCli(final Calls calls, final long maxRunNanos)
    {
        this.calls = calls;
        this.maxRunNanos = maxRunNanos;
        final AtomicInteger n = new AtomicInteger();
        this.threads = new ThreadPoolExecutor(THREADS, THREADS, 0, TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(MAX_QUEUED), r ->
        {
            final Thread t = new Thread(r, "xbow-cli-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        final ScheduledThreadPoolExecutor timeouts = new ScheduledThreadPoolExecutor(1, r ->
        {
            final Thread t = new Thread(r, "xbow-cli-timeouts");
            t.setDaemon(true);
            return t;
        });
        timeouts.setRemoveOnCancelPolicy(true);
        this.timer = timeouts;
    }

    /**
     * @param program {@code xl} or {@code dladm}.
     * @param body    the working directory and the arguments, each NUL-terminated.
     * @param peerUid the client's user id; -1 (unknown) matches no user.
     * @return completes with the result, never exceptionally unless cancelled; cancelling it stops the command
     *         line (its thread is interrupted).
     */
    @Override
    public CompletableFuture<Result> run(final String program, final byte[] body, final int peerUid)
    {
        final List<String> words = decode(body);
        if (words == null || words.isEmpty() || !Path.of(words.get(0)).isAbsolute())
        {
            return CompletableFuture.completedFuture(failed(2, "xbow: malformed command line from the client"));
        }
        if (!PROGRAMS.contains(program))
        {
            return CompletableFuture.completedFuture(failed(2, "xbow: the daemon runs " +
                String.join(", ", PROGRAMS) + " only"));
        }
        final Path cwd = Path.of(words.get(0));
        final String[] argv = words.subList(1, words.size()).toArray(new String[0]);
        final Job job = new Job(program, TimeUnit.NANOSECONDS.toMillis(maxRunNanos),
            () -> execute(program, cwd, argv, peerUid));
        try
        {
            threads.execute(job);
        }
        catch (final RejectedExecutionException ex)
        {
            return CompletableFuture.completedFuture(failed(1, program + ": xbowd is busy (" + THREADS +
                " command lines running and " + MAX_QUEUED + " waiting); try again"));
        }
        timer.schedule(job::timeOut, maxRunNanos, TimeUnit.NANOSECONDS);
        return job;
    }

    private Result execute(final String program, final Path cwd, final String[] argv, final int peerUid)
    {
        final Output output = new Output();
        final String api = program.equals("xl") || program.equals("dladm") ? program : "router";
        final Backend backend = (command, args) -> await(calls.call(api, command, args));
        final int status;
        try
        {
            final PrintWriter out = new PrintWriter(output.out);
            final PrintWriter err = new PrintWriter(output.err);
            status = switch (program)
            {
                case "xl" -> XlCommand.run(backend, files(cwd, peerUid), out, err, argv);
                case "dladm" -> dladm.get().run(backend, output.out, output.err, argv);
                default -> Programs.runRouterProgram(program, backend, files(cwd, peerUid), null, out, err, argv);
            };
            out.flush();
            err.flush();
        }
        catch (final RuntimeException ex)
        {
            if (output.overflowed)
            {
                return Output.TOO_LARGE;
            }
            return ex instanceof RunInClient ? new Result(0, new byte[0], new byte[0], ex.getMessage()) :
                failed(1, program + ": internal error: " + ex);
        }
        if (output.overflowed)
        {
            return Output.TOO_LARGE;
        }
        return new Result(status, output.out.toString().getBytes(StandardCharsets.UTF_8),
            output.err.toString().getBytes(StandardCharsets.UTF_8), null);
    }

    /**
     * One command line: a future that its thread completes, that a timeout completes with a failure, and whose
     * cancellation (or timeout) interrupts the thread running it.
     */
    private static final class Job extends CompletableFuture<Result> implements Runnable
    {
        private final String program;
        private final long limitMs;
        private final java.util.function.Supplier<Result> work;
        private volatile Thread runner;

        Job(final String program, final long limitMs, final java.util.function.Supplier<Result> work)
        {
            this.program = program;
            this.limitMs = limitMs;
            this.work = work;
        }

        @Override
        public void run()
        {
            Thread.interrupted(); // an interrupt meant for the thread's previous job
            runner = Thread.currentThread();
            try
            {
                if (!isDone())
                {
                    complete(work.get());
                }
            }
            finally
            {
                runner = null;
                Thread.interrupted();
            }
        }

        void timeOut()
        {
            if (complete(failed(1, program + ": stopped after " + limitMs / 1000.0 + " s, the longest a command " +
                "line runs in xbowd")))
            {
                interrupt();
            }
        }

        @Override
        public boolean cancel(final boolean mayInterruptIfRunning)
        {
            final boolean cancelled = super.cancel(mayInterruptIfRunning);
            interrupt();
            return cancelled;
        }

        private void interrupt()
        {
            final Thread thread = runner;
            if (thread != null)
            {
                thread.interrupt();
            }
        }
    }

    /**
     * Standard output and error of one command line, bounded together: past the limit writing stops the command
     * (and its output goes back to the client to print).
     */
    private static final class Output
    {
        static final Result TOO_LARGE = new Result(0, new byte[0], new byte[0],
            "the output is larger than the daemon sends back (" + MAX_OUTPUT_CHARS + " characters)");

        private int written;
        private boolean overflowed;
        final Writer out = new Bounded();
        final Writer err = new Bounded();

        private final class Bounded extends StringWriter
        {
            @Override
            public void write(final char[] buffer, final int offset, final int length)
            {
                room(length);
                super.write(buffer, offset, length);
            }

            @Override
            public void write(final String text, final int offset, final int length)
            {
                room(length);
                super.write(text, offset, length);
            }

            @Override
            public void write(final int c)
            {
                room(1);
                super.write(c);
            }

            private void room(final int length)
            {
                if (overflowed || (written += length) > MAX_OUTPUT_CHARS)
                {
                    overflowed = true;
                    throw new IllegalStateException("output over the limit"); // ends the command line

                }
            }
        }
    }

    private static XlCommand.ConfigFiles files(final Path cwd, final int peerUid)
    {
        return name ->
        {
            if (peerUid < 0 || peerUid != OWN_UID)
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

    /** Waits for an API call, interruptibly: a stopped command line cancels the call it waits for. */
    private static Table await(final CompletableFuture<Table> answer)
    {
        try
        {
            return answer.get();
        }
        catch (final InterruptedException ex)
        {
            answer.cancel(true);
            Thread.currentThread().interrupt();
            throw new CancellationException("stopped");
        }
        catch (final ExecutionException ex)
        {
            throw ex.getCause() instanceof RuntimeException ? (RuntimeException)ex.getCause() :
                new IllegalStateException(ex.getCause());
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
            return -1; // no peer matches (an unknown uid matches nothing): every xl create runs in the client
        }
    }

    @Override
    public void close()
    {
        timer.shutdownNow();
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
        private boolean repeats;
        private final CommandLine cli;

        Dladm()
        {
            cli = DladmCommand.command((command, args) -> backend.call(command, args), new PrintWriter(out),
                new PrintWriter(err));
            final CommandLine.IExecutionStrategy execute = cli.getExecutionStrategy();
            cli.setExecutionStrategy(parsed ->
            {
                // From what picocli parsed (-i, --interval, -si1, --interval=1 alike), never from the raw strings.
                final CommandLine.ParseResult sub = parsed.subcommand();
                if (sub != null && sub.hasMatchedOption("-i"))
                {
                    repeats = true;
                    return 0;
                }
                return execute.execute(parsed);
            });
        }

        int run(final Backend runBackend, final Writer runOut, final Writer runErr, final String[] argv)
        {
            backend = runBackend;
            out.target = runOut;
            err.target = runErr;
            try
            {
                repeats = false;
                final int status = cli.execute(argv);
                if (repeats)
                {
                    throw new RunInClient("dladm -i repeats until interrupted");
                }
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
