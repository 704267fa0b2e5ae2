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
import java.util.ArrayList;
import java.util.List;
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
    private DaemonCommands op;
    private final List<Process> clients = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception
    {
        RootNetwork.assume("DHCP clients", "/usr/bin/busybox", "/usr/sbin/dhclient");
        NetworkNamespace.removeLeftovers(PREFIX);
        daemon = new DaemonProcess(Files.createDirectories(dir.resolve("d"))).start();
        client = daemon.client();
        op = new DaemonCommands(client, dir);
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

    private Process start(final String domain, final Path log, final String... argv) throws Exception
    {
        final ProcessBuilder builder = new ProcessBuilder(HostCommand.inNamespace(op.namespace(domain),
            List.of(argv)));
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
        op.run(0, "dladm", "create-etherstub", "-t", "dnet0");
        op.run(0, "ipadm", "create-addr", "-t", "-T", "static", "-a", "203.0.113.1/24", "dnet0/gw");
        op.run(0, "dhcpadm", "create-pool", "-t", "-p", "range=203.0.113.100-203.0.113.149,lease=600", "dnet0/gw");
        op.create("u1", "bridge=dnet0");
        op.create("u2", "bridge=dnet0");
        op.create("d1", "bridge=dnet0,mac=00:16:3e:00:d1:01");
        op.run(0, "dhcpadm", "add-host", "-t", "-m", "00:16:3e:00:d1:01", "-a", "203.0.113.7", "dnet0/gw");

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
        assertTrue(op.in("u1", "ip", "-4", "addr", "show", "dev", "eth0").contains("203.0.113.100/24"));
        assertTrue(op.in("u1", "ping", "-c", "1", "-W", "2", "203.0.113.1").contains("1 received"));
        HostCommand.run("kill", "-USR1", Long.toString(udhcpc.pid()));
        await("udhcpc's renewal", () -> read(events).contains("renew 203.0.113.100"));
        final String leases = op.run(0, "dhcpadm", "show-lease", "-p", "-o", "address,state", "dnet0/gw");
        assertTrue(leases.contains("203.0.113.100:bound"), leases);
        udhcpc.destroy(); // SIGTERM: with -R, udhcpc releases the lease
        udhcpc.waitFor();
        await("the release", () -> !op.run(0, "dhcpadm", "show-lease", "-p", "-o", "address", "dnet0/gw")
            .contains("203.0.113.100"));

        // udhcpc -B: the broadcast flag set, the reply broadcast; the released address is free again.
        final Path events2 = dir.resolve("udhcpc2.events");
        final Path script2 = dir.resolve("udhcpc2.sh");
        Files.writeString(script2, Files.readString(script).replace(events.toString(), events2.toString()));
        Files.setPosixFilePermissions(script2, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        op.in("u2", "busybox", "udhcpc", "-B", "-q", "-n", "-i", "eth0", "-t", "5", "-T", "1", "-s",
            script2.toString());
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
        op.in("d1", dhclient);
        assertTrue(read(devents).startsWith("BOUND 203.0.113.7 203.0.113.1"), read(devents));
        assertTrue(op.in("d1", "ping", "-c", "1", "-W", "2", "203.0.113.1").contains("1 received"));
        op.in("d1", "dhclient", "-x", "-pf", dir.resolve("dhclient.pid").toString()); // stop it, keeping the lease
        op.in("d1", "ip", "addr", "flush", "dev", "eth0");
        op.in("d1", dhclient);
        assertTrue(read(devents).contains("\nREBOOT 203.0.113.7") || read(devents).contains("\nBOUND 203.0.113.7"),
            read(devents));
        op.in("d1", "dhclient", "-x", "-pf", dir.resolve("dhclient.pid").toString());

        // A vif's ip= and mac= make a static lease, which goes with the vif.
        op.create("s1", "bridge=dnet0,mac=00:16:3e:00:5e:01,ip=203.0.113.60/24");
        assertTrue(op.run(0, "dhcpadm", "show-lease", "-p", "-o", "address,macaddress,state").contains(
            "203.0.113.60:00\\:16\\:3e\\:00\\:5e\\:01:static"), op.run(0, "dhcpadm", "show-lease"));
        final StringWriter err = new StringWriter();
        assertEquals(0, XlCommand.run(client.xl(), new PrintWriter(new StringWriter()), new PrintWriter(err),
            new String[] {"destroy", "s1"}), err.toString());
        assertFalse(op.run(0, "dhcpadm", "show-lease").contains("203.0.113.60"));

        final String pools = op.run(0, "dhcpadm", "show-pool", "-p", "-o", "addrobj,acks,naks,malformed");
        assertTrue(pools.matches("dnet0/gw:[4-9]:0:0\\n"), pools);
        assertFalse(op.run(0, "dhcpadm", "show-lease").isEmpty());
    }
}
