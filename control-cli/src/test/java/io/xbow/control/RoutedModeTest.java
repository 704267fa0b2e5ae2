package io.xbow.control;

import io.xbow.control.api.ApiClient;
import io.xbow.control.cli.XlCommand;
import io.xbow.hostif.netns.NetworkNamespace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * xbow's router end to end, configured with its commands, against Linux peers: a LAN namespace behind a host
 * interface (the uplink) and netns guests. A guest network on an etherstub is routed to the LAN
 * ({@code ipadm}, {@code route}, {@code routeadm}); a guest with Xen's {@code script=vif-route} keeps its LAN address
 * and is reached from the LAN through proxy ARP, the LAN's neighbour table holding the router's MAC for it;
 * traceroute from the LAN shows the router's hop; forwarding off stops it all; a destroyed guest takes its route
 * and proxy entry with it.
 */
class RoutedModeTest
{
    private static final String PREFIX = "xbowr";

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
        RootNetwork.assume("routed mode", "/usr/bin/ping", "/usr/sbin/traceroute");
        lanLink = new LanLink(PREFIX, "xrt");
        veth = lanLink.link();
        lan = lanLink.lan();
        lan.ip("route", "add", "203.0.113.0/24", "via", "198.51.100.2");
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

    private static boolean pings(final NetworkNamespace from, final String to)
    {
        try
        {
            from.exec("ping", "-c", "1", "-W", "2", to);
            return true;
        }
        catch (final Exception ex)
        {
            return false;
        }
    }

    @Test
    void aGuestNetworkAndARoutedGuestAreReachedFromTheLanThroughTheRouter() throws Exception
    {
        // The router on the uplink and on a guest network, forwarding, a default route out of the LAN.
        op.run(0, "dladm", "create-etherstub", "-t", "gnet0");
        op.run(0, "ipadm", "create-addr", "-t", "-T", "static", "-a", "198.51.100.2/24", veth + "/v4");
        op.run(0, "ipadm", "create-addr", "-t", "-T", "static", "-a", "203.0.113.1/24", "gnet0/gw");
        op.run(0, "route", "add", "default", "198.51.100.1");
        op.run(0, "routeadm", "-e", "ipv4-forwarding", "-u");

        // A guest on the guest network: reached from the LAN through the router, which traceroute shows.
        op.create("app", "bridge=gnet0,ip=203.0.113.10/24,gateway=203.0.113.1");
        assertTrue(pings(lan, "203.0.113.10"), "the LAN reaches the routed guest network");
        assertTrue(op.in("app", "ping", "-c", "1", "-W", "2", "203.0.113.1").contains("1 received"),
            "the guest pings the router");
        final String trace = lan.exec("traceroute", "-n", "-w", "2", "-q", "1", "-m", "4", "203.0.113.10");
        assertTrue(trace.matches("(?s).*\\n\\s*1\\s+198\\.51\\.100\\.2\\s.*\\n\\s*2\\s+203\\.0\\.113\\.10\\s.*"), trace);

        // A routed guest (Xen's vif-route): its LAN address, proxy ARP on the uplink (the link of the default route).
        op.create("web", "script=vif-route,ip=198.51.100.20/24,gateway=198.51.100.2");
        assertTrue(pings(lan, "198.51.100.20"), "the LAN reaches the routed guest by its own address");
        final String routerMac = op.run(0, "dladm", "show-vnic", "-p", "-o", "macaddress", "ip_" + veth).strip();
        final String neighbour = lan.ip("neigh", "show", "198.51.100.20", "dev", "eth0");
        assertTrue(neighbour.contains("lladdr " + normalised(routerMac)), neighbour + " vs router " + routerMac);
        assertTrue(op.in("web", "ping", "-c", "1", "-W", "2", "198.51.100.1").contains("1 received"),
            "the routed guest reaches the LAN");
        final String routedTrace = lan.exec("traceroute", "-n", "-w", "2", "-q", "1", "-m", "4", "198.51.100.20");
        assertTrue(routedTrace.matches("(?s).*\\n\\s*1\\s+198\\.51\\.100\\.2\\s.*\\n\\s*2\\s+198\\.51\\.100\\.20\\s.*"),
            routedTrace);

        final String table = op.run(0, "netstat", "-rn");
        assertTrue(table.matches("(?s).*\\n198\\.51\\.100\\.20 +198\\.51\\.100\\.2 +UH +1 +[1-9][0-9]* vif\\d+\\.0 .*"),
            table);
        final String arp = op.run(0, "arp", "-an");
        assertTrue(arp.matches("(?s).*\\n" + veth + " +198\\.51\\.100\\.20 +255\\.255\\.255\\.255 SPA .*"), arp);
        assertTrue(arp.contains(" 198.51.100.1 "), "the router learned the LAN host: " + arp);

        // Forwarding off: the LAN no longer reaches either guest, and the router counts why.
        op.run(0, "routeadm", "-d", "ipv4-forwarding", "-u");
        assertFalse(pings(lan, "203.0.113.10"));
        assertFalse(pings(lan, "198.51.100.20"));
        final String stats = op.run(0, "netstat", "-s");
        assertTrue(stats.matches("(?s).*\\nRouter interface " + veth + "\\n.*dropped-forwarding-disabled +=" +
            " +[1-9].*"), stats);
        op.run(0, "routeadm", "-e", "ipv4-forwarding", "-u");
        assertTrue(pings(lan, "198.51.100.20"));
        final String metrics = client.get("/metrics");
        assertTrue(metrics.matches("(?s).*xbow_router_forwarded_total\\{interface=\"" + veth + "\"} [1-9].*"),
            metrics);
        assertTrue(metrics.matches("(?s).*xbow_router_drops_total\\{interface=\"" + veth +
            "\",reason=\"forwarding-disabled\"} [1-9].*"), metrics);
        assertTrue(metrics.matches("(?s).*xbow_router_icmp_errors_total\\{interface=\"" + veth + "\"} [1-9].*"),
            "traceroute's time exceeded: " + metrics);

        // The routed guest goes: so do its route and proxy entry; the uplink address is free to go after it.
        op.run(1, "ipadm", "delete-addr", veth + "/v4");
        final StringWriter err = new StringWriter();
        assertEquals(0, XlCommand.run(client.xl(), new PrintWriter(new StringWriter()), new PrintWriter(err),
            new String[] {"destroy", "web"}), err.toString());
        assertFalse(op.run(0, "netstat", "-rn").contains("198.51.100.20"));
        assertFalse(op.run(0, "arp", "-an").contains("198.51.100.20"));
        assertFalse(pings(lan, "198.51.100.20"));
        assertFalse(op.run(0, "dladm", "show-etherstub").contains("xbowroute0"), "the routed vifs' etherstub goes " +
            "with the last of them");
    }

    private static String normalised(final String dladmMac)
    {
        final StringBuilder sb = new StringBuilder();
        for (final String octet : dladmMac.split(":"))
        {
            sb.append(sb.length() == 0 ? "" : ":").append(octet.length() == 1 ? "0" + octet : octet);
        }
        return sb.toString().toLowerCase(java.util.Locale.ROOT);
    }
}
