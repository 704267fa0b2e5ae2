package io.xbow.hostif.netns;

import io.xbow.hostif.host.HostCommand;
import io.xbow.hostif.host.HostCommandException;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A named Linux network namespace ({@code ip netns}, under {@code /run/netns}) that xbow made: for a guest, or for
 * a test's peer. Names carry the creating process's id ({@code PREFIX-PID-...}), so that a process starting up can
 * remove what a predecessor killed with -9 left ({@link #removeLeftovers}).
 */
public final class NetworkNamespace implements AutoCloseable
{
    private static final Path RUN_NETNS = Path.of("/run/netns");

    private final String name;

    private NetworkNamespace(final String name)
    {
        this.name = name;
    }

    /**
     * Create a namespace with its loopback up.
     *
     * @param name unique; refused if one of that name exists.
     * @return the namespace.
     * @throws HostCommandException if it exists or cannot be made (not root).
     */
    public static NetworkNamespace create(final String name) throws HostCommandException
    {
        if (Files.exists(RUN_NETNS.resolve(name)))
        {
            throw new HostCommandException("network namespace " + name + " exists already");
        }
        HostCommand.run("ip", "netns", "add", name);
        final NetworkNamespace namespace = new NetworkNamespace(name);
        try
        {
            namespace.ip("link", "set", "lo", "up");
        }
        catch (final HostCommandException ex)
        {
            namespace.close();
            throw ex;
        }
        return namespace;
    }

    /**
     * @param prefix the prefix a kind of namespace is named with, followed by {@code -PID-}.
     * @param suffix what tells this process's namespaces of that kind apart.
     * @return a name for one made by this process.
     */
    public static String nameFor(final String prefix, final String suffix)
    {
        return prefix + "-" + ProcessHandle.current().pid() + "-" + suffix;
    }

    /**
     * Delete the namespaces named {@code PREFIX-PID-...} whose process is gone.
     *
     * @param prefix the kind.
     * @return the names removed.
     */
    public static List<String> removeLeftovers(final String prefix)
    {
        final List<String> removed = new ArrayList<>();
        if (!Files.isDirectory(RUN_NETNS))
        {
            return removed;
        }
        final Pattern pattern = Pattern.compile(Pattern.quote(prefix) + "-(\\d+)-.*");
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(RUN_NETNS))
        {
            for (final Path entry : entries)
            {
                final String candidate = entry.getFileName().toString();
                final Matcher matcher = pattern.matcher(candidate);
                if (matcher.matches() && ProcessHandle.of(Long.parseLong(matcher.group(1))).isEmpty())
                {
                    try
                    {
                        HostCommand.run("ip", "netns", "delete", candidate);
                        removed.add(candidate);
                    }
                    catch (final HostCommandException ignored)
                    {
                        // someone else removed it meanwhile
                    }
                }
            }
        }
        catch (final IOException | NumberFormatException ignored)
        {
            // nothing to clean
        }
        return removed;
    }

    /**
     * Move a host interface into this namespace.
     *
     * @param link the interface, in this process's namespace.
     */
    public void adopt(final String link) throws HostCommandException
    {
        HostCommand.run("ip", "link", "set", "dev", link, "netns", name);
    }

    /**
     * Run {@code ip} inside the namespace.
     *
     * @param args its arguments.
     * @return its output.
     */
    public String ip(final String... args) throws HostCommandException
    {
        final List<String> argv = new ArrayList<>(List.of("ip", "-n", name));
        argv.addAll(List.of(args));
        return HostCommand.run(argv);
    }

    /**
     * Run a command inside the namespace and wait for it.
     *
     * @param argv the command.
     * @return its output.
     */
    public String exec(final String... argv) throws HostCommandException
    {
        return HostCommand.run(HostCommand.inNamespace(name, List.of(argv)));
    }

    /**
     * @param argv a command.
     * @return a process builder that runs it inside the namespace.
     */
    public ProcessBuilder processBuilder(final List<String> argv)
    {
        return new ProcessBuilder(HostCommand.inNamespace(name, argv));
    }

    public String name()
    {
        return name;
    }

    /**
     * Delete the namespace; interfaces that were moved into it go with it (a TAP's interface goes when its
     * descriptor closes).
     */
    @Override
    public void close()
    {
        try
        {
            HostCommand.run("ip", "netns", "delete", name);
        }
        catch (final HostCommandException ignored)
        {
            // already gone
        }
    }
}
