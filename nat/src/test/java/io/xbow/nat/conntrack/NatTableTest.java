package io.xbow.nat.conntrack;

import io.xbow.nat.rules.IpnatRules;
import io.xbow.packet.address.Ipv4Address;
import io.xbow.packet.checksum.InternetChecksum;
import io.xbow.packet.build.FrameBuilder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Masquerade on crafted datagrams and a fake clock: RFC 4787/5382/5508's mapping, filtering, timeouts, ICMP query
 * and error translation, the table's bounds, and checksums equal to a full recomputation.
 */
class NatTableTest
{
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;
    private static final int OUTSIDE = Ipv4Address.parse("192.0.2.1");
    private static final int GUEST = Ipv4Address.parse("10.0.0.5");
    private static final int GUEST2 = Ipv4Address.parse("10.0.0.6");
    private static final int SERVER = Ipv4Address.parse("198.51.100.9");
    private static final int SERVER2 = Ipv4Address.parse("198.51.100.10");
    private static final int IP = 14;
    private static final int L4 = 34;

    private long now = 1_000_000;
    private NatTable nat = table(1024, "map net0 10.0.0.0/8 -> 0/32 portmap tcp/udp auto");

    private NatTable table(final int size, final String rules)
    {
        return new NatTable(rules(rules), NatTable.Config.defaults(size), now);
    }

    private static NatRules rules(final String text)
    {
        return NatRules.of(OUTSIDE, IpnatRules.parse(text, "test"));
    }

    private static UnsafeBuffer frame(final FrameBuilder builder)
    {
        return new UnsafeBuffer(builder.toBytes());
    }

    private static FrameBuilder udp(final int from, final int sport, final int to, final int dport)
    {
        return new FrameBuilder().ethernet(1, 2).ipv4(from, to).udp(sport, dport, 16);
    }

    private static FrameBuilder tcp(final int from, final int sport, final int to, final int dport, final int flags)
    {
        return new FrameBuilder().ethernet(1, 2).ipv4(from, to).tcp(sport, dport, flags, 1000, 0);
    }

    private static void assertChecksumsRight(final UnsafeBuffer b)
    {
        assertEquals(0, InternetChecksum.checksum(b, IP, 20), "IPv4 header checksum");
        final int protocol = b.getByte(IP + 9);
        final int length = (b.getShort(IP + 2, BE) & 0xFFFF) - 20;
        final int source = b.getInt(IP + 12, BE);
        final int destination = b.getInt(IP + 16, BE);
        if (protocol == 17)
        {
            final int sent = b.getShort(L4 + 6, BE) & 0xFFFF;
            if (sent != 0)
            {
                assertEquals(InternetChecksum.udpChecksum(b, L4, length, source, destination), sent, "UDP checksum");
            }
        }
        else if (protocol == 6)
        {
            assertEquals(InternetChecksum.tcpChecksum(b, L4, length, source, destination),
                b.getShort(L4 + 16, BE) & 0xFFFF, "TCP checksum");
        }
        else
        {
            assertEquals(0, InternetChecksum.checksum(b, L4, length), "ICMP checksum");
        }
    }

    @Test
    void shouldMapEndpointIndependentlyPreservingPortsAndFilterByAddressAndPort()
    {
        final UnsafeBuffer out = frame(udp(GUEST, 5000, SERVER, 53));
        assertEquals(NatTable.TRANSLATED, nat.outbound(out, IP, now));
        assertEquals(OUTSIDE, out.getInt(IP + 12, BE));
        assertEquals(5000, out.getShort(L4, BE) & 0xFFFF, "the port is preserved");
        assertChecksumsRight(out);

        final UnsafeBuffer toOther = frame(udp(GUEST, 5000, SERVER2, 123));
        nat.outbound(toOther, IP, now);
        assertEquals(5000, toOther.getShort(L4, BE) & 0xFFFF, "the same mapping to another remote (REQ-1)");

        final UnsafeBuffer second = frame(udp(GUEST2, 5000, SERVER, 53));
        nat.outbound(second, IP, now);
        final int taken = second.getShort(L4, BE) & 0xFFFF;
        assertNotEquals(5000, taken);
        assertTrue(taken >= 1024, "a port from the same range");
        final UnsafeBuffer low = frame(tcp(GUEST2, 22, SERVER, 22, 0x02));
        nat.outbound(low, IP, now);
        assertEquals(22, low.getShort(L4, BE) & 0xFFFF);
        final UnsafeBuffer low2 = frame(tcp(GUEST, 22, SERVER, 22, 0x02));
        nat.outbound(low2, IP, now);
        final int lowPort = low2.getShort(L4, BE) & 0xFFFF;
        assertTrue(lowPort > 0 && lowPort < 1024 && lowPort != 22, "below 1024 for below 1024 (REQ-3a): " + lowPort);

        final UnsafeBuffer reply = frame(udp(SERVER, 53, OUTSIDE, 5000));
        assertEquals(NatTable.TRANSLATED, nat.inbound(reply, IP, now));
        assertEquals(GUEST, reply.getInt(IP + 16, BE));
        assertEquals(5000, reply.getShort(L4 + 2, BE) & 0xFFFF);
        assertChecksumsRight(reply);

        final UnsafeBuffer stranger = frame(udp(Ipv4Address.parse("203.0.113.66"), 53, OUTSIDE, 5000));
        assertEquals(NatTable.PASS, nat.inbound(stranger, IP, now), "address-and-port-dependent filtering");
        final UnsafeBuffer otherPort = frame(udp(SERVER, 54, OUTSIDE, 5000));
        assertEquals(NatTable.PASS, nat.inbound(otherPort, IP, now));
        assertEquals(2, nat.counter(NatTable.UNMAPPED_INBOUND));
        final int tracked = nat.size();
        assertEquals(NatTable.PASS, nat.inbound(frame(udp(SERVER, 53, OUTSIDE, 40000)), IP, now));
        assertEquals(tracked, nat.size(), "nothing allocated for a datagram to an unmapped port");

        // Endpoint-independent filtering, when asked for: any remote reaches a mapping.
        nat = new NatTable(rules("map net0 10.0.0.0/8 -> 0/32"), NatTable.Config.defaults(1024)
            .withEndpointIndependentFiltering(true), now);
        nat.outbound(frame(udp(GUEST, 5000, SERVER, 53)), IP, now);
        final UnsafeBuffer anyone = frame(udp(Ipv4Address.parse("203.0.113.66"), 9, OUTSIDE, 5000));
        assertEquals(NatTable.TRANSLATED, nat.inbound(anyone, IP, now));
        assertEquals(GUEST, anyone.getInt(IP + 16, BE));
    }

