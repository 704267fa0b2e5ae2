package io.xbow.hostif;

import io.xbow.hostif.host.HostCommand;
import io.xbow.hostif.host.HostCommandException;
import io.xbow.hostif.host.HostInterface;
import io.xbow.hostif.host.HostInterfaces;
import io.xbow.hostif.io.Readiness;
import io.xbow.hostif.netns.NetworkNamespace;
import io.xbow.hostif.packet.PacketSocket;
import io.xbow.hostif.packet.PacketSocketPort;
import io.xbow.hostif.tap.TapDevice;
import io.xbow.hostif.tap.TapPort;
import io.xbow.packet.frame.FramePool;
import io.xbow.vlan.VlanId;
import io.xbow.vlan.VlanPolicy;
import io.xbow.vlan.VlanSet;
import io.xbow.vswitch.SwitchConfig;
import io.xbow.vswitch.VirtualSwitch;
import io.xbow.vswitch.thread.DatapathThread;
import org.agrona.concurrent.SystemNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A host interface as a switch's uplink through a packet socket: one end of a veth pair, whose other end is in a
 * "LAN" namespace. Guests (namespaces behind TAPs) on VLAN 1 reach the LAN; a guest on VLAN 20 sends tagged, and a
 * frame the LAN sends tagged 20 reaches only it.
 */
class PacketSocketPortTest
{
    private static final String PREFIX = "xbowp";

    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private final String veth = "xbv" + ProcessHandle.current().pid() % 10_000_000;
    private NetworkNamespace lan;
    private NetworkNamespace guest1;
    private NetworkNamespace guest20;
    private PacketSocketPort uplink;
    private VirtualSwitch sw;
    private DatapathThread datapath;

    @BeforeEach
    void setUp() throws Exception
    {
        NetTests.assumeRootNetwork("ip", "ping", "tcpdump", "python3");
        NetworkNamespace.removeLeftovers(PREFIX);
        try
        {
            HostCommand.run("ip", "link", "del", veth); // a killed predecessor's, same pid
        }
        catch (final HostCommandException none)
        {
            // the usual case
        }
        final Readiness readiness = new Readiness("xbow-test-readiness");
        cleanup.add(readiness);
        sw = new VirtualSwitch("net0", new FramePool(2048, 1522, 8), SwitchConfig.defaults(),
            SystemNanoClock.INSTANCE);

        lan = NetworkNamespace.create(NetworkNamespace.nameFor(PREFIX, "lan"));
        cleanup.add(lan);
        HostCommand.run("ip", "link", "add", veth, "type", "veth", "peer", "name", veth + "p");
        cleanup.add(0, () -> HostCommand.run("ip", "link", "del", veth));
        lan.adopt(veth + "p");
        lan.ip("link", "set", "dev", veth + "p", "name", "eth0");
        lan.ip("addr", "add", "203.0.113.1/24", "dev", "eth0");
        lan.ip("link", "set", "dev", "eth0", "up");
        HostCommand.run("ip", "link", "set", "dev", veth, "up");

        final HostInterface host = HostInterfaces.find(veth);
        assertNotNull(host, "the veth is a host Ethernet interface");
        assertEquals("veth", host.device().replaceAll("\\d+$", ""), host.toString());
        uplink = new PacketSocketPort(PacketSocket.open(veth, host.index()), readiness, 32);
        cleanup.add(0, uplink::close);
        sw.attach(veth, uplink, VlanPolicy.trunk(VlanSet.ALL, VlanId.DEFAULT));

        guest1 = guest("g1", "203.0.113.2/24", VlanPolicy.DEFAULT, readiness);
        guest20 = guest("g20", "203.0.113.20/24", VlanPolicy.access(20), readiness);
        datapath = DatapathThread.start("xbow-test-dp", sw);
        cleanup.add(0, datapath);
    }

    private TapPort lastTap;

