package io.xbow.hostif;

import io.xbow.hostif.io.Readiness;
import io.xbow.hostif.netns.NetworkNamespace;
import io.xbow.hostif.tap.TapDevice;
import io.xbow.hostif.tap.TapPort;
import io.xbow.packet.DropReason;
import io.xbow.packet.frame.FrameBatch;
import io.xbow.packet.frame.FrameOffload;
import io.xbow.packet.frame.FramePool;
import io.xbow.vlan.VlanPolicy;
import io.xbow.vswitch.SwitchConfig;
import io.xbow.vswitch.SwitchPort;
import io.xbow.vswitch.VirtualSwitch;
import io.xbow.vswitch.port.PortContext;
import io.xbow.vswitch.thread.DatapathThread;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Two Linux network stacks, each in its own namespace behind a TAP device, talk through an xbow switch: ping and
 * TCP (iperf3) between them, TCP as super-frames from one kernel's TSO to the other's; a TAP that disappears takes
 * its port out of service without stopping the switch.
 */
class TapPortTest
{
    private static final String PREFIX = "xbowt";

    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private NetworkNamespace a;
    private NetworkNamespace b;
    private TapPort portA;
    private TapPort lastPort;
    private VirtualSwitch sw;
    private DatapathThread datapath;

    @BeforeEach
    void setUp() throws Exception
    {
        NetTests.assumeRootNetwork("ip", "ping", "iperf3");
        NetworkNamespace.removeLeftovers(PREFIX);
        final Readiness readiness = new Readiness("xbow-test-readiness");
        cleanup.add(readiness);
        final FramePool pool = new FramePool(2048, 1522, 64);
        sw = new VirtualSwitch("stub0", pool, SwitchConfig.defaults(), SystemNanoClock.INSTANCE);
        a = guest("a", "192.0.2.1/24", readiness);
        portA = lastPort;
        b = guest("b", "192.0.2.2/24", readiness);
        datapath = DatapathThread.start("xbow-test-dp", sw);
        cleanup.add(0, datapath);
    }