    @Test
    void shouldKeepConnectionsAsLongAsTheRfcsSayAndNoLonger()
    {
        nat.outbound(frame(udp(GUEST, 5000, SERVER, 53)), IP, now);
        nat.outbound(frame(tcp(GUEST, 40000, SERVER, 80, 0x02)), IP, now); // SYN
        nat.outbound(frame(tcp(GUEST, 40001, SERVER, 80, 0x02)), IP, now);
        nat.inbound(frame(tcp(SERVER, 80, OUTSIDE, 40000, 0x12)), IP, now); // SYN-ACK: established
        nat.outbound(frame(tcp(GUEST, 40000, SERVER, 80, 0x10)), IP, now);
        assertEquals(3, nat.size());

        now += 4 * 60_000 + 1_000; // transitory TCP goes, UDP stays (5 min)
        nat.expire(now);
        assertEquals(2, nat.size(), "the half-open connection went after 4 minutes");
        assertEquals(NatTable.TRANSLATED, nat.inbound(frame(udp(SERVER, 53, OUTSIDE, 5000)), IP, now),
            "UDP at 4 minutes: still there (and refreshed now)");
        now += 5 * 60_000 + 2_000;
        nat.expire(now);
        assertEquals(1, nat.size(), "UDP after 5 idle minutes: gone");
        assertEquals(NatTable.PASS, nat.inbound(frame(udp(SERVER, 53, OUTSIDE, 5000)), IP, now));
        now += 114 * 60_000;
        nat.expire(now);
        assertEquals(1, nat.size(), "established TCP lives 2 h 4 min");
        assertEquals(NatTable.TRANSLATED, nat.inbound(frame(tcp(SERVER, 80, OUTSIDE, 40000, 0x11)), IP, now));
        now += 4 * 60_000 + 2_000;
        nat.expire(now);
        assertEquals(0, nat.size(), "after FIN: the transitory time");
        assertEquals(3, nat.counter(NatTable.EXPIRED));
    }

    @Test
    void shouldTranslateIcmpQueriesAndErrorsAboutConnections()
    {
        final UnsafeBuffer ping = frame(new FrameBuilder().ethernet(1, 2).ipv4(GUEST, SERVER).icmpEcho(8, 777, 1, 32));
        assertEquals(NatTable.TRANSLATED, nat.outbound(ping, IP, now));
        final int id = ping.getShort(L4 + 4, BE) & 0xFFFF;
        assertChecksumsRight(ping);
        final UnsafeBuffer pong = frame(new FrameBuilder().ethernet(1, 2).ipv4(SERVER, OUTSIDE).icmpEcho(0, id, 1, 32));
        assertEquals(NatTable.TRANSLATED, nat.inbound(pong, IP, now));
        assertEquals(GUEST, pong.getInt(IP + 16, BE));
        assertEquals(777, pong.getShort(L4 + 4, BE) & 0xFFFF);
        assertChecksumsRight(pong);

        // A port unreachable about the translated UDP datagram: quoted header and port go back to the guest's.
        final UnsafeBuffer sent = frame(udp(GUEST, 5000, SERVER, 33434));
        nat.outbound(sent, IP, now);
        final byte[] quoted = new byte[28];
        sent.getBytes(IP, quoted);
        final UnsafeBuffer error = frame(new FrameBuilder().ethernet(1, 2).ipv4(SERVER, OUTSIDE)
            .icmpEcho(3, 0, 0, 0).payload(quoted));
        error.putByte(L4 + 1, (byte)3); // code: port unreachable (the echo header's id/seq are the unused word)
        error.putShort(L4 + 2, (short)0);
        error.putShort(L4 + 2, (short)InternetChecksum.checksum(error, L4, 8 + 28), BE);
        final long seen = nat.counter(NatTable.CREATED);
        assertEquals(NatTable.TRANSLATED, nat.inbound(error, IP, now));
        assertEquals(GUEST, error.getInt(IP + 16, BE));
        assertEquals(GUEST, error.getInt(L4 + 8 + 12, BE), "the quoted source");
        assertEquals(5000, error.getShort(L4 + 8 + 20, BE) & 0xFFFF, "the quoted source port");
        assertEquals(0, InternetChecksum.checksum(error, L4 + 8, 20), "the quoted header's checksum");
        assertChecksumsRight(error);
        assertEquals(1, nat.counter(NatTable.ICMP_ERRORS_TRANSLATED));
        assertEquals(seen, nat.counter(NatTable.CREATED));

        final UnsafeBuffer unknown = frame(new FrameBuilder().ethernet(1, 2).ipv4(SERVER, OUTSIDE)
            .icmpEcho(3, 0, 0, 0).payload(new byte[28]));
        assertEquals(NatTable.PASS, nat.inbound(unknown, IP, now), "about no connection: not translated");
    }

