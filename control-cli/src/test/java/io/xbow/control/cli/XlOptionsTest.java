package io.xbow.control.cli;

import io.xbow.control.api.Backend;
import io.xbow.control.service.Table;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * xl's command lines, read by picocli: options where xl takes them, words as given, usage errors with status 2,
 * no {@code @FILE} expansion, and {@code exec}'s command left whole, options included.
 */
class XlOptionsTest
{
    private final List<String> calls = new ArrayList<>();
    private final Backend backend = (command, args) ->
    {
        calls.add(command + " " + new java.util.TreeMap<>(args));
        return command.equals("namespace") ? new Table(List.of("NAMESPACE"), List.of(List.of("xbow-1-dom1"))) :
            new Table(List.of("X"), List.of());
    };

    private int xl(final StringWriter err, final String... argv)
    {
        final XlCommand.ConfigFiles files = new XlCommand.ConfigFiles()
        {
            @Override
            public String read(final String name)
            {
                return "name = 'x'\n";
            }

            @Override
            public int exec(final String namespace, final List<String> argv)
            {
                calls.add("exec " + namespace + " " + argv);
                return 0;
            }
        };
        return XlCommand.run(backend, files, new PrintWriter(new StringWriter()), new PrintWriter(err), argv);
    }

    @Test
    void optionsAndWordsShouldReachTheDaemonAsGiven()
    {
        final StringWriter err = new StringWriter();
        assertEquals(0, xl(err, "shutdown", "-w", "web"), err.toString());
        assertEquals(0, xl(err, "network-attach", "web", "bridge=stub0", "mac=00:16:3e:0:0:9"), err.toString());
        assertEquals(0, xl(err, "uptime", "-s", "web"), err.toString());
        assertEquals(List.of("domid {domain=web}", "shutdown {domain=web}", "network-attach {domain=web, spec=bridge=stub0,mac=00:16:3e:0:0:9}",
            "uptime {domain=web}"), calls);
    }

    @Test
    void badCommandLinesShouldBeUsageErrors()
    {
        final StringWriter err = new StringWriter();
        assertEquals(2, xl(err, "destroy", "-x", "web"));
        assertTrue(err.toString().contains("xl destroy: unknown option '-x'"), err.toString());
        assertEquals(2, xl(err, "destroy", "web", "db"));
        assertTrue(err.toString().contains("usage: xl destroy [-f] DOMAIN"), err.toString());
        assertEquals(2, xl(err, "ping", "web", "10.0.0.1", "-c"));
        assertTrue(err.toString().contains("xl ping: Missing required parameter for option '-c'"), err.toString());
        assertTrue(calls.isEmpty(), "nothing reached the daemon: " + calls);
    }

    @Test
    void anAtWordIsNeverAFileToRead()
    {
        final StringWriter err = new StringWriter();
        xl(err, "domid", "@/etc/shadow");
        assertEquals(List.of("domid {domain=@/etc/shadow}"), calls, "the word, as given");
    }

    @Test
    void execShouldLeaveTheCommandWhole()
    {
        final StringWriter err = new StringWriter();
        assertEquals(0, xl(err, "exec", "web", "--", "ping", "-c", "3", "10.0.0.2"), err.toString());
        assertEquals(0, xl(err, "exec", "web", "ip", "-o", "addr"), err.toString());
        assertEquals(List.of("namespace {domain=web}", "exec xbow-1-dom1 [ping, -c, 3, 10.0.0.2]",
            "namespace {domain=web}", "exec xbow-1-dom1 [ip, -o, addr]"), calls);
    }
}
