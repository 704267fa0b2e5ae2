package io.xbow.control;

import io.xbow.control.api.ApiClient;
import io.xbow.control.cli.XlCommand;
import io.xbow.hostif.host.HostCommand;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * NAT end to end, configured with ipnat against Linux peers: a netns guest on a private network reaches a server in
 * a LAN namespace (TCP and UDP with socat, ICMP with ping) only while a map rule is in force, the server seeing the
 * router's address; ipnat -l lists the translations, -s says the filtering; the LAN reaches no inside port through
 * an unmapped one. A published port (rdr) and a 1:1 address (bimap) reach guests from the LAN, and guests reach
 * each other through them (hairpinning).
 */
class NatLinuxTest
{
    private static final String PREFIX = "xbown";

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
        RootNetwork.assume("NAT", "/usr/bin/ping", "/usr/bin/socat");
        lanLink = new LanLink(PREFIX, "xnt");
        veth = lanLink.link();
        lan = lanLink.lan();
        start(dir.resolve("d"));
    }

    /** A daemon (with these options) in a state directory of its own. */
    private void start(final Path state, final String... options) throws Exception
    {
        daemon = new DaemonProcess(Files.createDirectories(state)).options(options).start();
        client = daemon.client();
        op = new DaemonCommands(client, dir);
    }

    /** The daemon again, with other options: what the first one made is gone. */
    private void restart(final String name, final String... options) throws Exception
    {
        client.close();
        daemon.close();
        start(dir.resolve(name), options);
    }

    @AfterEach
    void tearDown() throws Exception
    {
        servers.forEach(Process::destroyForcibly);
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

    /** A server in the LAN's namespace, stopped with the test. */
    private Process server(final String... argv) throws Exception
    {
        return serveIn(lan.name(), argv);
    }

    /** A server in a guest, stopped with the test. */
    private Process serverIn(final String domain, final String... argv) throws Exception
    {
        return serveIn(op.namespace(domain), argv);
    }

    private Process serveIn(final String namespace, final String... argv) throws Exception
    {
        final Process p = new ProcessBuilder(HostCommand.inNamespace(namespace, List.of(argv)))
            .redirectErrorStream(true).start();
        servers.add(p);
        return p;
    }

    private final List<Process> servers = new java.util.ArrayList<>();

    /** The router between the LAN (198.51.100.2 on the veth) and a private network (10.0.0.1 on etherstub pnet0). */
    private void privateNetwork()
    {
        op.run(0, "dladm", "create-etherstub", "-t", "pnet0");
        op.run(0, "ipadm", "create-addr", "-t", "-T", "static", "-a", "198.51.100.2/24", veth + "/v4");
        op.run(0, "ipadm", "create-addr", "-t", "-T", "static", "-a", "10.0.0.1/24", "pnet0/gw");
        op.run(0, "routeadm", "-e", "ipv4-forwarding", "-u");
    }

    @Test
    void aGuestOnAPrivateNetworkReachesTheLanAsTheRouterOnlyWhileAMapRuleIsInForce() throws Exception
    {
        privateNetwork();
        op.create("app", "bridge=pnet0,ip=10.0.0.5/24,gateway=10.0.0.1");
        server("socat", "TCP-LISTEN:7000,reuseaddr,fork", "SYSTEM:echo from $SOCAT_PEERADDR");
        server("socat", "UDP-RECVFROM:7001,fork", "SYSTEM:echo from $SOCAT_PEERADDR");
        Thread.sleep(300);

        final String[] tcp = {"socat", "-T", "2", "-", "TCP:198.51.100.1:7000,connect-timeout=2"};
        assertFalse(from("app", tcp).startsWith("from "), "no NAT: the LAN cannot answer 10.0.0.5");

        final Path rules = dir.resolve("ipnat.conf");
        Files.writeString(rules, "# the private network, masqueraded\nmap " + veth +
            " 10.0.0.0/24 -> 0/32 portmap tcp/udp auto\n");
        op.run(0, "ipnat", "-f", rules.toString());
        assertEquals("from 198.51.100.2", from("app", tcp), "the server sees the router's address");
        assertEquals("from 198.51.100.2", from("app", "sh", "-c",
            "echo x | socat -T 2 - UDP:198.51.100.1:7001"), "UDP too");
        assertTrue(from("app", "ping", "-c", "1", "-W", "2", "198.51.100.1").contains("1 received"),
            "and ping, its identifier translated");
        // Fragments both ways: the guest cuts its 4000-byte echo for a 1500-byte MTU, the LAN host its reply.
        from("app", "ip", "link", "set", "dev", "eth0", "mtu", "1500");
        final String big = from("app", "ping", "-c", "1", "-W", "2", "-M", "dont", "-s", "4000", "198.51.100.1");
        assertTrue(big.contains("1 received"), "a ping of 4000 bytes: its fragments follow the first: " + big);
        assertTrue(op.run(0, "ipnat", "-s").matches("(?s).*\nfragments followed\t[1-9].*"), "counted");

        final String listed = op.run(0, "ipnat", "-l");
        assertTrue(listed.startsWith("List of active MAP/Redirect filters:\nmap " + veth +
            " 10.0.0.0/24 -> 0.0.0.0/32 portmap tcp/udp auto\n\nList of active sessions:\n"), listed);
        assertTrue(listed.matches("(?s).*\nMAP 10\\.0\\.0\\.5 \\d+ <- -> 198\\.51\\.100\\.2 \\d+ " +
            "\\[198\\.51\\.100\\.1 7000\\]\n.*"), listed);
        final String stats = op.run(0, "ipnat", "-s");
        assertTrue(stats.contains("\nfiltering\taddress-and-port-dependent\n"), stats);
        assertTrue(stats.matches("(?s)mapped\tin\t[1-9]\\d*\tout\t[1-9].*\ninuse\t[1-9].*"), stats);

        // The LAN reaches nothing inside through a port no connection mapped.
        try
        {
            lan.exec("socat", "-T", "1", "-", "TCP:198.51.100.2:7000,connect-timeout=1");
            throw new AssertionError("an unmapped port reached the inside");
        }
        catch (final Exception refused)
        {
            // refused by the router (no service there)
        }

        final Result refusedRule = runAllowingFailure("ipadm", "delete-addr", veth + "/v4");
        assertEquals(1, refusedRule.status(), "the rule stands on that address");
        assertEquals("1 entries flushed from NAT list\n", op.run(0, "ipnat", "-C"));
        assertFalse(from("app", tcp).startsWith("from "), "the rule is gone: so is the way out");
        final Path bad = dir.resolve("bad.conf");
        Files.writeString(bad, "map " + veth + " 10.0.0.0/24 -> 0/32\nmap " + veth +
            " 10.0.1.0/24 -> 198.51.100.16/28\n");
        final Result refusedFile = runAllowingFailure("ipnat", "-f", bad.toString());
        assertEquals(1, refusedFile.status());
        assertTrue(refusedFile.err().contains("pools of addresses are not served"), refusedFile.err());
        assertFalse(op.run(0, "ipnat", "-l").contains("\nmap "), "nothing of a refused file is applied");
    }

    private String fromLan(final String... argv)
    {
        try
        {
            return lan.exec(argv).strip();
        }
        catch (final Exception ex)
        {
            return "failed: " + ex.getMessage();
        }
    }

    private String from(final String domain, final String... argv)
    {
        try
        {
            return op.in(domain, argv).strip();
        }
        catch (final Exception ex)
        {
            return "failed: " + ex.getMessage();
        }
    }

    @Test
    void aPublishedPortAndABimapAddressReachGuestsFromTheLanAndFromEachOther() throws Exception
    {
        privateNetwork();
        op.create("app", "bridge=pnet0,ip=10.0.0.5/24,gateway=10.0.0.1");
        op.create("db", "bridge=pnet0,ip=10.0.0.6/24,gateway=10.0.0.1");
        serverIn("app", "socat", "TCP-LISTEN:80,reuseaddr,fork", "SYSTEM:echo app sees $SOCAT_PEERADDR");
        serverIn("db", "socat", "TCP-LISTEN:22,reuseaddr,fork", "SYSTEM:echo db sees $SOCAT_PEERADDR");
        server("socat", "TCP-LISTEN:7000,reuseaddr,fork", "SYSTEM:echo from $SOCAT_PEERADDR");
        Thread.sleep(300);
        final Path rules = dir.resolve("ipnat.conf");
        Files.writeString(rules, "map " + veth + " 10.0.0.0/24 -> 0/32 portmap tcp/udp auto\n" +
            "rdr " + veth + " 0/32 port 8080 -> 10.0.0.5 port 80 tcp\n" +
            "bimap " + veth + " 10.0.0.6/32 -> 198.51.100.20/32\n");
        op.run(0, "ipnat", "-f", rules.toString());

        final String[] published = {"socat", "-T", "2", "-", "TCP:198.51.100.2:8080,connect-timeout=2"};
        assertEquals("app sees 198.51.100.1", fromLan(published), "the published port, from the LAN");
        assertTrue(op.run(0, "ipnat", "-l").matches("(?s).*\nRDR 10\\.0\\.0\\.5 80 <- -> 198\\.51\\.100\\.2 8080 " +
            "\\[198\\.51\\.100\\.1 \\d+\\]\n.*"), "ipnat -l lists it as RDR");
        assertEquals("db sees 198.51.100.1", fromLan("socat", "-T", "2", "-",
            "TCP:198.51.100.20:22,connect-timeout=2"), "the bimap address, from the LAN");
        assertTrue(fromLan("ping", "-c", "1", "-W", "2", "198.51.100.20").contains("1 received"),
            "the router answers ARP for it, and the guest answers the ping");
        assertEquals("from 198.51.100.20", from("db", "socat", "-T", "2", "-",
            "TCP:198.51.100.1:7000,connect-timeout=2"), "the bimap guest leaves from its public address");
        assertEquals("from 198.51.100.2", from("app", "socat", "-T", "2", "-",
            "TCP:198.51.100.1:7000,connect-timeout=2"), "the others from the router's");

        // Hairpinning: each guest reaches the other through its public endpoint, seen from the other's.
        assertEquals("app sees 198.51.100.20", from("db", published), "db to app's published port");
        assertEquals("db sees 198.51.100.2", from("app", "socat", "-T", "2", "-",
            "TCP:198.51.100.20:22,connect-timeout=2"), "app to db's public address");
        assertTrue(op.run(0, "ipnat", "-s").matches("(?s).*\nhairpinned\t[1-9].*"), "counted");
        final String metrics = client.get("/metrics");
        for (final String meter : List.of("xbow_nat_hairpinned_total", "xbow_nat_connections_redirected_total",
            "xbow_nat_bimapped_total"))
        {
            assertTrue(metrics.matches("(?s).*\n" + meter + "\\{interface=\"" + veth + "\"} [1-9].*"),
                meter + ": " + metrics);
        }
        assertTrue(metrics.matches("(?s).*\nxbow_nat_translations_total\\{direction=\"in\",interface=\"" +
            veth + "\"} [1-9].*"), metrics);
        assertTrue(metrics.matches("(?s).*\nxbow_nat_connections\\{interface=\"" + veth +
            "\",protocol=\"tcp\",state=\"(established|transitory)\"} [1-9].*"), metrics);
        assertFalse(fromLan("socat", "-T", "1", "-", "TCP:198.51.100.20:23,connect-timeout=1")
            .startsWith("db"), "nothing listens there");
    }

    @Test
    void stunProbesFindEndpointIndependentMappingPortPreservationAndHairpinningAndEitherFiltering() throws Exception
    {
        RootNetwork.assume("STUN probes", "/usr/bin/stun", "/usr/sbin/stund");
        // RFC 3489's server needs two addresses: the LAN host has a second one.
        lan.ip("addr", "add", "198.51.100.3/24", "dev", "eth0");
        server("stund", "-h", "198.51.100.1", "-a", "198.51.100.3");
        final String probe = probeBehindNat();
        assertTrue(probe.contains("Independent Mapping"), "RFC 4787 REQ-1: " + probe);
        assertTrue(probe.contains("preserves ports"), "port preservation: " + probe);
        assertTrue(probe.contains("Port Dependent Filter"), "address-and-port-dependent filtering: " + probe);
        assertTrue(probe.contains("will hairpin"), "RFC 4787 REQ-9: " + probe);

        // The daemon's other filtering: any remote reaches a mapping.
        restart("eif", "--nat-filtering", "endpoint-independent");
        final String independent = probeBehindNat();
        assertTrue(independent.contains("Independent Mapping, Independent Filter"), independent);
        assertTrue(op.run(0, "ipnat", "-s").contains("\nfiltering\tendpoint-independent\n"));
    }

    /** A guest behind a map rule runs RFC 3489's probes against the LAN's stund: what the client says. */
    private String probeBehindNat() throws Exception
    {
        privateNetwork();
        op.create("app", "bridge=pnet0,ip=10.0.0.5/24,gateway=10.0.0.1");
        final Path rules = dir.resolve("ipnat.conf");
        Files.writeString(rules, "map " + veth + " 10.0.0.0/24 -> 0/32 portmap tcp/udp auto\n");
        op.run(0, "ipnat", "-f", rules.toString());
        Thread.sleep(300);
        String probe = "";
        for (int attempt = 0; attempt < 3 && !probe.contains("Primary:"); attempt++)
        {
            // Its exit status is the NAT's type: read what it says whatever the status.
            final String namespace = op.namespace("app");
            final Process stun = new ProcessBuilder("ip", "netns", "exec", namespace, "stun", "198.51.100.1",
                "-p", "41000").redirectErrorStream(true).start();
            probe = new String(stun.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            stun.waitFor();
        }
        return probe;
    }

    @Test
    void aFloodOfNewFlowsFromOneGuestIsBoundedWhileAnotherGuestsFlowsKeepWorking() throws Exception
    {
        // A small table (1,024 connections; a source gets a quarter, at least 64... here 256).
        restart("small", "--nat-connections", "1024");
        privateNetwork();
        op.create("app", "bridge=pnet0,ip=10.0.0.5/24,gateway=10.0.0.1");
        op.create("db", "bridge=pnet0,ip=10.0.0.6/24,gateway=10.0.0.1");
        server("socat", "TCP-LISTEN:7000,reuseaddr,fork", "SYSTEM:echo from $SOCAT_PEERADDR");
        final Path rules = dir.resolve("ipnat.conf");
        Files.writeString(rules, "map " + veth + " 10.0.0.0/24 -> 0/32 portmap tcp/udp auto\n");
        op.run(0, "ipnat", "-f", rules.toString());
        Thread.sleep(300);
        // 2,000 new flows from one guest: a UDP datagram to each of 2,000 ports of the LAN host.
        assertTrue(from("app", "ping", "-c", "1", "-W", "2", "198.51.100.1").contains("1 received"));
        from("app", "python3", "-c", "import socket, time\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n" +
            "for port in range(20000, 22000):\n    s.sendto(b'x', ('198.51.100.1', port))\n" +
            "    if port % 50 == 0: time.sleep(0.002)\n");
        final String stats = op.run(0, "ipnat", "-s");
        assertTrue(stats.matches("(?s).*\nrefused source limit\t[1-9].*"), "the flood hit its share: " + stats);
        assertTrue(stats.matches("(?s).*\ninuse\t(2[0-9]{2}|1[0-9]{2}|[0-9]{1,2})\n.*"),
            "no more than its share tracked: " + stats);
        assertEquals("from 198.51.100.2", from("db", "socat", "-T", "2", "-",
            "TCP:198.51.100.1:7000,connect-timeout=2"), "another guest's new connection still works");
    }

    @Test
    void aVifNatGuestGetsItsAddressFromUdhcpcAndReachesTheLanMasqueradedUntilTheVifGoes() throws Exception
    {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/busybox")),
            "busybox (udhcpc) is not installed: .ci/setup.sh installs it");
        op.run(0, "ipadm", "create-addr", "-t", "-T", "static", "-a", "198.51.100.2/24", veth + "/v4");
        op.run(0, "route", "add", "default", "198.51.100.1"); // gatewaydev: the default route's link
        op.run(0, "routeadm", "-e", "ipv4-forwarding", "-u");
        server("socat", "TCP-LISTEN:7000,reuseaddr,fork", "SYSTEM:echo from $SOCAT_PEERADDR");
        op.create("natg", "script=vif-nat");
        final Path script = dir.resolve("udhcpc.sh");
        final Path events = dir.resolve("udhcpc.events");
        Files.writeString(script, "#!/bin/sh\ncase \"$1\" in bound|renew)\n" +
            "  ip addr add \"$ip/$subnet\" dev \"$interface\"; ip route add default via \"$router\"\n" +
            "  echo \"$ip $subnet $router\" >> " + events + " ;;\nesac\n");
        Files.setPosixFilePermissions(script, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        op.in("natg", "busybox", "udhcpc", "-q", "-n", "-i", "eth0", "-t", "5", "-T", "1", "-s", script.toString());
        final String lease = Files.readString(events).strip();
        final java.util.regex.Matcher m = java.util.regex.Pattern
            .compile("10\\.0\\.(\\d+)\\.1 255\\.255\\.0\\.0 10\\.0\\.\\1\\.128").matcher(lease);
        assertTrue(m.matches(), "Xen's default address (10.<domid/256>.<domid%256>.<devid+1>/16) and router " +
            "(+127): " + lease);
        final String guest = "10.0." + m.group(1) + ".1";

        assertEquals("from 198.51.100.2", from("natg", "socat", "-T", "2", "-",
            "TCP:198.51.100.1:7000,connect-timeout=2"), "out through the default route's link, masqueraded");
        final String listed = op.run(0, "ipnat", "-l");
        assertTrue(listed.contains("\nmap " + veth + " " + guest + "/32 -> 0.0.0.0/32 portmap tcp/udp auto\n"),
            listed);
        assertTrue(listed.contains("\nMAP " + guest + " "), listed);
        assertEquals("0 entries flushed from NAT list\n", op.run(0, "ipnat", "-C"), "the vif's rule is the vif's");

        final StringWriter err = new StringWriter();
        assertEquals(0, XlCommand.run(client.xl(), new PrintWriter(new StringWriter()), new PrintWriter(err),
            new String[] {"destroy", "natg"}), err.toString());
        final String after = op.run(0, "ipnat", "-l");
        assertFalse(after.contains(guest), "its rule and translations went with the vif: " + after);
    }

    private record Result(int status, String out, String err)
    {
    }

    private Result runAllowingFailure(final String program, final String... argv)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int status = io.xbow.control.cli.Programs.runRouterProgram(program, client.api("router"),
            new PrintWriter(out), new PrintWriter(err), argv);
        return new Result(status, out.toString(), err.toString());
    }

}
