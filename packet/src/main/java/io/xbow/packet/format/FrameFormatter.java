package io.xbow.packet.format;

import io.xbow.packet.address.Ipv4Address;
import io.xbow.packet.address.MacAddress;
import io.xbow.packet.codec.ArpFlyweight;
import io.xbow.packet.codec.EtherType;
import io.xbow.packet.codec.Icmpv4Flyweight;
import io.xbow.packet.codec.IpProtocol;
import io.xbow.packet.codec.Ipv4Flyweight;
import io.xbow.packet.codec.TcpFlyweight;
import io.xbow.packet.codec.UdpFlyweight;
import io.xbow.packet.parse.HeaderChain;
import io.xbow.packet.parse.ParseResult;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * One-line decoding of a frame in the style of {@code tcpdump -e -n}: MACs, VLAN tags, EtherType, then an L3/L4
 * summary. For terminals, logs and demos, not the datapath: it builds strings.
 */
public final class FrameFormatter
{
    private final HeaderChain chain = new HeaderChain();
    private final ArpFlyweight arp = new ArpFlyweight();
    private final Ipv4Flyweight ipv4 = new Ipv4Flyweight();
    private final TcpFlyweight tcp = new TcpFlyweight();
    private final UdpFlyweight udp = new UdpFlyweight();
    private final Icmpv4Flyweight icmp = new Icmpv4Flyweight();

    /**
     * @param buffer holding the frame.
     * @param offset of the frame.
     * @param length of the frame.
     * @return the one-line summary.
     */
    public String format(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        final StringBuilder sb = new StringBuilder(128);
        final ParseResult result = chain.parse(buffer, offset, length);
        if (result == ParseResult.TRUNCATED_ETHERNET)
        {
            return sb.append("[|ether] length ").append(length).toString();
        }
        sb.append(MacAddress.format(MacAddress.read(buffer, offset + 6))).append(" > ")
            .append(MacAddress.format(MacAddress.read(buffer, offset))).append(", ");
        int position = offset + 12;
        int type = u16(buffer, position);
        if (chain.tagCount() > 0 || EtherType.isVlanTag(type))
        {
            etherType(sb, type).append(", length ").append(length).append(": ");
            while (EtherType.isVlanTag(type) && position + 6 <= offset + length)
            {
                final int tci = u16(buffer, position + 2);
                type = u16(buffer, position + 4);
                sb.append("vlan ").append(tci & 0xFFF).append(", p ").append(tci >>> 13).append(", ");
                etherType(sb, type).append(", ");
                position += 4;
            }
        }
        else
        {
            etherType(sb, type).append(", length ").append(length).append(": ");
        }
        if (result != ParseResult.OK)
        {
            return sb.append("[malformed: ").append(result.description()).append(']').toString();
        }
        if (chain.etherType() == EtherType.ARP)
        {
            arp(sb, buffer, chain.l3Offset());
        }
        else if (chain.etherType() == EtherType.IPV4)
        {
            ipv4(sb, buffer, chain.l3Offset());
        }
        else if (chain.etherType() == EtherType.IPV6)
        {
            sb.append("IP6");
        }
        else
        {
            final int l2Header = position + 2 - offset;
            sb.append(length - l2Header).append(" bytes of payload");
        }
        if (sb.charAt(sb.length() - 2) == ',')
        {
            sb.setLength(sb.length() - 2);
        }
        return sb.toString();
    }

    private void arp(final StringBuilder sb, final MutableDirectBuffer buffer, final int offset)
    {
        arp.wrap(buffer, offset);
        if (!arp.isEthernetIpv4())
        {
            sb.append("ARP, hardware type ").append(arp.hardwareType());
            return;
        }
        final String tpa = Ipv4Address.format(arp.targetProtocolAddress());
        final String spa = Ipv4Address.format(arp.senderProtocolAddress());
        switch (arp.operation())
        {
            case ArpFlyweight.OP_REQUEST:
                sb.append("Request who-has ").append(tpa).append(" tell ").append(spa);
                break;
            case ArpFlyweight.OP_REPLY:
                sb.append("Reply ").append(spa).append(" is-at ")
                    .append(MacAddress.format(arp.senderHardwareAddress()));
                break;
            default:
                sb.append("ARP op ").append(arp.operation());
        }
        sb.append(", length 28");
    }

