package io.xbow.packet.parse;

import io.xbow.packet.build.FrameBuilder;
import io.xbow.packet.codec.EtherType;
import io.xbow.packet.codec.GoldenFrames;
import io.xbow.packet.format.FrameFormatter;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Bad input is a verdict, never an exception: every truncation of every golden frame, random bytes, and mutated
 * real frames all parse to a result without throwing, and a frame judged OK never points past its end.
 */
class HeaderChainTest
{
    private static final String[] GOLDEN = {
        GoldenFrames.ARP_REQUEST, GoldenFrames.ARP_REPLY, GoldenFrames.ICMP_ECHO_REQUEST,
        GoldenFrames.ICMP_ECHO_WITH_RECORD_ROUTE, GoldenFrames.UDP_DATAGRAM, GoldenFrames.TCP_SYN,
        GoldenFrames.TCP_RST_ACK, GoldenFrames.ARP_REQUEST_VLAN_100, GoldenFrames.ARP_REQUEST_QINQ,
    };

    private final HeaderChain chain = new HeaderChain();

    @Test
    void shouldRejectEveryTruncationOfEveryGoldenFrame()
    {
        for (final String golden : GOLDEN)
        {
            final byte[] full = GoldenFrames.bytes(golden);
            assertEquals(ParseResult.OK, parse(full, full.length), golden);
            for (int length = 0; length < full.length; length++)
            {
                final ParseResult result = parse(full, length);
                assertNotEquals(ParseResult.OK, result, "truncated to " + length + " bytes:\n" + golden);
            }
        }
    }

    @Test
    void shouldNameTheHeaderATruncationEndsIn()
    {
        final byte[] tcp = GoldenFrames.bytes(GoldenFrames.TCP_SYN);
        assertEquals(ParseResult.TRUNCATED_ETHERNET, parse(tcp, 13));
        assertEquals(ParseResult.TRUNCATED_IPV4, parse(tcp, 14 + 19));
        assertEquals(ParseResult.BAD_IPV4_TOTAL_LENGTH, parse(tcp, 14 + 20));
        final byte[] tagged = GoldenFrames.bytes(GoldenFrames.ARP_REQUEST_VLAN_100);
        assertEquals(ParseResult.TRUNCATED_VLAN_TAG, parse(tagged, 17));
        assertEquals(ParseResult.TRUNCATED_ARP, parse(tagged, 18 + 27));
    }

    @Test
    void shouldAcceptEthernetPaddingAfterTheIpPacket()
    {
        final byte[] arp = GoldenFrames.bytes(GoldenFrames.TCP_RST_ACK);
        final byte[] padded = java.util.Arrays.copyOf(arp, 60);
        assertEquals(ParseResult.OK, parse(padded, padded.length));
        assertEquals(20, chain.l4Length());
    }

    @Test
    void shouldRejectReservedVlanId4095()
    {
        final byte[] frame = new FrameBuilder().ethernet(1, 2).vlan(4095).raw(EtherType.IPV4, 20).toBytes();
        assertEquals(ParseResult.RESERVED_VLAN_ID, parse(frame, frame.length));
        final byte[] inner = new FrameBuilder().ethernet(1, 2).tag(EtherType.QINQ, 10).vlan(4095)
            .raw(0x88B5, 20).toBytes();
        assertEquals(ParseResult.RESERVED_VLAN_ID, parse(inner, inner.length));
    }

