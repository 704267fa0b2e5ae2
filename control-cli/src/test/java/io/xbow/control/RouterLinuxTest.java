package io.xbow.control;

import io.xbow.hostif.io.Readiness;
import io.xbow.hostif.netns.NetworkNamespace;
import io.xbow.hostif.tap.TapDevice;
import io.xbow.hostif.tap.TapPort;
import io.xbow.nat.router.Router;
import io.xbow.nat.router.RouterInterface;
import io.xbow.packet.address.Ipv4Address;
import io.xbow.packet.frame.FramePool;
import io.xbow.vlan.VlanPolicy;
import io.xbow.vswitch.SwitchConfig;
import io.xbow.vswitch.SwitchPort;
import io.xbow.vswitch.VirtualSwitch;
import io.xbow.vswitch.thread.DatapathThread;
import org.agrona.concurrent.SystemNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * xbow's router between two Linux hosts (network namespaces behind TAPs on two switches: 192.0.2.0/24 and
 * 198.51.100.0/24, the second with an MTU of 1280), as ping sees it: replies across the router, from the router
 * itself, time exceeded for a TTL of 1, net unreachable for a network it has no route to, fragmentation needed
 * with the MTU when DF is set, and fragments the far host reassembles when it is not.
 */
class RouterLinuxTest
{
    private static final String PREFIX = "xbowr";

    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private NetworkNamespace a;
    private NetworkNamespace b;

    @BeforeEach
    void setUp() throws Exception
    {
        RootNetwork.assume("the router against Linux hosts", "/usr/bin/ping");
        NetworkNamespace.removeLeftovers(PREFIX);
        final Readiness readiness = new Readiness("xbow-test-router-io");
        cleanup.add(readiness);
        final VirtualSwitch swA = new VirtualSwitch("stub1", new FramePool(1024), SwitchConfig.defaults(),
            SystemNanoClock.INSTANCE);
        final VirtualSwitch swB = new VirtualSwitch("stub2", new FramePool(1024), SwitchConfig.defaults(),
            SystemNanoClock.INSTANCE);
        final long now = SystemNanoClock.INSTANCE.nanoTime();
        final Router router = new Router(100, 256, now);
        final RouterInterface ifA = router.addInterface("stub1", 0x0216_3e00_0fa1L, Ipv4Address.parse("192.0.2.1"),
            24, 1500, now);
        final RouterInterface ifB = router.addInterface("stub2", 0x0216_3e00_0fb1L,
            Ipv4Address.parse("198.51.100.1"), 24, 1280, now);
        swA.addStaticMac(1, ifA.mac(), swA.attach("router", ifA.port(), VlanPolicy.DEFAULT));
        swB.addStaticMac(1, ifB.mac(), swB.attach("router", ifB.port(), VlanPolicy.DEFAULT));
        a = host("a", swA, readiness, "192.0.2.10/24", "192.0.2.1", 1500);
        b = host("b", swB, readiness, "198.51.100.20/24", "198.51.100.1", 1280);
        final DatapathThread datapath = DatapathThread.start("xbow-test-router", swA, swB);
        cleanup.add(0, datapath);
        cleanup.add(() ->
        {
            swA.onClose();
            swB.onClose();
        });
    }

    private NetworkNamespace host(final String which, final VirtualSwitch sw, final Readiness readiness,
        final String address, final String gateway, final int mtu) throws Exception
    {
        final NetworkNamespace ns = NetworkNamespace.create(NetworkNamespace.nameFor(PREFIX, which));
        cleanup.add(ns);
        final TapDevice tap = TapDevice.create("xbr" + ProcessHandle.current().pid() % 10_000_000 + which);
        cleanup.add(0, tap);
        ns.adopt(tap.name());
        ns.ip("link", "set", "dev", tap.name(), "name", "eth0", "mtu", Integer.toString(mtu));
        ns.ip("addr", "add", address, "dev", "eth0");
        ns.ip("link", "set", "dev", "eth0", "up");
        ns.ip("route", "add", "default", "via", gateway);
        final SwitchPort port = sw.attach("host", new TapPort(tap, readiness, 64), VlanPolicy.DEFAULT);
        assertNotNull(port);
        return ns;
    }

    @AfterEach
    void tearDown()
    {
        for (final AutoCloseable resource : cleanup)
        {
            try
            {
                resource.close();
            }
            catch (final Exception ignored)
            {
                // best effort: the rest must go too
            }
        }
    }

    private static String ping(final NetworkNamespace from, final String... args)
    {
        final List<String> argv = new ArrayList<>(List.of("ping", "-n"));
        argv.addAll(List.of(args));
        try
        {
            // ping exits 1 when nothing answers: its output says what did.
            final Process process = from.processBuilder(argv).redirectErrorStream(true).start();
            final String out = new String(process.getInputStream().readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8);
            process.waitFor();
            return out;
        }
        catch (final java.io.IOException | InterruptedException ex)
        {
            throw new AssertionError(ex);
        }
    }

    @Test
    void pingShouldSeeARouter() throws Exception
    {
        assertTrue(ping(a, "-c", "3", "-i", "0.2", "-W", "2", "198.51.100.20").contains("3 received"),
            "across the router");
        assertTrue(ping(b, "-c", "1", "-W", "2", "192.0.2.10").contains("1 received"), "and back");
        assertTrue(ping(a, "-c", "1", "-W", "2", "192.0.2.1").contains("1 received"), "the router itself");

        final String ttl = ping(a, "-c", "1", "-W", "2", "-t", "1", "198.51.100.20");
        assertTrue(ttl.contains("From 192.0.2.1") && ttl.contains("Time to live exceeded"), ttl);
        final String net = ping(a, "-c", "1", "-W", "2", "203.0.113.5");
        assertTrue(net.contains("From 192.0.2.1") && net.contains("Destination Net Unreachable"), net);

        final String df = ping(a, "-c", "2", "-i", "0.3", "-W", "2", "-s", "1400", "-M", "do", "198.51.100.20");
        assertTrue(df.contains("mtu = 1280") || df.contains("mtu=1280"), "fragmentation needed, with the MTU: " +
            df);
        assertTrue(ping(a, "-c", "2", "-i", "0.3", "-W", "2", "-s", "1400", "-M", "dont", "198.51.100.20")
            .contains("2 received"), "fragmented by the router, put back together by the far host");
    }
}