    @Test
    void shouldRefuseNewConnectionsWhenFullWhileExistingOnesWork()
    {
        nat = new NatTable(rules("map net0 10.0.0.0/8 -> 0/32"), new NatTable.Config(64, 16, false,
            7_440_000, 240_000, 300_000, 60_000), now);
        for (int i = 0; i < 16; i++)
        {
            assertEquals(NatTable.TRANSLATED, nat.outbound(frame(udp(GUEST, 6000 + i, SERVER, 53)), IP, now));
        }
        assertEquals(NatTable.REFUSED, nat.outbound(frame(udp(GUEST, 7000, SERVER, 53)), IP, now),
            "one source's share is a quarter of the table");
        assertEquals(1, nat.counter(NatTable.REFUSED_SOURCE));
        for (int host = 0; host < 3; host++)
        {
            for (int i = 0; i < 16; i++)
            {
                nat.outbound(frame(udp(GUEST + 1 + host, 6000 + i, SERVER, 53)), IP, now);
            }
        }
        assertEquals(64, nat.size());
        assertEquals(NatTable.REFUSED, nat.outbound(frame(udp(Ipv4Address.parse("10.9.9.9"), 1, SERVER, 53)), IP,
            now));
        assertEquals(1, nat.counter(NatTable.REFUSED_FULL));
        assertEquals(NatTable.TRANSLATED, nat.inbound(frame(udp(SERVER, 53, OUTSIDE, 6000)), IP, now),
            "existing connections keep working");
        assertTrue(nat.bytesPerConnection() > 0);
    }

    @Test
    void shouldUpdateChecksumsAsAFullRecomputationWould()
    {
        final Random random = new Random(7);
        nat = table(8192, "map net0 0/0 -> 0/32");
        for (int i = 0; i < 2000; i++)
        {
            final int from = random.nextInt() & 0x7FFF_FFFF | 0x0100_0000;
            final int to = random.nextInt();
            final FrameBuilder builder = i % 2 == 0 ? udp(from, random.nextInt(65536), to, random.nextInt(65536)) :
                tcp(from, random.nextInt(65536), to, random.nextInt(65536), 0x10);
            final UnsafeBuffer b = frame(builder.payloadFill(random.nextInt(256)));
            final int result = nat.outbound(b, IP, now);
            if (result == NatTable.TRANSLATED)
            {
                assertChecksumsRight(b);
            }
        }
        final UnsafeBuffer noChecksum = frame(udp(GUEST, 5555, SERVER, 53));
        noChecksum.putShort(L4 + 6, (short)0);
        nat.outbound(noChecksum, IP, now);
        assertEquals(0, noChecksum.getShort(L4 + 6, BE), "a UDP checksum of 0 stays 0");
        final UnsafeBuffer fragment = frame(udp(GUEST, 5556, SERVER, 53));
        fragment.putShort(IP + 6, (short)0x0020, BE); // a later fragment of a datagram whose first was never seen
        assertEquals(NatTable.UNTRANSLATABLE, nat.outbound(fragment, IP, now), "never forwarded untranslated");
    }

    private static final int LAN = Ipv4Address.parse("192.0.2.77");
    private static final int PUBLIC = Ipv4Address.parse("192.0.2.20");

    @Test
    void shouldPublishPortsToInsideAddressesAlternatingAndShiftingRanges()
    {
        nat = table(1024, """
            map net0 10.0.0.0/8 -> 0/32 portmap tcp/udp auto
            rdr net0 0/32 port 8080-8081 -> 10.0.0.5,10.0.0.6 port 80 tcp
            rdr net0 192.0.2.20/32 port 53 -> 10.0.0.7 port 5353 udp
            """);
        final UnsafeBuffer syn = frame(tcp(LAN, 40000, OUTSIDE, 8080, 0x02));
        assertEquals(NatTable.TRANSLATED, nat.inbound(syn, IP, now));
        assertEquals(GUEST, syn.getInt(IP + 16, BE));
        assertEquals(80, syn.getShort(L4 + 2, BE) & 0xFFFF);
        assertChecksumsRight(syn);
        final UnsafeBuffer second = frame(tcp(LAN, 40001, OUTSIDE, 8081, 0x02));
        assertEquals(NatTable.TRANSLATED, nat.inbound(second, IP, now));
        assertEquals(GUEST2, second.getInt(IP + 16, BE), "the next inside address");
        assertEquals(81, second.getShort(L4 + 2, BE) & 0xFFFF, "port 8081 of 8080-8081 is 81 of 80-81");

        final UnsafeBuffer synAck = frame(tcp(GUEST, 80, LAN, 40000, 0x12));
        assertEquals(NatTable.TRANSLATED, nat.outbound(synAck, IP, now));
        assertEquals(OUTSIDE, synAck.getInt(IP + 12, BE));
        assertEquals(8080, synAck.getShort(L4, BE) & 0xFFFF, "the reply leaves from the published port");
        assertChecksumsRight(synAck);
        assertEquals(1, nat.connectionsOf(6, true), "established by the inside's SYN-ACK");

        final UnsafeBuffer udp = frame(udp(LAN, 999, PUBLIC, 53));
        assertTrue(nat.rules().claims(PUBLIC) && nat.rules().answersArpFor(PUBLIC));
        assertEquals(NatTable.TRANSLATED, nat.inbound(udp, IP, now));
        assertEquals(Ipv4Address.parse("10.0.0.7"), udp.getInt(IP + 16, BE));
        assertEquals(5353, udp.getShort(L4 + 2, BE) & 0xFFFF);
        assertEquals(NatTable.PASS, nat.inbound(frame(tcp(LAN, 999, PUBLIC, 53, 0x02)), IP, now),
            "udp only: not TCP");
        assertEquals(NatTable.PASS, nat.inbound(frame(tcp(LAN, 999, OUTSIDE, 8082, 0x02)), IP, now),
            "a port nobody publishes");
        assertEquals(3, nat.counter(NatTable.REDIRECTED));

        // A guest's own connection never takes a published port of the address.
        final UnsafeBuffer guest = frame(tcp(Ipv4Address.parse("10.0.0.9"), 8080, SERVER, 80, 0x02));
        assertEquals(NatTable.TRANSLATED, nat.outbound(guest, IP, now));
        final int mapped = guest.getShort(L4, BE) & 0xFFFF;
        assertTrue(mapped != 8080 && mapped != 8081, "published ports are kept from map: " + mapped);
    }

