package io.xbow.control;

import io.xbow.control.api.ApiClient;
import io.xbow.control.api.CommandFailure;
import io.xbow.control.cli.DladmCommand;
import io.xbow.control.service.Table;
import io.xbow.control.store.ConfigStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The daemon as a process: restart after kill -9, a corrupt configuration, fifty concurrent clients, SIGTERM,
 * a stale socket, the socket's permissions.
 */
class DaemonTest
{
    @TempDir
    Path dir;

    private static String dladm(final ApiClient client, final String... argv)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int status = DladmCommand.run(client, new PrintWriter(out), new PrintWriter(err), argv);
        assertEquals(0, status, String.join(" ", argv) + ": " + err);
        return out.toString();
    }

    @Test
    void shouldComeBackAfterKill9WithEveryPersistentObjectAndNoTemporaryOne() throws Exception
    {
        final String before;
        try (DaemonProcess daemon = new DaemonProcess(dir).start(); ApiClient client = daemon.client())
        {
            dladm(client, "create-etherstub", "stub0");
            dladm(client, "create-etherstub", "-t", "scratch0");
            dladm(client, "create-vnic", "-l", "stub0", "-v", "100", "-p", "maxbw=200M,priority=low", "vnic1");
            dladm(client, "create-vnic", "-l", "stub0", "-m", "random", "vnic2");
            dladm(client, "create-vnic", "-l", "stub0", "-t", "tmp0");
            dladm(client, "set-linkprop", "-p", "protection=mac-nospoof", "vnic2");
            dladm(client, "set-linkprop", "-t", "-p", "mtu=1500", "vnic2");
            dladm(client, "rename-link", "vnic1", "web0");
            before = dladm(client, "show-vnic", "-p", "-o", "link,over,macaddress,macaddrtype,vid", "web0");
            daemon.kill9();
        }
        try (DaemonProcess daemon = new DaemonProcess(dir).start(); ApiClient client = daemon.client())
        {
            // Past the host's own interfaces (physical links, whatever this machine has).
            assertEquals("stub0:etherstub\nweb0:vnic\nvnic2:vnic\n", dladm(client, "show-link", "-p", "-o",
                "link,class").lines().filter(l -> !l.endsWith(":phys")).map(l -> l + "\n")
                .collect(java.util.stream.Collectors.joining()), "persistent objects are back; temporary ones are not");
            assertEquals(before, dladm(client, "show-vnic", "-p", "-o", "link,over,macaddress,macaddrtype,vid",
                "web0"), "same MAC, type, VLAN");
            assertEquals("web0:maxbw:200\nweb0:priority:low\n",
                dladm(client, "show-linkprop", "-c", "-o", "link,property,value", "-p", "maxbw,priority", "web0"));
            assertEquals("vnic2:protection:mac-nospoof\nvnic2:mtu:9000\n",
                dladm(client, "show-linkprop", "-c", "-o", "link,property,value", "-p", "protection,mtu", "vnic2"),
                "a property set with -t is not persisted");
            assertEquals(0, daemon.stop(), "SIGTERM ends the daemon cleanly");
            assertFalse(Files.exists(daemon.socket), "and removes its socket");
        }
    }

    @Test
    void shouldRefuseToStartOnACorruptConfigurationAndLeaveItAlone() throws Exception
    {
        Files.createDirectories(dir.resolve("state"));
        final Path conf = dir.resolve("state").resolve(ConfigStore.FILE_NAME);
        final String broken = "etherstub stub0\nvnic vnic1 over=stub0 mac=2:8:20:1:2:3\nvnic vnic2 over=stub0 mac=2:8:20\n";
        Files.writeString(conf, broken);
        try (DaemonProcess daemon = new DaemonProcess(dir))
        {
            assertEquals(1, daemon.startExpectingFailure());
            assertEquals("xbowd: " + conf + ":3: vnic vnic2: invalid MAC address '2:8:20'\n",
                Files.readString(daemon.log));
        }
        assertEquals(broken, Files.readString(conf), "never overwritten");

        Files.writeString(conf, "etherstub stub0\nbridge br0\n");
        try (DaemonProcess daemon = new DaemonProcess(dir))
        {
            assertEquals(1, daemon.startExpectingFailure());
            assertEquals("xbowd: " + conf + ":2: unknown object 'bridge'; expected etherstub, vnic, vlan or phys\n",
                Files.readString(daemon.log));
        }
    }

    @Test
    void shouldKeepEveryAcknowledgedChangeFromFiftyConcurrentClients() throws Exception
    {
        final Map<String, Boolean> expected = Collections.synchronizedMap(new HashMap<>());
        try (DaemonProcess daemon = new DaemonProcess(dir).start())
        {
            try (ApiClient client = daemon.client())
            {
                dladm(client, "create-etherstub", "stub0");
            }
            final ExecutorService clients = Executors.newFixedThreadPool(50);
            final List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < 50; c++)
            {
                final int id = c;
                done.add(clients.submit(() ->
                {
                    try (ApiClient client = daemon.client())
                    {
                        for (int round = 0; round < 4; round++)
                        {
                            final String name = "c" + id + "_" + round;
                            client.call("create-vnic", Map.of("link", name, "over", "stub0"));
                            expected.put(name, true);
                            if (round % 2 == 1)
                            {
                                client.call("delete-vnic", Map.of("link", name));
                                expected.put(name, false);
                            }
                        }
                        // and one request that must fail without disturbing anything
                        assertThrows(CommandFailure.class, () ->
                            client.call("create-vnic", Map.of("link", "c" + id + "_0", "over", "stub0")));
                    }
                    return null;
                }));
            }
            for (final Future<?> future : done)
            {
                future.get(120, TimeUnit.SECONDS);
            }
            clients.shutdown();
            daemon.kill9();
        }
        final Set<String> wanted = new TreeSet<>();
        expected.forEach((name, present) ->
        {
            if (present)
            {
                wanted.add(name);
            }
        });
        assertEquals(100, wanted.size());
        final Set<String> inFile = new TreeSet<>();
        for (final String line : Files.readAllLines(dir.resolve("state").resolve(ConfigStore.FILE_NAME)))
        {
            if (line.startsWith("vnic "))
            {
                inFile.add(line.split(" ")[1]);
            }
        }
        assertEquals(wanted, inFile, "every acknowledged create and delete is in the file after kill -9");
        try (DaemonProcess daemon = new DaemonProcess(dir).start(); ApiClient client = daemon.client())
        {
            final Table vnics = client.call("show-vnic", Map.of());
            assertEquals(100, vnics.rows().size(), "and the daemon re-creates them all");
        }
    }

    @Test
    void shouldReplaceAStaleSocketButNotARunningDaemon() throws Exception
    {
        try (DaemonProcess daemon = new DaemonProcess(dir).start())
        {
            daemon.kill9();
            assertTrue(Files.exists(daemon.socket), "kill -9 leaves the socket behind");
        }
        try (DaemonProcess daemon = new DaemonProcess(dir).start())
        {
            final DaemonProcess second = new DaemonProcess(dir);
            assertEquals(1, second.startExpectingFailure());
            assertTrue(Files.readString(second.log).contains("another xbowd is running on " + daemon.socket));
            assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(daemon.socket)));
        }
    }
}
