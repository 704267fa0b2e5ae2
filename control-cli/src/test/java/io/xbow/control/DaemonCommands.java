package io.xbow.control;

import io.xbow.control.api.ApiClient;
import io.xbow.control.cli.DladmCommand;
import io.xbow.control.cli.Programs;
import io.xbow.control.cli.XlCommand;
import io.xbow.hostif.host.HostCommand;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What an operator types at a running daemon, for tests: dladm and the router's programs (their status checked),
 * {@code xl create} of a netns guest, and commands run inside a guest's namespace.
 */
final class DaemonCommands
{
    private final ApiClient client;
    private final Path dir;

    /**
     * @param dir where guests' configuration files are written.
     */
    DaemonCommands(final ApiClient client, final Path dir)
    {
        this.client = client;
        this.dir = dir;
    }

    /** Runs dladm or one of the router's programs; returns its standard output, checking its status. */
    String run(final int expected, final String program, final String... argv)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final PrintWriter o = new PrintWriter(out);
        final PrintWriter e = new PrintWriter(err);
        final int status = "dladm".equals(program) ? DladmCommand.run(client, o, e, argv) :
            Programs.runRouterProgram(program, client.api("router"), o, e, argv);
        o.flush();
        e.flush();
        assertEquals(expected, status, program + " " + String.join(" ", argv) + ": " + out + err);
        return out.toString();
    }

    /** {@code xl create} of a netns guest with one vif. */
    void create(final String name, final String vif) throws Exception
    {
        Files.writeString(dir.resolve(name + ".cfg"), "name = '" + name + "'\ntype = 'netns'\nvif = [ '" + vif +
            "' ]\n");
        final StringWriter err = new StringWriter();
        assertEquals(0, XlCommand.run(client.xl(), new PrintWriter(new StringWriter()), new PrintWriter(err),
            new String[] {"create", dir.resolve(name + ".cfg").toString()}), err.toString());
    }

    /** A guest's network namespace. */
    String namespace(final String domain)
    {
        return client.xl().call("namespace", Map.of("domain", domain)).rows().get(0).get(0);
    }

    /** A command inside a guest; its output. */
    String in(final String domain, final String... argv) throws Exception
    {
        return HostCommand.run(HostCommand.inNamespace(namespace(domain), List.of(argv)));
    }
}