    private NetworkNamespace guest(final String which, final String address, final VlanPolicy policy,
        final Readiness readiness) throws Exception
    {
        final NetworkNamespace namespace = NetworkNamespace.create(NetworkNamespace.nameFor(PREFIX, which));
        cleanup.add(namespace);
        final TapDevice tap = TapDevice.create("xbt%d");
        cleanup.add(0, tap);
        namespace.adopt(tap.name());
        namespace.ip("link", "set", "dev", tap.name(), "name", "eth0");
        namespace.ip("addr", "add", address, "dev", "eth0");
        namespace.ip("link", "set", "dev", "eth0", "up");
        lastTap = new TapPort(tap, readiness, 64);
        sw.attach("tap-" + which, lastTap, policy);
        return namespace;
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
                // the rest must go too
            }
        }
        if (sw != null)
        {
            sw.onClose();
        }
    }

    @Test
    void aGuestShouldReachTheLanThroughTheUplink() throws Exception
    {
        final String ping = guest1.exec("ping", "-c", "3", "-i", "0.2", "-W", "2", "203.0.113.1");
        assertTrue(ping.contains("3 received"), ping);
        final String back = lan.exec("ping", "-c", "2", "-i", "0.2", "-W", "2", "203.0.113.2");
        assertTrue(back.contains("2 received"), back);
        assertTrue(uplink.counter(PacketSocketPort.RX_FRAMES) >= 4 && uplink.counter(PacketSocketPort.TX_FRAMES) >= 4);
        assertEquals(0, datapath.errors());
    }

    @Test
    void aLanHostsTcpSuperFramesShouldCrossTheSwitchWholeIntoTheGuestsTap() throws Exception
    {
        final Process server = guest1.processBuilder(List.of("python3", "-c", String.join("\n",
            "import socket", "s = socket.socket()", "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
            "s.bind(('203.0.113.2', 9000))", "s.listen(1)", "c, _ = s.accept()", "n = 0", "while True:",
            "    d = c.recv(65536)", "    if not d: break", "    n += len(d)", "print(n)")))
            .redirectErrorStream(true).start();
        try
        {
            String sent = null;
            for (int attempt = 0; attempt < 50 && sent == null; attempt++)
            {
                try
                {
                    sent = lan.exec("python3", "-c", "import socket; s = socket.create_connection(('203.0.113.2', " +
                        "9000), 2); s.sendall(b'x' * 4000000); s.close()");
                }
                catch (final io.xbow.hostif.host.HostCommandException notYet)
                {
                    Thread.sleep(100);
                }
            }
            assertNotNull(sent, "connected");
            assertTrue(server.waitFor(20, TimeUnit.SECONDS));
            assertEquals("4000000", new String(server.getInputStream().readAllBytes()).strip());
        }
        finally
        {
            server.destroyForcibly();
        }
        // The LAN's veth hands over TCP super-frames; they cross the switch whole, and the guest's TAP takes them
        // with a virtio-net header (its kernel finishes them): every byte arrived, nothing was cut in user space.
        assertTrue(uplink.counter(PacketSocketPort.SUPER_FRAMES) > 0, "super-frames from the LAN");
        assertEquals(0, sw.counters().get(io.xbow.vswitch.VirtualSwitch.SEGMENTED), "none cut for the guest's TAP");
        assertEquals(0, uplink.counter(PacketSocketPort.RX_DROPPED), "uplink drops: " + sw.port(veth).counters());
        assertEquals(0, datapath.errors(), "datapath errors");
    }

    @Test
    void vlan20ShouldLeaveTaggedAndTaggedFramesShouldReachOnlyIt() throws Exception
    {
        // Egress: the VLAN 20 guest's ARP request leaves the uplink tagged 20.
        final Process tcpdump = lan.processBuilder(List.of("tcpdump", "-i", "eth0", "-e", "-n", "-l", "-c", "1",
            "vlan 20 and arp")).redirectErrorStream(false).start();
        cleanup.add(0, tcpdump::destroyForcibly);
        Thread.sleep(500); // tcpdump attaches
        try
        {
            guest20.exec("ping", "-c", "1", "-W", "1", "203.0.113.99");
        }
        catch (final HostCommandException expected)
        {
            // nobody answers on VLAN 20
        }
        assertTrue(tcpdump.waitFor(10, TimeUnit.SECONDS), "tcpdump saw no ARP tagged vlan 20");
        final String seen = new String(tcpdump.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(seen.contains("vlan 20"), seen);

        // Ingress: a broadcast the LAN sends tagged 20 reaches the VLAN 20 guest (untagged) and not the VLAN 1 one.
        final Process at20 = guest20.processBuilder(List.of("tcpdump", "-i", "eth0", "-n", "-l", "-c", "1",
            "ether proto 0x88b5")).start();
        final Process at1 = guest1.processBuilder(List.of("tcpdump", "-i", "eth0", "-n", "-l", "-c", "1",
            "ether proto 0x88b5 or vlan")).start();
        cleanup.add(0, at20::destroyForcibly);
        cleanup.add(0, at1::destroyForcibly);
        Thread.sleep(500);
        final String frame = "ffffffffffff" + "02000000aa01" + "8100" + "0014" + "88b5" + "00".repeat(46);
        lan.exec("python3", "-c", "import socket; s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); " +
            "s.bind(('eth0', 0)); s.send(bytes.fromhex('" + frame + "'))");
        assertTrue(at20.waitFor(5, TimeUnit.SECONDS), "the VLAN 20 guest got it");
        assertTrue(uplink.counter(PacketSocketPort.TAGS_RESTORED) >= 1, "the tag came back from auxiliary data");
        assertFalse(at1.waitFor(1, TimeUnit.SECONDS), "the VLAN 1 guest got nothing of it");
        at1.destroyForcibly();
    }
}
