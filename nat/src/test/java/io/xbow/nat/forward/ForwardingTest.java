package io.xbow.nat.forward;

import io.xbow.packet.address.Ipv4Address;
import io.xbow.packet.build.FrameBuilder;
import io.xbow.packet.checksum.InternetChecksum;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The router's per-datagram work: the checks RFC 1812 asks before forwarding, the TTL decrement with its RFC 1624
 * checksum update (against a full recomputation on random headers), the ICMP errors it sends back (valid, quoting
 * the datagram, never about an error, a broadcast or a later fragment) and their rate limit.
 */
class ForwardingTest
{
    private static final int A = Ipv4Address.parse("192.0.2.10");
    private static final int B = Ipv4Address.parse("198.51.100.20");
    private static final int ROUTER = Ipv4Address.parse("192.0.2.1");
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    private static UnsafeBuffer udp(final int ttl, final int payload)
    {
        return new UnsafeBuffer(new FrameBuilder().ethernet(0x0216_3e00_0001L, 0x0216_3e00_0002L).ipv4(A, B)
            .ttl(ttl).udp(40000, 33434, payload).toBytes());
    }

    @Test
    void shouldCheckTheHeaderAsRfc1812Asks()
    {
        final UnsafeBuffer ok = udp(64, 10);
        assertEquals(Ipv4Forwarding.OK, Ipv4Forwarding.check(ok, 14, ok.capacity() - 14));
        assertEquals(Ipv4Forwarding.TTL_EXCEEDED, Ipv4Forwarding.check(udp(1, 10), 14, 52 - 14));
        final UnsafeBuffer bad = udp(64, 10);
        bad.putByte(14 + 12, (byte)7);
        assertEquals(Ipv4Forwarding.BAD_CHECKSUM, Ipv4Forwarding.check(bad, 14, bad.capacity() - 14));
        assertEquals(Ipv4Forwarding.MALFORMED, Ipv4Forwarding.check(ok, 14, 19));
        assertEquals(Ipv4Forwarding.MALFORMED, Ipv4Forwarding.check(ok, 14, 30), "total length past the frame");
    }

    @Test
    void theIncrementalChecksumShouldEqualAFullRecomputation()
    {
        final Random random = new Random(1624);
        final UnsafeBuffer header = new UnsafeBuffer(new byte[20]);
        for (int i = 0; i < 20_000; i++)
        {
            for (int b = 0; b < 20; b++)
            {
                header.putByte(b, (byte)random.nextInt());
            }
            header.putByte(0, (byte)0x45);
            header.putByte(8, (byte)(2 + random.nextInt(254)));
            header.putShort(10, (short)0);
            header.putShort(10, (short)InternetChecksum.ipv4HeaderChecksum(header, 0, 20), BE);
            final int ttl = header.getByte(8) & 0xFF;
            Ipv4Forwarding.decrementTtl(header, 0);
            assertEquals(ttl - 1, header.getByte(8) & 0xFF);
            assertEquals(0, InternetChecksum.checksum(header, 0, 20), "header " + i + " still sums right");
        }
    }

    @Test
    void shouldSendAnIcmpErrorQuotingTheDatagramBackToItsSender()
    {
        final UnsafeBuffer datagram = udp(1, 1400);
        final UnsafeBuffer out = new UnsafeBuffer(new byte[IcmpErrors.MAX_FRAME_LENGTH]);
        assertTrue(IcmpErrors.mayAnswer(datagram, 14, false));
        final int length = IcmpErrors.write(out, 0, 0x0216_3e00_00feL, 0x0216_3e00_0002L, ROUTER, datagram, 14,
            IcmpErrors.TIME_EXCEEDED, 0, 0);
        assertEquals(14 + 576, length, "no longer than 576 bytes of IP");
        assertEquals(0x0216_3e00_0002L, (out.getShort(0, BE) & 0xFFFFL) << 32 | (out.getInt(2, BE) & 0xFFFF_FFFFL),
            "back to the MAC it came from");
        assertEquals(0, InternetChecksum.checksum(out, 14, 20), "IP header checksum");
        assertEquals(ROUTER, out.getInt(14 + 12, BE));
        assertEquals(A, out.getInt(14 + 16, BE));
        assertEquals(11, out.getByte(34));
        assertEquals(0, InternetChecksum.checksum(out, 34, length - 34), "ICMP checksum");
        for (int i = 0; i < 548; i++)
        {
            assertEquals(datagram.getByte(14 + i), out.getByte(42 + i), "quoted byte " + i);
        }
        final int small = IcmpErrors.write(out, 0, 1, 2, ROUTER, udp(64, 10), 14, IcmpErrors.UNREACHABLE,
            IcmpErrors.FRAGMENTATION_NEEDED, 1400);
        assertEquals(14 + 20 + 8 + 38, small, "a short datagram quoted whole");
        assertEquals(1400, out.getShort(34 + 6, BE), "the next hop's MTU");
        assertEquals(0, InternetChecksum.checksum(out, 34, small - 34));
    }

