package io.xbow.packet.offload;

import io.xbow.packet.address.Ipv4Address;
import io.xbow.packet.build.FrameBuilder;
import io.xbow.packet.checksum.InternetChecksum;
import io.xbow.packet.frame.FrameBatch;
import io.xbow.packet.frame.FramePool;
import io.xbow.packet.parse.HeaderChain;
import io.xbow.packet.parse.ParseResult;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A TCP super-frame, as GRO or TSO hands it over, cut as the kernel's GSO would: each segment a valid frame whose
 * payload is the next gso_size bytes, its sequence number advanced, FIN and PSH on the last only, every checksum
 * right.
 */
class SuperFrameCutterTest
{
    private static final int SRC = Ipv4Address.parse("198.51.100.1");
    private static final int DST = Ipv4Address.parse("198.51.100.2");

    @Test
    void aTcpSuperFrameShouldBecomeValidSegments()
    {
        final byte[] payload = new byte[4000];
        for (int i = 0; i < payload.length; i++)
        {
            payload[i] = (byte)(i * 7);
        }
        final UnsafeBuffer superFrame = new UnsafeBuffer(new FrameBuilder().ethernet(0x0216_3e00_0002L, 0x0216_3e00_0001L)
            .ipv4(SRC, DST).tcp(40000, 5201, 0x18 | 0x01, 1_000_000L, 0).payload(payload).toBytes());
        final FramePool pool = new FramePool(16);
        final FrameBatch out = new FrameBatch(16);
        final SuperFrameCutter cutter = new SuperFrameCutter();
        assertEquals(3, cutter.wrap(superFrame, 0, superFrame.capacity(), Offloads.GSO_TCPV4, 1448));
        assertEquals(3, cutter.cutInto(pool, out));

        final HeaderChain chain = new HeaderChain();
        final UnsafeBuffer frames = (UnsafeBuffer)pool.buffer();
        int offset = 0;
        for (int i = 0; i < 3; i++)
        {
            final int frame = out.handle(i);
            final int at = pool.offset(frame);
            final int length = pool.length(frame);
            assertEquals(ParseResult.OK, chain.parse(frames, at, length), "segment " + i);
            final int ip = chain.l3Offset();
            final int tcp = chain.l4Offset();
            final int chunk = chain.l4Length() - 20;
            assertEquals(i < 2 ? 1448 : 4000 - 2 * 1448, chunk);
            assertEquals(0, InternetChecksum.checksum(frames, ip, 20), "IP header checksum");
            assertEquals(frames.getShort(tcp + 16, ByteOrder.BIG_ENDIAN) & 0xFFFF,
                InternetChecksum.tcpChecksum(frames, tcp, chain.l4Length(), SRC, DST), "TCP checksum");
            assertEquals(1_000_000L + offset, frames.getInt(tcp + 4, ByteOrder.BIG_ENDIAN) & 0xFFFF_FFFFL);
            assertEquals(i == 2 ? 0x19 : 0x10, frames.getByte(tcp + 13) & 0xFF, "FIN and PSH on the last only");
            for (int b = 0; b < chunk; b++)
            {
                assertEquals(payload[offset + b], frames.getByte(tcp + 20 + b));
            }
            offset += chunk;
            pool.free(frame);
        }
        assertEquals(0, pool.outstanding());
    }

    @Test
    void whatCannotBeCutIsLeftAlone()
    {
        final UnsafeBuffer udp = new UnsafeBuffer(new FrameBuilder().ethernet(2, 4).ipv4(SRC, DST).udp(1, 2, 3000)
            .toBytes());
        final FramePool pool = new FramePool(4);
        final FrameBatch out = new FrameBatch(8);
        final SuperFrameCutter cutter = new SuperFrameCutter();
        assertEquals(-1, cutter.wrap(udp, 0, udp.capacity(), Offloads.GSO_TCPV4, 1448));
        assertEquals(-1, cutter.cutInto(pool, out));
        assertEquals(0, out.count());
        assertEquals(0, pool.outstanding());
    }
}