    private void ipv4(final StringBuilder sb, final MutableDirectBuffer buffer, final int offset)
    {
        ipv4.wrap(buffer, offset);
        final String src = Ipv4Address.format(ipv4.source());
        final String dst = Ipv4Address.format(ipv4.destination());
        final int l4 = chain.l4Offset();
        if (l4 != HeaderChain.ABSENT && ipv4.protocol() == IpProtocol.TCP)
        {
            tcp.wrap(buffer, l4);
            sb.append(src).append('.').append(tcp.sourcePort()).append(" > ")
                .append(dst).append('.').append(tcp.destinationPort()).append(": Flags [")
                .append(tcpFlags(tcp.flags())).append("], seq ").append(tcp.sequenceNumber())
                .append(", length ").append(chain.l4Length() - tcp.headerLength());
        }
        else if (l4 != HeaderChain.ABSENT && ipv4.protocol() == IpProtocol.UDP)
        {
            udp.wrap(buffer, l4);
            sb.append(src).append('.').append(udp.sourcePort()).append(" > ")
                .append(dst).append('.').append(udp.destinationPort()).append(": UDP, length ")
                .append(udp.length() - UdpFlyweight.HEADER_LENGTH);
        }
        else if (l4 != HeaderChain.ABSENT && ipv4.protocol() == IpProtocol.ICMP)
        {
            icmp.wrap(buffer, l4);
            sb.append(src).append(" > ").append(dst).append(": ICMP ");
            switch (icmp.type())
            {
                case Icmpv4Flyweight.TYPE_ECHO_REQUEST:
                case Icmpv4Flyweight.TYPE_ECHO_REPLY:
                    sb.append(icmp.type() == Icmpv4Flyweight.TYPE_ECHO_REQUEST ? "echo request" : "echo reply")
                        .append(", id ").append(icmp.identifier()).append(", seq ").append(icmp.sequence());
                    break;
                default:
                    sb.append("type ").append(icmp.type()).append(" code ").append(icmp.code());
            }
            sb.append(", length ").append(chain.l4Length());
        }
        else
        {
            sb.append(src).append(" > ").append(dst).append(": ip-proto-").append(ipv4.protocol());
            if (ipv4.isLaterFragment())
            {
                sb.append(" (frag offset ").append(ipv4.fragmentOffset() * 8).append(')');
            }
        }
    }

    private static String tcpFlags(final int flags)
    {
        final StringBuilder sb = new StringBuilder(8);
        if ((flags & TcpFlyweight.FIN) != 0) sb.append('F');
        if ((flags & TcpFlyweight.SYN) != 0) sb.append('S');
        if ((flags & TcpFlyweight.RST) != 0) sb.append('R');
        if ((flags & TcpFlyweight.PSH) != 0) sb.append('P');
        if ((flags & TcpFlyweight.ACK) != 0) sb.append('.');
        if ((flags & TcpFlyweight.URG) != 0) sb.append('U');
        if ((flags & TcpFlyweight.ECE) != 0) sb.append('E');
        if ((flags & TcpFlyweight.CWR) != 0) sb.append('W');
        return sb.length() == 0 ? "none" : sb.toString();
    }

    private static StringBuilder etherType(final StringBuilder sb, final int type)
    {
        if (type < EtherType.MIN_ETHERTYPE)
        {
            return sb.append("802.3, length-field ").append(type);
        }
        final String name = EtherType.name(type);
        sb.append("ethertype ");
        if (name != null)
        {
            sb.append(name).append(' ');
        }
        return sb.append(String.format("(0x%04x)", type));
    }

    private static int u16(final MutableDirectBuffer buffer, final int offset)
    {
        return buffer.getShort(offset, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }
}
