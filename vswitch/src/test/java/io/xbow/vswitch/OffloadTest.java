package io.xbow.vswitch;

import io.xbow.packet.DropReason;
import io.xbow.packet.address.Ipv4Address;
import io.xbow.packet.build.FrameBuilder;
import io.xbow.packet.checksum.InternetChecksum;
import io.xbow.packet.frame.FrameBatch;
import io.xbow.packet.frame.FrameOffload;
import io.xbow.packet.frame.FramePool;
import io.xbow.vlan.VlanPolicy;
import io.xbow.vlan.VlanSet;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Super-frames and partial checksums crossing the switch: whole to a port that takes them, finished or cut into
 * segments for one that does not, each segment checked against an independent recomputation of its headers and
 * checksums.
 */
class OffloadTest
{
    private static final long A = 0x0216_3e00_000aL;
    private static final long B = 0x0216_3e00_000bL;
    private static final int SRC = Ipv4Address.parse("192.0.2.1");
    private static final int DST = Ipv4Address.parse("192.0.2.2");
    private static final int MSS = 1448;
    private static final int PAYLOAD = 40_000;
    private static final int HEADERS = 14 + 20 + 20;
    private static final int PSH_ACK_FIN = 0x19;
    private static final long SEQ = 0xFFFF_F000L; // wraps within the super-frame

    private final SwitchHarness h = new SwitchHarness(SwitchConfig.defaults(), new FramePool(512, 1522, 4));

    /**
     * A TCP/IPv4 super-frame from A to B, as a guest kernel hands it over: one IP header for 40,000 bytes, the TCP
     * checksum partial (the pseudo-header sum in its field), segment size 1448.
     */
    private int superFrame(final int gsoType, final int gsoSize)
    {
        final byte[] bytes = new FrameBuilder().ethernet(B, A).ipv4(SRC, DST).identification(0x1234)
            .tcp(40000, 5001, PSH_ACK_FIN, SEQ, PAYLOAD).payloadFill(0x5A).toBytes();
        final int frame = h.pool.allocateLarge();
        h.pool.put(frame, bytes);
        final UnsafeBuffer buffer = (UnsafeBuffer)h.pool.buffer();
        final int at = h.pool.offset(frame);
        final int tcpLength = bytes.length - 34;
        buffer.putShort(at + 34 + 16, (short)InternetChecksum.fold(InternetChecksum.pseudoHeaderSum(SRC, DST, 6,
            tcpLength)), ByteOrder.BIG_ENDIAN);
        h.pool.offload(frame, FrameOffload.of(FrameOffload.CSUM_PARTIAL, gsoType, gsoSize));
        h.pool.csum(frame, 34, 16);
        return frame;
    }