    @Test
    void shouldMapABimapAddressBothWaysForAnyProtocolAndFragments()
    {
        final int inside = Ipv4Address.parse("10.0.0.8");
        nat = table(1024, """
            bimap net0 10.0.0.8/32 -> 192.0.2.20/32
            map net0 10.0.0.0/8 -> 0/32
            """);
        final UnsafeBuffer out = frame(tcp(inside, 22, SERVER, 5555, 0x12));
        assertEquals(NatTable.TRANSLATED, nat.outbound(out, IP, now));
        assertEquals(PUBLIC, out.getInt(IP + 12, BE), "bimap before map");
        assertEquals(22, out.getShort(L4, BE) & 0xFFFF, "ports kept");
        assertChecksumsRight(out);
        final UnsafeBuffer in = frame(tcp(SERVER, 5555, PUBLIC, 22, 0x02));
        assertEquals(NatTable.TRANSLATED, nat.inbound(in, IP, now));
        assertEquals(inside, in.getInt(IP + 16, BE));
        assertChecksumsRight(in);
        final UnsafeBuffer ping = frame(new FrameBuilder().ethernet(1, 2).ipv4(SERVER, PUBLIC).icmpEcho(8, 5, 1, 8));
        assertEquals(NatTable.TRANSLATED, nat.inbound(ping, IP, now), "a ping from outside reaches the guest");
        assertEquals(inside, ping.getInt(IP + 16, BE));
        final UnsafeBuffer gre = frame(udp(SERVER, 1, PUBLIC, 2));
        gre.putByte(IP + 9, (byte)47);
        gre.putShort(IP + 10, (short)0);
        gre.putShort(IP + 10, (short)InternetChecksum.checksum(gre, IP, 20), BE);
        assertEquals(NatTable.TRANSLATED, nat.inbound(gre, IP, now), "any protocol");
        assertEquals(0, InternetChecksum.checksum(gre, IP, 20));
        final UnsafeBuffer fragment = frame(udp(SERVER, 1, PUBLIC, 2));
        fragment.putShort(IP + 6, (short)0x0010, BE); // a later fragment
        fragment.putShort(IP + 10, (short)0);
        fragment.putShort(IP + 10, (short)InternetChecksum.checksum(fragment, IP, 20), BE);
        assertEquals(NatTable.TRANSLATED, nat.inbound(fragment, IP, now), "fragments too: no ports to track");
        assertEquals(inside, fragment.getInt(IP + 16, BE));
        assertEquals(0, InternetChecksum.checksum(fragment, IP, 20));
        assertEquals(0, nat.size(), "without state");
    }

    @Test
    void shouldHairpinAGuestToAnotherThroughThePublishedAddress()
    {
        nat = table(1024, """
            map net0 10.0.0.0/8 -> 0/32 portmap tcp/udp auto
            rdr net0 0/32 port 8080 -> 10.0.0.6 port 80 tcp
            """);
        assertTrue(nat.rules().hairpins(OUTSIDE));
        final UnsafeBuffer syn = frame(tcp(GUEST, 33000, OUTSIDE, 8080, 0x02));
        assertEquals(NatTable.TRANSLATED, nat.hairpin(syn, IP, now));
        assertEquals(OUTSIDE, syn.getInt(IP + 12, BE), "the server sees the client's outside address (REQ-9)");
        final int clientPort = syn.getShort(L4, BE) & 0xFFFF;
        assertEquals(GUEST2, syn.getInt(IP + 16, BE));
        assertEquals(80, syn.getShort(L4 + 2, BE) & 0xFFFF);
        assertChecksumsRight(syn);

        final UnsafeBuffer synAck = frame(tcp(GUEST2, 80, OUTSIDE, clientPort, 0x12));
        assertEquals(NatTable.TRANSLATED, nat.hairpin(synAck, IP, now));
        assertEquals(OUTSIDE, synAck.getInt(IP + 12, BE));
        assertEquals(8080, synAck.getShort(L4, BE) & 0xFFFF, "the client sees the published endpoint");
        assertEquals(GUEST, synAck.getInt(IP + 16, BE));
        assertEquals(33000, synAck.getShort(L4 + 2, BE) & 0xFFFF);
        assertChecksumsRight(synAck);
        assertEquals(2, nat.counter(NatTable.HAIRPINNED));

        final UnsafeBuffer ping = frame(new FrameBuilder().ethernet(1, 2).ipv4(GUEST, OUTSIDE).icmpEcho(8, 3, 1, 8));
        final byte[] before = ping.byteArray().clone();
        assertEquals(NatTable.PASS, nat.hairpin(ping, IP, now), "the router's own address: left to the router");
        assertEquals(java.util.Arrays.toString(before), java.util.Arrays.toString(ping.byteArray()),
            "its source as it came");
    }

