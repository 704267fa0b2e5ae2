package io.xbow.control;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ipadm, route, routeadm, netstat and arp against the in-process router: what illumos prints, what it refuses and
 * in its words, and what survives a restart.
 */
class RouterCommandsTest
{
    @TempDir
    Path state;

    @Test
    void addressesRoutesAndForwardingAsIllumosShowsThem() throws Exception
    {
        try (InProcess xbow = new InProcess(state))
        {
            assertEquals(0, xbow.dladm("create-etherstub", "stub0"));
            assertEquals(0, xbow.dladm("create-etherstub", "stub1"));
            assertEquals(0, xbow.l3("ipadm", "create-addr", "-T", "static", "-a", "192.0.2.1/24", "stub0/v4"),
                xbow.err);
            assertEquals(0, xbow.l3("ipadm", "create-addr", "-t", "-T", "static", "-a", "local=198.51.100.1/24",
                "stub1/gw"), xbow.err);
            assertEquals(0, xbow.l3("ipadm", "show-addr"));
            assertEquals(
                "ADDROBJ           TYPE     STATE        ADDR\n" +
                "stub0/v4          static   ok           192.0.2.1/24\n" +
                "stub1/gw          static   ok           198.51.100.1/24\n", xbow.out);
            assertEquals(0, xbow.l3("ipadm", "show-addr", "-p", "-o", "addrobj,current,persistent,addr"));
            assertEquals("stub0/v4:U-----:U--:192.0.2.1/24\nstub1/gw:U---t-:---:198.51.100.1/24\n", xbow.out);
            assertEquals(0, xbow.l3("ipadm", "show-if"));
            assertEquals(
                "IFNAME     STATE    CURRENT      PERSISTENT\n" +
                "stub0      ok       bm--------4- -4-\n" +
                "stub1      ok       bm--------4- ---\n", xbow.out);

            // Each address puts the router on its link through a VNIC of its own, which dladm will not delete.
            assertEquals(0, xbow.dladm("show-vnic", "-p", "-o", "link,over"));
            assertEquals("ip_stub0:stub0\nip_stub1:stub1\n", xbow.out);
            assertEquals(1, xbow.dladm("delete-vnic", "ip_stub0"));
            assertTrue(xbow.err.contains("belongs to ipadm address stub0/v4"), xbow.err);
            assertEquals(1, xbow.dladm("delete-etherstub", "stub0"));

            // The words ipadm uses for what it refuses.
            assertEquals(1, xbow.l3("ipadm", "create-addr", "-T", "static", "-a", "192.0.2.9/24", "stub0/v4"));
            assertEquals("ipadm: cannot create address: Address object already exists\n", xbow.err);
            assertEquals(1, xbow.l3("ipadm", "create-addr", "-T", "static", "-a", "192.0.2.9/24", "nosuch0/v4"));
            assertEquals("ipadm: cannot create address: Interface nosuch0 does not exist\n", xbow.err);
            assertEquals(1, xbow.l3("ipadm", "create-addr", "-T", "static", "-a", "192.0.2.300/24", "stub1/x"));
            assertTrue(xbow.err.startsWith("ipadm: cannot create address: Invalid argument provided"), xbow.err);
            assertEquals(1, xbow.l3("ipadm", "create-addr", "-T", "dhcp", "stub1/d"));
            assertTrue(xbow.err.startsWith("ipadm: cannot create address: Operation not supported"), xbow.err);
            assertEquals(1, xbow.l3("ipadm", "delete-addr", "stub9/v4"));
            assertEquals("ipadm: could not delete address: Address object not found\n", xbow.err);
            assertEquals(2, xbow.l3("ipadm", "create-addr", "-a", "192.0.2.9/24", "stub1/x"));

            // route(1M)'s words, on standard output.
            assertEquals(0, xbow.l3("route", "add", "default", "192.0.2.254"));
            assertEquals("add net default: gateway 192.0.2.254\n", xbow.out);
            assertEquals(0, xbow.l3("route", "-p", "add", "-net", "10.0.0.0/8", "198.51.100.9"));
            assertEquals("add net 10.0.0.0/8: gateway 198.51.100.9\nadd persistent net 10.0.0.0/8: gateway " +
                "198.51.100.9\n", xbow.out);
            assertEquals(0, xbow.l3("route", "add", "203.0.113.7", "192.0.2.2"));
            assertEquals("add host 203.0.113.7: gateway 192.0.2.2\n", xbow.out);
            assertEquals(1, xbow.l3("route", "add", "172.16.0.0", "10.9.9.9"));
            assertEquals("add net 172.16.0.0: gateway 10.9.9.9: Network is unreachable\n", xbow.out);
            assertEquals(1, xbow.l3("route", "add", "default", "192.0.2.253"));
            assertEquals("add net default: gateway 192.0.2.253: entry exists\n", xbow.out);
            assertEquals(1, xbow.l3("route", "delete", "-net", "172.16.0.0/12", "192.0.2.1"));
            assertEquals("delete net 172.16.0.0/12: gateway 192.0.2.1: not in table\n", xbow.out);
            assertEquals(2, xbow.l3("route", "add", "default"));
            assertTrue(xbow.err.startsWith("route: gateway required for add or delete command\n"), xbow.err);

            assertEquals(0, xbow.l3("netstat", "-rn"));
            assertEquals("\nRouting Table: IPv4\n" +
                "  Destination           Gateway           Flags  Ref     Use     Interface \n" +
                "-------------------- -------------------- ----- ----- ---------- --------- \n" +
                "203.0.113.7          192.0.2.2            UGH       1          0 stub0     \n" +
                "192.0.2.0            192.0.2.1            U         1          0 stub0     \n" +
                "198.51.100.0         198.51.100.1         U         1          0 stub1     \n" +
                "10.0.0.0             198.51.100.9         UG        1          0 stub1     \n" +
                "default              192.0.2.254          UG        1          0 stub0     \n", xbow.out);
            assertEquals(0, xbow.l3("route", "-n", "get", "10.1.2.3"));
            assertEquals("   route to: 10.1.2.3\n" +
                "destination: 10.0.0.0\n" +
                "       mask: 255.0.0.0\n" +
                "    gateway: 198.51.100.9\n" +
                "  interface: stub1\n" +
                "      flags: <UP,GATEWAY,DONE,STATIC>\n" +
                " recvpipe  sendpipe  ssthresh    rtt,ms rttvar,ms  hopcount      mtu     expire\n" +
                "       0         0         0         0         0         0      9000         0 \n", xbow.out);
            assertEquals(0, xbow.l3("route", "-p", "show"));
            assertEquals("persistent: route add -net 10.0.0.0/8 198.51.100.9\n", xbow.out);

            // Forwarding is off until routeadm turns it on, as on illumos.
            assertEquals(0, xbow.l3("routeadm", "-p"));
            assertEquals("ipv4-forwarding persistent=disabled default=disabled current=disabled\n", xbow.out);
            assertEquals(0, xbow.l3("routeadm", "-e", "ipv4-forwarding"));
            assertEquals(0, xbow.l3("routeadm"));
            assertEquals(
                "              Configuration   Current              Current\n" +
                "                     Option   Configuration        System State\n" +
                "---------------------------------------------------------------\n" +
                "               IPv4 routing   disabled             disabled\n" +
                "               IPv6 routing   disabled             disabled\n" +
                "            IPv4 forwarding   enabled              disabled\n" +
                "            IPv6 forwarding   disabled             disabled\n", xbow.out);
            assertEquals(0, xbow.l3("routeadm", "-u"));
            assertEquals(0, xbow.l3("routeadm", "-p"));
            assertEquals("ipv4-forwarding persistent=enabled default=disabled current=enabled\n", xbow.out);
            assertEquals(1, xbow.l3("routeadm", "-e", "ipv6-forwarding"));

            assertEquals(0, xbow.l3("arp", "-an"));
            assertTrue(xbow.out.startsWith("Net to Media Table: IPv4\n" +
                "Device   IP Address               Mask      Flags      Phys Addr\n" +
                "------ -------------------- --------------- -------- ---------------\n" +
                "stub0  192.0.2.1            255.255.255.255 SPLA     "), xbow.out);
            assertEquals(1, xbow.l3("arp", "192.0.2.77"));
            assertEquals("192.0.2.77 (192.0.2.77) -- no entry\n", xbow.out);

            // dhcpadm: a pool on an address, a static host, what it shows, what it refuses.
            assertEquals(0, xbow.l3("dhcpadm", "create-pool", "-p",
                "range=192.0.2.100-192.0.2.199,lease=3600,dns=192.0.2.53,192.0.2.54,domain=example.net", "stub0/v4"),
                xbow.err);
            assertEquals(0, xbow.l3("dhcpadm", "add-host", "-m", "0:16:3e:0:0:7", "-a", "192.0.2.7", "stub0/v4"),
                xbow.err);
            assertEquals(0, xbow.l3("dhcpadm", "show-pool"));
            assertEquals(
                "ADDROBJ        RANGE                           LEASE  ROUTER          DNS             ACKS   NAKS\n" +
                "stub0/v4       192.0.2.100-192.0.2.199         3600   192.0.2.1       192.0.2.53,192.0.2.54 0 0\n",
                xbow.out);
            assertEquals(0, xbow.l3("dhcpadm", "show-lease", "-p", "-o", "address,state"));
            assertEquals("192.0.2.7:static\n", xbow.out);
            assertEquals(1, xbow.l3("dhcpadm", "create-pool", "-p", "range=192.0.2.10-192.0.2.20", "stub0/v4"));
            assertTrue(xbow.err.contains("a pool is served from stub0/v4 already"), xbow.err);
            assertEquals(1, xbow.l3("dhcpadm", "create-pool", "-t", "-p", "range=10.0.0.1-10.0.0.9", "stub1/gw"));
            assertTrue(xbow.err.contains("not within the subnet"), xbow.err);
            assertEquals(1, xbow.l3("dhcpadm", "create-pool", "-t", "-p", "range=198.51.100.9-198.51.100.20,speed=9",
                "stub1/gw"));
            assertTrue(xbow.err.contains("unknown property 'speed'"), xbow.err);
            assertEquals(1, xbow.l3("ipadm", "delete-addr", "stub0/v4"));
            assertTrue(xbow.err.contains("a DHCP pool is served from it"), xbow.err);

            // ipnat: map, rdr and bimap rules, kept; -n only reads; -r removes a file's rules; a file with a bad
            // line is refused whole, naming it.
            final java.nio.file.Path rules = state.resolve("ipnat.conf");
            Files.writeString(rules, "map stub0 198.51.100.0/24 -> 0/32 portmap tcp/udp auto\n" +
                "rdr stub0 0/32 port 8080 -> 198.51.100.5 port 80 tcp\n" +
                "bimap stub0 198.51.100.8/32 -> 192.0.2.20/32\n");
            final String listed = "map stub0 198.51.100.0/24 -> 0.0.0.0/32 portmap tcp/udp auto\n" +
                "rdr stub0 0.0.0.0/32 port 8080 -> 198.51.100.5 port 80 tcp\n" +
                "bimap stub0 198.51.100.8/32 -> 192.0.2.20/32\n";
            assertEquals(0, xbow.l3("ipnat", "-n", "-v", "-f", rules.toString()), xbow.err);
            assertEquals(listed, xbow.out);
            assertEquals(0, xbow.l3("ipnat", "-f", rules.toString()), xbow.err);
            assertEquals(0, xbow.l3("ipnat", "-l"));
            assertEquals("List of active MAP/Redirect filters:\n" + listed + "\nList of active sessions:\n", xbow.out);
            assertEquals(1, xbow.l3("ipnat", "-f", rules.toString()));
            assertTrue(xbow.err.contains("in force already"), xbow.err);
            final java.nio.file.Path rdr = state.resolve("rdr.conf");
            Files.writeString(rdr, "rdr stub0 0/32 port 8080 -> 198.51.100.5 port 80 tcp\n");
            assertEquals(0, xbow.l3("ipnat", "-r", "-f", rdr.toString()), xbow.err);
            assertEquals(0, xbow.l3("ipnat", "-f", rdr.toString()), xbow.err); // back, now last
            final java.nio.file.Path pool = state.resolve("pool.conf");
            Files.writeString(pool, "bimap stub0 192.0.2.0/24 -> 192.0.2.0/24\n");
            assertEquals(1, xbow.l3("ipnat", "-f", pool.toString()));
            assertTrue(xbow.err.contains("holds the interface's own address 192.0.2.1"), xbow.err);
            final java.nio.file.Path bad = state.resolve("bad.conf");
            Files.writeString(bad, "map stub1 10.0.0.0/8 -> 0/32\nmap stub1 10.0.0.0/33 -> 0/32\n");
            assertEquals(1, xbow.l3("ipnat", "-f", bad.toString()));
            assertEquals("ipnat: " + bad + ":2: mask /33 is longer than 32\n", xbow.err);
            assertEquals(2, xbow.l3("ipnat"));

            // An address on a VNIC plugs the router into it, which dladm then keeps, until the address goes.
            assertEquals(0, xbow.dladm("create-vnic", "-t", "-l", "stub1", "zone1"));
            assertEquals(0, xbow.l3("ipadm", "create-addr", "-t", "-T", "static", "-a", "203.0.113.1/24", "zone1/v4"),
                xbow.err);
            assertEquals(1, xbow.dladm("delete-vnic", "zone1"));
            assertTrue(xbow.err.contains("belongs to ipadm address zone1/v4"), xbow.err);
            assertEquals(0, xbow.l3("ipadm", "delete-addr", "zone1/v4"));
            assertEquals(0, xbow.dladm("delete-vnic", "zone1"), xbow.err);

            assertTrue(Files.readString(state.resolve("l3.conf")).contains("addr stub0/v4 address=192.0.2.1/24\n"));
        }

        // A lease the server made before the restart (the file as the lease writer keeps it), and one long expired.
        final long later = System.currentTimeMillis() / 1000 + 3600;
        Files.writeString(state.resolve("dhcp.leases"), "lease stub0/v4@00:16:3e:00:00:42 address=192.0.2.150 " +
            "expires=" + later + " hostname=web\nlease stub0/v4@00:16:3e:00:00:43 address=192.0.2.151 expires=1000\n");

        // A restart: the persistent address, route and setting are back; the temporary ones are not, and the route
        // whose gateway is on no subnet now waits in the configuration until one is created.
        try (InProcess xbow = new InProcess(state))
        {
            xbow.service.restore();
            xbow.router.restore();
            assertEquals(0, xbow.l3("ipadm", "show-addr", "-p", "-o", "addrobj,addr"));
            assertEquals("stub0/v4:192.0.2.1/24\n", xbow.out);
            assertEquals(0, xbow.l3("routeadm", "-p"));
            assertEquals("ipv4-forwarding persistent=enabled default=disabled current=enabled\n", xbow.out);
            assertEquals(0, xbow.l3("netstat", "-rn"));
            assertTrue(!xbow.out.contains("10.0.0.0"), xbow.out);
            assertEquals(0, xbow.l3("ipadm", "create-addr", "-t", "-T", "static", "-a", "198.51.100.1/24",
                "stub1/gw"), xbow.err);
            assertEquals(0, xbow.l3("netstat", "-rn"));
            assertTrue(xbow.out.contains("10.0.0.0             198.51.100.9         UG"), xbow.out);
            assertEquals(0, xbow.l3("route", "-p", "delete", "-net", "10.0.0.0/8", "198.51.100.9"));
            assertEquals("delete net 10.0.0.0/8: gateway 198.51.100.9\n" +
                "delete persistent net 10.0.0.0/8: gateway 198.51.100.9\n", xbow.out);
            assertEquals(0, xbow.l3("dhcpadm", "show-lease", "-p", "-o", "address,macaddress,state"));
            assertEquals("192.0.2.7:00\\:16\\:3e\\:00\\:00\\:07:static\n192.0.2.150:00\\:16\\:3e\\:00\\:00\\:42:bound\n",
                xbow.out, "the pool, its host and its live lease are back; the expired lease is not");
            assertEquals(0, xbow.l3("ipnat", "-l"));
            assertTrue(xbow.out.startsWith("List of active MAP/Redirect filters:\n" +
                "map stub0 198.51.100.0/24 -> 0.0.0.0/32 portmap tcp/udp auto\n" +
                "bimap stub0 198.51.100.8/32 -> 192.0.2.20/32\n" +
                "rdr stub0 0.0.0.0/32 port 8080 -> 198.51.100.5 port 80 tcp\n\n"), "in the order loaded: " + xbow.out);
            assertEquals(0, xbow.l3("ipnat", "-C"));
            assertEquals("3 entries flushed from NAT list\n", xbow.out);
            assertEquals(0, xbow.l3("dhcpadm", "delete-pool", "stub0/v4"));
            assertEquals(0, xbow.l3("ipadm", "delete-addr", "stub0/v4"));
            assertEquals(0, xbow.dladm("show-vnic", "-p", "-o", "link"));
            assertEquals("ip_stub1\n", xbow.out);
            assertEquals(0, xbow.dladm("delete-etherstub", "stub0"), xbow.err);
        }
    }
}
