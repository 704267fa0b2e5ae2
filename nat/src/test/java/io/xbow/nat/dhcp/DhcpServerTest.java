package io.xbow.nat.dhcp;

import io.xbow.packet.address.Ipv4Address;
import io.xbow.packet.checksum.InternetChecksum;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The DHCP server's state machine on crafted messages and a fake clock: the four forms of REQUEST, RELEASE, DECLINE,
 * INFORM, replies addressed as RFC 2131 4.1 says, a client claiming another's address, static hosts, expiry, and
 * messages that are truncated or whose options overflow.
 */
class DhcpServerTest
{
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;
    private static final int SERVER = Ipv4Address.parse("203.0.113.1");
    private static final long SERVER_MAC = 0x0216_3e00_0001L;
    private static final long CLIENT = 0x0016_3e00_00c1L;
    private static final long OTHER = 0x0016_3e00_00c2L;
    private static final int FIRST = Ipv4Address.parse("203.0.113.100");

    private long now = 1_700_000_000_000L;
    private final List<String> told = new ArrayList<>();
    private final DhcpServer server = new DhcpServer(SERVER, 24,
        new DhcpServer.Pool(FIRST, Ipv4Address.parse("203.0.113.102"), SERVER,
            new int[] {Ipv4Address.parse("192.0.2.53")}, 3600, "example.net"),
        () -> now, new DhcpServer.Listener()
        {
            @Override
            public void leased(final long mac, final int address, final long expiresEpochMs, final String hostname)
            {
                told.add("leased " + Long.toHexString(mac) + " " + Ipv4Address.format(address) + " " + hostname);
            }

            @Override
            public void ended(final long mac, final int address)
            {
                told.add("ended " + Long.toHexString(mac) + " " + Ipv4Address.format(address));
            }
        });
    private final UnsafeBuffer out = new UnsafeBuffer(new byte[2048]);

    /** A client's message: Ethernet, IPv4 (from ciaddr or 0.0.0.0, to broadcast or the server), UDP 68 to 67. */
    private static final class Message
    {
        final UnsafeBuffer b = new UnsafeBuffer(new byte[1024]);
        int o = 14 + 20 + 8 + 240;
        int ciaddr;
        int flags;
        long chaddr = CLIENT;
        int destination = -1;

        Message(final int type)
        {
            option(53, new byte[] {(byte)type});
        }

        Message option(final int code, final byte[] value)
        {
            b.putByte(o, (byte)code);
            b.putByte(o + 1, (byte)value.length);
            b.putBytes(o + 2, value);
            o += 2 + value.length;
            return this;
        }

        Message address(final int code, final int address)
        {
            return option(code, new byte[] {(byte)(address >>> 24), (byte)(address >>> 16), (byte)(address >>> 8),
                (byte)address});
        }

        UnsafeBuffer build()
        {
            b.putByte(o++, (byte)255);
            final int bootp = 42;
            b.putByte(bootp, (byte)1);
            b.putByte(bootp + 1, (byte)1);
            b.putByte(bootp + 2, (byte)6);
            b.putInt(bootp + 4, 0x1234_5678, BE);
            b.putShort(bootp + 10, (short)flags, BE);
            b.putInt(bootp + 12, ciaddr, BE);
            b.putShort(bootp + 28, (short)(chaddr >>> 32), BE);
            b.putInt(bootp + 30, (int)chaddr, BE);
            b.putInt(bootp + 236, DhcpRequest.MAGIC, BE);
            final int udpLength = o - 34;
            b.putByte(14, (byte)0x45);
            b.putShort(16, (short)(20 + udpLength), BE);
            b.putByte(22, (byte)64);
            b.putByte(23, (byte)17);
            b.putInt(26, ciaddr, BE);
            b.putInt(30, destination, BE);
            b.putShort(24, (short)InternetChecksum.ipv4HeaderChecksum(b, 14, 20), BE);
            b.putShort(34, (short)68, BE);
            b.putShort(36, (short)67, BE);
            b.putShort(38, (short)udpLength, BE);
            return b;
        }
    }

    private int send(final Message message)
    {
        return server.handle(message.build(), 14, message.chaddr, SERVER_MAC, out, 0);
    }

    private int type()
    {
        int o = 42 + 240;
        while ((out.getByte(o) & 0xFF) != 53)
        {
            o += 2 + (out.getByte(o + 1) & 0xFF);
        }
        return out.getByte(o + 2);
    }