    @Test
    void shouldTakePortsFromAPortmapRangeAndTranslateErrorsFromInside()
    {
        nat = table(1024, "map net0 10.0.0.0/8 -> 0/32 portmap udp 20000:20001");
        final UnsafeBuffer first = frame(udp(GUEST, 5000, SERVER, 53));
        assertEquals(NatTable.TRANSLATED, nat.outbound(first, IP, now));
        assertEquals(20000, first.getShort(L4, BE) & 0xFFFF);
        final UnsafeBuffer kept = frame(udp(GUEST2, 20001, SERVER, 53));
        nat.outbound(kept, IP, now);
        assertEquals(20001, kept.getShort(L4, BE) & 0xFFFF, "preserved: it is in the range and free");
        assertEquals(NatTable.REFUSED, nat.outbound(frame(udp(GUEST2, 5001, SERVER, 53)), IP, now),
            "the range is used up");
        assertEquals(1, nat.counter(NatTable.REFUSED_PORTS));
        final UnsafeBuffer tcp = frame(tcp(GUEST, 5000, SERVER, 80, 0x02));
        nat.outbound(tcp, IP, now);
        assertEquals(5000, tcp.getShort(L4, BE) & 0xFFFF, "TCP is not in the portmap: auto");

        // The guest answers the server's reply with a port unreachable: it leaves about the outside endpoint.
        final UnsafeBuffer reply = frame(udp(SERVER, 53, OUTSIDE, 20000));
        assertEquals(NatTable.TRANSLATED, nat.inbound(reply, IP, now));
        final byte[] quoted = new byte[28];
        reply.getBytes(IP, quoted);
        final UnsafeBuffer error = frame(new FrameBuilder().ethernet(1, 2).ipv4(GUEST, SERVER)
            .icmpEcho(3, 0, 0, 0).payload(quoted));
        error.putByte(L4 + 1, (byte)3);
        error.putShort(L4 + 2, (short)0);
        error.putShort(L4 + 2, (short)InternetChecksum.checksum(error, L4, 8 + 28), BE);
        assertEquals(NatTable.TRANSLATED, nat.outbound(error, IP, now));
        assertEquals(OUTSIDE, error.getInt(IP + 12, BE));
        assertEquals(OUTSIDE, error.getInt(L4 + 8 + 16, BE), "the quoted destination");
        assertEquals(20000, error.getShort(L4 + 8 + 22, BE) & 0xFFFF, "the quoted destination port");
        assertEquals(0, InternetChecksum.checksum(error, L4 + 8, 20));
        assertChecksumsRight(error);
        assertEquals(NatTable.UNTRANSLATABLE, nat.outbound(frame(new FrameBuilder().ethernet(1, 2)
            .ipv4(GUEST, SERVER).icmpEcho(3, 0, 0, 0).payload(new byte[28])), IP, now),
            "an error about nothing known, from a mapped guest: not sent with its inside address");
    }

    @Test
    void shouldKeepConnectionsAcrossARuleChangeAndEndThemOnFlush()
    {
        nat.outbound(frame(udp(GUEST, 5000, SERVER, 53)), IP, now);
        nat.rules(rules("rdr net0 0/32 port 80 -> 10.0.0.6 port 80 tcp"));
        assertEquals(NatTable.TRANSLATED, nat.inbound(frame(udp(SERVER, 53, OUTSIDE, 5000)), IP, now),
            "the connection outlives its rule");
        assertEquals(NatTable.PASS, nat.outbound(frame(udp(GUEST, 5001, SERVER, 53)), IP, now),
            "no map: a new flow is not translated");
        assertEquals(1, nat.flush());
        assertEquals(0, nat.size());
        assertEquals(NatTable.PASS, nat.inbound(frame(udp(SERVER, 53, OUTSIDE, 5000)), IP, now));
        now += 10 * 60_000;
        nat.expire(now); // the flushed connection's timer finds nothing
        assertEquals(0, nat.counter(NatTable.EXPIRED));
    }

    /** Bytes {@code from} to {@code to} of a frame's IPv4 payload, as a fragment at that offset. */
    private static UnsafeBuffer fragmentOf(final UnsafeBuffer whole, final int from, final int to, final boolean more)
    {
        final UnsafeBuffer f = new UnsafeBuffer(new byte[IP + 20 + (to - from)]);
        f.putBytes(0, whole, 0, IP + 20);
        f.putBytes(IP + 20, whole, IP + 20 + from, to - from);
        f.putShort(IP + 2, (short)(20 + to - from), BE);
        f.putShort(IP + 6, (short)((more ? 0x2000 : 0) | from / 8), BE);
        f.putShort(IP + 10, (short)0);
        f.putShort(IP + 10, (short)InternetChecksum.checksum(f, IP, 20), BE);
        return f;
    }