    @Test
    void shouldRejectAThirdVlanTag()
    {
        final byte[] frame = new FrameBuilder().ethernet(1, 2).tag(EtherType.QINQ, 10).vlan(20).raw(EtherType.VLAN, 30)
            .toBytes();
        assertEquals(ParseResult.TOO_MANY_VLAN_TAGS, parse(frame, frame.length));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4})
    void shouldRejectIpv4HeaderLengthBelowFive(final int ihl)
    {
        final byte[] frame = GoldenFrames.bytes(GoldenFrames.UDP_DATAGRAM);
        frame[14] = (byte)(0x40 | ihl);
        assertEquals(ParseResult.BAD_IPV4_HEADER_LENGTH, parse(frame, frame.length));
    }

    @Test
    void shouldRejectIpv4TotalLengthBeyondTheFrameOrInsideTheHeader()
    {
        final byte[] frame = GoldenFrames.bytes(GoldenFrames.UDP_DATAGRAM);
        frame[16] = 0;
        frame[17] = (byte)39; // one more than the frame holds
        assertEquals(ParseResult.BAD_IPV4_TOTAL_LENGTH, parse(frame, frame.length));
        frame[17] = (byte)19; // shorter than the header
        assertEquals(ParseResult.BAD_IPV4_TOTAL_LENGTH, parse(frame, frame.length));
    }

    @Test
    void shouldRejectIpVersionThatDoesNotMatchTheEtherType()
    {
        final byte[] frame = GoldenFrames.bytes(GoldenFrames.UDP_DATAGRAM);
        frame[14] = 0x65;
        assertEquals(ParseResult.BAD_IP_VERSION, parse(frame, frame.length));
    }

    @Test
    void shouldRejectUndefinedEtherTypesAndOverlong8023Lengths()
    {
        final byte[] undefined = new FrameBuilder().ethernet(1, 2).raw(0x05DD, 46).toBytes();
        assertEquals(ParseResult.UNDEFINED_ETHERTYPE, parse(undefined, undefined.length));
        final byte[] llcOk = new FrameBuilder().ethernet(1, 2).raw(46, 46).toBytes();
        assertEquals(ParseResult.OK, parse(llcOk, llcOk.length));
        final byte[] llcLong = new FrameBuilder().ethernet(1, 2).raw(47, 46).toBytes();
        assertEquals(ParseResult.BAD_LENGTH_FIELD, parse(llcLong, llcLong.length));
    }

    @Test
    void shouldRejectBadTransportLengths()
    {
        final byte[] tcp = GoldenFrames.bytes(GoldenFrames.TCP_RST_ACK);
        tcp[14 + 20 + 12] = 0x40; // data offset 4 words
        assertEquals(ParseResult.BAD_TCP_HEADER_LENGTH, parse(tcp, tcp.length));
        tcp[14 + 20 + 12] = 0x60; // 24 bytes of header in a 20-byte segment
        assertEquals(ParseResult.BAD_TCP_HEADER_LENGTH, parse(tcp, tcp.length));

        final byte[] udp = GoldenFrames.bytes(GoldenFrames.UDP_DATAGRAM);
        udp[14 + 20 + 5] = 7;
        assertEquals(ParseResult.BAD_UDP_LENGTH, parse(udp, udp.length));
        udp[14 + 20 + 5] = 19;
        assertEquals(ParseResult.BAD_UDP_LENGTH, parse(udp, udp.length));
    }

    @Test
    void shouldNotLookForATransportHeaderInLaterFragments()
    {
        final byte[] frame = GoldenFrames.bytes(GoldenFrames.UDP_DATAGRAM);
        frame[14 + 6] = 0;
        frame[14 + 7] = 10; // fragment offset 80 bytes
        frame[14 + 20 + 5] = 99; // would be a bad UDP length in a first fragment
        assertEquals(ParseResult.OK, parse(frame, frame.length));
        assertTrue(chain.isLaterFragment());
        assertEquals(HeaderChain.ABSENT, chain.l4Offset());
    }

    @Test
    void shouldAcceptAFirstFragmentWhoseUdpLengthCoversTheWholeDatagram()
    {
        final byte[] frame = GoldenFrames.bytes(GoldenFrames.UDP_DATAGRAM);
        frame[14 + 6] = 0x20; // more fragments, offset 0: a large DNS answer's first part
        frame[14 + 7] = 0;
        frame[14 + 20 + 4] = 0x05;
        frame[14 + 20 + 5] = (byte)0xDC; // UDP length 1500: the whole datagram, beyond this fragment
        assertEquals(ParseResult.OK, parse(frame, frame.length));
        assertTrue(chain.isFirstFragment());
        assertEquals(14 + 20, chain.l4Offset());

        frame[14 + 20 + 4] = 0;
        frame[14 + 20 + 5] = 8; // a first fragment whose datagram would end inside it is not a fragment's
        assertEquals(ParseResult.BAD_UDP_LENGTH, parse(frame, frame.length));
    }

    @Test
    void shouldNeverThrowOnRandomBytes()
    {
        final SplittableRandom random = new SplittableRandom(0x5EED);
        final byte[] frame = new byte[256];
        final UnsafeBuffer buffer = new UnsafeBuffer(frame);
        final FrameFormatter formatter = new FrameFormatter();
        for (int i = 0; i < 200_000; i++)
        {
            random.nextBytes(frame);
            // Steer a share of frames into the decoders rather than the opaque-EtherType branch.
            switch (i & 3)
            {
                case 1: frame[12] = 0x08; frame[13] = 0x00; break;
                case 2: frame[12] = (byte)0x81; frame[13] = 0x00; frame[16] = 0x08; frame[17] = 0x00; break;
                case 3: frame[12] = (byte)0x86; frame[13] = (byte)0xDD; break;
                default:
            }
            final int length = random.nextInt(frame.length + 1);
            final ParseResult result = chain.parse(buffer, 0, length);
            assertConsistent(result, length);
            if (i % 1000 == 0)
            {
                assertNotNull(formatter.format(buffer, 0, length));
            }
        }
    }

    @Test
    void shouldNeverThrowOnMutatedRealFrames()
    {
        final SplittableRandom random = new SplittableRandom(42);
        for (final String golden : GOLDEN)
        {
            final byte[] original = GoldenFrames.bytes(golden);
            for (int i = 0; i < 20_000; i++)
            {
                final byte[] frame = original.clone();
                for (int flips = 1 + random.nextInt(4); flips > 0; flips--)
                {
                    frame[random.nextInt(frame.length)] = (byte)random.nextInt(256);
                }
                final int length = random.nextInt(frame.length + 1);
                assertConsistent(parse(frame, length), length);
            }
        }
    }

    private void assertConsistent(final ParseResult result, final int length)
    {
        assertNotNull(result);
        if (result == ParseResult.OK)
        {
            assertTrue(chain.l3Offset() <= length, "L3 offset inside frame");
            if (chain.l4Offset() != HeaderChain.ABSENT)
            {
                assertTrue(chain.l4Offset() + chain.l4Length() <= length, "L4 inside frame");
            }
        }
    }

    private ParseResult parse(final byte[] frame, final int length)
    {
        // The buffer is exactly the truncated length, so a read past the end would throw rather than pass.
        return chain.parse(new UnsafeBuffer(java.util.Arrays.copyOf(frame, length)), 0, length);
    }
}
