package io.xbow.vswitch;

import io.xbow.packet.address.Ipv4Address;
import io.xbow.packet.address.MacAddress;
import io.xbow.packet.build.FrameBuilder;
import io.xbow.packet.checksum.InternetChecksum;
import io.xbow.packet.frame.FrameBatch;
import io.xbow.packet.frame.FrameOffload;
import io.xbow.packet.frame.FramePool;
import io.xbow.vlan.VlanPolicy;
import io.xbow.vlan.VlanSet;
import io.xbow.vswitch.capture.CaptureDirection;
import io.xbow.vswitch.capture.CaptureLink;
import io.xbow.vswitch.capture.CaptureRegistry;
import io.xbow.vswitch.capture.CaptureSession;
import io.xbow.vswitch.capture.FrameFilter;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class CaptureTest
{
    private static final long A = MacAddress.parse("00:16:3e:00:00:0a");
    private static final long B = MacAddress.parse("00:16:3e:00:00:0b");

    private final SwitchHarness h = new SwitchHarness(SwitchConfig.defaults(), new FramePool(1024, 1522, 4));
    private final CaptureRegistry captures = new CaptureRegistry();
    private final List<CaptureSession> sessions = new ArrayList<>();

    record Captured(int link, int direction, long timestampNs, int originalLength, byte[] bytes)
    {
    }

    @BeforeEach
    void ports()
    {
        register("a", h.attach("a", VlanPolicy.DEFAULT));
        register("b", h.attach("b", VlanPolicy.DEFAULT));
        captures.register("sw0", CaptureLink.wholeSwitch(h.sw.capturePoint()));
    }

    @AfterEach
    void noFrameLeaked()
    {
        sessions.forEach(CaptureSession::close);
        h.assertNoFrameLeaked();
    }

    private void register(final String name, final SwitchPort port)
    {
        captures.register(name, CaptureLink.port(port.captureIn(), port.captureOut()));
    }

    private CaptureSession start(final List<String> links, final CaptureDirection direction, final FrameFilter filter,
        final int snaplen, final int ringBytes)
    {
        final CaptureSession session = captures.start(links, direction, filter, snaplen, ringBytes);
        sessions.add(session);
        return session;
    }

    private static List<Captured> drain(final CaptureSession session)
    {
        final List<Captured> out = new ArrayList<>();
        session.poll((link, direction, ts, originalLength, buffer, offset, length) ->
        {
            final byte[] bytes = new byte[length];
            buffer.getBytes(offset, bytes);
            out.add(new Captured(link, direction, ts, originalLength, bytes));
        }, Integer.MAX_VALUE);
        return out;
    }

    private static FrameBuilder udp(final long dst, final long src, final int payload)
    {
        return new FrameBuilder().ethernet(dst, src)
            .ipv4(Ipv4Address.parse("10.0.0.1"), Ipv4Address.parse("10.0.0.2")).udp(1000, 2000, payload);
    }

    @Test
    void shouldSeeAPortsFramesInBothDirectionsWhileTheNetworkGetsThemAll()
    {
        final CaptureSession session = start(List.of("a"), CaptureDirection.INOUT, FrameFilter.ALL,
            CaptureSession.DEFAULT_SNAPLEN, 1 << 20);
        final byte[] fromA = udp(B, A, 30).toBytes();
        final byte[] fromB = udp(A, B, 40).toBytes();
        h.sendAndCycle("a", udp(B, A, 30));
        h.sendAndCycle("b", udp(A, B, 40));

        assertEquals(1, h.received("b").size(), "the network is not affected");
        assertEquals(1, h.received("a").size());
        final List<Captured> seen = drain(session);
        assertEquals(2, seen.size());
        assertEquals(CaptureLink.IN, seen.get(0).direction());
        assertArrayEquals(fromA, seen.get(0).bytes());
        assertEquals(CaptureLink.OUT, seen.get(1).direction());
        assertArrayEquals(fromB, seen.get(1).bytes());
        assertEquals(0, seen.get(1).link());
        assertEquals(fromB.length, seen.get(1).originalLength());
        assertTrue(seen.get(1).timestampNs() > seen.get(0).timestampNs() - 1, "timestamps in order");
        assertEquals(2, session.matched());
        assertEquals(0, session.dropped());
    }

    @Test
    void shouldShowTheVlanOfEachFrameOnceOnAWholeSwitchCapture()
    {
        register("c", h.attach("c", VlanPolicy.access(10)));
        register("t", h.attach("t", VlanPolicy.trunk(VlanSet.parse("10"), 1)));
        final CaptureSession session = start(List.of("sw0"), CaptureDirection.INOUT, FrameFilter.ALL,
            CaptureSession.DEFAULT_SNAPLEN, 1 << 20);
        h.sendAndCycle("c", udp(MacAddress.BROADCAST, A, 30)); // VLAN 10: flooded to the trunk, tagged
        h.sendAndCycle("a", udp(MacAddress.BROADCAST, B, 30)); // VLAN 1: untagged

        final List<Captured> seen = drain(session);
        assertEquals(2, seen.size(), "each frame once, however many ports it went out of");
        final byte[] tagged = udp(MacAddress.BROADCAST, A, 30).toBytes();
        final byte[] expected = new byte[tagged.length + 4];
        System.arraycopy(tagged, 0, expected, 0, 12);
        expected[12] = (byte)0x81;
        expected[15] = 10;
        System.arraycopy(tagged, 12, expected, 16, tagged.length - 12);
        assertArrayEquals(expected, seen.get(0).bytes(), "VLAN 10 shown as an 802.1Q tag");
        assertEquals(expected.length, seen.get(0).originalLength());
        assertArrayEquals(udp(MacAddress.BROADCAST, B, 30).toBytes(), seen.get(1).bytes(), "VLAN 1 untagged");
        assertEquals(2, h.received("t").size(), "the trunk carries both VLANs");
        assertThrows(IllegalArgumentException.class, () -> captures.start(List.of("sw0"), CaptureDirection.OUT,
            FrameFilter.ALL, 100, 1 << 20), "a switch has no outgoing side");
    }

    @Test
    void shouldKeepOnlyWhatTheFilterAcceptsCutToTheSnapshotLength()
    {
        final FrameFilter bigOnly = (buffer, offset, length, tci) -> length > 100 ? Integer.MAX_VALUE : 0;
        final CaptureSession session = start(List.of("a", "b"), CaptureDirection.IN, bigOnly, 64, 1 << 20);
        h.sendAndCycle("a", udp(B, A, 10));
        h.sendAndCycle("b", udp(A, B, 200));

        final List<Captured> seen = drain(session);
        assertEquals(1, seen.size());
        assertEquals(1, seen.get(0).link(), "link b, the second named");
        assertEquals(64, seen.get(0).bytes().length, "cut to the snapshot length");
        assertEquals(udp(A, B, 200).toBytes().length, seen.get(0).originalLength());
        assertEquals(1, session.matched());
    }

    @Test
    void shouldDropFromTheCaptureNotTheNetworkWhenTheReaderFallsBehind()
    {
        final CaptureSession session = start(List.of("a"), CaptureDirection.IN, FrameFilter.ALL,
            CaptureSession.DEFAULT_SNAPLEN, 64 << 10);
        final int frames = 3000; // 3000 x (1000 + header) bytes: far more than a 64 KiB ring
        int delivered = 0;
        for (int i = 0; i < frames; i++)
        {
            h.sendAndCycle("a", udp(B, A, 1000));
            delivered += h.received("b").size();
        }
        assertEquals(frames, delivered, "every frame reached the network");
        final int captured = drain(session).size();
        assertTrue(captured > 0 && captured < frames, "captured " + captured);
        assertEquals(frames, session.matched());
        assertEquals(frames - captured, session.dropped(), "every frame missed is counted");
    }

    @Test
    void shouldStopSeeingFramesWhenClosedAndEndWhenTheLinkGoesAway()
    {
        final CaptureSession first = start(List.of("a"), CaptureDirection.IN, FrameFilter.ALL, 1500, 1 << 20);
        final CaptureSession second = start(List.of("a"), CaptureDirection.IN, FrameFilter.ALL, 1500, 1 << 20);
        first.close();
        h.sendAndCycle("a", udp(B, A, 10));
        assertEquals(0, drain(first).size(), "a closed capture sees nothing");
        assertEquals(1, drain(second).size(), "captures on one link are independent");

        assertNull(second.endReason());
        captures.unregister("a");
        assertEquals("link a went away", second.endReason());
        h.sendAndCycle("a", udp(B, A, 10));
        assertEquals(0, drain(second).size());
        assertThrows(IllegalArgumentException.class, () -> captures.start(List.of("a"), CaptureDirection.IN,
            FrameFilter.ALL, 1500, 1 << 20));
    }

    @Test
    void shouldShowASuperFrameAsTheSegmentsTheWireCarriesWhileItCrossesWhole()
    {
        h.devices.get("b").offloads(FrameOffload.CAN_CSUM | FrameOffload.CAN_TSO4);
        h.attach("plain", VlanPolicy.DEFAULT);
        h.cycle();
        final CaptureSession session = start(List.of("a", "b"), CaptureDirection.INOUT, FrameFilter.ALL,
            CaptureSession.DEFAULT_SNAPLEN, 1 << 20);
        final int src = Ipv4Address.parse("192.0.2.1");
        final int dst = Ipv4Address.parse("192.0.2.2");
        final int payload = 10_000;
        final byte[] bytes = new FrameBuilder().ethernet(B, A).ipv4(src, dst).tcp(40000, 5001, 0x18, 1, payload)
            .payloadFill(0x77).toBytes();
        final int frame = h.pool.allocateLarge();
        h.pool.put(frame, bytes);
        // As a guest's TSO hands it over: the TCP checksum field holds only the pseudo-header's sum.
        ((MutableDirectBuffer)h.pool.buffer()).putShort(h.pool.offset(frame) + 50, (short)InternetChecksum
            .fold(InternetChecksum.pseudoHeaderSum(src, dst, 6, bytes.length - 34)), ByteOrder.BIG_ENDIAN);
        h.pool.offload(frame, FrameOffload.of(FrameOffload.CSUM_PARTIAL, FrameOffload.GSO_TCPV4, 1448));
        h.pool.csum(frame, 34, 16);
        h.send("a", frame);
        h.cycle();

        final FrameBatch whole = new FrameBatch(4);
        h.devices.get("b").drainTo(whole);
        assertEquals(1, whole.count(), "b takes the super-frame whole");
        h.pool.freeAll(whole);
        final List<byte[]> wire = h.received("plain"); // cut by the switch for a port without TSO
        assertEquals(7, wire.size());

        final List<Captured> seen = drain(session);
        assertEquals(14, seen.size(), "7 segments in at a, the same 7 out at b");
        for (int i = 0; i < seen.size(); i++)
        {
            final Captured c = seen.get(i);
            assertEquals(i < 7 ? CaptureLink.IN : CaptureLink.OUT, c.direction());
            assertArrayEquals(wire.get(i % 7), c.bytes(), "segment " + i % 7 + " as the wire carries it");
            assertEquals(c.bytes().length, c.originalLength());
            final UnsafeBuffer s = new UnsafeBuffer(c.bytes());
            assertEquals(s.getShort(50, ByteOrder.BIG_ENDIAN) & 0xFFFF,
                InternetChecksum.tcpChecksum(s, 34, c.bytes().length - 34, src, dst), "a complete TCP checksum");
        }
        assertEquals(14, session.matched());
    }
}
