package io.xbow.packet.checksum;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class InternetChecksumTest
{
    @Test
    void shouldMatchTheWorkedExampleOfRfc1071()
    {
        // RFC 1071 section 3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2 (folded), checksum 220d.
        final UnsafeBuffer data = new UnsafeBuffer(new byte[]{0x00, 0x01, (byte)0xf2, 0x03, (byte)0xf4, (byte)0xf5,
            (byte)0xf6, (byte)0xf7});
        assertEquals(0xddf2, InternetChecksum.fold(InternetChecksum.sum(data, 0, 8)));
        assertEquals(0x220d, InternetChecksum.checksum(data, 0, 8));
    }

    @Test
    void shouldPadAnOddLastByteWithZero()
    {
        final UnsafeBuffer odd = new UnsafeBuffer(new byte[]{0x12, 0x34, 0x56});
        final UnsafeBuffer even = new UnsafeBuffer(new byte[]{0x12, 0x34, 0x56, 0x00});
        assertEquals(InternetChecksum.checksum(even, 0, 4), InternetChecksum.checksum(odd, 0, 3));
    }

    @Test
    void shouldGiveTheSameChecksumIncrementallyAsByRecomputing()
    {
        final SplittableRandom random = new SplittableRandom(1624);
        final byte[] bytes = new byte[40];
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        for (int i = 0; i < 100_000; i++)
        {
            random.nextBytes(bytes);
            final int before = InternetChecksum.checksum(buffer, 0, bytes.length);
            final int field = random.nextInt(bytes.length / 2) * 2;
            if (random.nextBoolean())
            {
                final int old = buffer.getShort(field, java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFF;
                final int value = random.nextInt(0x10000);
                buffer.putShort(field, (short)value, java.nio.ByteOrder.BIG_ENDIAN);
                assertSameChecksum(InternetChecksum.checksum(buffer, 0, bytes.length),
                    InternetChecksum.update16(before, old, value));
            }
            else
            {
                final int word = field & ~3;
                final int old = buffer.getInt(word, java.nio.ByteOrder.BIG_ENDIAN);
                final int value = random.nextInt();
                buffer.putInt(word, value, java.nio.ByteOrder.BIG_ENDIAN);
                assertSameChecksum(InternetChecksum.checksum(buffer, 0, bytes.length),
                    InternetChecksum.update32(before, old, value));
            }
        }
    }

    @Test
    void shouldNeverProduceMinusZeroWhenUpdating()
    {
        // RFC 1624 section 3: equation 3 avoids 0xFFFF (-0) where the older equation 2 produced it.
        assertEquals(0x0000, InternetChecksum.update16(0xDD2F, 0x5555, 0x3285));
    }

    @Test
    void shouldSendAComputedZeroUdpChecksumAsAllOnes()
    {
        // A datagram whose checksum computes to zero: the pseudo-header and data cancel out.
        final UnsafeBuffer udp = new UnsafeBuffer(new byte[8]);
        udp.putShort(4, (short)8, java.nio.ByteOrder.BIG_ENDIAN);
        final int source = 0;
        final long partial = InternetChecksum.pseudoHeaderSum(source, 0, 17, 8) + InternetChecksum.sum(udp, 0, 8);
        // choose the destination address so that the total sum folds to 0xFFFF
        final int destination = ~InternetChecksum.fold(partial) & 0xFFFF;
        assertEquals(0, InternetChecksum.transportChecksum(udp, 0, 8, 6, source, destination, 17));
        assertEquals(0xFFFF, InternetChecksum.udpChecksum(udp, 0, 8, source, destination));
    }

    private static void assertSameChecksum(final int expected, final int actual)
    {
        // 0x0000 and 0xFFFF are both zero in ones' complement; a full computation never yields 0xFFFF from data
        // that is not all zeros, the incremental update may.
        assertEquals(expected == 0xFFFF ? 0 : expected, actual == 0xFFFF ? 0 : actual);
    }
}