    @Test
    void shouldTranslateLaterFragmentsAsTheFirstWasAndNoOthers()
    {
        final UnsafeBuffer whole = frame(new FrameBuilder().ethernet(1, 2).ipv4(GUEST, SERVER).identification(4242)
            .udp(5000, 53, 64).payloadFill(7));
        final UnsafeBuffer first = fragmentOf(whole, 0, 32, true);
        final UnsafeBuffer last = fragmentOf(whole, 32, 72, false);
        assertEquals(NatTable.UNTRANSLATABLE, nat.outbound(fragmentOf(whole, 32, 72, false), IP, now),
            "a later fragment before its first: dropped, never sent with the inside address");
        assertEquals(NatTable.TRANSLATED, nat.outbound(first, IP, now));
        assertEquals(NatTable.TRANSLATED, nat.outbound(last, IP, now));
        assertEquals(OUTSIDE, last.getInt(IP + 12, BE));
        assertEquals(0, InternetChecksum.checksum(last, IP, 20));
        // The receiver's reassembly: the UDP checksum over the whole datagram, as translated, is right.
        final UnsafeBuffer reassembled = new UnsafeBuffer(new byte[IP + 20 + 72]);
        reassembled.putBytes(0, first, 0, IP + 20 + 32);
        reassembled.putBytes(IP + 20 + 32, last, IP + 20, 40);
        assertEquals(InternetChecksum.udpChecksum(reassembled, L4, 72, OUTSIDE, SERVER),
            reassembled.getShort(L4 + 6, BE) & 0xFFFF);
        assertEquals(1, nat.counter(NatTable.FRAGMENTS_FOLLOWED));

        // The reply in fragments comes back to the guest.
        final UnsafeBuffer reply = frame(new FrameBuilder().ethernet(1, 2).ipv4(SERVER, OUTSIDE).identification(99)
            .udp(53, 5000, 64).payloadFill(3));
        final UnsafeBuffer replyLast = fragmentOf(reply, 32, 72, false);
        assertEquals(NatTable.TRANSLATED, nat.inbound(fragmentOf(reply, 0, 32, true), IP, now));
        assertEquals(NatTable.TRANSLATED, nat.inbound(replyLast, IP, now));
        assertEquals(GUEST, replyLast.getInt(IP + 16, BE));

        now += 31_000; // followed for 30 s
        nat.expire(now);
        assertEquals(NatTable.UNTRANSLATABLE, nat.outbound(fragmentOf(whole, 32, 72, false), IP, now),
            "its datagram is forgotten");
        assertEquals(2, nat.counter(NatTable.FRAGMENTS));
    }

    @Test
    void shouldUpdateAPartialChecksumAsTheDeviceWillFinishIt()
    {
        // A super-frame's TCP checksum as Linux hands it over: the pseudo-header's sum, not complemented.
        final UnsafeBuffer b = frame(tcp(GUEST, 5000, SERVER, 80, 0x10).payloadFill(200));
        final int length = (b.getShort(IP + 2, BE) & 0xFFFF) - 20;
        b.putShort(L4 + 16, (short)InternetChecksum.fold(InternetChecksum.pseudoHeaderSum(GUEST, SERVER, 6, length)),
            BE);
        final UnsafeBuffer taken = frame(tcp(GUEST, 5000, SERVER, 81, 0x02));
        nat.outbound(taken, IP, now); // port 5000 is taken for another connection: this one gets another port
        final UnsafeBuffer second = frame(tcp(GUEST2, 5000, SERVER, 80, 0x10).payloadFill(200));
        second.putShort(L4 + 16, (short)InternetChecksum.fold(InternetChecksum.pseudoHeaderSum(GUEST2, SERVER, 6,
            length)), BE);
        assertEquals(NatTable.TRANSLATED, nat.outbound(second, IP, now, true));
        assertNotEquals(5000, second.getShort(L4, BE) & 0xFFFF, "a port of its own");
        // The device sums from the TCP header to the end over the field as left: the checksum must come out right.
        second.putShort(L4 + 16, (short)InternetChecksum.finish(InternetChecksum.sum(second, L4, length)), BE);
        assertChecksumsRight(second);
        assertEquals(NatTable.TRANSLATED, nat.outbound(b, IP, now, true));
        b.putShort(L4 + 16, (short)InternetChecksum.finish(InternetChecksum.sum(b, L4, length)), BE);
        assertChecksumsRight(b);
    }

