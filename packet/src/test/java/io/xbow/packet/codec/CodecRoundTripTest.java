package io.xbow.packet.codec;

import io.xbow.packet.address.Ipv4Address;
import io.xbow.packet.address.MacAddress;
import io.xbow.packet.build.FrameBuilder;
import io.xbow.packet.checksum.InternetChecksum;
import io.xbow.packet.parse.HeaderChain;
import io.xbow.packet.parse.ParseResult;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static io.xbow.packet.codec.GoldenFrames.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The codecs read real captured frames field for field as tcpdump decoded them, and writing the same fields
 * reproduces the captured bytes, checksums included.
 */
class CodecRoundTripTest
{
    private final EthernetFlyweight ethernet = new EthernetFlyweight();
    private final ArpFlyweight arp = new ArpFlyweight();
    private final Ipv4Flyweight ipv4 = new Ipv4Flyweight();
    private final Icmpv4Flyweight icmp = new Icmpv4Flyweight();
    private final UdpFlyweight udp = new UdpFlyweight();
    private final TcpFlyweight tcp = new TcpFlyweight();
    private final VlanTagFlyweight tag = new VlanTagFlyweight();
    private final HeaderChain chain = new HeaderChain();

    @Test
    void shouldReadArpRequestAsTcpdumpDecodesIt()
    {
        final UnsafeBuffer frame = buffer(ARP_REQUEST);
        ethernet.wrap(frame, 0);
        assertEquals(MacAddress.BROADCAST, ethernet.destination());
        assertEquals(MacAddress.parse("00:16:3e:01:02:03"), ethernet.source());
        assertEquals(EtherType.ARP, ethernet.etherType());
        arp.wrap(frame, EthernetFlyweight.HEADER_LENGTH);
        assertTrue(arp.isEthernetIpv4());
        assertEquals(ArpFlyweight.OP_REQUEST, arp.operation());
        assertEquals(Ipv4Address.parse("10.9.0.1"), arp.senderProtocolAddress());
        assertEquals(Ipv4Address.parse("10.9.0.2"), arp.targetProtocolAddress());
        assertEquals(0, arp.targetHardwareAddress());
    }

    @Test
    void shouldWriteArpReplyByteForByte()
    {
        final byte[] expected = bytes(ARP_REPLY);
        final byte[] written = new FrameBuilder()
            .ethernet(MacAddress.parse("00:16:3e:01:02:03"), MacAddress.parse("00:16:3e:0a:0b:0c"))
            .arp(ArpFlyweight.OP_REPLY,
                MacAddress.parse("00:16:3e:0a:0b:0c"), Ipv4Address.parse("10.9.0.2"),
                MacAddress.parse("00:16:3e:01:02:03"), Ipv4Address.parse("10.9.0.1"))
            .toBytes();
        assertArrayEquals(expected, written);
    }

    @Test
    void shouldReadIcmpEchoRequestAndVerifyItsChecksums()
    {
        final UnsafeBuffer frame = buffer(ICMP_ECHO_REQUEST);
        assertEquals(ParseResult.OK, chain.parse(frame, 0, frame.capacity()));
        ipv4.wrap(frame, chain.l3Offset());
        assertEquals(4, ipv4.version());
        assertEquals(20, ipv4.headerLength());
        assertEquals(52, ipv4.totalLength());
        assertEquals(30823, ipv4.identification());
        assertTrue(ipv4.dontFragment());
        assertFalse(ipv4.isFragment());
        assertEquals(64, ipv4.ttl());
        assertEquals(IpProtocol.ICMP, ipv4.protocol());
        assertEquals(0xae4d, ipv4.headerChecksum());
        assertEquals(0xae4d, ipv4.computeHeaderChecksum());
        assertTrue(ipv4.isHeaderChecksumValid());
        assertEquals("10.9.0.1", Ipv4Address.format(ipv4.source()));
        assertEquals("10.9.0.2", Ipv4Address.format(ipv4.destination()));

        icmp.wrap(frame, chain.l4Offset());
        assertEquals(Icmpv4Flyweight.TYPE_ECHO_REQUEST, icmp.type());
        assertEquals(2816, icmp.identifier());
        assertEquals(1, icmp.sequence());
        assertEquals(0x0a39, icmp.checksum());
        assertTrue(icmp.isChecksumValid(chain.l4Length()));
        final int stored = icmp.checksum();
        icmp.updateChecksum(chain.l4Length());
        assertEquals(stored, icmp.checksum());
    }

