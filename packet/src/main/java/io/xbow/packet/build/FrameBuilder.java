package io.xbow.packet.build;

import io.xbow.packet.address.MacAddress;
import io.xbow.packet.checksum.InternetChecksum;
import io.xbow.packet.codec.ArpFlyweight;
import io.xbow.packet.codec.EtherType;
import io.xbow.packet.codec.Icmpv4Flyweight;
import io.xbow.packet.codec.IpProtocol;
import io.xbow.packet.codec.Ipv4Flyweight;
import io.xbow.packet.codec.TcpFlyweight;
import io.xbow.packet.codec.UdpFlyweight;
import io.xbow.packet.frame.FramePool;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * Writes well-formed frames, lengths and checksums included: Ethernet with up to two VLAN tags, then ARP, or IPv4
 * carrying UDP, TCP or ICMP echo, or an opaque payload. For tests, tools, demos and emulated guests; it is reused
 * (call {@link #reset()}) and writes straight into a pool frame, but it is not a datapath stage.
 * <pre>{@code
 *   int frame = new FrameBuilder().ethernet(dst, src).vlan(100).ipv4(a, b).udp(5000, 53, 32).build(pool);
 * }</pre>
 */
public final class FrameBuilder
{
    private enum Kind
    {
        RAW, ARP, UDP, TCP, ICMP_ECHO
    }

    private final ArpFlyweight arp = new ArpFlyweight();
    private final Ipv4Flyweight ipv4 = new Ipv4Flyweight();
    private final UdpFlyweight udp = new UdpFlyweight();
    private final TcpFlyweight tcp = new TcpFlyweight();
    private final Icmpv4Flyweight icmp = new Icmpv4Flyweight();

    private long destination;
    private long source;
    private final int[] tagTpids = new int[2];
    private final int[] tagTcis = new int[2];
    private int tagCount;
    private Kind kind = Kind.RAW;
    private int etherType = 0x88B5; // IEEE local experimental EtherType
    private int payloadLength;
    private byte payloadFill = 0;
    private byte[] payload;
    private int arpOperation;
    private long arpSha;
    private int arpSpa;
    private long arpTha;
    private int arpTpa;
    private int ipSource;
    private int ipDestination;
    private int ttl = 64;
    private int ipIdentification;
    private int sourcePort;
    private int destinationPort;
    private int tcpFlags;
    private long tcpSequence;
    private int icmpType;
    private int icmpIdentifier;
    private int icmpSequence;

    /**
     * Forget everything set so far.
     *
     * @return this.
     */
    public FrameBuilder reset()
    {
        destination = 0;
        source = 0;
        tagCount = 0;
        kind = Kind.RAW;
        etherType = 0x88B5;
        payloadLength = 0;
        payloadFill = 0;
        payload = null;
        ttl = 64;
        ipIdentification = 0;
        tcpFlags = 0;
        tcpSequence = 0;
        return this;
    }

    public FrameBuilder ethernet(final long destination, final long source)
    {
        this.destination = destination;
        this.source = source;
        return this;
    }

    /**
     * Add an 802.1Q tag with priority 0; a second call adds an inner tag.
     *
     * @param vid VLAN id, written as given (tests write reserved ids on purpose).
     * @return this.
     */
    public FrameBuilder vlan(final int vid)
    {
        return tag(EtherType.VLAN, vid & 0xFFF);
    }

    /**
     * Add a tag with any TPID and TCI (an 802.1ad service tag, a priority, a DEI bit).
     *
     * @param tpid 0x8100 or 0x88A8.
     * @param tci  tag control information.
     * @return this.
     */
    public FrameBuilder tag(final int tpid, final int tci)
    {
        if (tagCount == 2)
        {
            throw new IllegalStateException("a frame takes at most two tags here");
        }
        tagTpids[tagCount] = tpid;
        tagTcis[tagCount] = tci;
        tagCount++;
        return this;
    }

    /**
     * An opaque payload after the Ethernet header.
     *
     * @param etherType the EtherType (or 802.3 length).
     * @param length    payload bytes.
     * @return this.
     */
    public FrameBuilder raw(final int etherType, final int length)
    {
        this.kind = Kind.RAW;
        this.etherType = etherType;
        this.payloadLength = length;
        return this;
    }

    public FrameBuilder arp(final int operation, final long sha, final int spa, final long tha, final int tpa)
    {
        kind = Kind.ARP;
        arpOperation = operation;
        arpSha = sha;
        arpSpa = spa;
        arpTha = tha;
        arpTpa = tpa;
        return this;
    }

    public FrameBuilder ipv4(final int source, final int destination)
    {
        ipSource = source;
        ipDestination = destination;
        return this;
    }

    public FrameBuilder ttl(final int ttl)
    {
        this.ttl = ttl;
        return this;
    }

    public FrameBuilder identification(final int identification)
    {
        this.ipIdentification = identification;
        return this;
    }

    public FrameBuilder udp(final int sourcePort, final int destinationPort, final int payloadLength)
    {
        kind = Kind.UDP;
        this.sourcePort = sourcePort;
        this.destinationPort = destinationPort;
        this.payloadLength = payloadLength;
        return this;
    }

    public FrameBuilder tcp(
        final int sourcePort, final int destinationPort, final int flags, final long sequence, final int payloadLength)
    {
        kind = Kind.TCP;
        this.sourcePort = sourcePort;
        this.destinationPort = destinationPort;
        this.tcpFlags = flags;
        this.tcpSequence = sequence;
        this.payloadLength = payloadLength;
        return this;
    }

    /**
     * @param type          {@link Icmpv4Flyweight#TYPE_ECHO_REQUEST} or {@link Icmpv4Flyweight#TYPE_ECHO_REPLY}.
     * @param identifier    echo identifier.
     * @param sequence      echo sequence number.
     * @param payloadLength bytes of data after the 8-byte header.
     * @return this.
     */
    public FrameBuilder icmpEcho(final int type, final int identifier, final int sequence, final int payloadLength)
    {
        kind = Kind.ICMP_ECHO;
        icmpType = type;
        icmpIdentifier = identifier;
        icmpSequence = sequence;
        this.payloadLength = payloadLength;
        return this;
    }

    /**
     * @param fill byte written throughout the payload.
     * @return this.
     */
    public FrameBuilder payloadFill(final int fill)
    {
        payloadFill = (byte)fill;
        payload = null;
        return this;
    }

    /**
     * Carry these bytes as the payload (of UDP, TCP, ICMP echo or the raw EtherType), replacing the length given
     * before; call after choosing the kind of frame.
     *
     * @param bytes the payload.
     * @return this.
     */
    public FrameBuilder payload(final byte[] bytes)
    {
        payload = bytes.clone();
        payloadLength = bytes.length;
        return this;
    }

    /**
     * @return the length of the frame as configured.
     */
    public int length()
    {
        int length = 14 + 4 * tagCount;
        switch (kind)
        {
            case ARP: return length + ArpFlyweight.LENGTH;
            case UDP: return length + 20 + 8 + payloadLength;
            case TCP: return length + 20 + 20 + payloadLength;
            case ICMP_ECHO: return length + 20 + 8 + payloadLength;
            default: return length + payloadLength;
        }
    }

    /**
     * @param buffer to write into.
     * @param offset of the frame's first byte.
     * @return the frame's length.
     */
    public int writeTo(final MutableDirectBuffer buffer, final int offset)
    {
        final int length = length();
        MacAddress.write(buffer, offset, destination);
        MacAddress.write(buffer, offset + 6, source);
        int position = offset + 12;
        for (int i = 0; i < tagCount; i++)
        {
            putShort(buffer, position, tagTpids[i]);
            putShort(buffer, position + 2, tagTcis[i]);
            position += 4;
        }
        final int l3 = position + 2;
        switch (kind)
        {
            case ARP:
                putShort(buffer, position, EtherType.ARP);
                arp.wrap(buffer, l3).write(arpOperation, arpSha, arpSpa, arpTha, arpTpa);
                break;
            case UDP:
            case TCP:
            case ICMP_ECHO:
                putShort(buffer, position, EtherType.IPV4);
                writeIpv4(buffer, l3, offset + length - l3);
                break;
            default:
                putShort(buffer, position, etherType);
                writePayload(buffer, l3);
        }
        return length;
    }

    /**
     * Allocate a frame from the pool and write into it.
     *
     * @param pool to allocate from.
     * @return the frame's handle, or {@link FramePool#NO_FRAME} if the pool is empty.
     * @throws IllegalArgumentException if the frame is longer than the pool's slots.
     */
    public int build(final FramePool pool)
    {
        final int length = length();
        if (length > pool.maxFrameLength())
        {
            throw new IllegalArgumentException(
                "frame of " + length + " bytes exceeds the pool's maximum of " + pool.maxFrameLength());
        }
        final int handle = pool.allocate();
        if (handle != FramePool.NO_FRAME)
        {
            pool.length(handle, length);
            writeTo(pool.buffer(), pool.offset(handle));
        }
        return handle;
    }

    /**
     * @return the frame as a byte array.
     */
    public byte[] toBytes()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[length()]);
        writeTo(buffer, 0);
        return buffer.byteArray();
    }

    private void writeIpv4(final MutableDirectBuffer buffer, final int l3, final int totalLength)
    {
        final int l4 = l3 + 20;
        final int l4Length = totalLength - 20;
        final int protocol = kind == Kind.UDP ? IpProtocol.UDP : kind == Kind.TCP ? IpProtocol.TCP : IpProtocol.ICMP;
        ipv4.wrap(buffer, l3)
            .versionAndHeaderLength(20)
            .tos(0)
            .totalLength(totalLength)
            .identification(ipIdentification)
            .flagsAndFragmentOffset(Ipv4Flyweight.FLAG_DONT_FRAGMENT, 0)
            .ttl(ttl)
            .protocol(protocol)
            .source(ipSource)
            .destination(ipDestination)
            .updateHeaderChecksum();
        final int headerLength = kind == Kind.TCP ? TcpFlyweight.MIN_HEADER_LENGTH : 8;
        writePayload(buffer, l4 + headerLength);
        switch (kind)
        {
            case UDP:
                udp.wrap(buffer, l4).sourcePort(sourcePort).destinationPort(destinationPort).length(l4Length)
                    .checksum(InternetChecksum.udpChecksum(buffer, l4, l4Length, ipSource, ipDestination));
                break;
            case TCP:
                tcp.wrap(buffer, l4).sourcePort(sourcePort).destinationPort(destinationPort)
                    .sequenceNumber(tcpSequence).acknowledgementNumber(0)
                    .headerLengthAndFlags(TcpFlyweight.MIN_HEADER_LENGTH, tcpFlags).window(65535).urgentPointer(0)
                    .checksum(InternetChecksum.tcpChecksum(buffer, l4, l4Length, ipSource, ipDestination));
                break;
            default:
                icmp.wrap(buffer, l4).type(icmpType).code(0).identifier(icmpIdentifier).sequence(icmpSequence)
                    .updateChecksum(l4Length);
        }
    }

    private void writePayload(final MutableDirectBuffer buffer, final int offset)
    {
        if (payload != null)
        {
            buffer.putBytes(offset, payload);
        }
        else
        {
            buffer.setMemory(offset, payloadLength, payloadFill);
        }
    }

    private static void putShort(final MutableDirectBuffer buffer, final int offset, final int value)
    {
        buffer.putShort(offset, (short)value, ByteOrder.BIG_ENDIAN);
    }
}
