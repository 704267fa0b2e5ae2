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

import static org.junit.jupiter.api.Assertions.*;

/**
 * Bridged mode end to end, as Xen's vif-bridge: netns guests whose vifs name a host interface as their bridge
 * (one end of a veth pair whose other end is in a "LAN" namespace) reach the LAN and each other; a guest on
 * another VLAN reaches neither; show-phys lists the interface; the uplink's packet socket goes with the last vif.
 */
class BridgedModeTest
{
    private static final String PREFIX = "xbowb";

    @TempDir
    Path dir;

    private LanLink lanLink;
    private String veth;
    private NetworkNamespace lan;
    private DaemonProcess daemon;
    private ApiClient client;
    private DaemonCommands op;

    @BeforeEach
    void setUp() throws Exception
    {
        RootNetwork.assume("bridged mode", "/usr/bin/ping");
        lanLink = new LanLink(PREFIX, "xbl");
        veth = lanLink.link();
        lan = lanLink.lan();
        daemon = new DaemonProcess(Files.createDirectories(dir.resolve("d"))).start();
        client = daemon.client();
        op = new DaemonCommands(client, dir);
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
        if (lanLink != null)
        {
            lanLink.close();
        }
    }

    private String dladm(final String... argv)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        assertEquals(0, DladmCommand.run(client, new PrintWriter(out), new PrintWriter(err), argv), err.toString());
        return out.toString();
    }

    private long packetSocketsOn(final String link) throws Exception
    {
        final String index = Files.readString(Path.of("/sys/class/net", link, "ifindex")).strip();
        return Files.readAllLines(Path.of("/proc/net/packet")).stream().skip(1)
            .map(line -> line.trim().split("\\s+")).filter(f -> f.length > 4 && f[4].equals(index)).count();
    }

    @Test
    void guestsOnAHostInterfaceReachTheLanAndEachOtherWithinTheirVlan() throws Exception
    {
        final String phys = dladm("show-phys");
        assertTrue(phys.lines().anyMatch(l -> l.startsWith(veth + " ") && l.contains("Ethernet") && l.contains("up") &&
            l.matches(".*\\bveth\\d+\\s*$")), phys);
        assertTrue(dladm("show-link").lines().anyMatch(l -> l.startsWith(veth + " ") && l.contains("phys")));
        assertEquals(0, packetSocketsOn(veth), "nothing over it yet: the interface is not in use");
        dladm("create-etherstub", "-t", "hostnames0");
        for (final String[] argv : new String[][] {{"create-vnic", "-t", "-l", "hostnames0", veth},
            {"create-vnic", "-t", "-l", "hostnames0", "-p", "zone=global", veth}})
        {
            final StringWriter err = new StringWriter();
            assertEquals(1, DladmCommand.run(client, new PrintWriter(new StringWriter()), new PrintWriter(err), argv));
            assertTrue(err.toString().contains("object already exists: link " + veth + " (an interface of the host)"),
                err.toString());
        }
        dladm("delete-etherstub", "-t", "hostnames0");

        op.create("web", "bridge=" + veth + ",ip=198.51.100.2/24");
        op.create("db", "bridge=" + veth + ",ip=198.51.100.3/24");
        op.create("v20", "bridge=" + veth + ",ip=198.51.100.20/24,vlanid=20");
        assertEquals(1, packetSocketsOn(veth), "one packet socket for the physical link, opened with the first vif");

        // xbow capture on the uplink sees the guest's echo requests as tcpdump prints them.
        final StringWriter captured = new StringWriter();
        final StringWriter captureErr = new StringWriter();
        final java.util.concurrent.CompletableFuture<Integer> capture = java.util.concurrent.CompletableFuture
            .supplyAsync(() -> io.xbow.control.cli.CaptureCommand.run(client, new PrintWriter(captured, true),
                new PrintWriter(captureErr, true), (o, l, snaplen) -> { throw new IllegalStateException("no -w"); },
                new String[] {"-i", veth, "-c", "2", "-n", "icmp"}));
        final long listening = System.nanoTime() + 10_000_000_000L;
        while (!captureErr.toString().contains("listening on") && System.nanoTime() < listening)
        {
            Thread.sleep(10);
        }
        assertTrue(op.in("web", "ping", "-c", "2", "-i", "0.2", "-W", "2", "198.51.100.1").contains("2 received"));
        assertEquals(0, capture.get(10, java.util.concurrent.TimeUnit.SECONDS), captureErr.toString());
        assertTrue(captured.toString().lines().filter(l -> l.contains("198.51.100.2 > 198.51.100.1: ICMP echo request"))
            .count() >= 1, captured.toString());
        assertTrue(lan.exec("ping", "-c", "2", "-i", "0.2", "-W", "2", "198.51.100.3").contains("2 received"));
        assertTrue(op.in("web", "ping", "-c", "2", "-i", "0.2", "-W", "2", "198.51.100.3").contains("2 received"));
        for (final String other : new String[] {"198.51.100.1", "198.51.100.2"})
        {
            final HostCommandException isolated = assertThrows(HostCommandException.class,
                () -> op.in("v20", "ping", "-c", "1", "-W", "1", other), "VLAN 20 reaches nothing on VLAN 1: " + other);
            assertTrue(isolated.getMessage().contains("ping"), isolated.getMessage());
        }

        final StringWriter err = new StringWriter();
        for (final String domain : new String[] {"web", "db", "v20"})
        {
            assertEquals(0, XlCommand.run(client.xl(), new PrintWriter(new StringWriter()), new PrintWriter(err),
                new String[] {"destroy", domain}), err.toString());
        }
        final long deadline = System.nanoTime() + 5_000_000_000L;
        while (packetSocketsOn(veth) > 0 && System.nanoTime() < deadline)
        {
            Thread.sleep(20);
        }
        assertEquals(0, packetSocketsOn(veth), "the last vif gone, the interface is let go");
    }

    /** iperf3's bits per second received, from its JSON. */
    private static double receivedBps(final String json)
    {
        final java.util.regex.Matcher m = java.util.regex.Pattern.compile(
            "\"sum_received\"\\s*:\\s*\\{[^}]*\"bits_per_second\"\\s*:\\s*([0-9.e+]+)").matcher(json);
        assertTrue(m.find(), json);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void aVifsRateIsWhatIperf3Measures() throws Exception
    {
        RootNetwork.assume("measuring a rate", "/usr/bin/iperf3");
        op.create("web", "bridge=" + veth + ",ip=198.51.100.2/24,rate=20Mb/s");
        final Process server = lan.processBuilder(List.of("iperf3", "-s", "-1", "-B", "198.51.100.1"))
            .redirectErrorStream(true).start();
        try
        {
            String result = null;
            for (int attempt = 0; attempt < 30 && result == null; attempt++)
            {
                final String answer = op.in("web", "iperf3", "-c", "198.51.100.1", "-t", "4", "-O", "1", "-J",
                    "--connect-timeout", "2000");
                result = answer.contains("\"sum_received\"") ? answer : null;
                if (result == null)
                {
                    Thread.sleep(100);
                }
            }
            assertNotNull(result, "iperf3 never connected");
            // TCP's payload over the wire's bytes at MTU 1500: 1448 of 1514 (with timestamps), what maxbw counts.
            final double expected = 20e6 * 1448 / 1514;
            final double measured = receivedBps(result);
            assertEquals(expected, measured, expected * 0.05, "20 Mb/s as iperf3 sees it: " + measured);
        }
        finally
        {
            server.destroyForcibly().waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    /** An HTTP server of one socat: every connection gets the response in the file. */
    private static List<String> httpServer(final String address, final Path response)
    {
        return List.of("socat", "-T", "10", "TCP-LISTEN:8080,bind=" + address + ",reuseaddr,fork",
            "SYSTEM:cat " + response);
    }

    /** curl's count of the bytes it received, retried while the server starts. */
    private static String fetched(final java.util.function.Function<List<String>, String> run, final String url)
        throws InterruptedException
    {
        String got = "";
        for (int attempt = 0; attempt < 50 && !got.equals("1000000"); attempt++)
        {
            try
            {
                got = run.apply(List.of("curl", "-s", "--max-time", "5", "-o", "/dev/null", "-w", "%{size_download}",
                    url)).strip();
            }
            catch (final RuntimeException notYet)
            {
                Thread.sleep(100);
            }
        }
        return got;
    }

    @Test
    void curlWorksBothWays() throws Exception
    {
        RootNetwork.assume("HTTP both ways", "/usr/bin/socat", "/usr/bin/curl");
        op.create("web", "bridge=" + veth + ",ip=198.51.100.2/24");
        final String namespace = op.namespace("web");
        final Path response = dir.resolve("response");
        Files.write(response, "HTTP/1.0 200 OK\r\nContent-Length: 1000000\r\n\r\n".getBytes());
        Files.write(response, new byte[1_000_000], java.nio.file.StandardOpenOption.APPEND);
        final Process lanServer = lan.processBuilder(httpServer("198.51.100.1", response)).redirectErrorStream(true)
            .start();
        final Process guestServer = new ProcessBuilder(HostCommand.inNamespace(namespace,
            httpServer("198.51.100.2", response))).redirectErrorStream(true).start();
        try
        {
            assertEquals("1000000", fetched(argv -> call(() -> op.in("web", argv.toArray(String[]::new))),
                "http://198.51.100.1:8080/"), "the guest fetches from the LAN");
            assertEquals("1000000", fetched(argv -> call(() -> lan.exec(argv.toArray(String[]::new))),
                "http://198.51.100.2:8080/"), "the LAN fetches from the guest");
        }
        finally
        {
            lanServer.destroyForcibly().waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
            guestServer.destroyForcibly().waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    private static String call(final java.util.concurrent.Callable<String> command)
    {
        try
        {
            return command.call();
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    @Test
    void anInterfaceThatVanishesTakesItsLinkDownAndNothingElse() throws Exception
    {
        op.create("web", "bridge=" + veth + ",ip=198.51.100.2/24");
        assertTrue(op.in("web", "ping", "-c", "1", "-W", "2", "198.51.100.1").contains("1 received"));
        assertFalse(op.in("web", "ip", "link", "show", "eth0").contains("NO-CARRIER"));
        final StringWriter captureErr = new StringWriter();
        final java.util.concurrent.CompletableFuture<Integer> capture = java.util.concurrent.CompletableFuture
            .supplyAsync(() -> io.xbow.control.cli.CaptureCommand.run(client, new PrintWriter(new StringWriter()),
                new PrintWriter(captureErr, true), (o, l, snaplen) -> { throw new IllegalStateException("no -w"); },
                new String[] {"-i", veth, "-n"}));
        final long listening = System.nanoTime() + 10_000_000_000L;
        while (!captureErr.toString().contains("listening on") && System.nanoTime() < listening)
        {
            Thread.sleep(10);
        }
        HostCommand.run("ip", "link", "del", veth); // under the daemon's feet
        final long deadline = System.nanoTime() + 10_000_000_000L;
        String links = "";
        while (System.nanoTime() < deadline)
        {
            try
            {
                op.in("web", "ping", "-c", "1", "-W", "1", "198.51.100.1"); // traffic meets the dead socket
            }
            catch (final HostCommandException expected)
            {
                // no answer
            }
            links = dladm("show-link", "-p", "-o", "link,state");
            if (links.contains(veth + ":down"))
            {
                break;
            }
        }
        assertTrue(links.contains(veth + ":down"), "the physical link is down: " + links);
        assertTrue(links.contains("xvm1_0:down"), "and the vif's VNIC over it: " + links);
        assertEquals(1, capture.get(10, java.util.concurrent.TimeUnit.SECONDS), "the capture ended: " + captureErr);
        assertTrue(captureErr.toString().contains("link " + veth + " went down"), captureErr.toString());
        String eth0 = "";
        for (int i = 0; i < 100 && !eth0.contains("NO-CARRIER"); i++)
        {
            eth0 = op.in("web", "ip", "link", "show", "eth0");
            Thread.sleep(20);
        }
        assertTrue(eth0.contains("NO-CARRIER"), "the guest is told, as a cable pulled out: " + eth0);
        final StringWriter err = new StringWriter();
        assertEquals(0, XlCommand.run(client.xl(), new PrintWriter(new StringWriter()), new PrintWriter(err),
            new String[] {"destroy", "web"}), err.toString());
        assertTrue(dladm("show-link").contains("LINK"), "the daemon carries on");
    }

    @Test
    void propertiesSetOnAHostInterfacePersistAndAnAbsentOneStopsNothing() throws Exception
    {
        dladm("set-linkprop", "-p", "mtu=1400", veth); // persistent, as on illumos
        final Path conf = dir.resolve("d").resolve("state").resolve("xbow.conf");
        assertTrue(Files.readString(conf).contains("phys " + veth + " mtu=1400"), Files.readString(conf));

        client.close();
        daemon.kill9();
        Files.writeString(conf, Files.readString(conf) + "phys xbnone0 mtu=1400\n"); // an interface not here
        daemon.start();
        client = daemon.client();
        assertEquals(veth + ":mtu:1400",
            dladm("show-linkprop", "-c", "-o", "link,property,value", "-p", "mtu", veth).strip());
        assertTrue(dladm("show-link").contains("LINK"), "the daemon started");

        dladm("reset-linkprop", "-p", "mtu", veth);
        assertFalse(Files.readString(conf).contains("phys " + veth), "nothing left to say: " + Files.readString(conf));
        assertTrue(Files.readString(conf).contains("phys xbnone0 mtu=1400"), "kept for when it is back");
    }
}