    private int yiaddr()
    {
        return out.getInt(42 + 16, BE);
    }

    private int ipDestination()
    {
        return out.getInt(30, BE);
    }

    private long macDestination()
    {
        return (out.getShort(0, BE) & 0xFFFFL) << 32 | (out.getInt(2, BE) & 0xFFFF_FFFFL);
    }

    private int lease(final long mac)
    {
        final Message discover = new Message(DhcpServer.DISCOVER);
        discover.chaddr = mac;
        assertTrue(send(discover) > 0);
        final int offered = yiaddr();
        final Message request = new Message(DhcpServer.REQUEST).address(50, offered).address(54, SERVER);
        request.chaddr = mac;
        assertTrue(send(request) > 0);
        assertEquals(DhcpServer.ACK, type());
        return offered;
    }

    @Test
    void shouldOfferThenAckAndAddressRepliesAsRfc2131Says()
    {
        final int length = send(new Message(DhcpServer.DISCOVER).option(55, new byte[] {1, 3, 6, 15, 28, 51}));
        assertTrue(length >= 14 + 20 + 8 + 300, "a BOOTP reply is at least 300 bytes");
        assertEquals(DhcpServer.OFFER, type());
        assertEquals(FIRST, yiaddr(), "the first free address");
        assertEquals(CLIENT, macDestination(), "no broadcast flag: to chaddr, without ARP");
        assertEquals(FIRST, ipDestination(), "... and to yiaddr");
        assertEquals(0, InternetChecksum.checksum(out, 14, 20));
        final int udpLength = out.getShort(38, BE) & 0xFFFF;
        assertEquals(out.getShort(40, BE) & 0xFFFF, InternetChecksum.udpChecksum(out, 34, udpLength, SERVER, FIRST));

        final Message request = new Message(DhcpServer.REQUEST).address(50, FIRST).address(54, SERVER)
            .option(12, "web".getBytes());
        request.flags = 0x8000;
        send(request);
        assertEquals(DhcpServer.ACK, type());
        assertEquals(0xFFFF_FFFF_FFFFL, macDestination(), "broadcast flag: broadcast");
        assertEquals(-1, ipDestination());
        assertEquals(List.of("leased 163e0000c1 203.0.113.100 web"), told);

        // RENEWING: unicast from the address, to ciaddr.
        final Message renew = new Message(DhcpServer.REQUEST);
        renew.ciaddr = FIRST;
        renew.destination = SERVER;
        send(renew);
        assertEquals(DhcpServer.ACK, type());
        assertEquals(FIRST, ipDestination(), "to ciaddr");
        assertEquals(FIRST, yiaddr());

        // REBINDING: broadcast, from the address, to any server; the answer still goes to ciaddr.
        final Message rebind = new Message(DhcpServer.REQUEST);
        rebind.ciaddr = FIRST;
        send(rebind);
        assertEquals(DhcpServer.ACK, type());
        assertEquals(FIRST, ipDestination());
        assertEquals(CLIENT, macDestination());

        // INIT-REBOOT: the client asks for what it had; another asking for it is told no.
        send(new Message(DhcpServer.REQUEST).address(50, FIRST));
        assertEquals(DhcpServer.ACK, type());
        final Message thief = new Message(DhcpServer.REQUEST).address(50, FIRST);
        thief.chaddr = OTHER;
        send(thief);
        assertEquals(DhcpServer.NAK, type(), "another client's address");
        assertEquals(0xFFFF_FFFF_FFFFL, macDestination(), "a NAK is broadcast");
        final Message stranger = new Message(DhcpServer.REQUEST).address(50, Ipv4Address.parse("203.0.113.101"));
        stranger.chaddr = OTHER;
        assertEquals(0, send(stranger), "no record of this client: RFC 2131 4.3.2 says nothing");
        send(new Message(DhcpServer.REQUEST).address(50, Ipv4Address.parse("10.1.1.1")));
        assertEquals(DhcpServer.NAK, type(), "off the subnet: the client moved");
    }