    @Test
    void shouldReadIpv4OptionsAndFindTheIcmpHeaderAfterThem()
    {
        final UnsafeBuffer frame = buffer(ICMP_ECHO_WITH_RECORD_ROUTE);
        assertEquals(ParseResult.OK, chain.parse(frame, 0, frame.capacity()));
        ipv4.wrap(frame, chain.l3Offset());
        assertEquals(15, ipv4.ihl());
        assertEquals(60, ipv4.headerLength());
        assertEquals(40, ipv4.optionsLength());
        assertEquals(1, frame.getByte(ipv4.optionsOffset()));       // NOP
        assertEquals(7, frame.getByte(ipv4.optionsOffset() + 1));   // Record Route
        assertTrue(ipv4.isHeaderChecksumValid());
        assertEquals(0xf78b, ipv4.computeHeaderChecksum());
        assertEquals(14 + 60, chain.l4Offset());
        icmp.wrap(frame, chain.l4Offset());
        assertEquals(2895, icmp.identifier());
        assertTrue(icmp.isChecksumValid(chain.l4Length()));
    }

    @Test
    void shouldReadUdpAndRecomputeItsChecksum()
    {
        final UnsafeBuffer frame = buffer(UDP_DATAGRAM);
        assertEquals(ParseResult.OK, chain.parse(frame, 0, frame.capacity()));
        ipv4.wrap(frame, chain.l3Offset());
        udp.wrap(frame, chain.l4Offset());
        assertEquals(40000, udp.sourcePort());
        assertEquals(53, udp.destinationPort());
        assertEquals(18, udp.length());
        assertEquals(0x2374, udp.checksum());
        assertEquals(0x2374,
            InternetChecksum.udpChecksum(frame, chain.l4Offset(), udp.length(), ipv4.source(), ipv4.destination()));
    }

    @Test
    void shouldWriteUdpDatagramByteForByte()
    {
        final byte[] expected = bytes(UDP_DATAGRAM);
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[expected.length]);
        final FrameBuilder builder = new FrameBuilder()
            .ethernet(MacAddress.parse("00:16:3e:0a:0b:0c"), MacAddress.parse("00:16:3e:01:02:03"))
            .ipv4(Ipv4Address.parse("10.9.0.1"), Ipv4Address.parse("10.9.0.2"))
            .identification(62254)
            .udp(40000, 53, 10);
        assertEquals(expected.length, builder.writeTo(frame, 0));
        frame.putBytes(42, "hello xbow".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        udp.wrap(frame, 34).checksum(InternetChecksum.udpChecksum(frame, 34, 18,
            Ipv4Address.parse("10.9.0.1"), Ipv4Address.parse("10.9.0.2")));
        assertArrayEquals(expected, frame.byteArray());
    }

    @Test
    void shouldReadTcpSynWithOptionsAndVerifyChecksum()
    {
        final UnsafeBuffer frame = buffer(TCP_SYN);
        assertEquals(ParseResult.OK, chain.parse(frame, 0, frame.capacity()));
        ipv4.wrap(frame, chain.l3Offset());
        tcp.wrap(frame, chain.l4Offset());
        assertEquals(40001, tcp.sourcePort());
        assertEquals(80, tcp.destinationPort());
        assertEquals(3096946404L, tcp.sequenceNumber());
        assertEquals(0, tcp.acknowledgementNumber());
        assertEquals(40, tcp.headerLength());
        assertEquals(TcpFlyweight.SYN, tcp.flags());
        assertEquals(64240, tcp.window());
        assertEquals(0x9443, tcp.checksum());
        assertEquals(0x9443,
            InternetChecksum.tcpChecksum(frame, chain.l4Offset(), chain.l4Length(), ipv4.source(), ipv4.destination()));
    }

