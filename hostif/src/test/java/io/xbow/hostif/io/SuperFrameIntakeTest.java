package io.xbow.hostif.io;

import io.xbow.packet.address.Ipv4Address;
import io.xbow.packet.build.FrameBuilder;
import io.xbow.packet.checksum.InternetChecksum;
import io.xbow.packet.frame.FrameBatch;
import io.xbow.packet.frame.FrameOffload;
import io.xbow.packet.frame.FramePool;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A super-frame read from the kernel (head in a slot, tail in an overflow area) reaches the switch whole when a
 * large slot is free and as segments when none is, with the VLAN tag the kernel took off put back; frames of its
 * flow read after it never overtake it.
 */
class SuperFrameIntakeTest
{
    private static final int SRC = Ipv4Address.parse("192.0.2.1");
    private static final int DST = Ipv4Address.parse("192.0.2.2");
    private static final int PAYLOAD = 5000;
    private static final int MSS = 1448;
    private static final int HDR = 10;

    private final UnsafeBuffer overflow = new UnsafeBuffer(new byte[SuperFrameIntake.OVERFLOW]);

    /** As a read leaves it: virtio-net header and head in the slot, the rest in the overflow area. */
    private int read(final FramePool pool, final byte[] bytes)
    {
        final int frame = pool.allocate();
        final MutableDirectBuffer buffer = pool.buffer();
        final int at = pool.offset(frame);
        final int inSlot = Math.min(bytes.length, pool.capacity(frame));
        buffer.putBytes(at, bytes, 0, inSlot);
        overflow.putBytes(0, bytes, inSlot, bytes.length - inSlot);
        final int vnet = at - HDR;
        buffer.setMemory(vnet, HDR, (byte)0);
        buffer.putByte(vnet, (byte)FrameOffload.CSUM_PARTIAL);
        buffer.putByte(vnet + 1, (byte)FrameOffload.GSO_TCPV4);
        buffer.putShort(vnet + 4, (short)MSS, ByteOrder.LITTLE_ENDIAN);
        buffer.putShort(vnet + 6, (short)34, ByteOrder.LITTLE_ENDIAN);
        buffer.putShort(vnet + 8, (short)16, ByteOrder.LITTLE_ENDIAN);
        return frame;
    }

    private static byte[] superFrame()
    {
        return new FrameBuilder().ethernet(2, 4).ipv4(SRC, DST).tcp(1000, 2000, 0x18, 1, PAYLOAD).payloadFill(0x42)
            .toBytes();
    }

    private static int plain(final FramePool pool)
    {
        final int frame = pool.allocate();
        pool.put(frame, new FrameBuilder().ethernet(2, 4).ipv4(SRC, DST).tcp(1000, 2000, 0x10, 1 + PAYLOAD, 0)
            .toBytes());
        return frame;
    }

    @Test
    void shouldPassASuperFrameWholeInALargeSlotWithItsTagBack()
    {
        final FramePool pool = new FramePool(64, 1522, 2);
        final SuperFrameIntake intake = new SuperFrameIntake(256);
        intake.attached(pool);
        final byte[] bytes = superFrame();
        final int frame = read(pool, bytes);
        assertNull(intake.take(frame, bytes.length, pool.offset(frame) - HDR, overflow, 0, 20));
        final FrameBatch out = new FrameBatch(32);
        intake.pass(plain(pool), out);
        assertEquals(0, out.count(), "the plain frame waits behind the super-frame");
        intake.drainTo(out);
        assertEquals(2, out.count());
        final int whole = out.handle(0);
        assertTrue(pool.isLarge(whole));
        assertEquals(bytes.length + 4, pool.length(whole));
        assertEquals(20, pool.buffer().getShort(pool.offset(whole) + 14, ByteOrder.BIG_ENDIAN));
        assertEquals(38, pool.csumStart(whole), "the checksummed part moved with the tag");
        assertEquals(MSS, FrameOffload.gsoSize(pool.offload(whole)));
        assertEquals(1 + PAYLOAD, pool.buffer().getInt(pool.offset(out.handle(1)) + 38, ByteOrder.BIG_ENDIAN),
            "the plain frame second");
        pool.freeAll(out);
        assertEquals(0, pool.outstanding());
    }

    @Test
    void shouldCutItWhenNoLargeSlotIsFreeAndKeepTheFlowInOrder()
    {
        final FramePool pool = new FramePool(64, 1522, 0);
        final SuperFrameIntake intake = new SuperFrameIntake(256);
        intake.attached(pool);
        assertEquals(256 / 46, intake.room(), "a super-frame's segments' worth of backlog for each read");
        final byte[] bytes = superFrame();
        final int first = read(pool, bytes);
        assertNull(intake.take(first, bytes.length, pool.offset(first) - HDR, overflow, 0, 20));
        final FrameBatch out = new FrameBatch(2);
        intake.pass(plain(pool), out);
        intake.drainTo(out);
        assertEquals(2, out.count(), "as much as the batch takes");
        final FrameBatch all = new FrameBatch(32);
        for (int i = 0; i < 2; i++)
        {
            all.add(out.handle(i));
        }
        intake.drainTo(all);
        assertEquals(5, all.count(), "4 segments, then the plain frame");
        long seq = 1;
        for (int i = 0; i < 4; i++)
        {
            final int segment = all.handle(i);
            final UnsafeBuffer s = new UnsafeBuffer(pool.buffer(), pool.offset(segment), pool.length(segment));
            assertEquals(20, s.getShort(14, ByteOrder.BIG_ENDIAN), "tagged");
            assertEquals(seq, s.getInt(38 + 4, ByteOrder.BIG_ENDIAN));
            final int chunk = pool.length(segment) - 58;
            assertEquals(s.getShort(38 + 16, ByteOrder.BIG_ENDIAN) & 0xFFFF,
                InternetChecksum.tcpChecksum(s, 38, 20 + chunk, SRC, DST));
            seq += chunk;
        }
        assertEquals(1 + PAYLOAD, seq);
        pool.freeAll(all);
        assertEquals(0, pool.outstanding());
    }
}