    @Test
    void shouldKeepExactlyTheConnectionsSeenWithinTheirTimeThroughChurn()
    {
        // A model of what must be there: each flow's outside port and when it was last seen.
        nat = new NatTable(rules("map net0 10.0.0.0/8 -> 0/32"), new NatTable.Config(8192, 8192, false,
            7_440_000, 240_000, 300_000, 60_000), now);
        final Random random = new Random(11);
        final java.util.Map<Long, long[]> model = new java.util.HashMap<>();
        final java.util.List<Long> flows = new java.util.ArrayList<>();
        for (int step = 0; step < 40_000; step++)
        {
            now += random.nextInt(80);
            nat.expire(now);
            final long flow;
            if (flows.isEmpty() || random.nextInt(3) == 0)
            {
                flow = (long)(0x0A00_0000 | random.nextInt(64)) << 32 | (1024 + random.nextInt(64)) << 16 |
                    random.nextInt(16);
            }
            else
            {
                flow = flows.get(random.nextInt(flows.size()));
            }
            final long[] known = model.get(flow);
            if (known != null && now - known[1] > 300_000 + 1_000)
            {
                model.remove(flow); // expired (or about to): the table may or may not hold it this second
            }
            final int inside = (int)(flow >>> 32);
            final int port = (int)(flow >>> 16) & 0xFFFF;
            final int remote = SERVER + (int)(flow & 0xFFFF);
            final UnsafeBuffer b = frame(udp(inside, port, remote, 53));
            if (nat.outbound(b, IP, now) == NatTable.TRANSLATED)
            {
                final long[] entry = model.computeIfAbsent(flow, f -> new long[2]);
                if (!flows.contains(flow))
                {
                    flows.add(flow);
                }
                if (known == entry && now - entry[1] < 300_000 - 1_000)
                {
                    assertEquals(entry[0], b.getShort(L4, BE) & 0xFFFF, "a live flow keeps its port");
                }
                entry[0] = b.getShort(L4, BE) & 0xFFFF;
                entry[1] = now;
            }
        }
        nat.expire(now);
        int alive = 0;
        for (final java.util.Map.Entry<Long, long[]> e : model.entrySet())
        {
            final long flow = e.getKey();
            final long age = now - e.getValue()[1];
            final UnsafeBuffer reply = frame(udp(SERVER + (int)(flow & 0xFFFF), 53, OUTSIDE, (int)e.getValue()[0]));
            if (age < 300_000 - 1_000)
            {
                alive++;
                assertEquals(NatTable.TRANSLATED, nat.inbound(reply, IP, now), "seen " + age + " ms ago");
                assertEquals((int)(flow >>> 32), reply.getInt(IP + 16, BE));
                assertEquals((int)(flow >>> 16) & 0xFFFF, reply.getShort(L4 + 2, BE) & 0xFFFF);
            }
            else if (age > 300_000 + 2_000)
            {
                // Gone: its port may serve another inside endpoint since, never this one.
                final boolean toIt = nat.inbound(reply, IP, now) == NatTable.TRANSLATED &&
                    reply.getInt(IP + 16, BE) == (int)(flow >>> 32) &&
                    (reply.getShort(L4 + 2, BE) & 0xFFFF) == ((int)(flow >>> 16) & 0xFFFF);
                assertFalse(toIt, "idle " + age + " ms: gone");
            }
        }
        assertTrue(alive > 1000, "the churn kept many alive: " + alive);
        assertTrue(nat.counter(NatTable.EXPIRED) > 1000, "and expired many: " + nat.counter(NatTable.EXPIRED));
        final int tracked = nat.size();
        assertTrue(tracked >= alive);
        assertEquals(tracked, nat.flush(), "flush ends them all");
        assertEquals(0, nat.size());
        now += 10 * 60_000;
        assertEquals(0, nat.expire(now), "and their timers with them");
    }

    private static UnsafeBuffer segment(final int from, final int sport, final int to, final int dport, final int flags,
        final long seq, final int window, final int length)
    {
        final UnsafeBuffer b = frame(new FrameBuilder().ethernet(1, 2).ipv4(from, to)
            .tcp(sport, dport, flags, seq, length));
        b.putShort(L4 + 14, (short)window, BE);
        return b;
    }

    @Test
    void shouldDropTcpSegmentsOutsideTheWindowTheEndsAllowed()
    {
        assertEquals(NatTable.TRANSLATED, nat.outbound(segment(GUEST, 40000, SERVER, 80, 0x02, 1000, 8192, 0), IP,
            now));
        assertEquals(NatTable.TRANSLATED, nat.inbound(segment(SERVER, 80, OUTSIDE, 40000, 0x12, 5000, 16384, 0), IP,
            now));
        assertEquals(NatTable.TRANSLATED, nat.outbound(segment(GUEST, 40000, SERVER, 80, 0x10, 1001, 8192, 500), IP,
            now));
        assertEquals(NatTable.TRANSLATED, nat.inbound(segment(SERVER, 80, OUTSIDE, 40000, 0x10, 5001, 16384, 1000),
            IP, now));
        assertEquals(NatTable.TRANSLATED, nat.inbound(segment(SERVER, 80, OUTSIDE, 40000, 0x10, 5001, 16384, 1000),
            IP, now), "a retransmission");

        // A blind reset from outside, a guessed sequence number: dropped, and the connection lives on.
        assertEquals(NatTable.OUT_OF_WINDOW, nat.inbound(segment(SERVER, 80, OUTSIDE, 40000, 0x04,
            5001 + 1_000_000_000L, 0, 0), IP, now));
        assertEquals(NatTable.OUT_OF_WINDOW, nat.outbound(segment(GUEST, 40000, SERVER, 80, 0x10,
            1501 + 100_000, 8192, 100), IP, now), "beyond what the server's window allowed");
        assertEquals(NatTable.OUT_OF_WINDOW, nat.inbound(segment(SERVER, 80, OUTSIDE, 40000, 0x10,
            5001 - 100_000, 16384, 100), IP, now), "long before what the guest still waits for");
        assertEquals(3, nat.counter(NatTable.TCP_OUT_OF_WINDOW));
        assertEquals(1, nat.connectionsOf(6, true), "still established");
        assertEquals(NatTable.TRANSLATED, nat.inbound(segment(SERVER, 80, OUTSIDE, 40000, 0x04, 6001, 0, 0), IP,
            now), "a reset in the window ends it");
        assertEquals(0, nat.connectionsOf(6, true));

        // A connection picked up without its handshake is not checked.
        assertEquals(NatTable.TRANSLATED, nat.outbound(segment(GUEST, 40001, SERVER, 80, 0x10, 77, 8192, 10), IP,
            now));
        assertEquals(NatTable.TRANSLATED, nat.inbound(segment(SERVER, 80, OUTSIDE, 40001, 0x10, 123_456_789, 100,
            10), IP, now));
    }

