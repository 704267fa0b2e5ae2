package io.xbow.control;

import io.xbow.control.api.ApiClient;
import io.xbow.control.cli.DladmCommand;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The router's DHCP server against real clients, unchanged, in netns guests on an etherstub: busybox udhcpc (with
 * and without -B, the broadcast flag) gets a lease, renews it (SIGUSR1: a unicast RENEWING request) and releases it
 * (-R); ISC dhclient gets the static address dhcpadm gave its MAC, and gets it again from its lease file (INIT-REBOOT);
 * the guests then ping the router. The clients run with scripts of the test's own, which set the address in the
 * guest's namespace and touch nothing of the host's.
 */
class DhcpClientsTest
{
    private static final String PREFIX = "xbowd";

    @TempDir
    Path dir;

    private DaemonProcess daemon;
    private ApiClient client;
    private final List<Process> clients = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception
    {
        RootNetwork.assume("DHCP clients", "/usr/bin/busybox", "/usr/sbin/dhclient");
        NetworkNamespace.removeLeftovers(PREFIX);
        daemon = new DaemonProcess(Files.createDirectories(dir.resolve("d"))).start();
        client = daemon.client();
    }

    @AfterEach
    void tearDown() throws Exception
    {
        for (final Process p : clients)
        {
            p.destroyForcibly();
            p.waitFor();
        }
        if (client != null)
        {
            client.close();
        }
        if (daemon != null)
        {
            daemon.close();
        }
    }

