package io.xbow.control;

import io.xbow.control.api.ApiClient;
import io.xbow.control.cli.DladmCommand;
import io.xbow.control.cli.XlCommand;
import io.xbow.hostif.host.HostCommand;
import io.xbow.hostif.host.HostCommandException;
import io.xbow.hostif.netns.NetworkNamespace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A host-only network: an etherstub whose VNIC {@code zone=global} is an interface of the host (a TAP of its name),
 * so the host reaches its guests, as libvirt's virbr0 or VirtualBox's vboxnet0. The daemon runs in a network
 * namespace of the test's own, which stands for the host: nothing changes on the machine's own network.
 */
class HostOnlyNetworkTest
{
    private static final String PREFIX = "xbowh";

    @TempDir
    Path dir;

    private NetworkNamespace host;
    private DaemonProcess daemon;
    private ApiClient client;

    @BeforeEach
    void setUp() throws Exception
    {
        RootNetwork.assume("a host-only network", "/usr/bin/ping", "/usr/bin/socat");
        NetworkNamespace.removeLeftovers(PREFIX);
        host = NetworkNamespace.create(NetworkNamespace.nameFor(PREFIX, "host"));
        daemon = new DaemonProcess(Files.createDirectories(dir.resolve("d"))).inNamespace(host.name()).start();
        client = daemon.client();
    }

    @AfterEach
    void tearDown() throws Exception
    {
        if (client != null)
        {
            client.close();
        }
        if (daemon != null)
        {
            daemon.close();
        }
        if (host != null)
        {
            host.close();
        }
    }

    private int dladm(final StringWriter out, final StringWriter err, final String... argv)
    {
        return DladmCommand.run(client, new PrintWriter(out), new PrintWriter(err), argv);
    }

    private String dladm(final String... argv)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        assertEquals(0, dladm(out, err, argv), err.toString());
        return out.toString();
    }

    @Test
    void theHostReachesItsGuestsThroughAVnicInTheGlobalZone() throws Exception
    {
        dladm("create-etherstub", "stub0");
        dladm("create-vnic", "-l", "stub0", "-m", "2:8:20:0:0:1", "-p", "zone=global", "hostnet0");
        final String link = host.ip("-o", "link", "show", "hostnet0");
        assertTrue(link.contains("02:08:20:00:00:01") && link.contains("UP"), "a host interface with the VNIC's MAC: "
            + link);
        assertEquals("hostnet0 zone global -- global",
            dladm("show-linkprop", "-c", "-o", "link,property,value,default,possible", "-p", "zone", "hostnet0")
                .strip().replace(':', ' ').replace("--", "--"));
        host.ip("addr", "add", "203.0.113.1/24", "dev", "hostnet0");

        Files.writeString(dir.resolve("g.cfg"), "name = 'g'\ntype = 'netns'\n" +
            "vif = [ 'bridge=stub0,ip=203.0.113.2/24,gateway=203.0.113.1' ]\n");
        final StringWriter err = new StringWriter();
        assertEquals(0, XlCommand.run(client.xl(), new PrintWriter(new StringWriter()), new PrintWriter(err),
            new String[] {"create", dir.resolve("g.cfg").toString()}), err.toString());
        final String ping = host.exec("ping", "-c", "3", "-i", "0.2", "-W", "2", "203.0.113.2");
        assertTrue(ping.contains("3 received"), ping);

        // A TCP stream from the guest: its super-frames reach the host's stack whole, through the TAP's header.
        final Path data = dir.resolve("data");
        Files.write(data, new byte[4_000_000]);
        final Process sink = host.processBuilder(List.of("socat", "-u", "TCP-LISTEN:9000,bind=203.0.113.1,reuseaddr",
            "SYSTEM:wc -c")).redirectErrorStream(true).start();
        try
        {
            final String namespace = client.xl().call("namespace", java.util.Map.of("domain", "g")).rows().get(0).get(0);
            boolean sent = false;
            String why = "";
            for (int attempt = 0; attempt < 50 && !sent; attempt++)
            {
                try
                {
                    // The daemon runs in a namespace of its own, so its guests' namespaces are mounted where it is.
                    HostCommand.run(List.of("nsenter", "-t", Long.toString(daemon.pid()), "-m", "--", "ip", "netns",
                        "exec", namespace, "socat", "-u", "OPEN:" + data, "TCP:203.0.113.1:9000,connect-timeout=2"));
                    sent = true;
                }
                catch (final HostCommandException notYet)
                {
                    why = notYet.getMessage();
                    Thread.sleep(100);
                }
            }
            assertTrue(sent, "connected: " + why);
            assertTrue(sink.waitFor(20, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals("4000000", new String(sink.getInputStream().readAllBytes()).strip());
        }
        finally
        {
            sink.destroyForcibly();
        }

        // Renamed, the interface follows; reset, it goes; the name of an existing interface is refused.
        dladm("rename-link", "hostnet0", "hostnet1");
        assertTrue(host.ip("-o", "link", "show", "hostnet1").contains("UP"));
        final StringWriter refused = new StringWriter();
        dladm("create-vnic", "-l", "stub0", "scratch0");
        assertNotEquals(0, dladm(new StringWriter(), refused, "set-linkprop", "-p", "zone=nowhere", "scratch0"));
        assertTrue(refused.toString().contains("invalid zone 'nowhere'"), refused.toString());
        dladm("reset-linkprop", "-p", "zone", "hostnet1");
        final long deadline = System.nanoTime() + 5_000_000_000L;
        boolean gone = false;
        while (!gone && System.nanoTime() < deadline)
        {
            try
            {
                host.ip("link", "show", "hostnet1");
                Thread.sleep(20);
            }
            catch (final HostCommandException expected)
            {
                gone = true;
            }
        }
        assertTrue(gone, "reset-linkprop zone takes the host interface away");
    }
}
