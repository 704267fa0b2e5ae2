package io.xbow.control;

import io.xbow.control.api.ApiClient;
import io.xbow.control.cli.DladmCommand;
import io.xbow.control.cli.XlCommand;
import io.xbow.control.daemon.Xbowd;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code xbow xl} against a daemon: domains from a config file, xl's columns, vifs as VNICs that dladm shows,
 * and errors as one line with a non-zero status.
 */
class XlCommandTest
{
    @TempDir
    Path dir;

    private TestDaemon test;
    private Xbowd daemon;
    private ApiClient client;

    private record Result(int status, String out, String err)
    {
    }

    @BeforeEach
    void start()
    {
        test = new TestDaemon(dir);
        daemon = test.daemon;
        client = test.client;
    }

    @AfterEach
    void stop()
    {
        test.close();
    }

    private Result xl(final String... argv)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int status = XlCommand.run(client.xl(), new PrintWriter(out), new PrintWriter(err), argv);
        return new Result(status, out.toString(), err.toString());
    }

    private String ok(final String... argv)
    {
        final Result r = xl(argv);
        assertEquals(0, r.status, String.join(" ", argv) + ": " + r.err);
        return r.out;
    }

    private String dladm(final String... argv)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        assertEquals(0, DladmCommand.run(client, new PrintWriter(out), new PrintWriter(err), argv), err.toString());
        return out.toString();
    }

    @Test
    void shouldCreateListAndDestroyDomainsWithTheirVifs() throws Exception
    {
        dladm("create-etherstub", "stub0");
        final Path cfg = dir.resolve("web.cfg");
        Files.writeString(cfg, String.join("\n",
            "# a web server",
            "name = \"web\"",
            "memory = 512",
            "vcpus = 2",
            "vif = [ 'mac=00:16:3e:11:22:33,bridge=stub0,vlanid=100',",
            "        'bridge=stub0,rate=10Mb/s' ]",
            ""));
        final Result created = xl("create", cfg.toString());
        assertEquals(0, created.status, created.err);
        assertTrue(created.err.contains("Parsing config from " + cfg), created.err);

        final String list = ok("list");
        final String[] lines = list.split("\n");
        assertEquals("Name                                        ID   Mem VCPUs\tState\tTime(s)", lines[0]);
        assertTrue(lines[1].startsWith("Domain-0                                     0"), lines[1]);
        assertTrue(lines[2].matches("web {37}     1   512     2     r----- +\\d+\\.\\d"), lines[2]);

        assertEquals("1\n", ok("domid", "web"));
        assertEquals("web\n", ok("domname", "1"));

        final String vifs = ok("network-list", "web");
        assertTrue(vifs.startsWith("Idx BE Mac Addr.         handle state evt-ch   tx-/rx-ring-ref BE-path"), vifs);
        assertTrue(vifs.contains("0   0  00:16:3e:11:22:33 0      4     "), vifs);
        assertTrue(vifs.contains("/local/domain/0/backend/vif/1/0"), vifs);
        assertTrue(vifs.contains("/local/domain/0/backend/vif/1/1"), vifs);

        assertEquals("xvm1_0:stub0:0\\:16\\:3e\\:11\\:22\\:33:100\nxvm1_1:stub0:0\n",
            dladm("show-vnic", "-p", "-o", "link,over,macaddress,vid").replaceAll("(xvm1_1:stub0:)[^\\n]*:(\\d+)\n",
                "$1$2\n"));
        assertEquals("10\n", dladm("show-linkprop", "-c", "-o", "value", "-p", "maxbw", "xvm1_1"));

        final StringWriter err = new StringWriter();
        assertEquals(1, DladmCommand.run(client, new PrintWriter(new StringWriter()), new PrintWriter(err),
            new String[] {"delete-vnic", "xvm1_0"}), "dladm cannot pull a vif's VNIC from under its domain");
        assertTrue(err.toString().startsWith("dladm: cannot delete xvm1_0: it belongs to domain web (vif1.0;"),
            err.toString());
        ok("network-attach", "web", "bridge=stub0", "mac=00:16:3e:aa:bb:cc");
        assertTrue(ok("network-list", "1").contains("00:16:3e:aa:bb:cc"));
        ok("network-detach", "web", "00:16:3e:aa:bb:cc");
        assertFalse(ok("network-list", "1").contains("00:16:3e:aa:bb:cc"));

        ok("pause", "web");
        assertTrue(ok("list", "web").contains("--p---"));
        ok("unpause", "web");

        assertFalse(Files.exists(dir.resolve("state/domains")), "running domains leave nothing in the state directory");
        ok("destroy", "web");
        assertEquals(1, ok("list").split("\n").length - 1, "only Domain-0 is left");
        assertEquals("", dladm("show-vnic", "-p", "-o", "link"), "the vifs' VNICs are gone");
        ok("create", cfg.toString());
        assertTrue(ok("list", "web").contains("     2   512"), "created again, as a new domain id");
    }

    @Test
    void shouldCreateAPausedDomainFromAFileNamedWithF() throws Exception
    {
        dladm("create-etherstub", "stub0");
        final Path cfg = dir.resolve("a.cfg");
        Files.writeString(cfg, "name = 'a'\nvif = [ 'bridge=stub0,ip=192.0.2.1' ]\n");
        Files.writeString(dir.resolve("b.cfg"), "name = 'b'\nvif = [ 'bridge=stub0,ip=192.0.2.2' ]\n");
        ok("create", "-p", "-f", cfg.toString());
        ok("create", dir.resolve("b.cfg").toString());
        final String paused = ok("list", "a");
        assertTrue(paused.lines().anyMatch(l -> l.startsWith("a ") && l.contains("--p---")), paused);
        // A paused guest never ran: it answers nothing until unpaused.
        final Result silent = xl("ping", "b", "192.0.2.1", "-c", "1", "-W", "1");
        assertNotEquals(0, silent.status, silent.out);
        ok("unpause", "a");
        assertTrue(ok("list", "a").lines().anyMatch(l -> l.startsWith("a ") && l.contains("r-----")));
        assertTrue(ok("ping", "b", "192.0.2.1", "-c", "1", "-W", "2").contains("1 received"));
        final Result usage = xl("create", "-p");
        assertEquals(2, usage.status);
        assertTrue(usage.err.contains("usage: xl create"), usage.err);
    }

    @Test
    void shouldPingFromInsideAGuest() throws Exception
    {
        dladm("create-etherstub", "stub0");
        for (final String[] guest : new String[][] {{"a", "192.168.7.1"}, {"b", "192.168.7.2"}})
        {
            final Path cfg = dir.resolve(guest[0] + ".cfg");
            Files.writeString(cfg, "name = '" + guest[0] + "'\nvif = [ 'bridge=stub0,ip=" + guest[1] + "' ]\n");
            ok("create", cfg.toString());
        }
        final Result ping = xl("ping", "a", "192.168.7.2", "-c", "2", "-i", "0.05");
        assertEquals(0, ping.status, ping.err);
        assertTrue(ping.out.startsWith("PING 192.168.7.2 (192.168.7.2) 56(84) bytes of data.\n" +
            "64 bytes from 192.168.7.2: icmp_seq=1 ttl=64 time="), ping.out);
        assertTrue(ping.out.contains("2 packets transmitted, 2 received, 0% packet loss"), ping.out);

        final Result lost = xl("ping", "a", "192.168.7.9", "-c", "1", "-W", "0.1");
        assertEquals(1, lost.status, "no reply: exit 1 as ping(8)");
        assertTrue(lost.out.contains("1 packets transmitted, 0 received, 100% packet loss"), lost.out);
        assertEquals(2, xl("ping", "a").status);
        assertEquals(2, xl("ping", "a", "192.168.7.2", "-c", "x").status);
        assertEquals(1, xl("ping", "a", "300.1.1.1").status);
    }

    @Test
    void shouldPingAUdpEchoServiceFromInsideAGuest() throws Exception
    {
        dladm("create-etherstub", "stub0");
        for (final String[] guest : new String[][] {{"a", "192.168.7.1"}, {"b", "192.168.7.2"}})
        {
            final Path cfg = dir.resolve(guest[0] + ".cfg");
            Files.writeString(cfg, "name = '" + guest[0] + "'\nvif = [ 'bridge=stub0,ip=" + guest[1] + "' ]\n");
            ok("create", cfg.toString());
        }
        final Result echo = xl("ping", "a", "192.168.7.2", "-u", "7", "-c", "2", "-i", "0.05");
        assertEquals(0, echo.status, echo.err);
        assertTrue(echo.out.startsWith("UDP PING 192.168.7.2:7 (192.168.7.2) 56(84) bytes of data.\n" +
            "56 bytes from 192.168.7.2: udp_seq=1 ttl=64 time="), echo.out);
        assertTrue(echo.out.contains("\n56 bytes from 192.168.7.2: udp_seq=2 ttl=64 time="), echo.out);
        assertTrue(echo.out.contains("2 packets transmitted, 2 received, 0% packet loss"), echo.out);

        final Result closed = xl("ping", "a", "192.168.7.2", "--udp", "9", "-c", "2", "-i", "0.05", "-W", "0.2");
        assertEquals(1, closed.status, "no echo from a closed port: exit 1 as ping(8)");
        assertTrue(closed.out.startsWith("UDP PING 192.168.7.2:9 "), closed.out);
        assertTrue(closed.out.contains("2 packets transmitted, 0 received, 100% packet loss"), closed.out);
        assertFalse(closed.out.contains("udp_seq="), closed.out);

        assertEquals(2, xl("ping", "a", "192.168.7.2", "-u", "echo").status);
        final Result tooSmall = xl("ping", "a", "192.168.7.2", "-u", "7", "-s", "1");
        assertEquals(1, tooSmall.status);
        assertTrue(tooSmall.err.startsWith("xl: invalid UDP ping: "), tooSmall.err);
        assertEquals(1, xl("ping", "a", "192.168.7.2", "-u", "65536").status);
    }

    @Test
    void shouldReportBadInputOnOneLine() throws Exception
    {
        dladm("create-etherstub", "stub0");
        final Path bad = dir.resolve("bad.cfg");
        Files.writeString(bad, "name = \"x\"\nmemory = lots\n");
        final Result parse = xl("create", bad.toString());
        assertEquals(1, parse.status);
        assertTrue(parse.err.contains(bad + ":2:"), parse.err);
        assertFalse(parse.err.contains("Exception"), parse.err);

        final Path route = dir.resolve("route.cfg");
        Files.writeString(route, "name = \"r\"\nvif = [ 'bridge=stub0,script=vif-route' ]\n");
        final Result refused = xl("create", route.toString());
        assertEquals(1, refused.status);
        assertTrue(refused.err.contains("\nxl: vif 0: script=vif-route needs ip=: the guest's own addresses"),
            refused.err);
        assertEquals("", dladm("show-vnic", "-p", "-o", "link"), "nothing is left of a refused domain");
        Files.writeString(route, "name = \"r\"\nvif = [ 'bridge=stub0,script=vif-nat' ]\n");
        final Result nat = xl("create", route.toString());
        assertEquals(1, nat.status);
        assertTrue(nat.err.contains("script=vif-nat: no gatewaydev= and no default route"), nat.err);
        Files.writeString(route, "name = \"r\"\nvif = [ 'script=vif-nat,ip=10.1.2.200' ]\n");
        assertTrue(xl("create", route.toString()).err.contains("the guest's last octet must be 1 to 127, not 200"));
        Files.writeString(route, "name = \"r\"\nvif = [ 'script=vif-nat,ip=10.1.2.3/x' ]\n");
        assertTrue(xl("create", route.toString()).err.contains("ip=10.1.2.3/x: a prefix length of 8 to 24"));
        assertEquals("", dladm("show-vnic", "-p", "-o", "link"), "nothing is left of it either");

        assertEquals(1, xl("destroy", "nosuch").status);
        assertTrue(xl("destroy", "nosuch").err.contains("'nosuch' is an invalid domain identifier"));
        assertEquals(1, xl("create", dir.resolve("missing.cfg").toString()).status);
        assertEquals(2, xl("destroy").status);
        assertEquals(2, xl("frobnicate").status);
        assertEquals(2, xl("list", "--bogus").status);
    }
}