    /** A namespace whose eth0 is a TAP on the switch. */
    private NetworkNamespace guest(final String which, final String address, final Readiness readiness)
        throws Exception
    {
        final NetworkNamespace namespace = NetworkNamespace.create(NetworkNamespace.nameFor(PREFIX, which));
        cleanup.add(namespace);
        final TapDevice tap = TapDevice.create("xbt" + ProcessHandle.current().pid() % 10_000_000 + which);
        cleanup.add(0, tap);
        namespace.adopt(tap.name());
        namespace.ip("link", "set", "dev", tap.name(), "name", "eth0");
        namespace.ip("addr", "add", address, "dev", "eth0");
        namespace.ip("link", "set", "dev", "eth0", "up");
        lastPort = new TapPort(tap, readiness, 64);
        sw.attach("tap-" + which, lastPort, VlanPolicy.DEFAULT);
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
                // best effort: the rest must go too
            }
        }
        if (sw != null)
        {
            sw.onClose();
        }
    }

    @Test
    void twoNamespacesShouldPingAndTalkTcpThroughTheSwitch() throws Exception
    {
        final String ping = a.exec("ping", "-c", "3", "-i", "0.2", "-W", "2", "192.0.2.2");
        assertTrue(ping.contains("3 received"), ping);

        final Process server = b.processBuilder(List.of("iperf3", "-s", "-1", "-B", "192.0.2.2"))
            .redirectErrorStream(true).start();
        try
        {
            String client = null;
            for (int attempt = 0; attempt < 20 && client == null; attempt++)
            {
                try
                {
                    final String answer = a.exec("iperf3", "-c", "192.0.2.2", "-t", "1", "-J");
                    // iperf3 -J reports "unable to connect" in its JSON (with exit status 0 in some versions).
                    client = answer.contains("\"sum_received\"") ? answer : null;
                    if (client == null)
                    {
                        Thread.sleep(100);
                    }
                }
                catch (final io.xbow.hostif.host.HostCommandException notYet)
                {
                    Thread.sleep(100); // the server is not listening yet
                }
            }
            assertNotNull(client, "iperf3 never connected");
            assertTrue(client.contains("\"sum_received\""), client);
            assertTrue(portA.counter(TapPort.RX_FRAMES) > 1000, "TCP segments went through the TAP");
            assertTrue(portA.counter(TapPort.SUPER_FRAMES) > 100, "the host's TSO hands over super-frames");
            assertEquals(0, sw.counters().get(VirtualSwitch.SEGMENTED), "and they cross whole to the other TAP");
        }
        finally
        {
            server.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        assertEquals(0, portA.counter(TapPort.RX_DROPPED));
        assertEquals(0, datapath.errors());
    }

    /**
     * Reads go to the kernel several at a time, each with its own slot and overflow area: a TCP stream (super-frames,
     * several to a batch at this rate) arrives byte for byte, which fails if two reads of a batch share an overflow
     * area (the receiving kernel checksums what it is given, so only the bytes themselves can tell).
     */
    @Test
    void aTcpStreamShouldArriveByteForByte() throws Exception
    {
        final String receiver = """
            import socket, hashlib
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("192.0.2.2", 5002)); s.listen(1); s.settimeout(20)
            print("ready", flush=True)
            c, _ = s.accept(); c.settimeout(20); h = hashlib.sha256(); n = 0
            while True:
                d = c.recv(1 << 20)
                if not d: break
                h.update(d); n += len(d)
            print(n, h.hexdigest(), flush=True)
            """;
        final String sender = """
            import socket, hashlib, random
            blob = random.Random(11).randbytes(1 << 22); h = hashlib.sha256(); n = 0
            s = socket.create_connection(("192.0.2.2", 5002))
            for i in range(12):
                chunk = blob[i * 4099:] + blob[:i * 4099]
                s.sendall(chunk); h.update(chunk); n += len(chunk)
            s.close()
            print(n, h.hexdigest(), flush=True)
            """;
        final long superFramesBefore = portA.counter(TapPort.SUPER_FRAMES);
        final Process server = b.processBuilder(List.of("python3", "-c", receiver)).redirectErrorStream(true).start();
        try (java.io.BufferedReader out = new java.io.BufferedReader(
            new java.io.InputStreamReader(server.getInputStream())))
        {
            assertEquals("ready", out.readLine());
            final String sent = a.exec("python3", "-c", sender).trim();
            assertEquals(sent, out.readLine(), "bytes and SHA-256 sent, then received");
        }
        finally
        {
            server.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        assertTrue(portA.counter(TapPort.SUPER_FRAMES) - superFramesBefore > 100, "the stream went as super-frames");
        assertEquals(0, portA.counter(TapPort.RX_DROPPED));
        assertEquals(0, datapath.errors());
    }

    /** Bursts of datagrams of mixed sizes, read several to a submission, reach the other side whole and in order. */
    @Test
    void burstsOfMixedSizesShouldArriveWholeAndInOrder() throws Exception
    {
        final String receiver = """
            import socket, hashlib
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 24)
            s.bind(("192.0.2.2", 5001)); s.settimeout(3)
            print("ready", flush=True)
            last, got, bad = -1, 0, 0
            try:
                while True:
                    d = s.recv(65535)
                    seq = int.from_bytes(d[:4], "big")
                    if d[4:] != (hashlib.sha256(d[:4]).digest() * 300)[:len(d) - 4] or seq <= last: bad += 1
                    last, got = seq, got + 1
            except socket.timeout:
                print(got, bad, flush=True)
            """;
        final String sender = """
            import socket, time, hashlib, random
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            r = random.Random(7)
            for burst in range(60):
                for i in range(40):
                    seq = (burst * 40 + i).to_bytes(4, "big")
                    size = r.choice([18, 100, 600, 1400, r.randint(18, 1468)])
                    s.sendto(seq + (hashlib.sha256(seq).digest() * 300)[:size], ("192.0.2.2", 5001))
                time.sleep(0.01)
            """;
        final Process server = b.processBuilder(List.of("python3", "-c", receiver)).redirectErrorStream(true).start();
        try (java.io.BufferedReader out = new java.io.BufferedReader(
            new java.io.InputStreamReader(server.getInputStream())))
        {
            assertEquals("ready", out.readLine());
            a.exec("ping", "-c", "1", "-W", "2", "192.0.2.2"); // ARP first: a burst would wait on it
            a.exec("python3", "-c", sender);
            final String[] counts = out.readLine().split(" ");
            assertEquals("0", counts[1], "datagrams damaged or out of order");
            assertTrue(Integer.parseInt(counts[0]) >= 2400 * 95 / 100, "received " + counts[0] + " of 2400");
        }
        finally
        {
            server.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        assertEquals(0, datapath.errors());
    }

    /**
     * A frame the TAP refuses (here a virtio-net header whose checksum starts past the frame: EINVAL) goes back to the
     * switch behind the frames that went, to be dropped as queue-full and not counted as sent; the others go on.
     */
    @Test
    void aFrameTheTapRefusesShouldGoBackToTheSwitchBehindTheOthers() throws Exception
    {
        final Readiness readiness = new Readiness("xbow-test-refusals");
        cleanup.add(readiness);
        final TapDevice tap = TapDevice.create("xbt" + ProcessHandle.current().pid() % 10_000_000 + "r");
        cleanup.add(0, tap);
        a.adopt(tap.name());
        a.ip("link", "set", "dev", tap.name(), "up"); // a TAP that is down takes everything, as a cable unplugged
        final FramePool pool = new FramePool(64, 1522, 64);
        final TapPort port = new TapPort(tap, readiness, 64);
        port.attached(new PortContext()
        {
            public FramePool pool()
            {
                return pool;
            }

            public NanoClock clock()
            {
                return SystemNanoClock.INSTANCE;
            }

            public void wakeup()
            {
            }

            public void dropped(final DropReason reason)
            {
            }
        });
        final FrameBatch batch = new FrameBatch(4);
        final int first = frame(pool);
        final int refused = frame(pool);
        pool.offload(refused, FrameOffload.of(FrameOffload.CSUM_PARTIAL, FrameOffload.GSO_NONE, 0));
        pool.csum(refused, 1000, 16);
        final int last = frame(pool);
        batch.add(first);
        batch.add(refused);
        batch.add(last);
        final int free = pool.available();

        assertEquals(2, port.transmit(batch), "frames the TAP took");
        assertEquals(refused, batch.handle(2), "the refused frame, behind the others, is the switch's to drop");
        assertEquals(free + 2, pool.available(), "the port freed the two that went, and only them");
        assertEquals(2, port.counter(TapPort.TX_FRAMES));
        assertEquals(1, port.counter(TapPort.TX_QUEUE_FULL));
        port.onDetach();
    }

    /** A 60-byte IPv4 frame, broadcast. */
    private static int frame(final FramePool pool)
    {
        final int frame = pool.allocate();
        final int at = pool.offset(frame);
        pool.buffer().setMemory(at, 60, (byte)0);
        pool.buffer().setMemory(at, 6, (byte)0xFF);
        pool.buffer().putBytes(at + 6, new byte[] {2, 0, 0, 0, 0, 1, 8, 0, 0x45});
        pool.length(frame, 60);
        pool.offload(frame, FrameOffload.NONE);
        return frame;
    }

    @Test
    void aTapThatDisappearsShouldTakeOnlyItsPortOutOfService() throws Exception
    {
        final String before = a.exec("ping", "-c", "1", "-W", "2", "192.0.2.2");
        assertTrue(before.contains("1 received"), before);
        b.close(); // its eth0, our TAP, goes with it
        final SwitchPort switchPortB = sw.port("tap-b");
        // ARP for the vanished peer floods to its port: a read or write on the dead TAP fails, the port goes.
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!switchPortB.failed() && System.nanoTime() < deadline)
        {
            try
            {
                a.exec("ping", "-c", "1", "-W", "1", "192.0.2.2");
            }
            catch (final io.xbow.hostif.host.HostCommandException expected)
            {
                // no answer: the peer is gone
            }
        }
        assertTrue(switchPortB.failed(), "the port of the vanished TAP is out of service");
        assertFalse(sw.port("tap-a").failed(), "the other stays");
        assertEquals(0, datapath.errors(), "the switch carried on");
        assertTrue(a.exec("ip", "link", "show", "eth0").contains("UP"));
    }

    @Test
    void aTapIsNeverMadeOverAnInterfaceThatExists() throws Exception
    {
        // Without the check, TUNSETIFF fails with a bare EINVAL here, and would attach to a persistent TAP.
        final io.xbow.hostif.sys.NativeException refused =
            assertThrows(io.xbow.hostif.sys.NativeException.class, () -> TapDevice.create("lo"));
        assertTrue(refused.getMessage().contains("an interface of that name exists already"), refused.getMessage());
    }
}