    private String run(final String program, final String... argv)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final PrintWriter o = new PrintWriter(out);
        final PrintWriter e = new PrintWriter(err);
        final int status = switch (program)
        {
            case "dladm" -> DladmCommand.run(client, o, e, argv);
            default -> io.xbow.control.cli.Programs.runRouterProgram(program, client.api("router"), o, e, argv);
        };
        o.flush();
        e.flush();
        assertEquals(0, status, program + " " + String.join(" ", argv) + ": " + out + err);
        return out.toString();
    }

    private void create(final String name, final String vif) throws Exception
    {
        Files.writeString(dir.resolve(name + ".cfg"), "name = '" + name + "'\ntype = 'netns'\nvif = [ '" + vif + "' ]\n");
        final StringWriter err = new StringWriter();
        assertEquals(0, XlCommand.run(client.xl(), new PrintWriter(new StringWriter()), new PrintWriter(err),
            new String[] {"create", dir.resolve(name + ".cfg").toString()}), err.toString());
    }

    private String namespace(final String domain)
    {
        return client.xl().call("namespace", Map.of("domain", domain)).rows().get(0).get(0);
    }

    private String in(final String domain, final String... argv) throws Exception
    {
        return HostCommand.run(HostCommand.inNamespace(namespace(domain), List.of(argv)));
    }

    private Process start(final String domain, final Path log, final String... argv) throws Exception
    {
        final ProcessBuilder builder = new ProcessBuilder(HostCommand.inNamespace(namespace(domain), List.of(argv)));
        builder.redirectErrorStream(true);
        builder.redirectOutput(log.toFile());
        final Process p = builder.start();
        clients.add(p);
        return p;
    }

    private static void await(final String what, final BooleanSupplier condition) throws InterruptedException
    {
        final long deadline = System.nanoTime() + 20_000_000_000L;
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    private static String read(final Path file)
    {
        try
        {
            return Files.exists(file) ? Files.readString(file) : "";
        }
        catch (final java.io.IOException ex)
        {
            return "";
        }
    }

    @Test
    void udhcpcAndDhclientGetLeasesRenewThemAndReleaseThem() throws Exception
    {
        run("dladm", "create-etherstub", "-t", "dnet0");
        run("ipadm", "create-addr", "-t", "-T", "static", "-a", "203.0.113.1/24", "dnet0/gw");
        run("dhcpadm", "create-pool", "-t", "-p", "range=203.0.113.100-203.0.113.149,lease=600", "dnet0/gw");
        create("u1", "bridge=dnet0");
        create("u2", "bridge=dnet0");
        create("d1", "bridge=dnet0,mac=00:16:3e:00:d1:01");
        run("dhcpadm", "add-host", "-t", "-m", "00:16:3e:00:d1:01", "-a", "203.0.113.7", "dnet0/gw");

        // udhcpc: a lease, a renewal on SIGUSR1, a release on exit (-R).
        final Path script = dir.resolve("udhcpc.sh");
        final Path events = dir.resolve("udhcpc.events");
        Files.writeString(script, "#!/bin/sh\ncase \"$1\" in bound|renew)\n" +
            "  ip addr flush dev \"$interface\"; ip addr add \"$ip/$subnet\" dev \"$interface\"\n" +
            "  echo \"$1 $ip $subnet $router $lease\" >> " + events + " ;;\nesac\n");
        Files.setPosixFilePermissions(script, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        final Process udhcpc = start("u1", dir.resolve("udhcpc.log"), "busybox", "udhcpc", "-f", "-R", "-i", "eth0",
            "-t", "5", "-T", "1", "-s", script.toString());
        await("udhcpc's lease", () -> read(events).contains("bound "));
        assertTrue(read(events).startsWith("bound 203.0.113.100 255.255.255.0 203.0.113.1 600"), read(events));
        assertTrue(in("u1", "ip", "-4", "addr", "show", "dev", "eth0").contains("203.0.113.100/24"));
        assertTrue(in("u1", "ping", "-c", "1", "-W", "2", "203.0.113.1").contains("1 received"));
        HostCommand.run("kill", "-USR1", Long.toString(udhcpc.pid()));
        await("udhcpc's renewal", () -> read(events).contains("renew 203.0.113.100"));
        final String leases = run("dhcpadm", "show-lease", "-p", "-o", "address,state", "dnet0/gw");
        assertTrue(leases.contains("203.0.113.100:bound"), leases);
        udhcpc.destroy(); // SIGTERM: with -R, udhcpc releases the lease
        udhcpc.waitFor();
        await("the release", () -> !run("dhcpadm", "show-lease", "-p", "-o", "address", "dnet0/gw")
            .contains("203.0.113.100"));

        // udhcpc -B: the broadcast flag set, the reply broadcast; the released address is free again.
        final Path events2 = dir.resolve("udhcpc2.events");
        final Path script2 = dir.resolve("udhcpc2.sh");
        Files.writeString(script2, Files.readString(script).replace(events.toString(), events2.toString()));
        Files.setPosixFilePermissions(script2, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        in("u2", "busybox", "udhcpc", "-B", "-q", "-n", "-i", "eth0", "-t", "5", "-T", "1", "-s", script2.toString());
        assertTrue(read(events2).startsWith("bound 203.0.113.100 "), read(events2));

        // dhclient: the static address of its MAC; then again from its lease file (INIT-REBOOT).
        final Path dscript = dir.resolve("dhclient.sh");
        final Path devents = dir.resolve("dhclient.events");
        Files.writeString(dscript, "#!/bin/sh\ncase \"$reason\" in\n" +
            "  PREINIT) ip link set dev \"$interface\" up ;;\n" +
            "  BOUND|RENEW|REBIND|REBOOT) ip addr flush dev \"$interface\"\n" +
            "    ip addr add \"$new_ip_address/$new_subnet_mask\" dev \"$interface\"\n" +
            "    echo \"$reason $new_ip_address $new_routers\" >> " + devents + " ;;\nesac\nexit 0\n");
        Files.setPosixFilePermissions(dscript, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        final String[] dhclient = {"dhclient", "-1", "-v", "-sf", dscript.toString(), "-lf",
            dir.resolve("dhclient.leases").toString(), "-pf", dir.resolve("dhclient.pid").toString(), "eth0"};
        in("d1", dhclient);
        assertTrue(read(devents).startsWith("BOUND 203.0.113.7 203.0.113.1"), read(devents));
        assertTrue(in("d1", "ping", "-c", "1", "-W", "2", "203.0.113.1").contains("1 received"));
        in("d1", "dhclient", "-x", "-pf", dir.resolve("dhclient.pid").toString()); // stop it, keeping the lease
        in("d1", "ip", "addr", "flush", "dev", "eth0");
        in("d1", dhclient);
        assertTrue(read(devents).contains("\nREBOOT 203.0.113.7") || read(devents).contains("\nBOUND 203.0.113.7"),
            read(devents));
        in("d1", "dhclient", "-x", "-pf", dir.resolve("dhclient.pid").toString());

        // A vif's ip= and mac= make a static lease, which goes with the vif.
        create("s1", "bridge=dnet0,mac=00:16:3e:00:5e:01,ip=203.0.113.60/24");
        assertTrue(run("dhcpadm", "show-lease", "-p", "-o", "address,macaddress,state").contains(
            "203.0.113.60:00\\:16\\:3e\\:00\\:5e\\:01:static"), run("dhcpadm", "show-lease"));
        final StringWriter err = new StringWriter();
        assertEquals(0, XlCommand.run(client.xl(), new PrintWriter(new StringWriter()), new PrintWriter(err),
            new String[] {"destroy", "s1"}), err.toString());
        assertFalse(run("dhcpadm", "show-lease").contains("203.0.113.60"));

        final String pools = run("dhcpadm", "show-pool", "-p", "-o", "addrobj,acks,naks,malformed");
        assertTrue(pools.matches("dnet0/gw:[4-9]:0:0\\n"), pools);
        assertFalse(run("dhcpadm", "show-lease").isEmpty());
    }
}
