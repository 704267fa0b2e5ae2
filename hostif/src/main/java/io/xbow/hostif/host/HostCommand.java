package io.xbow.hostif.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a host tool (iproute2's {@code ip}) for the control plane: argv only, never a shell; bounded in time; its
 * error text becomes the exception's message. Never on the datapath.
 */
public final class HostCommand
{
    private static final long TIMEOUT_SECONDS = 20;

    private HostCommand()
    {
    }

    /**
     * @param argv the command and its arguments.
     * @return what it printed on standard output.
     * @throws HostCommandException if it cannot run, times out or exits with a failure.
     */
    public static String run(final String... argv) throws HostCommandException
    {
        return run(List.of(argv));
    }

    /**
     * @param argv the command and its arguments.
     * @return what it printed on standard output.
     * @throws HostCommandException if it cannot run, times out or exits with a failure.
     */
    public static String run(final List<String> argv) throws HostCommandException
    {
        final Process process;
        try
        {
            process = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        }
        catch (final IOException ex)
        {
            throw new HostCommandException("cannot run " + argv.get(0) + ": " + ex.getMessage());
        }
        try
        {
            final byte[][] output = new byte[2][];
            final Thread errors = new Thread(() -> output[1] = readAll(process.getErrorStream()));
            errors.start();
            output[0] = readAll(process.getInputStream());
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                throw new HostCommandException(String.join(" ", argv) + ": no answer in " + TIMEOUT_SECONDS + " s");
            }
            errors.join();
            if (process.exitValue() != 0)
            {
                final String text = new String(output[1], StandardCharsets.UTF_8).strip();
                throw new HostCommandException(String.join(" ", argv) + ": " +
                    (text.isEmpty() ? "exit status " + process.exitValue() : text.lines().findFirst().orElse(text)));
            }
            return new String(output[0], StandardCharsets.UTF_8);
        }
        catch (final InterruptedException ex)
        {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new HostCommandException(argv.get(0) + ": interrupted");
        }
    }

    private static byte[] readAll(final java.io.InputStream in)
    {
        try
        {
            return in.readAllBytes();
        }
        catch (final IOException ex)
        {
            return new byte[0];
        }
    }

    /**
     * @param argv a command.
     * @return argv prefixed to run it inside a network namespace ({@code ip netns exec NAME ...}).
     */
    public static List<String> inNamespace(final String namespace, final List<String> argv)
    {
        final List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        full.addAll(argv);
        return full;
    }
}
