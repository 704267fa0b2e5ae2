package io.xbow.control;

import io.xbow.control.api.ApiClient;
import io.xbow.control.cli.DladmCommand;
import io.xbow.control.cli.XlCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * netns guests through the daemon: {@code xl exec} runs a command inside one (as the client, with its exit status);
 * a daemon killed with -9 leaves a namespace that the next daemon removes.
 */
class NetnsDaemonTest
{
    @TempDir
    Path dir;

    private static int xl(final ApiClient client, final StringWriter err, final String... argv)
    {
        return XlCommand.run(client.xl(), new PrintWriter(new StringWriter()), new PrintWriter(err), argv);
    }

    @Test
    void xlExecRunsInTheGuestAndAKilledDaemonsNamespaceIsRemovedByTheNext() throws Exception
    {
        RootNetwork.assume("a netns guest");
        Files.writeString(dir.resolve("g.cfg"), "name = 'g'\ntype = 'netns'\n" +
            "vif = [ 'bridge=stub0,ip=198.51.100.7/24,gateway=198.51.100.1' ]\n");
        final Path out = dir.resolve("inside.txt");
        final String namespace;
        try (DaemonProcess first = new DaemonProcess(Files.createDirectories(dir.resolve("first"))).start();
             ApiClient client = first.client())
        {
            final StringWriter err = new StringWriter();
            assertEquals(0, DladmCommand.run(client, new PrintWriter(new StringWriter()), new PrintWriter(err),
                "create-etherstub", "-t", "stub0"), err.toString());
            assertEquals(0, xl(client, err, "create", dir.resolve("g.cfg").toString()), err.toString());

            assertEquals(0, xl(client, err, "exec", "g", "--", "sh", "-c",
                "ip -o addr show dev eth0 > " + out + "; ip route show default >> " + out), err.toString());
            final String inside = Files.readString(out);
            assertTrue(inside.contains("inet 198.51.100.7/24"), inside);
            assertTrue(inside.contains("default via 198.51.100.1 dev eth0"), inside);
            assertEquals(7, xl(client, err, "exec", "g", "sh", "-c", "exit 7"), "the command's exit status");

            final StringWriter refused = new StringWriter();
            assertEquals(2, xl(client, refused, "exec", "g"), "no command");
            assertTrue(refused.toString().contains("usage: xl exec DOMAIN"), refused.toString());
            assertEquals(1, xl(client, refused, "exec", "nosuch", "--", "true"));
            assertTrue(refused.toString().contains("'nosuch' is an invalid domain identifier"), refused.toString());

            namespace = "xbow-" + first.pid() + "-dom1";
            assertTrue(Files.exists(Path.of("/run/netns", namespace)), namespace);
            first.kill9();
        }
        assertTrue(Files.exists(Path.of("/run/netns", namespace)), "kill -9 leaves the guest's namespace");
        try (DaemonProcess second = new DaemonProcess(Files.createDirectories(dir.resolve("second"))).start())
        {
            assertFalse(Files.exists(Path.of("/run/netns", namespace)), "the next daemon removed it");
            assertEquals(0, second.stop());
        }
    }
}