    @Test
    void shouldForwardASuperFrameWholeWhereTakenAndCutItIntoCheckedSegmentsWhereNot()
    {
        h.attach("a", VlanPolicy.DEFAULT);
        h.attach("plain", VlanPolicy.DEFAULT);
        h.attach("tso", VlanPolicy.DEFAULT);
        h.devices.get("tso").offloads(FrameOffload.CAN_CSUM | FrameOffload.CAN_TSO4 | FrameOffload.CAN_TSO6);
        h.cycle();
        h.send("a", superFrame(FrameOffload.GSO_TCPV4, MSS)); // B unknown: flooded to both
        h.cycle();

        final FrameBatch whole = new FrameBatch(16);
        h.devices.get("tso").drainTo(whole);
        assertEquals(1, whole.count(), "one frame to the port that takes super-frames");
        final int kept = whole.handle(0);
        assertEquals(HEADERS + PAYLOAD, h.pool.length(kept));
        assertEquals(FrameOffload.GSO_TCPV4, FrameOffload.gsoType(h.pool.offload(kept)));
        assertEquals(MSS, FrameOffload.gsoSize(h.pool.offload(kept)));
        assertEquals(34, h.pool.csumStart(kept));
        h.pool.freeAll(whole);

        final List<byte[]> segments = h.received("plain");
        final int expected = (PAYLOAD + MSS - 1) / MSS;
        assertEquals(expected, segments.size());
        for (int i = 0; i < expected; i++)
        {
            final UnsafeBuffer s = new UnsafeBuffer(segments.get(i));
            final int chunk = Math.min(MSS, PAYLOAD - i * MSS);
            assertEquals(HEADERS + chunk, s.capacity(), "segment " + i + " length");
            assertEquals(20 + 20 + chunk, s.getShort(14 + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF, "IP total length");
            assertEquals((0x1234 + i) & 0xFFFF, s.getShort(14 + 4, ByteOrder.BIG_ENDIAN) & 0xFFFF, "IP id");
            assertEquals(0, InternetChecksum.checksum(s, 14, 20), "IP header checksum");
            assertEquals((SEQ + (long)i * MSS) & 0xFFFF_FFFFL, s.getInt(34 + 4, ByteOrder.BIG_ENDIAN) & 0xFFFF_FFFFL,
                "sequence number");
            final int flags = s.getByte(34 + 13) & 0xFF;
            assertEquals(i == expected - 1 ? PSH_ACK_FIN : 0x10, flags, "PSH and FIN on the last segment only");
            assertEquals(s.getShort(34 + 16, ByteOrder.BIG_ENDIAN) & 0xFFFF,
                InternetChecksum.tcpChecksum(s, 34, 20 + chunk, SRC, DST), "TCP checksum of segment " + i);
            for (int b = HEADERS; b < s.capacity(); b++)
            {
                assertEquals(0x5A, s.getByte(b) & 0xFF);
            }
        }
        assertEquals(1, h.sw.counters().get(VirtualSwitch.SEGMENTED));
        assertEquals(expected - 1, h.sw.counters().get(VirtualSwitch.SEGMENTS_ADDED));
        h.assertNoFrameLeaked();
    }

    @Test
    void shouldFinishAPartialChecksumOnlyWhereItIsNotTaken()
    {
        h.attach("a", VlanPolicy.DEFAULT);
        h.attach("plain", VlanPolicy.DEFAULT);
        h.attach("csum", VlanPolicy.DEFAULT);
        h.devices.get("csum").offloads(FrameOffload.CAN_CSUM);
        h.cycle();
        final int frame = h.pool.allocate();
        final byte[] bytes = new FrameBuilder().ethernet(B, A).ipv4(SRC, DST).tcp(40000, 5001, 0x18, 7, 1000)
            .payloadFill(0x33).toBytes();
        h.pool.put(frame, bytes);
        final UnsafeBuffer buffer = (UnsafeBuffer)h.pool.buffer();
        final int correct = buffer.getShort(h.pool.offset(frame) + 50, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        buffer.putShort(h.pool.offset(frame) + 50,
            (short)InternetChecksum.fold(InternetChecksum.pseudoHeaderSum(SRC, DST, 6, 1020)), ByteOrder.BIG_ENDIAN);
        h.pool.offload(frame, FrameOffload.of(FrameOffload.CSUM_PARTIAL, FrameOffload.GSO_NONE, 0));
        h.pool.csum(frame, 34, 16);
        h.send("a", frame);
        h.cycle();

        final List<byte[]> plain = h.received("plain");
        assertEquals(1, plain.size());
        assertEquals(correct, new UnsafeBuffer(plain.get(0)).getShort(50, ByteOrder.BIG_ENDIAN) & 0xFFFF, "finished");
        final List<byte[]> partial = h.received("csum");
        assertEquals(1, partial.size());
        assertNotEquals(correct, new UnsafeBuffer(partial.get(0)).getShort(50, ByteOrder.BIG_ENDIAN) & 0xFFFF,
            "left partial for the port that finishes it");
        assertEquals(1, h.sw.counters().get(VirtualSwitch.CHECKSUMS_FINISHED));
        h.assertNoFrameLeaked();
    }

    @Test
    void shouldTagEverySegmentForATrunkAndKeepAPartialChecksumInPlaceUnderATag()
    {
        h.attach("a", VlanPolicy.access(20));
        final SwitchPort trunk = h.attach("trunk", VlanPolicy.trunk(VlanSet.of(20), 1));
        h.attach("tsotrunk", VlanPolicy.trunk(VlanSet.of(20), 1));
        h.devices.get("tsotrunk").offloads(FrameOffload.CAN_CSUM | FrameOffload.CAN_TSO4);
        h.cycle();
        h.send("a", superFrame(FrameOffload.GSO_TCPV4, MSS));
        h.cycle();
        final List<byte[]> segments = h.received("trunk");
        assertEquals((PAYLOAD + MSS - 1) / MSS, segments.size());
        for (final byte[] segment : segments)
        {
            final UnsafeBuffer s = new UnsafeBuffer(segment);
            assertEquals(0x8100, s.getShort(12, ByteOrder.BIG_ENDIAN) & 0xFFFF);
            assertEquals(20, s.getShort(14, ByteOrder.BIG_ENDIAN) & 0xFFF);
            final int chunk = segment.length - HEADERS - 4;
            assertEquals(s.getShort(38 + 16, ByteOrder.BIG_ENDIAN) & 0xFFFF,
                InternetChecksum.tcpChecksum(s, 38, 20 + chunk, SRC, DST));
        }
        final FrameBatch whole = new FrameBatch(4);
        h.devices.get("tsotrunk").drainTo(whole);
        assertEquals(1, whole.count());
        assertEquals(38, h.pool.csumStart(whole.handle(0)), "the tag pushed in front moved the checksummed part");
        h.pool.freeAll(whole);
        assertEquals(0, trunk.counters().drops(DropReason.MALFORMED));
        h.assertNoFrameLeaked();
    }

    @Test
    void shouldDropASuperFrameThatIsNotOneAndCountIt()
    {
        h.attach("a", VlanPolicy.DEFAULT);
        final SwitchPort plain = h.attach("plain", VlanPolicy.DEFAULT);
        h.cycle();
        h.send("a", superFrame(FrameOffload.GSO_TCPV6, MSS)); // says TCP/IPv6, is IPv4
        h.send("a", superFrame(FrameOffload.GSO_TCPV4, 0));   // no segment size
        h.cycle();
        assertEquals(0, h.received("plain").size());
        assertEquals(2, plain.counters().drops(DropReason.MALFORMED));
        h.assertNoFrameLeaked();
    }
}