    @Test
    void shouldWriteTcpRstAckByteForByte()
    {
        final byte[] expected = bytes(TCP_RST_ACK);
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[expected.length]);
        ethernet.wrap(frame, 0)
            .destination(MacAddress.parse("00:16:3e:01:02:03"))
            .source(MacAddress.parse("00:16:3e:0a:0b:0c"))
            .etherType(EtherType.IPV4);
        final int src = Ipv4Address.parse("10.9.0.2");
        final int dst = Ipv4Address.parse("10.9.0.1");
        ipv4.wrap(frame, 14).versionAndHeaderLength(20).tos(0).totalLength(40).identification(0)
            .flagsAndFragmentOffset(Ipv4Flyweight.FLAG_DONT_FRAGMENT, 0).ttl(64).protocol(IpProtocol.TCP)
            .source(src).destination(dst).updateHeaderChecksum();
        tcp.wrap(frame, 34).sourcePort(80).destinationPort(40001).sequenceNumber(0)
            .acknowledgementNumber(3096946405L).headerLengthAndFlags(20, TcpFlyweight.RST | TcpFlyweight.ACK)
            .window(0).urgentPointer(0);
        tcp.checksum(InternetChecksum.tcpChecksum(frame, 34, 20, src, dst));
        assertArrayEquals(expected, frame.byteArray());
        assertEquals(0x26bc, ipv4.headerChecksum());
        assertEquals(0x9fad, tcp.checksum());
    }

    @Test
    void shouldRead8021QTagWithPriority()
    {
        final UnsafeBuffer frame = buffer(ARP_REQUEST_VLAN_100);
        assertEquals(ParseResult.OK, chain.parse(frame, 0, frame.capacity()));
        assertEquals(1, chain.tagCount());
        assertEquals(EtherType.VLAN, chain.outerTpid());
        assertEquals(EtherType.ARP, chain.etherType());
        assertEquals(18, chain.l3Offset());
        tag.wrap(frame, 12);
        assertEquals(100, tag.vid());
        assertEquals(5, tag.pcp());
        assertEquals(0, tag.dei());
        assertEquals(EtherType.ARP, tag.innerType());
        assertEquals(0xa064, VlanTagFlyweight.tci(5, 0, 100));
    }

    @Test
    void shouldRead8021adOuterAnd8021QInnerTags()
    {
        final UnsafeBuffer frame = buffer(ARP_REQUEST_QINQ);
        assertEquals(ParseResult.OK, chain.parse(frame, 0, frame.capacity()));
        assertEquals(2, chain.tagCount());
        assertEquals(EtherType.QINQ, chain.outerTpid());
        assertEquals(200, chain.outerTci() & 0xFFF);
        assertEquals(100, chain.innerTci() & 0xFFF);
        assertEquals(22, chain.l3Offset());
        arp.wrap(frame, chain.l3Offset());
        assertEquals(Ipv4Address.parse("10.9.0.2"), arp.targetProtocolAddress());
    }

    @Test
    void shouldWriteTaggedFramesByteForByte()
    {
        final FrameBuilder builder = new FrameBuilder()
            .ethernet(MacAddress.BROADCAST, MacAddress.parse("00:16:3e:01:02:03"))
            .arp(ArpFlyweight.OP_REQUEST, MacAddress.parse("00:16:3e:01:02:03"), Ipv4Address.parse("10.9.0.1"),
                0, Ipv4Address.parse("10.9.0.2"));
        assertArrayEquals(bytes(ARP_REQUEST), builder.toBytes());
        builder.tag(EtherType.VLAN, VlanTagFlyweight.tci(5, 0, 100));
        assertArrayEquals(bytes(ARP_REQUEST_VLAN_100), builder.toBytes());
        builder.reset()
            .ethernet(MacAddress.BROADCAST, MacAddress.parse("00:16:3e:01:02:03"))
            .tag(EtherType.QINQ, 200).vlan(100)
            .arp(ArpFlyweight.OP_REQUEST, MacAddress.parse("00:16:3e:01:02:03"), Ipv4Address.parse("10.9.0.1"),
                0, Ipv4Address.parse("10.9.0.2"));
        assertArrayEquals(bytes(ARP_REQUEST_QINQ), builder.toBytes());
    }

    @Test
    void shouldBuildFramesWhoseChecksumsVerify()
    {
        final int a = Ipv4Address.parse("192.168.1.10");
        final int b = Ipv4Address.parse("192.168.1.20");
        final FrameBuilder builder = new FrameBuilder().ethernet(2, 4).vlan(7).ipv4(a, b);
        for (final byte[] bytes : new byte[][]{
            builder.udp(1000, 2000, 101).toBytes(),
            builder.tcp(1000, 80, TcpFlyweight.SYN, 42, 33).toBytes(),
            builder.icmpEcho(Icmpv4Flyweight.TYPE_ECHO_REQUEST, 9, 3, 56).toBytes()})
        {
            final UnsafeBuffer frame = new UnsafeBuffer(bytes);
            assertEquals(ParseResult.OK, chain.parse(frame, 0, bytes.length));
            ipv4.wrap(frame, chain.l3Offset());
            assertTrue(ipv4.isHeaderChecksumValid());
            final long sum = ipv4.protocol() == IpProtocol.ICMP ? 0 :
                InternetChecksum.pseudoHeaderSum(a, b, ipv4.protocol(), chain.l4Length());
            assertEquals(0, InternetChecksum.finish(sum + InternetChecksum.sum(frame, chain.l4Offset(), chain.l4Length())),
                "checksum of protocol " + ipv4.protocol());
        }
    }
}