    @Test
    void shouldNeverAnswerAnErrorABroadcastOrALaterFragment()
    {
        final UnsafeBuffer echo = new UnsafeBuffer(new FrameBuilder().ethernet(1, 2).ipv4(A, B)
            .icmpEcho(8, 1, 1, 8).toBytes());
        assertTrue(IcmpErrors.mayAnswer(echo, 14, false), "about an echo request, yes");
        final UnsafeBuffer error = new UnsafeBuffer(new byte[IcmpErrors.MAX_FRAME_LENGTH]);
        IcmpErrors.write(error, 0, 1, 2, ROUTER, udp(1, 10), 14, IcmpErrors.TIME_EXCEEDED, 0, 0);
        assertFalse(IcmpErrors.mayAnswer(error, 14, false), "never about an ICMP error");
        assertFalse(IcmpErrors.mayAnswer(udp(1, 10), 14, true), "nor what came to a link broadcast");
        final UnsafeBuffer broadcast = new UnsafeBuffer(new FrameBuilder().ethernet(1, 2)
            .ipv4(A, Ipv4Address.parse("255.255.255.255")).udp(68, 67, 10).toBytes());
        assertFalse(IcmpErrors.mayAnswer(broadcast, 14, false));
        final UnsafeBuffer fragment = udp(1, 10);
        fragment.putShort(14 + 6, (short)0x0010, BE); // offset 128
        assertFalse(IcmpErrors.mayAnswer(fragment, 14, false), "nor a fragment but the first");
    }

    @Test
    void shouldLimitTheRateOfErrors()
    {
        final TokenBucket bucket = new TokenBucket(100, 10, 0);
        int sent = 0;
        for (int i = 0; i < 50; i++)
        {
            sent += bucket.take(0) ? 1 : 0;
        }
        assertEquals(10, sent, "the burst");
        sent = 0;
        for (long t = 1_000_000; t <= 1_000_000_000L; t += 1_000_000)
        {
            sent += bucket.take(t) ? 1 : 0;
        }
        assertEquals(100, sent, "then 100 a second");
        assertTrue(new TokenBucket(1_000_000, 1_000_000, 0).take(Long.MAX_VALUE / 2), "no overflow after long");
    }

    @Test
    void fragmentsShouldCarryOnlyTheOptionsMarkedToBeCopied()
    {
        for (final int option : new int[] {0x94, 0x44})
        {
            // A 24-byte header: one 4-byte option (0x94 router alert, copied; 0x44 time stamp, first only).
            final UnsafeBuffer d = new UnsafeBuffer(new byte[14 + 24 + 1000]);
            d.putShort(12, (short)0x0800, BE);
            d.putByte(14, (byte)0x46);
            d.putShort(16, (short)(24 + 1000), BE);
            d.putByte(22, (byte)64);
            d.putByte(23, (byte)17);
            d.putInt(26, A, BE);
            d.putInt(30, B, BE);
            d.putByte(34, (byte)option);
            d.putByte(35, (byte)4);
            for (int i = 0; i < 1000; i++)
            {
                d.putByte(38 + i, (byte)i);
            }
            final io.xbow.packet.frame.FramePool pool = new io.xbow.packet.frame.FramePool(16);
            final io.xbow.packet.frame.FrameBatch out = new io.xbow.packet.frame.FrameBatch(16);
            assertEquals(3, Ipv4Fragmenter.fragment(d, 0, 500, pool, out));
            int data = 0;
            for (int f = 0; f < 3; f++)
            {
                final int at = pool.offset(out.handle(f));
                final int ihl = (pool.buffer().getByte(at + 14) & 0x0F) * 4;
                assertEquals(f == 0 || option == 0x94 ? 24 : 20, ihl, "option " + option + ", fragment " + f);
                assertEquals(0, InternetChecksum.checksum(pool.buffer(), at + 14, ihl));
                assertEquals(data / 8, pool.buffer().getShort(at + 14 + 6, BE) & 0x1FFF);
                final int length = (pool.buffer().getShort(at + 14 + 2, BE) & 0xFFFF) - ihl;
                for (int i = 0; i < length; i++)
                {
                    assertEquals((byte)(data + i), pool.buffer().getByte(at + 14 + ihl + i));
                }
                data += length;
                pool.free(out.handle(f));
            }
            assertEquals(1000, data, "all the data, once");
        }
    }
}