    @Test
    void shouldNeverReadPastADatagramNorThrowWhateverItHolds()
    {
        // Random datagrams the router's checks let through (a sane IPv4 header, a total length within the frame), in
        // buffers exactly their size: any read past the end throws. Protocols, fragments, ICMP errors with random
        // quotes, TCP options, short transport headers.
        nat = table(4096, """
            map net0 10.0.0.0/8 -> 0/32 portmap tcp/udp auto
            rdr net0 0/32 port 80-90 -> 10.0.0.7 port 8080 tcp/udp
            bimap net0 10.0.0.8/32 -> 192.0.2.20/32
            """);
        final Random random = new Random(3);
        final int[] protocols = {1, 6, 17, 47};
        final int[] addresses = {GUEST, GUEST2, SERVER, OUTSIDE, PUBLIC, Ipv4Address.parse("10.0.0.8"),
            Ipv4Address.parse("10.0.0.7")};
        for (int i = 0; i < 200_000; i++)
        {
            final int ihl = random.nextInt(4) == 0 ? 5 + random.nextInt(11) : 5;
            final int payload = random.nextInt(5) == 0 ? random.nextInt(8) : random.nextInt(80);
            final int total = ihl * 4 + payload;
            final UnsafeBuffer b = new UnsafeBuffer(new byte[IP + total]);
            for (int k = IP; k < IP + total; k++)
            {
                b.putByte(k, (byte)random.nextInt());
            }
            b.putByte(IP, (byte)(0x40 | ihl));
            b.putShort(IP + 2, (short)total, BE);
            b.putShort(IP + 6, (short)(random.nextInt(3) == 0 ? random.nextInt() : 0x4000), BE);
            b.putByte(IP + 9, (byte)protocols[random.nextInt(protocols.length)]);
            b.putInt(IP + 12, addresses[random.nextInt(addresses.length)], BE);
            b.putInt(IP + 16, addresses[random.nextInt(addresses.length)], BE);
            if (b.getByte(IP + 9) == 1 && payload >= 1)
            {
                b.putByte(IP + ihl * 4, (byte)new int[] {0, 3, 8, 11, 12, 13, 14, 4}[random.nextInt(8)]);
            }
            if (payload >= 8 + 20 && b.getByte(IP + 9) == 1)
            {
                b.putByte(IP + ihl * 4 + 8, (byte)(0x40 | 5 + random.nextInt(11))); // a quoted header, maybe long
            }
            final int which = random.nextInt(3);
            final int result = which == 0 ? nat.outbound(b, IP, now, random.nextBoolean()) :
                which == 1 ? nat.inbound(b, IP, now, random.nextBoolean()) : nat.hairpin(b, IP, now, false);
            assertTrue(result >= NatTable.PASS && result <= NatTable.OUT_OF_WINDOW);
            if (i % 1000 == 0)
            {
                now += 7_000;
                nat.expire(now);
            }
        }
        assertTrue(nat.size() > 0, "some opened connections");
    }

    @Test
    void shouldPutATranslatedHeaderBackForAnErrorAboutIt()
    {
        nat = table(1024, """
            map net0 10.0.0.0/8 -> 0/32 portmap tcp/udp auto
            rdr net0 0/32 port 8080 -> 10.0.0.6 port 80 tcp
            """);
        final UnsafeBuffer published = frame(tcp(LAN, 40000, OUTSIDE, 8080, 0x02));
        nat.inbound(published, IP, now);
        assertTrue(nat.untranslate(published, IP));
        assertEquals(OUTSIDE, published.getInt(IP + 16, BE), "the published address");
        assertEquals(8080, published.getShort(L4 + 2, BE) & 0xFFFF, "and port, as the client sent them");
        assertChecksumsRight(published);

        nat.outbound(frame(udp(GUEST2, 5000, SERVER, 53)), IP, now); // 5000 taken: the next mapping moves
        final UnsafeBuffer masqueraded = frame(udp(GUEST, 5000, SERVER, 53));
        nat.outbound(masqueraded, IP, now);
        assertNotEquals(5000, masqueraded.getShort(L4, BE) & 0xFFFF);
        assertTrue(nat.untranslate(masqueraded, IP));
        assertEquals(GUEST, masqueraded.getInt(IP + 12, BE));
        assertEquals(5000, masqueraded.getShort(L4, BE) & 0xFFFF);
        assertChecksumsRight(masqueraded);

        final UnsafeBuffer hairpinned = frame(tcp(GUEST, 33000, OUTSIDE, 8080, 0x02));
        assertEquals(NatTable.TRANSLATED, nat.hairpin(hairpinned, IP, now));
        assertTrue(nat.untranslate(hairpinned, IP));
        assertEquals(GUEST, hairpinned.getInt(IP + 12, BE), "both ends as the guest sent them");
        assertEquals(33000, hairpinned.getShort(L4, BE) & 0xFFFF);
        assertEquals(OUTSIDE, hairpinned.getInt(IP + 16, BE));
        assertEquals(8080, hairpinned.getShort(L4 + 2, BE) & 0xFFFF);
        assertChecksumsRight(hairpinned);

        assertFalse(nat.untranslate(frame(udp(SERVER, 1, LAN, 2)), IP), "nothing of ours");
    }
}