    @Test
    void shouldReleaseDeclineInformAndExpire()
    {
        final int first = lease(CLIENT);
        final int second = lease(OTHER);
        assertEquals(Ipv4Address.parse("203.0.113.101"), second);
        final Message release = new Message(DhcpServer.RELEASE).address(54, SERVER);
        release.ciaddr = first;
        assertEquals(0, send(release));
        assertTrue(told.contains("ended 163e0000c1 203.0.113.100"));
        assertEquals(first, lease(0x0016_3e00_00c3L), "a released address is free again");

        // DECLINE: the client found the address in use; it stays out of the pool for a while.
        send(new Message(DhcpServer.DECLINE).address(50, first).address(54, SERVER)); // not its lease: ignored
        final Message decline = new Message(DhcpServer.DECLINE).address(50, first).address(54, SERVER);
        decline.chaddr = 0x0016_3e00_00c3L;
        send(decline);
        assertEquals(1, server.counter(DhcpServer.DECLINES));
        assertEquals(Ipv4Address.parse("203.0.113.102"), lease(0x0016_3e00_00c4L), "not the declined address");
        final Message discover = new Message(DhcpServer.DISCOVER);
        discover.chaddr = 0x0016_3e00_00c5L;
        assertEquals(0, send(discover), "none left: the pool is exhausted");
        assertEquals(1, server.counter(DhcpServer.EXHAUSTED));
        now += DhcpServer.DECLINE_HOLD_MS + 1;
        assertTrue(send(discover) > 0);
        assertEquals(first, yiaddr(), "the declined address is back after its hold");

        // INFORM: options, no lease, to ciaddr.
        final Message inform = new Message(DhcpServer.INFORM);
        inform.ciaddr = Ipv4Address.parse("203.0.113.50");
        send(inform);
        assertEquals(DhcpServer.ACK, type());
        assertEquals(0, yiaddr());
        assertEquals(inform.ciaddr, ipDestination());

        // Leases expire: an hour on, every address is free again.
        now += 3_600_001;
        final Message late = new Message(DhcpServer.DISCOVER);
        late.chaddr = 0x0016_3e00_00c6L;
        send(late);
        assertEquals(FIRST, yiaddr());
    }

    @Test
    void shouldGiveAStaticHostItsAddressAndNoOneElse()
    {
        final int fixed = Ipv4Address.parse("203.0.113.7");
        server.addStatic(OTHER, fixed);
        assertEquals(fixed, lease(OTHER), "outside the range, but the host's");
        final Message claim = new Message(DhcpServer.REQUEST).address(50, fixed).address(54, SERVER);
        send(claim);
        assertEquals(DhcpServer.NAK, type());
        final List<String> leases = new ArrayList<>();
        server.leases((mac, address, expires, hostname, state) -> leases.add(Ipv4Address.format(address) + " " + state));
        assertEquals(List.of("203.0.113.7 bound"), leases);
    }

    @Test
    void shouldDropWhatIsNotAWellFormedRequest()
    {
        final Message truncated = new Message(DhcpServer.DISCOVER);
        final UnsafeBuffer b = truncated.build();
        b.putShort(38, (short)(8 + 200), BE); // the UDP length says 200 bytes of BOOTP: too short
        assertEquals(0, server.handle(b, 14, CLIENT, SERVER_MAC, out, 0));

        final Message overflow = new Message(DhcpServer.DISCOVER);
        overflow.b.putByte(overflow.o, (byte)12);
        overflow.b.putByte(overflow.o + 1, (byte)200); // a hostname running past the message
        overflow.o += 2;
        assertEquals(0, send(overflow));

        // Option overload: the message type in the file field, once; a loop is impossible, each area read once.
        final Message overloaded = new Message(DhcpServer.DISCOVER);
        overloaded.o -= 3; // take back the type option
        overloaded.option(52, new byte[] {1});
        overloaded.b.putByte(42 + 108, (byte)53);
        overloaded.b.putByte(42 + 109, (byte)1);
        overloaded.b.putByte(42 + 110, (byte)DhcpServer.DISCOVER);
        overloaded.b.putByte(42 + 111, (byte)52);
        overloaded.b.putByte(42 + 112, (byte)1);
        overloaded.b.putByte(42 + 113, (byte)3);
        overloaded.b.putByte(42 + 114, (byte)255);
        assertTrue(send(overloaded) > 0, "the type found in the file field");
        assertEquals(DhcpServer.OFFER, type());
        assertEquals(2, server.counter(DhcpServer.MALFORMED));
    }
}
